"""Report pages and downloads. Every figure comes already suppressed from
reports.services; these routes load the scope, check who is asking, and
format."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent
from flask_login import current_user, login_required

from core import progress
from core.database import in_london, utcnow
from core.equality.services import CHARACTERISTICS
from core.forms import EmptyForm, call_service, press_button
from core.i18n import staff_screens
from core.spam import bulk_work, joined_running_work
from core.spreadsheets import csv_download, csv_file
from events.services.surveys import survey_closes_at, survey_counts
from forums.services.coordinators import coordinated_forums
from core.extensions import db
from core.partners.models import PartnerOrganisation
from core.partners.permissions import can_manage_partners
from reports import baselines, drawing, findings, permissions, perturbation, queries, services, surveys
from reports.partners import ALL_YEARS, engagement_of
from reports import open_data as open_data_service
from reports import privacy  # noqa: F401  registers the names of reports' audit actions in "Your data"
from reports.exports import HEADER, report_csv
from reports.forms import BaselineUploadForm, ReportFilterForm

bp = Blueprint("reports", __name__)
# In English, wholly (core.i18n), but for the public pages: the methodology and open data.
staff_screens(__name__, but=("reports.methodology", "reports.open_data", "reports.open_data_csv"))

RECENT_EVENTS = 30
MAX_BACK_URL = 500  # background_jobs.back_url
MIN_YEAR = 2000
PERCENT_TO_A_DECIMAL = "#,##0.0%"  # "9.8%" in English, "9,8%" in Polish


def _subject_or_404(kind: str, object_id: int | None):
    try:
        return queries.report_subject(kind, object_id)
    except queries.NoSuchScope:
        abort(404)


def _asked_for(kind: str, object_id: int | None):
    """Load and check the scope; read the filters in the query string."""
    subject = _subject_or_404(kind, object_id)
    if not permissions.can_report_on(current_user, kind, subject):
        abort(403)
    form = ReportFilterForm(request.args)
    form.baseline.choices = baselines.choices()
    dates = (form.starts.data, form.ends.data) if form.validate() else (None, None)
    return form, services.Scope(kind, object_id, *dates), permissions.breakdowns_withheld(current_user, kind, subject)


def _report_or_error(kind: str, object_id: int | None, *, file: bool = False):
    """Load and check, then build the report for the filters in the query
    string. A `file` (CSV) is made only for dates the report's page accepts:
    one asked for with dates that are not dates is refused, not made for
    every date instead."""
    form, scope, withheld = _asked_for(kind, object_id)
    if file and form.errors:
        abort(400)
    report = services.build(scope, findings.scope_title(scope), baselines.chosen(form.baseline.data),
                            breakdowns_withheld=withheld, reader_id=current_user.id)
    return form, scope, report


@bp.get("/reports")
@login_required
def index():
    if not permissions.can_see_reports(current_user):
        abort(403)
    admin = permissions.can_report_on(current_user, "all", None)  # admins and equality monitors
    return render_template(
        "reports/index.html", admin=admin, this_year=in_london(utcnow()).year,
        events=queries.recent_reportable_events(RECENT_EVENTS, organised_by=None if admin else current_user.id),
        forums=queries.forums_by_name() if admin else coordinated_forums(current_user),
        cycles=queries.award_cycles_newest_first() if permissions.can_report_on(current_user, "cycle", None) else [],
        priorities=queries.priorities_in_order() if admin else [])


@bp.get("/reports/all")
@bp.get("/reports/<any(event, series, forum, cycle, priority):kind>/<int:object_id>")
@login_required
def report_page(kind="all", object_id=None):
    form, _, report = _report_or_error(kind, object_id)
    view = request.args.get("view", "came")
    # Dates the form refused are not what the report shows (it covers every date then): its files leave them out.
    left_out = {"view"} | ({"starts", "ends"} if form.errors.keys() & {"starts", "ends"} else set())
    filters = {key: values for key, values in request.args.to_dict(flat=False).items() if key not in left_out}
    return render_template(
        "reports/report.html", form=form, report=report, view=view if view in ("came", "no_show") else "came",
        findings=findings.key_findings(report),
        notes=findings.method_notes(report.threshold, report.minimum_respondents),
        column_labels=services.COLUMN_LABELS, mixing=services.MIXING_CHARACTERISTICS,
        view_url=lambda column: url_for("reports.report_page", **request.view_args, **filters, view=column),
        csv_url=url_for("reports.report_download", **request.view_args, **filters),
        pdf_url=url_for("reports.report_pdf", **request.view_args, **filters), pdf_form=EmptyForm())


@bp.get("/reports/all/report.csv")
@bp.get("/reports/<any(event, series, forum, cycle, priority):kind>/<int:object_id>/report.csv")
@login_required
def report_download(kind="all", object_id=None):
    _, scope, report = _report_or_error(kind, object_id, file=True)
    today = in_london(utcnow()).date()
    return csv_download(report_csv(report, findings.period(report, today),
                                   url_for("reports.methodology", _external=True)),
                        drawing.report_file_name(scope, report, today, "csv"))


@bp.post("/reports/all/report.pdf")
@bp.post("/reports/<any(event, series, forum, cycle, priority):kind>/<int:object_id>/report.pdf")
@bulk_work("REPORT_PDF_LIMIT_PER_ACCOUNT")
@login_required
def report_pdf(kind="all", object_id=None):
    """Ask the worker to draw the PDF, and watch it on the job's page."""
    form, scope, withheld = _asked_for(kind, object_id)
    if not EmptyForm().validate_on_submit() or form.errors:  # as the CSV: only for dates the page accepts
        abort(400)
    back = url_for("reports.report_page", **request.view_args, **request.args.to_dict(flat=False))
    if len(back) > MAX_BACK_URL:  # a query string longer than any filter makes: back to the plain report
        back = url_for("reports.report_page", **request.view_args)
    _, job = call_service(form, lambda: drawing.draw_later(
        scope, form.baseline.data, breakdowns_withheld=withheld, reader_id=current_user.id, back_url=back))
    return redirect(url_for("core.job", job_id=job.id))


