"""Routes for the awards: the public cycle and category pages, nominating
(signed in with drafts, or as a guest confirming by email), the nominator's
own list, and awards administrators' set-up and screening."""
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from awards import decisions, judging, permissions, services
from awards import privacy  # noqa: F401  registers awards' part of "Your data", erasure and retention
from awards.exports import results_record_csv
from awards.pdf import certificates_pdf, results_record_pdf
from awards.forms import (
    CategoryForm, CopyCategoriesForm, CriterionForm, CycleForm, DecisionForm, DeclarationForm, ExclusionForm,
    JudgeForm, QuestionForm, RecordConflictForm, ReopenForm, ScreeningFilterForm, ScreeningForm, nomination_form,
    score_form,
)
from awards.models import (
    ON_SHORTLIST, AwardCategory, AwardCycle, CategoryQuestion, ConflictKind, Criterion, Exclusion, Nomination,
    NominationStatus, Outcome, PanelMember, Stage,
)
from core.database import utcnow
from core.extensions import db
from core.formatting import counted
from core.forms import EmptyForm, call_service, press_button
from core.accounts.models import User
from core.numbers import database_id
from core import home_page, page_cache, spam
from core.accounts import safeguarding
from core.views import from_emailed_link
from events.models import Event, EventKind

bp = Blueprint("awards", __name__)


@home_page.section(30, "awards/_home_section.html")
def _home_section(now):
    """This year's awards and how far they have got, on the home page."""
    cycle = services.latest_cycle()
    return {"cycle": cycle, "stage": cycle.stage(now) if cycle else None}


def _require_awards_team() -> None:
    if not permissions.can_run_awards(current_user):
        abort(403)


def _category_or_404(category_id: int) -> AwardCategory:
    return db.get_or_404(AwardCategory, category_id)


# --- the public side --------------------------------------------------------------------------

@bp.get("/awards")
def cycle_list():
    return render_template("awards/list.html", cycles=services.cycles(), now=utcnow())


@bp.get("/awards/<int:cycle_id>")
def cycle_page(cycle_id):
    cycle = db.get_or_404(AwardCycle, cycle_id)
    ceremony = db.session.get(Event, cycle.ceremony_id) if cycle.ceremony_id else None
    return render_template("awards/cycle.html", cycle=cycle, stage=cycle.stage(utcnow()), ceremony=ceremony,
                           now=utcnow())


@bp.get("/awards/categories/<int:category_id>")
@page_cache.for_visitors
def category_page(category_id):
    category = _category_or_404(category_id)
    return render_template("awards/category.html", category=category, cycle=category.cycle,
                           stage=category.cycle.stage(utcnow()), now=utcnow())


@bp.route("/awards/categories/<int:category_id>/nominate", methods=["GET", "POST"])
@spam.public_form(email_field="nominator_email")
def nominate(category_id):
    category = _category_or_404(category_id)
    if category.cycle.stage(utcnow()) != Stage.NOMINATING:
        return render_template("awards/closed.html", category=category, cycle=category.cycle), 409
    return _nomination_page(category, draft=None)


@bp.route("/awards/nominations/<int:nomination_id>/edit", methods=["GET", "POST"])
@login_required
def edit_draft(nomination_id):
    draft = db.get_or_404(Nomination, nomination_id)
    if draft.nominator_id != current_user.id or draft.status != NominationStatus.DRAFT:
        abort(404)
    return _nomination_page(draft.category, draft=draft)


def _nomination_page(category: AwardCategory, *, draft: Nomination | None):
    signed_in = current_user.is_authenticated
    form = nomination_form(category, signed_in=signed_in, draft=draft if request.method == "GET" else None)
    if form.validate_on_submit():
        sending = not (signed_in and form.draft.data)
        done, saved = call_service(form, lambda: services.nominate(
            category, form.details(), user=current_user if signed_in else None, submit=sending, nomination=draft))
        if done:
            if saved.status == NominationStatus.DRAFT:
                flash("Your draft is saved. Come back to it from My nominations.", "success")
                return redirect(url_for("awards.my_nominations"))
            return render_template("awards/nominated.html", nomination=saved)
    return render_template("awards/nominate.html", category=category, cycle=category.cycle, form=form,
                           draft=draft, questions=category.questions)


