"""Importing from a spreadsheet, for every kind a domain contributes
(core.imports.kinds): upload -> match the columns -> check every row ->
import -> the summary and the refused rows. Staff pages, in English.

An import is its uploader's alone (404 for anyone else, as a job is), and
they must still be allowed to import into its forum or event at every step."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core import imports, jobs
from core.accounts.models import User
from core.errors import DomainError
from core.extensions import db
from core.forms import RunImportForm, UploadSpreadsheetForm, call_service, column_matching_form
from core.models import ImportStatus, SpreadsheetImport
from core.spam import bulk_work
from core.spreadsheets import csv_download
from core.views import bp
from core.i18n import staff_screens

staff_screens(__name__)  # in English, wholly (core.i18n)

SHOWN_PROBLEMS = 500  # the preview lists this many rows with problems; the refused-rows file has them all


@bp.app_context_processor
def _imports_enums():
    """The enum import pages decide by, so they compare members, never value strings."""
    return {"ImportStatus": ImportStatus}


def _kind_and_scope(kind_name: str, scope_id: int):
    kind = imports.kind_named(kind_name)
    scope = kind.load_scope(scope_id) if kind is not None else None
    if scope is None:
        abort(404)
    if not kind.may_import(current_user, scope):
        abort(403)
    return kind, scope


def _importer_refused(kind, scope):
    """The page saying why this person may not import here (every step asks), or None."""
    try:
        kind.refuse_importer(current_user, scope)
    except DomainError as error:
        return render_template("core/imports/refused.html", kind=kind, scope=scope, message=error.message,
                               back_url=kind.back_url(scope))
    return None


def _import_or_404(import_id: int):
    started = db.session.get(SpreadsheetImport, import_id)
    if started is None or started.owner_id != current_user.id:
        abort(404)
    kind, scope = _kind_and_scope(started.kind, started.scope_id)
    return started, kind, scope


@bp.route("/imports/<kind_name>/<int:scope_id>", methods=["GET", "POST"])
@login_required
@bulk_work("IMPORT_UPLOAD_LIMIT_PER_ACCOUNT")
def upload_spreadsheet(kind_name, scope_id):
    kind, scope = _kind_and_scope(kind_name, scope_id)
    refused = _importer_refused(kind, scope)
    if refused is not None:
        return refused
    form = UploadSpreadsheetForm()
    if form.validate_on_submit():
        upload = form.spreadsheet.data
        done, started = call_service(form, lambda: imports.upload(kind, scope, upload.filename or "",
                                                                  upload.read(imports.MAX_BYTES + 1), actor=current_user))
        if done:
            return redirect(url_for("core.match_columns", import_id=started.id))
    return render_template("core/imports/upload.html", kind=kind, scope=scope, form=form,
                           back_url=kind.back_url(scope), needed=kind.needs(scope))


@bp.route("/imports/<int:import_id>/columns", methods=["GET", "POST"])
@login_required
def match_columns(import_id):
    started, kind, scope = _import_or_404(import_id)
    if started.status not in (ImportStatus.UPLOADED, ImportStatus.MAPPED):
        return redirect(url_for("core.import_summary", import_id=started.id))
    refused = _importer_refused(kind, scope)
    if refused is not None:
        return refused
    form = column_matching_form(kind, started.headers, started.mapping or {},
                                formdata=request.form if request.method == "POST" else None, needed=kind.needs(scope))
    if request.method == "POST" and form.validate():
        chosen = {column.name: int(form[column.name].data) if form[column.name].data else None
                  for column in kind.columns}
        done, _ = call_service(form, lambda: imports.match_columns(started, kind, chosen, actor=current_user,
                                                                        scope=scope))
        if done:
            return redirect(url_for("core.import_preview", import_id=import_id))
    return render_template("core/imports/columns.html", kind=kind, scope=scope, started=started, form=form)


@bp.get("/imports/<int:import_id>/preview")
@login_required
def import_preview(import_id):
    started, kind, scope = _import_or_404(import_id)
    if started.status == ImportStatus.UPLOADED:
        return redirect(url_for("core.match_columns", import_id=import_id))
    if started.status != ImportStatus.MAPPED:
        return redirect(url_for("core.import_summary", import_id=import_id))
    try:
        kind.refuse_importer(current_user, scope)
        kind.refuse_scope(scope)
        checks = imports.checks_of(started, kind, scope)
    except DomainError as error:
        return render_template("core/imports/refused.html", kind=kind, scope=scope, message=error.message,
                               back_url=kind.back_url(scope))
    with_problems = [check for check in checks if check.problems]
    return render_template("core/imports/preview.html", kind=kind, scope=scope, started=started,
                           counts=imports.counts_of(checks), with_problems=with_problems[:SHOWN_PROBLEMS],
                           problems_hidden=max(0, len(with_problems) - SHOWN_PROBLEMS),
                           skipped=[check for check in checks if check.skipped and not check.problems],
                           labels={column.name: column.label for column in kind.columns},
                           left_out=imports.headings_left_out(started), form=RunImportForm(),
                           in_background=started.rows_total > imports.IN_REQUEST_ROWS,
                           also_does=kind.also_does(scope, [check.cleaned for check in checks if check.will_import]))


@bp.post("/imports/<int:import_id>/run")
@login_required
@bulk_work("BULK_EMAIL_LIMIT_PER_ACCOUNT")
def run_import(import_id):
    started, kind, scope = _import_or_404(import_id)
    form = RunImportForm()
    if not form.validate_on_submit():
        abort(400)
    summary_url = url_for("core.import_summary", import_id=import_id)
    done, job = call_service(form, lambda: imports.start(started, kind, scope, email_people=form.email_people.data,
                                                         actor=current_user, back_url=summary_url))
    if not done:
        return redirect(url_for("core.import_preview", import_id=import_id))
    if job is not None:
        return redirect(url_for("core.job", job_id=job.id))
    flash(f"{started.imported} imported from {started.file_name}.", "success")
    return redirect(summary_url)


@bp.get("/imports/<int:import_id>")
@login_required
def import_summary(import_id):
    started, kind, scope = _import_or_404(import_id)
    if started.status in (ImportStatus.UPLOADED, ImportStatus.MAPPED):
        return redirect(url_for("core.import_preview", import_id=import_id))
    return render_template("core/imports/summary.html", kind=kind, scope=scope, started=started,
                           back_url=kind.back_url(scope))


@bp.get("/imports/<int:import_id>/refused.csv")
@login_required
def refused_rows(import_id):
    started, kind, scope = _import_or_404(import_id)
    if started.status != ImportStatus.DONE or started.refused_file is None:
        abort(404)
    stem = started.file_name.rsplit(".", 1)[0] or "import"
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in stem)[:60]
    return csv_download(started.refused_file, f"{safe}-refused-rows.csv")


def _run_import_job(import_id: int) -> str:
    return imports.run_job(import_id, actor_of=lambda user_id: db.session.get(User, user_id))


jobs.register(55, "run-import", _run_import_job, priority=jobs.LOW_PRIORITY)