@bp.get("/reports/progress/<int:year>")
@login_required
def progress_report(year):
    """The standing conference's review of a year, as last prepared for this
    reader by the worker (reports.drawing.prepare_progress), with its PDF."""
    _may_read_progress(year)
    here = url_for("reports.progress_report", year=year)
    prepared = progress.prepared_page(current_user.id, here)
    if prepared is not None and not progress.may_download(current_user, prepared):
        prepared = None  # prepared with breakdowns this reader's role no longer lets them see
    return render_template("reports/progress.html", year=year, prepared=prepared,
                           preparing=drawing.preparing_progress(current_user.id, here),
                           failed=drawing.failed_progress(current_user.id, here), form=EmptyForm())


@bp.post("/reports/progress/<int:year>/prepare")
@bulk_work("REPORT_PDF_LIMIT_PER_ACCOUNT")
@login_required
def prepare_progress_report(year):
    """Ask the worker to prepare the year's progress report, and watch it on the job's page."""
    _may_read_progress(year)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    _, (job, started) = call_service(form, lambda: drawing.prepare_progress_later(
        year, breakdowns_withheld=permissions.breakdowns_withheld(current_user, "all", None),
        reader_id=current_user.id, back_url=url_for("reports.progress_report", year=year)))
    if not started:
        joined_running_work()
    return redirect(url_for("core.job", job_id=job.id))


def _may_read_progress(year: int) -> None:
    """Admins and equality monitors only: it spans every event, forum and cycle."""
    if not permissions.can_report_on(current_user, "all", None):
        abort(403)
    if not MIN_YEAR <= year <= in_london(utcnow()).year:
        abort(404)


@bp.get("/reports/event/<int:event_id>/survey")
@login_required
def survey_results(event_id):
    """An event's outcome survey, once it has closed with enough answers (reports/surveys.py)."""
    event = _subject_or_404("event", event_id)
    if not permissions.can_report_on(current_user, "event", event):
        abort(403)
    return render_template("reports/survey_results.html", event=event, results=surveys.event_results(event),
                           closes_at=survey_closes_at(event), now=utcnow(), survey_counts=survey_counts(event))