@bp.route("/awards/nominations/link/<token>", methods=["GET", "POST"])
def nomination_by_link(token):
    """The emailed link: a guest confirms their nomination here, and any
    nominator can see it, or go on to withdraw it."""
    nomination = from_emailed_link(services.nomination_for_token, token)
    form = EmptyForm()
    if form.validate_on_submit() and request.form.get("action") == "confirm":
        done, _ = call_service(form, lambda: services.confirm_nomination(nomination))
        if done:
            flash("Thank you: your nomination is confirmed. We have emailed you a copy.", "success")
            return redirect(url_for("awards.nomination_by_link", token=token))
    return render_template("awards/nomination.html", nomination=nomination, form=form, token=token,
                           open=nomination.category.cycle.stage(utcnow()) == Stage.NOMINATING,
                           told=decisions.status_told(nomination))


@bp.route("/awards/nominations/link/<token>/withdraw", methods=["GET", "POST"])
def withdraw_by_link(token):
    nomination = from_emailed_link(services.nomination_for_token, token)
    return _withdraw(nomination, lambda: services.withdraw_nomination(nomination, actor=None),
                     back=url_for("awards.nomination_by_link", token=token))


def _withdraw(nomination: Nomination, withdraw, *, back: str):
    """Withdrawing cannot be undone: the page (GET, which changes nothing)
    says what will happen, and only its button (a POST with the form token)
    withdraws."""
    form = EmptyForm()
    if request.method == "POST":
        return press_button(form, withdraw, f"Your nomination of {nomination.nominee_name or 'the nominee'} has "
                                            "been withdrawn.", back)
    return render_template("awards/confirm_withdraw.html", nomination=nomination, form=form, back=back,
                           open=nomination.category.cycle.stage(utcnow()) == Stage.NOMINATING)


@bp.get("/my-nominations")
@login_required
def my_nominations():
    nominations = services.nominations_by(current_user)
    return render_template("awards/my_nominations.html", nominations=nominations, now=utcnow(),
                           told={n.id: decisions.status_told(n) for n in nominations})


def _my_nomination(nomination_id: int) -> Nomination:
    """The signed-in person's own nomination; to anyone else it is not found."""
    nomination = db.get_or_404(Nomination, nomination_id)
    if nomination.nominator_id != current_user.id:
        abort(404)
    return nomination


# One endpoint for the question and the answer: a GET and a POST route at the same address with a
# number in it would answer 405, not 404, to a number no id can be (werkzeug matches the address first).
@bp.route("/my-nominations/<int:nomination_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_mine(nomination_id):
    nomination = _my_nomination(nomination_id)
    return _withdraw(nomination, lambda: services.withdraw_nomination(nomination, actor=current_user),
                     back=url_for("awards.my_nominations"))


# --- the awards team: set-up ------------------------------------------------------------------

@bp.get("/manage/awards")
@login_required
def manage_cycles():
    _require_awards_team()
    return render_template("awards/manage_cycles.html", cycles=services.cycles(), now=utcnow())


@bp.route("/manage/awards/new", methods=["GET", "POST"])
@bp.route("/manage/awards/<int:cycle_id>/edit", methods=["GET", "POST"])
@login_required
def edit_cycle(cycle_id=None):
    _require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id) if cycle_id else None
    form = CycleForm.for_cycle(cycle) if cycle and request.method == "GET" else CycleForm()
    form.ceremony_id.choices = [(0, "No ceremony yet")] + [(e.id, e.title) for e in db.session.scalars(
        select(Event).where(Event.kind == EventKind.AWARDS_CEREMONY).order_by(Event.starts_at.desc()))]
    if form.validate_on_submit():
        done, saved = call_service(form, lambda: services.save_cycle(cycle, form.details(), actor=current_user))
        if done:
            flash(f"{saved.name} has been saved.", "success")
            return redirect(url_for("awards.manage_cycle", cycle_id=saved.id))
    return render_template("awards/edit_cycle.html", form=form, cycle=cycle)


