"""The awards team's work on nominations: screening them (eligible,
ineligible, moved, grouped, removed at the nominee's request), each
category's judging panel and recorded conflicts, the results and the
decisions."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from awards import decisions, judging
from awards import partners as partner_links
from awards import screening as screening_rules
from awards.errors import AwardRuleBroken
from awards.forms import DecisionForm, JudgeForm, RecordConflictForm, ScreeningFilterForm, ScreeningForm
from awards.models import AwardCategory, AwardCycle, ConflictKind, Nomination, NominationStatus, Outcome, PanelMember
from core.extensions import db
from core.forms import EmptyForm, call_service, press_button
from core.accounts.models import User
from core.numbers import database_id
from core.accounts import safeguarding
from core.partners.forms import PartnerPickForm
from core.partners.permissions import can_choose_partners
from core.i18n import staff_screens
from awards.views import bp
from awards.views.loading import category_or_404, contacts_withheld, require_awards_team

staff_screens(__name__)  # in English, wholly (core.i18n)


# --- the awards team: screening -----------------------------------------------------------------

@bp.get("/manage/awards/<int:cycle_id>/nominations")
@login_required
def screening(cycle_id):
    require_awards_team()
    cycle = db.get_or_404(AwardCycle, cycle_id)
    form = ScreeningFilterForm(request.args)
    form.category.choices = [(0, "Any category")] + [(c.id, c.name) for c in cycle.categories]
    shown = screening_rules.nominations_to_screen(
        cycle, category_id=form.category.data or None,
        status=NominationStatus(form.status.data) if form.status.data else None) if form.validate() else []
    return render_template("awards/screening.html", cycle=cycle, filter_form=form, nominations=shown)


@bp.route("/manage/awards/nominations/<int:nomination_id>", methods=["GET", "POST"])
@safeguarding.shows_contact_details("email")
@login_required
def screen(nomination_id):
    require_awards_team()
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
        "eligible": lambda: screening_rules.mark_eligible(nomination, actor=current_user),
        "ineligible": lambda: screening_rules.mark_ineligible(nomination, reason=form.reason.data or "",
                                                             actor=current_user),
        "move": lambda: screening_rules.move_nomination(nomination, _category_for_move(form.category_id.data),
                                                        actor=current_user),
    }


def _screen_page(nomination: Nomination, form: ScreeningForm, *, conflict_form=None, decision_form=None,
                 partner_form=None, status: int = 200):
    decision = decisions.decisions_in(nomination.category.cycle).get(nomination.id)
    return render_template(
        "awards/screen.html", nomination=nomination, form=conflict_form or decision_form or form,
        similar=screening_rules.similar_nominations(nomination), grouped=screening_rules.grouped_under(nomination),
        lead=db.session.get(Nomination, nomination.group_with_id) if nomination.group_with_id else None,
        screening_form=form, screening_closed=screening_rules.why_screening_is_closed(nomination),
        conflict_form=conflict_form or _conflict_form(nomination),
        declarations=judging.declarations_for(nomination), decision=decision,
        withheld=contacts_withheld(nomination),
        partner_form=partner_form or _partner_form(nomination), can_add_partner=can_choose_partners(current_user),
        decision_form=decision_form or DecisionForm(outcome=decision.outcome.value if decision else None,
                                                    rationale=decision.rationale if decision else None)), status


def _partner_form(nomination: Nomination) -> PartnerPickForm:
    form = PartnerPickForm(first="Not linked to a partner organisation")
    form.partner_id.data = nomination.partner_id or 0
    return form


@bp.post("/manage/awards/nominations/<int:nomination_id>/partner")
@login_required
def nomination_partner(nomination_id):
    """The partner organisation the nomination is about, chosen from the list."""
    require_awards_team()
    nomination = db.get_or_404(Nomination, nomination_id)
    if nomination.status in (NominationStatus.DRAFT, NominationStatus.UNCONFIRMED):
        abort(404)
    form = PartnerPickForm(first="Not linked to a partner organisation")
    if form.validate_on_submit():
        partner = form.chosen()
        done, _ = call_service(form, lambda: partner_links.link_partner(nomination, partner, actor=current_user))
        if done:
            flash(f"The nomination of {nomination.nominee_name} is linked to {partner.name}." if partner else
                  f"The nomination of {nomination.nominee_name} is not linked to a partner organisation.", "success")
            return redirect(url_for("awards.screen", nomination_id=nomination.id))
    return _screen_page(nomination, _screening_form(nomination), partner_form=form, status=400)


def _category_for_move(category_id: int) -> AwardCategory:
    category = db.session.get(AwardCategory, category_id) if category_id else None
    if category is None:
        raise AwardRuleBroken("Choose the category to move it to", field="category_id")
    return category


# --- the awards team: panels, conflicts and results -------------------------------------------------

@bp.route("/manage/awards/categories/<int:category_id>/panel", methods=["GET", "POST"])
@safeguarding.shows_contact_details("email")
@login_required
def panel(category_id):
    require_awards_team()
    category = category_or_404(category_id)
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
    require_awards_team()
    member = db.get_or_404(PanelMember, member_id)
    return press_button(EmptyForm(), lambda: judging.remove_judge(member, actor=current_user),
                        f"{member.email} is no longer on the panel.",
                        url_for("awards.panel", category_id=member.category_id))


@bp.post("/manage/awards/nominations/<int:nomination_id>/conflicts")
@login_required
def record_conflict(nomination_id):
    require_awards_team()
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
    require_awards_team()
    category = category_or_404(category_id)
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
    require_awards_team()
    nomination = db.get_or_404(Nomination, nomination_id)
    lead = db.session.get(Nomination, request.form.get("lead_id", type=database_id) or 0)
    if lead is None:
        abort(400)
    return press_button(EmptyForm(), lambda: screening_rules.group_nominations(nomination, lead, actor=current_user),
                        f"Grouped with the nomination of {lead.nominee_name}: the panel judges them as one.",
                        url_for("awards.screen", nomination_id=nomination.id))


@bp.post("/manage/awards/nominations/<int:nomination_id>/ungroup")
@login_required
def ungroup(nomination_id):
    require_awards_team()
    nomination = db.get_or_404(Nomination, nomination_id)
    return press_button(EmptyForm(), lambda: screening_rules.ungroup_nomination(nomination, actor=current_user),
                        "The nomination is judged on its own again.",
                        url_for("awards.screen", nomination_id=nomination.id))


@bp.post("/manage/awards/nominations/<int:nomination_id>/remove")
@login_required
def remove_at_nominees_request(nomination_id):
    require_awards_team()
    nomination = db.get_or_404(Nomination, nomination_id)
    cycle_id, nominee = nomination.category.cycle_id, nomination.nominee_name
    return press_button(EmptyForm(), lambda: screening_rules.remove_at_nominees_request(nomination, actor=current_user),
                        f"The nomination of {nominee} is removed, as they asked, and the nominator is told.",
                        url_for("awards.screening", cycle_id=cycle_id))


@bp.post("/manage/awards/nominations/<int:nomination_id>/decision")
@login_required
def decide(nomination_id):
    require_awards_team()
    nomination = db.get_or_404(Nomination, nomination_id)
    form = DecisionForm()
    if form.validate_on_submit():
        done, decision = call_service(form, lambda: decisions.decide(
            nomination, Outcome(form.outcome.data), rationale=form.rationale.data or "", actor=current_user))
        if done:
            flash(f"{nomination.nominee_name}: {decision.outcome.label.lower()}.", "success")
            return redirect(url_for("awards.results", category_id=nomination.category_id))
    return _screen_page(nomination, _screening_form(nomination), decision_form=form, status=400)
