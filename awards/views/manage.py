"""The awards team's set-up and the cycle's page: cycles, categories with
their questions and rubric, the exclusions list, publishing the shortlist
and the results (and reopening them), certificates and the results record."""
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from awards import cycle_setup, decisions, queries, screening
from awards.exports import results_record_csv
from awards.pdf import certificates_pdf, results_record_pdf
from awards.forms import (
    CategoryForm, CopyCategoriesForm, CriterionForm, CycleForm, ExclusionForm, QuestionForm, ReopenForm,
)
from awards.models import AwardCycle, CategoryQuestion, Criterion, Exclusion, NominationStatus
from core.database import utcnow
from core.extensions import db
from core.formatting import counted
from core.forms import EmptyForm, call_service, press_button
from core.spreadsheets import csv_download
from core.i18n import staff_screens
from events.models import Event
from awards.views import bp
from awards.views.loading import category_or_404, require_awards_team

staff_screens(__name__)  # in English, wholly (core.i18n)


# --- the awards team: set-up ------------------------------------------------------------------

@bp.get("/manage/awards")
@login_required
def manage_cycles():
    require_awards_team()
    return render_template("awards/manage_cycles.html", cycles=cycle_setup.cycles(), now=utcnow())


@bp.route("/manage/awards/new", methods=["GET", "POST"])
@bp.route("/manage/awards/<int:cycle_id>/edit", methods=["GET", "POST"])
@login_required
def edit_cycle(cycle_id=None):
    require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id) if cycle_id else None
    form = CycleForm.for_cycle(cycle) if cycle and request.method == "GET" else CycleForm()
    form.ceremony_id.choices = [(0, "No ceremony yet")] + [(e.id, e.title) for e in queries.ceremonies_newest_first()]
    if form.validate_on_submit():
        done, saved = call_service(form, lambda: cycle_setup.save_cycle(cycle, form.details(), actor=current_user))
        if done:
            flash(f"{saved.name} has been saved.", "success")
            return redirect(url_for("awards.manage_cycle", cycle_id=saved.id))
    return render_template("awards/edit_cycle.html", form=form, cycle=cycle)


@bp.get("/manage/awards/<int:cycle_id>")
@login_required
def manage_cycle(cycle_id):
    require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id)
    return _cycle_page(cycle)


def _cycle_page(cycle: AwardCycle, *, copy_form=None, exclusion_form=None, reopen_form=None, status: int = 200):
    copy_form = copy_form or CopyCategoriesForm()
    copy_form.source_id.choices = [(c.id, c.name) for c in cycle_setup.cycles() if c.id != cycle.id]
    failed = copy_form if copy_form.errors else (exclusion_form or reopen_form)
    return render_template("awards/manage_cycle.html", cycle=cycle, copy_form=copy_form,
                           exclusion_form=exclusion_form or ExclusionForm(),
                           exclusions=cycle_setup.exclusions_of(cycle),
                           counts=screening.nomination_counts(cycle), stage=cycle.stage(utcnow()), now=utcnow(),
                           unscreened=screening.unscreened_count(cycle),
                           certificates=bool(decisions.certificates_to_print(cycle)),
                           statuses=(NominationStatus.SUBMITTED, NominationStatus.ELIGIBLE,
                                     NominationStatus.INELIGIBLE), reopen_form=reopen_form or ReopenForm(),
                           form=failed or EmptyForm()), status


@bp.post("/manage/awards/<int:cycle_id>/copy")
@login_required
def copy_categories(cycle_id):
    require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id)
    form = CopyCategoriesForm()
    form.source_id.choices = [(c.id, c.name) for c in cycle_setup.cycles() if c.id != cycle.id]
    if form.validate_on_submit():
        done, copied = call_service(form, lambda: cycle_setup.copy_categories(
            db.session.get(AwardCycle, form.source_id.data), cycle, actor=current_user))
        if done:
            flash(f"Copied {counted(len(copied), 'category', 'categories')} with their questions and rubrics.",
                  "success")
            return redirect(url_for("awards.manage_cycle", cycle_id=cycle.id))
    return _cycle_page(cycle, copy_form=form, status=400)


@bp.post("/manage/awards/<int:cycle_id>/exclusions")
@login_required
def add_exclusion(cycle_id):
    require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id)
    form = ExclusionForm()
    if form.validate_on_submit():
        done, added = call_service(form, lambda: cycle_setup.add_exclusion(
            cycle, name=form.name.data, reason=form.reason.data, actor=current_user))
        if done:
            flash(f"Nominations of {added.name} will be flagged for screening.", "success")
            return redirect(url_for("awards.manage_cycle", cycle_id=cycle.id))
    return _cycle_page(cycle, exclusion_form=form, status=400)


@bp.post("/manage/awards/exclusions/<int:exclusion_id>/remove")
@login_required
def remove_exclusion(exclusion_id):
    require_awards_team()
    exclusion = db.get_or_404(Exclusion, exclusion_id)
    return press_button(EmptyForm(), lambda: cycle_setup.remove_exclusion(exclusion, actor=current_user),
                        f"{exclusion.name} is no longer on the list.",
                        url_for("awards.manage_cycle", cycle_id=exclusion.cycle_id))