@bp.get("/manage/awards/<int:cycle_id>")
@login_required
def manage_cycle(cycle_id):
    _require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id)
    return _cycle_page(cycle)


def _cycle_page(cycle: AwardCycle, *, copy_form=None, exclusion_form=None, reopen_form=None, status: int = 200):
    copy_form = copy_form or CopyCategoriesForm()
    copy_form.source_id.choices = [(c.id, c.name) for c in services.cycles() if c.id != cycle.id]
    failed = copy_form if copy_form.errors else (exclusion_form or reopen_form)
    return render_template("awards/manage_cycle.html", cycle=cycle, copy_form=copy_form,
                           exclusion_form=exclusion_form or ExclusionForm(), exclusions=services.exclusions_of(cycle),
                           counts=services.nomination_counts(cycle), stage=cycle.stage(utcnow()), now=utcnow(),
                           unscreened=services.unscreened_count(cycle),
                           statuses=(NominationStatus.SUBMITTED, NominationStatus.ELIGIBLE,
                                     NominationStatus.INELIGIBLE), reopen_form=reopen_form or ReopenForm(),
                           form=failed or EmptyForm()), status


@bp.post("/manage/awards/<int:cycle_id>/copy")
@login_required
def copy_categories(cycle_id):
    _require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id)
    form = CopyCategoriesForm()
    form.source_id.choices = [(c.id, c.name) for c in services.cycles() if c.id != cycle.id]
    if form.validate_on_submit():
        done, copied = call_service(form, lambda: services.copy_categories(
            db.session.get(AwardCycle, form.source_id.data), cycle, actor=current_user))
        if done:
            flash(f"Copied {counted(len(copied), 'category', 'categories')} with their questions and rubrics.",
                  "success")
            return redirect(url_for("awards.manage_cycle", cycle_id=cycle.id))
    return _cycle_page(cycle, copy_form=form, status=400)


@bp.post("/manage/awards/<int:cycle_id>/exclusions")
@login_required
def add_exclusion(cycle_id):
    _require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id)
    form = ExclusionForm()
    if form.validate_on_submit():
        done, added = call_service(form, lambda: services.add_exclusion(
            cycle, name=form.name.data, reason=form.reason.data, actor=current_user))
        if done:
            flash(f"Nominations of {added.name} will be flagged for screening.", "success")
            return redirect(url_for("awards.manage_cycle", cycle_id=cycle.id))
    return _cycle_page(cycle, exclusion_form=form, status=400)


@bp.post("/manage/awards/exclusions/<int:exclusion_id>/remove")
@login_required
def remove_exclusion(exclusion_id):
    _require_awards_team()
    exclusion = db.get_or_404(Exclusion, exclusion_id)
    return press_button(EmptyForm(), lambda: services.remove_exclusion(exclusion, actor=current_user),
                        f"{exclusion.name} is no longer on the list.",
                        url_for("awards.manage_cycle", cycle_id=exclusion.cycle_id))