@bp.get("/reports/surveys/<int:year>")
@login_required
def survey_priorities(year):
    """Outcome survey results for a year under each cohesion priority: admins and equality monitors."""
    if not permissions.can_report_on(current_user, "priority", None):
        abort(403)
    if not MIN_YEAR <= year <= in_london(utcnow()).year:
        abort(404)
    return render_template("reports/survey_priorities.html", year=year, overall=surveys.year_results(year),
                           priorities=surveys.results_by_priority(queries.priorities_in_order(), year))


@bp.get("/reports/partners/<int:partner_id>")
@login_required
def partner_engagement(partner_id):
    """A partner's work with the partnership over time: counts, with small numbers hidden."""
    if not can_manage_partners(current_user):
        abort(403)
    partner = db.get_or_404(PartnerOrganisation, partner_id)
    return render_template("reports/partner_engagement.html", engagement=engagement_of(partner, now=utcnow()),
                           all_years=ALL_YEARS)


@bp.get("/reports/methodology")
def methodology():
    """How the figures are protected and what that costs, in plain words: public, like the open data."""
    table = [(label, {amount: format_percent(chance, PERCENT_TO_A_DECIMAL) for amount, chance in row})
             for label, row in perturbation.published_table()]
    return render_template("reports/methodology.html", table=table,
                           changes=range(-perturbation.MAX_CHANGE, perturbation.MAX_CHANGE + 1),
                           max_change=perturbation.MAX_CHANGE, threshold=services.threshold(),
                           minimum=services.minimum_respondents(),
                           settles_after=current_app.config["ATTENDANCE_SETTLES_AFTER_DAYS"],
                           expected=services.EXPECTED_AT_LEAST, under=format_decimal(services.UNDER_REPRESENTED),
                           over=format_decimal(services.OVER_REPRESENTED))


@bp.get("/open-data")
def open_data():
    return render_template("reports/open_data.html", threshold=services.threshold(), releases=[
        (release, open_data_service.release_label(release)) for release in open_data_service.published().values()])


@bp.get("/open-data/<period>.csv")
def open_data_csv(period):
    release = open_data_service.published().get(period) or abort(404)
    body = csv_file(list(HEADER), ([row[name] for name in HEADER] for row in release.rows))
    return csv_download(body, f"shared-future-{period}.csv")


@bp.get("/admin/open-data")
@login_required
def manage_open_data():
    if not permissions.can_publish_open_data(current_user):
        abort(403)
    return render_template("reports/manage_open_data.html", form=EmptyForm(),
                           quarters=open_data_service.recent_quarters(in_london(utcnow()).date()),
                           published=open_data_service.published())


# The question at the address of its answer: the list's button asks here, and this page's button publishes.
@bp.get("/admin/open-data/<period>/publish")
@login_required
def confirm_publish_open_data(period):
    if not permissions.can_publish_open_data(current_user):
        abort(403)
    quarter = open_data_service.Quarter.parse(period) or abort(404)
    return render_template("reports/confirm_publish_open_data.html", quarter=quarter, form=EmptyForm(),
                           release=open_data_service.published().get(quarter.period),
                           not_yet=open_data_service.not_yet(quarter, in_london(utcnow()).date()))


@bp.post("/admin/open-data/<period>/publish")
@login_required
def publish_open_data(period):
    if not permissions.can_publish_open_data(current_user):
        abort(403)
    quarter = open_data_service.Quarter.parse(period) or abort(404)
    return press_button(EmptyForm(), lambda: open_data_service.publish(
        quarter, actor=current_user, today=in_london(utcnow()).date()),
        f"The figures for {quarter.period} are published as open data.", url_for("reports.manage_open_data"))


@bp.route("/admin/baselines", methods=["GET", "POST"])
@login_required
def manage_baselines():
    if not permissions.can_upload_baselines(current_user):
        abort(403)
    form = BaselineUploadForm()
    if form.validate_on_submit():
        done, uploaded = call_service(form, lambda: baselines.upload(form.name.data, form.file.data.stream,
                                                                     actor=current_user))
        if done:
            flash(f"The baseline “{uploaded.name}” has been uploaded. Choose it under “Compare with” on a report.",
                  "success")
            return redirect(url_for("reports.manage_baselines"))
    uploaded = queries.uploaded_baselines_newest_first()
    return render_template("reports/baselines.html", form=form, uploaded=uploaded, census=baselines.shipped(),
                           characteristic_keys=[characteristic.key for characteristic in CHARACTERISTICS])