@bp.route("/manage/awards/<int:cycle_id>/categories/new", methods=["GET", "POST"])
@bp.route("/manage/awards/categories/<int:category_id>/edit", methods=["GET", "POST"])
@login_required
def edit_category(cycle_id=None, category_id=None):
    require_awards_team()
    category = category_or_404(category_id) if category_id else None
    cycle = category.cycle if category else db.get_or_404(AwardCycle, cycle_id)
    form = CategoryForm(obj=category) if category and request.method == "GET" else CategoryForm()
    if category is not None and request.method == "GET":
        form.nominee_kind.data = category.nominee_kind.value
    if form.validate_on_submit():
        done, saved = call_service(form, lambda: cycle_setup.save_category(cycle, category, form.details(),
                                                                           actor=current_user))
        if done:
            flash(f"{saved.name} has been saved. Add its questions and scoring rubric below.", "success")
            return redirect(url_for("awards.edit_category", category_id=saved.id))
    return _category_page(cycle, category, form)


def _category_page(cycle, category, form, *, question_form=None, criterion_form=None, status: int = 200):
    return render_template("awards/edit_category.html", cycle=cycle, category=category,
                           category_form=form, question_form=question_form or QuestionForm(),
                           criterion_form=criterion_form or CriterionForm(),
                           form=question_form or criterion_form or form, remove_form=EmptyForm()), status


@bp.post("/manage/awards/categories/<int:category_id>/questions")
@login_required
def add_question(category_id):
    require_awards_team()
    category = category_or_404(category_id)
    form = QuestionForm()
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: cycle_setup.add_question(
            category, text=form.text.data, word_limit=form.word_limit.data, actor=current_user))
        if done:
            flash("The question has been added.", "success")
            return redirect(url_for("awards.edit_category", category_id=category.id))
    return _category_page(category.cycle, category, CategoryForm(obj=category, formdata=None), question_form=form,
                          status=400)


@bp.post("/manage/awards/questions/<int:question_id>/remove")
@login_required
def remove_question(question_id):
    require_awards_team()
    question = db.get_or_404(CategoryQuestion, question_id)
    return press_button(EmptyForm(), lambda: cycle_setup.remove_question(question, actor=current_user),
                        "The question has been removed.",
                        url_for("awards.edit_category", category_id=question.category_id))


@bp.post("/manage/awards/categories/<int:category_id>/criteria")
@login_required
def add_criterion(category_id):
    require_awards_team()
    category = category_or_404(category_id)
    form = CriterionForm()
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: cycle_setup.add_criterion(
            category, name=form.name.data, guidance=form.guidance.data or "", weight=form.weight.data,
            actor=current_user))
        if done:
            flash("The criterion has been added to the rubric.", "success")
            return redirect(url_for("awards.edit_category", category_id=category.id))
    return _category_page(category.cycle, category, CategoryForm(obj=category, formdata=None),
                          criterion_form=form, status=400)


@bp.post("/manage/awards/criteria/<int:criterion_id>/remove")
@login_required
def remove_criterion(criterion_id):
    require_awards_team()
    criterion = db.get_or_404(Criterion, criterion_id)
    return press_button(EmptyForm(), lambda: cycle_setup.remove_criterion(criterion, actor=current_user),
                        "The criterion has been removed.",
                        url_for("awards.edit_category", category_id=criterion.category_id))


@bp.post("/manage/awards/<int:cycle_id>/publish-shortlist")
@login_required
def publish_shortlist(cycle_id):
    require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id)
    return press_button(EmptyForm(), lambda: decisions.publish_shortlist(cycle, actor=current_user),
                        "The shortlist is published, and every nominator has been emailed whether their nominee is "
                        "on it.",
                        url_for("awards.manage_cycle", cycle_id=cycle.id))


@bp.post("/manage/awards/<int:cycle_id>/publish-results")
@login_required
def publish_results(cycle_id):
    require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id)
    return press_button(EmptyForm(), lambda: decisions.publish_results(cycle, actor=current_user),
                        "The results are published and the decisions are locked. The shortlisted nominees' "
                        "nominators have been emailed the results.",
                        url_for("awards.manage_cycle", cycle_id=cycle.id))


@bp.post("/manage/awards/<int:cycle_id>/reopen")
@login_required
def reopen_results(cycle_id):
    require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id)
    form = ReopenForm()
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: decisions.reopen_results(cycle, reason=form.reason.data or "",
                                                                      actor=current_user))
        if done:
            flash("The results are taken down and the decisions can change.", "success")
            return redirect(url_for("awards.manage_cycle", cycle_id=cycle.id))
    return _cycle_page(cycle, reopen_form=form, status=400)


@bp.get("/manage/awards/<int:cycle_id>/certificates.pdf")
@login_required
def certificates(cycle_id):
    """Every winner's, highly commended and shortlisted nominee's certificate,
    or one nominee's (?nomination=ID), ready to print."""
    require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id)
    chosen = decisions.certificates_to_print(cycle)
    wanted = request.args.get("nomination", type=int)
    if wanted is not None:
        chosen = [d for d in chosen if d.nomination_id == wanted]
    if not chosen:
        abort(404)
    ceremony = db.session.get(Event, cycle.ceremony_id) if cycle.ceremony_id else None
    body = certificates_pdf(chosen, cycle=cycle, ceremony=ceremony, brand_name=current_app.config["BRAND_NAME"])
    name = f"certificate-{wanted}" if wanted else f"certificates-{cycle.id}"
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})


@bp.get("/manage/awards/<int:cycle_id>/record.<any(pdf, csv):kind>")
@login_required
def results_record(cycle_id, kind):
    """How the winners were chosen, for the partnership to publish."""
    require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id)
    record = decisions.results_record(cycle)
    if kind == "csv":
        return csv_download(results_record_csv(record), f"results-record-{cycle.id}.csv")
    body = results_record_pdf(record, cycle=cycle, brand_name=current_app.config["BRAND_NAME"])
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="results-record-{cycle.id}.pdf"'})