@bp.route("/manage/awards/<int:cycle_id>/categories/new", methods=["GET", "POST"])
@bp.route("/manage/awards/categories/<int:category_id>/edit", methods=["GET", "POST"])
@login_required
def edit_category(cycle_id=None, category_id=None):
    _require_awards_team()
    category = _category_or_404(category_id) if category_id else None
    cycle = category.cycle if category else db.get_or_404(AwardCycle, cycle_id)
    form = CategoryForm(obj=category) if category and request.method == "GET" else CategoryForm()
    if category is not None and request.method == "GET":
        form.nominee_kind.data = category.nominee_kind.value
    if form.validate_on_submit():
        done, saved = call_service(form, lambda: services.save_category(cycle, category, form.details(),
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
    _require_awards_team()
    category = _category_or_404(category_id)
    form = QuestionForm()
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: services.add_question(
            category, text=form.text.data, word_limit=form.word_limit.data, actor=current_user))
        if done:
            flash("The question has been added.", "success")
            return redirect(url_for("awards.edit_category", category_id=category.id))
    return _category_page(category.cycle, category, CategoryForm(obj=category, formdata=None), question_form=form,
                          status=400)


@bp.post("/manage/awards/questions/<int:question_id>/remove")
@login_required
def remove_question(question_id):
    _require_awards_team()
    question = db.get_or_404(CategoryQuestion, question_id)
    return press_button(EmptyForm(), lambda: services.remove_question(question, actor=current_user),
                        "The question has been removed.",
                        url_for("awards.edit_category", category_id=question.category_id))


@bp.post("/manage/awards/categories/<int:category_id>/criteria")
@login_required
def add_criterion(category_id):
    _require_awards_team()
    category = _category_or_404(category_id)
    form = CriterionForm()
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: services.add_criterion(
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
    _require_awards_team()
    criterion = db.get_or_404(Criterion, criterion_id)
    return press_button(EmptyForm(), lambda: services.remove_criterion(criterion, actor=current_user),
                        "The criterion has been removed.",
                        url_for("awards.edit_category", category_id=criterion.category_id))


# --- the awards team: screening -----------------------------------------------------------------

@bp.get("/manage/awards/<int:cycle_id>/nominations")
@login_required
def screening(cycle_id):
    _require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id)
    form = ScreeningFilterForm(request.args)
    form.category.choices = [(0, "Any category")] + [(c.id, c.name) for c in cycle.categories]
    shown = services.nominations_to_screen(
        cycle, category_id=form.category.data or None,
        status=NominationStatus(form.status.data) if form.status.data else None) if form.validate() else []
    return render_template("awards/screening.html", cycle=cycle, filter_form=form, nominations=shown)


@bp.route("/manage/awards/nominations/<int:nomination_id>", methods=["GET", "POST"])
@safeguarding.shows_contact_details("email")
@login_required
def screen(nomination_id):
    _require_awards_team()
    nomination = db.get_or_404(Nomination, nomination_id)
    if nomination.status in (NominationStatus.DRAFT, NominationStatus.UNCONFIRMED):
        abort(404)  # not sent yet: the nominator's own business
    form = _screening_form(nomination)
    actions = _screening_actions(nomination, form)
    action = request.form.get("action")
    if form.validate_on_submit() and action in actions:
        done, _ = call_service(form, actions[action])
        if done:
            flash(f"{nomination.nominee_name}: {nomination.status.label.lower()} in {nomination.category.name}.",
                  "success")
            return redirect(url_for("awards.screening", cycle_id=nomination.category.cycle_id))
    return _screen_page(nomination, form)


def _screening_form(nomination: Nomination) -> ScreeningForm:
    form = ScreeningForm()
    form.category_id.choices = [(0, "Choose a category")] + [
        (c.id, c.name) for c in nomination.category.cycle.categories if c.id != nomination.category_id]
    return form


def _screening_actions(nomination: Nomination, form: ScreeningForm) -> dict:
    return {
        "eligible": lambda: services.mark_eligible(nomination, actor=current_user),
        "ineligible": lambda: services.mark_ineligible(nomination, reason=form.reason.data or "", actor=current_user),
        "move": lambda: services.move_nomination(nomination, _category_for_move(form.category_id.data),
                                                 actor=current_user),
    }


def _screen_page(nomination: Nomination, form: ScreeningForm, *, conflict_form=None, decision_form=None,
                 status: int = 200):
    decision = decisions.decisions_in(nomination.category.cycle).get(nomination.id)
    return render_template(
        "awards/screen.html", nomination=nomination, form=conflict_form or decision_form or form,
        similar=services.similar_nominations(nomination), grouped=services.grouped_under(nomination),
        lead=db.session.get(Nomination, nomination.group_with_id) if nomination.group_with_id else None,
        screening_form=form, screening_closed=services.why_screening_is_closed(nomination),
        conflict_form=conflict_form or _conflict_form(nomination),
        declarations=judging.declarations_for(nomination), decision=decision,
        withheld=_contacts_withheld(nomination),
        decision_form=decision_form or DecisionForm(outcome=decision.outcome.value if decision else None,
                                                    rationale=decision.rationale if decision else None)), status


def _contacts_withheld(nomination: Nomination) -> dict[str, str]:
    """What the safeguarding gate says to show instead of the nominator's and
    the nominee's contact details ("" where they may be shown)."""
    nominator = safeguarding.Person(nomination.nominator_id, (nomination.nominator_email or "").lower())
    nominee = safeguarding.Person(None, (nomination.nominee_email or "").lower())
    shown = safeguarding.screen(current_user, [nominator, nominee])
    return {"nominator": shown.note(nominator), "nominee": shown.note(nominee)}


def _category_for_move(category_id: int) -> AwardCategory:
    category = db.session.get(AwardCategory, category_id) if category_id else None
    if category is None:
        raise services.AwardRuleBroken("Choose the category to move it to", field="category_id")
    return category


# --- judges -------------------------------------------------------------------------------------

@bp.get("/judging")
@login_required
def judging_home():
    panels = judging.panels_for(current_user)
    nominations = {c.id: judging.to_judge(c) for c in panels}
    return render_template("awards/judging.html", panels=panels, now=utcnow(), nominations=nominations,
                           progress={c.id: judging.progress_of(current_user, c, nominations[c.id]) for c in panels})


def _nomination_to_judge(nomination_id: int) -> Nomination:
    """A nomination on one of the judge's panels; to anyone else it is not found."""
    nomination = db.get_or_404(Nomination, nomination_id)
    if (nomination.status != NominationStatus.ELIGIBLE or nomination.group_with_id is not None
            or not judging.is_judge_of(current_user, nomination.category_id)):
        abort(404)
    return nomination


@bp.get("/judging/nominations/<int:nomination_id>")
@login_required
def judge_nomination(nomination_id):
    return _judging_page(_nomination_to_judge(nomination_id))


def _judging_page(nomination: Nomination, *, declaration_form=None, form=None, status: int = 200):
    declaration = judging.declaration_of(nomination, current_user)
    sheet = judging.sheet_of(nomination, current_user)
    seeing = declaration is not None and not declaration.is_conflict
    return render_template(
        "awards/judge_nomination.html", nomination=nomination, cycle=nomination.category.cycle,
        declaration=declaration, declaration_form=declaration_form or DeclarationForm(), sheet=sheet,
        score_form=form or (score_form(nomination.category, sheet) if seeing else None),
        form=declaration_form or form or EmptyForm(), others=judging.others_sheets(nomination, current_user),
        also=services.grouped_under(nomination) if seeing else [], withheld=_contacts_withheld(nomination),
        open=nomination.category.cycle.stage(utcnow()) == Stage.JUDGING,
        published=nomination.category.cycle.results_published_at is not None), status


@bp.post("/judging/nominations/<int:nomination_id>/declaration")
@login_required
def declare(nomination_id):
    nomination = _nomination_to_judge(nomination_id)
    form = DeclarationForm()
    if form.validate_on_submit():
        done, declared = call_service(form, lambda: judging.declare(
            nomination, current_user, ConflictKind(form.kind.data), note=form.note.data or ""))
        if done:
            flash("Thank you. You have declared a conflict, so this nomination is not yours to judge."
                  if declared.is_conflict else "Thank you. You can now read and score the nomination.", "success")
            return redirect(url_for("awards.judge_nomination", nomination_id=nomination.id))
    return _judging_page(nomination, declaration_form=form, status=400)


@bp.post("/judging/nominations/<int:nomination_id>/scores")
@login_required
def score(nomination_id):
    nomination = _nomination_to_judge(nomination_id)
    form = score_form(nomination.category)
    if form.validate_on_submit():
        submitting = bool(form.send.data)  # saved as a draft either way: submitting asks first (submit_scores)
        done, _ = call_service(form, lambda: judging.score(nomination, current_user, form.values(),
                                                           comment=form.comment.data or "", submit=False,
                                                           for_submission=submitting))
        if done:
            if submitting:
                return redirect(url_for("awards.submit_scores", nomination_id=nomination.id))
            flash("Your draft scores are saved.", "success")
            return redirect(url_for("awards.judge_nomination", nomination_id=nomination.id))
    return _judging_page(nomination, form=form, status=400)


@bp.route("/judging/nominations/<int:nomination_id>/submit", methods=["GET", "POST"])
@login_required
def submit_scores(nomination_id):
    """GET: what the judge is about to submit, and that it is final (with no
    draft to submit, or scores already submitted, back to the nomination).
    POST, from its button: submitted."""
    nomination = _nomination_to_judge(nomination_id)
    back = url_for("awards.judge_nomination", nomination_id=nomination.id)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        done, _ = call_service(form, lambda: judging.submit_scores(nomination, current_user))
        if done:
            flash("Your scores are submitted.", "success")
            return redirect(url_for("awards.judging_home"))
        return redirect(back)
    sheet = judging.sheet_of(nomination, current_user)
    if sheet is None or sheet.submitted_at is not None or not judging.may_see(nomination, current_user):
        return redirect(back)
    return render_template("awards/confirm_scores.html", nomination=nomination, sheet=sheet, form=form)


# --- the awards team: panels, conflicts and results -------------------------------------------------

@bp.route("/manage/awards/categories/<int:category_id>/panel", methods=["GET", "POST"])
@safeguarding.shows_contact_details("email")
@login_required
def panel(category_id):
    _require_awards_team()
    category = _category_or_404(category_id)
    form = JudgeForm()
    if form.validate_on_submit():
        done, member = call_service(form, lambda: judging.appoint_judge(category, form.email.data,
                                                                         actor=current_user))
        if done:
            flash(f"{member.email} is on the panel and has been emailed.", "success")
            return redirect(url_for("awards.panel", category_id=category.id))
    members = judging.panel_of(category)
    return render_template("awards/panel.html", category=category, form=form, panel=members,
                           shown=safeguarding.screen(current_user, members), remove_form=EmptyForm())


@bp.post("/manage/awards/panel/<int:member_id>/remove")
@login_required
def remove_judge(member_id):
    _require_awards_team()
    member = db.get_or_404(PanelMember, member_id)
    return press_button(EmptyForm(), lambda: judging.remove_judge(member, actor=current_user),
                        f"{member.email} is no longer on the panel.",
                        url_for("awards.panel", category_id=member.category_id))


@bp.post("/manage/awards/nominations/<int:nomination_id>/conflicts")
@login_required
def record_conflict(nomination_id):
    _require_awards_team()
    nomination = db.get_or_404(Nomination, nomination_id)
    form = _conflict_form(nomination)
    if form.validate_on_submit():
        judge = db.session.get(User, form.judge_id.data)
        done, _ = call_service(form, lambda: judging.declare(nomination, judge, ConflictKind(form.kind.data),
                                                             note=form.note.data or "", recorded_by=current_user))
        if done:
            flash(f"The conflict is recorded: {judge.name} is off this nomination.", "success")
            return redirect(url_for("awards.screen", nomination_id=nomination.id))
    return _screen_page(nomination, _screening_form(nomination), conflict_form=form, status=400)


def _conflict_form(nomination: Nomination) -> RecordConflictForm:
    form = RecordConflictForm()
    form.judge_id.choices = [(0, "Choose a judge")] + [(m.user_id, m.user.name) for m in
                                                       judging.panel_of(nomination.category) if m.user_id]
    return form


@bp.get("/manage/awards/categories/<int:category_id>/results")
@login_required
def results(category_id):
    _require_awards_team()
    category = _category_or_404(category_id)
    nominations = judging.to_judge(category)
    ranked, normalised = judging.results_for(category, nominations)
    return render_template("awards/results.html", category=category, results=ranked, normalised=normalised,
                           nominations={n.id: n for n in nominations},
                           waiting=judging.yet_to_score(category, nominations),
                           conflicts=judging.conflicts_in(category.cycle),
                           decided=decisions.decisions_in(category.cycle))


@bp.post("/manage/awards/nominations/<int:nomination_id>/group")
@login_required
def group(nomination_id):
    _require_awards_team()
    nomination = db.get_or_404(Nomination, nomination_id)
    lead = db.session.get(Nomination, request.form.get("lead_id", type=database_id) or 0)
    if lead is None:
        abort(400)
    return press_button(EmptyForm(), lambda: services.group_nominations(nomination, lead, actor=current_user),
                        f"Grouped with the nomination of {lead.nominee_name}: the panel judges them as one.",
                        url_for("awards.screen", nomination_id=nomination.id))


@bp.post("/manage/awards/nominations/<int:nomination_id>/ungroup")
@login_required
def ungroup(nomination_id):
    _require_awards_team()
    nomination = db.get_or_404(Nomination, nomination_id)
    return press_button(EmptyForm(), lambda: services.ungroup_nomination(nomination, actor=current_user),
                        "The nomination is judged on its own again.",
                        url_for("awards.screen", nomination_id=nomination.id))


@bp.post("/manage/awards/nominations/<int:nomination_id>/remove")
@login_required
def remove_at_nominees_request(nomination_id):
    _require_awards_team()
    nomination = db.get_or_404(Nomination, nomination_id)
    cycle_id, nominee = nomination.category.cycle_id, nomination.nominee_name
    return press_button(EmptyForm(), lambda: services.remove_at_nominees_request(nomination, actor=current_user),
                        f"The nomination of {nominee} is removed, as they asked, and the nominator is told.",
                        url_for("awards.screening", cycle_id=cycle_id))


@bp.post("/manage/awards/nominations/<int:nomination_id>/decision")
@login_required
def decide(nomination_id):
    _require_awards_team()
    nomination = db.get_or_404(Nomination, nomination_id)
    form = DecisionForm()
    if form.validate_on_submit():
        done, decision = call_service(form, lambda: decisions.decide(
            nomination, Outcome(form.outcome.data), rationale=form.rationale.data or "", actor=current_user))
        if done:
            flash(f"{nomination.nominee_name}: {decision.outcome.label.lower()}.", "success")
            return redirect(url_for("awards.results", category_id=nomination.category_id))
    return _screen_page(nomination, _screening_form(nomination), decision_form=form, status=400)


@bp.post("/manage/awards/<int:cycle_id>/publish-shortlist")
@login_required
def publish_shortlist(cycle_id):
    _require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id)
    return press_button(EmptyForm(), lambda: decisions.publish_shortlist(cycle, actor=current_user),
                        "The shortlist is published, and every nominator has been emailed whether their nominee is "
                        "on it.",
                        url_for("awards.manage_cycle", cycle_id=cycle.id))


@bp.post("/manage/awards/<int:cycle_id>/publish-results")
@login_required
def publish_results(cycle_id):
    _require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id)
    return press_button(EmptyForm(), lambda: decisions.publish_results(cycle, actor=current_user),
                        "The results are published and the decisions are locked. The shortlisted nominees' "
                        "nominators have been emailed the results.",
                        url_for("awards.manage_cycle", cycle_id=cycle.id))


@bp.post("/manage/awards/<int:cycle_id>/reopen")
@login_required
def reopen_results(cycle_id):
    _require_awards_team()
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
    _require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id)
    chosen = [d for category, listed in decisions.published(cycle, ON_SHORTLIST) for d in listed]
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
    _require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id)
    record = decisions.results_record(cycle)
    if kind == "csv":
        body, mimetype = results_record_csv(record), "text/csv"
    else:
        body = results_record_pdf(record, cycle=cycle, brand_name=current_app.config["BRAND_NAME"])
        mimetype = "application/pdf"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="results-record-{cycle.id}.{kind}"'})


# --- the public announcements -------------------------------------------------------------------

@bp.app_context_processor
def _ceremony_hook():
    """The ceremony is an event: its page (events package) asks this for the
    shortlist or, once announced, the winners of the cycle it belongs to."""
    return {"awards_at_ceremony": decisions.at_ceremony}


@bp.get("/awards/<int:cycle_id>/shortlist")
def shortlist(cycle_id):
    cycle = db.get_or_404(AwardCycle, cycle_id)
    if cycle.shortlist_published_at is None:
        abort(404)
    return render_template("awards/announcement.html", cycle=cycle, winners=False,
                           categories=decisions.published(cycle, ON_SHORTLIST))


@bp.get("/awards/<int:cycle_id>/winners")
def winners(cycle_id):
    cycle = db.get_or_404(AwardCycle, cycle_id)
    if cycle.results_published_at is None:
        abort(404)
    return render_template("awards/announcement.html", cycle=cycle, winners=True,
                           categories=decisions.published(cycle, (Outcome.WINNER, Outcome.HIGHLY_COMMENDED)))
