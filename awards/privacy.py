"""What the awards hold about a person, for core's privacy procedures
(core/privacy): the nominations they made and their judging in "Your data";
why their account cannot be deleted while they judge; what deleting it does to
their nominations; and how long nominations and scores are kept.

A new table in awards/models.py that holds anything about a person gets its
functions here: its part of "Your data", of erasing an account and of
retention. The blueprint module imports this one, so it is registered once the
app is built; the positions fix where each part comes (core/privacy/registry.py).
"""
from datetime import datetime

from sqlalchemy import delete, select, update

from core.database import utcnow
from core.extensions import db
from core.i18n import _, _l
from core.accounts.models import User
from core.privacy import registry
from core.privacy.erasure import ERASED_NAME
from core.privacy.retention import ANONYMOUS, Period, cutoff
from core.privacy.your_data import Section, theirs
from awards.models import (
    ON_SHORTLIST, AwardCategory, AwardCycle, ConflictDeclaration, Criterion, Decision, Nomination, NominationStatus,
    PanelMember, Referee, ScoreSheet, Stage,
)

UNSENT_NOMINATIONS = (NominationStatus.DRAFT, NominationStatus.UNCONFIRMED)

# A nomination is the nominator's (the nominee never has an account here).
registry.audited_records.add(30, (Nomination, lambda user: Nomination.nominator_id == user.id),
                             name="awards.Nomination")
registry.retention_periods.add(40, Period(
    "nominations", 36, _l("Award nominations and scores: {period} after the winners are announced; after "
                          "that only the shortlist stays on record, without anyone's contact details.")),
    name="nominations")
# The audit actions the awards record, as "Your data" names them.
registry.audit_action_names.add(30, {
    "awards.categories_copied": _l("Award categories copied"),
    "awards.category_saved": _l("Award category saved"),
    "awards.conflict_declared": _l("Conflict of interest declared"),
    "awards.conflict_recorded": _l("Conflict of interest recorded for a judge"),
    "awards.criterion_added": _l("Judging criterion added"),
    "awards.criterion_removed": _l("Judging criterion removed"),
    "awards.cycle_saved": _l("Award cycle saved"),
    "awards.decided": _l("Judging panel's decision recorded"),
    "awards.exclusion_added": _l("Person who cannot win added"),
    "awards.exclusion_removed": _l("Person who cannot win removed"),
    "awards.judge_appointed": _l("Judge appointed"),
    "awards.judge_removed": _l("Judge removed"),
    "awards.nomination_confirmed": _l("Nomination confirmed"),
    "awards.nomination_eligible": _l("Nomination found eligible"),
    "awards.nomination_ineligible": _l("Nomination found not eligible"),
    "awards.nomination_moved": _l("Nomination moved to another category"),
    "awards.nomination_partner_linked": _l("Partner organisation chosen for a nomination"),
    "awards.nomination_removed_at_nominees_request": _l("Nomination removed at the nominee's request"),
    "awards.nomination_saved": _l("Nomination saved"),
    "awards.nomination_ungrouped": _l("Nomination taken out of a group"),
    "awards.nomination_withdrawn": _l("Nomination withdrawn"),
    "awards.nominations_claimed": _l("Nominations made as a guest added to the account"),
    "awards.nominations_grouped": _l("Nominations grouped to be judged together"),
    "awards.question_added": _l("Nomination question added"),
    "awards.question_removed": _l("Nomination question removed"),
    "awards.results_published": _l("Award results published"),
    "awards.results_reopened": _l("Award results reopened"),
    "awards.scores_saved": _l("Scores saved"),
    "awards.scores_submitted": _l("Scores submitted"),
    "awards.shortlist_published": _l("Shortlist published"),
}, name="awards")


@registry.sections(50)
def _nominations(user: User) -> Section:
    nominations = db.session.scalars(
        select(Nomination).where(theirs(Nomination, user)).order_by(Nomination.created_at)).all()
    return Section("nominations", _("Nominations you made"), [{
        _("Award"): nomination.category.name, _("Nominee"): nomination.nominee_name,
        _("Status"): nomination.status,
        _("Your name as given"): nomination.nominator_name, _("Your email as given"): nomination.nominator_email,
        _("Your phone as given"): nomination.nominator_phone,
        _("Your relationship to the nominee"): nomination.relationship_to_nominee,
        _("What you wrote"): [answer.text for answer in nomination.answers],
        _("Started"): nomination.created_at, _("Submitted"): nomination.submitted_at,
    } for nomination in nominations])


@registry.sections(60)
def _judging(user: User) -> Section:
    panels = db.session.scalars(select(PanelMember).where(PanelMember.user_id == user.id)).all()
    conflicts = db.session.scalars(select(ConflictDeclaration).where(ConflictDeclaration.judge_id == user.id)).all()
    sheets = db.session.scalars(select(ScoreSheet).where(ScoreSheet.judge_id == user.id)).all()
    criteria = dict(db.session.execute(select(Criterion.id, Criterion.name).where(Criterion.id.in_(
        [score.criterion_id for sheet in sheets for score in sheet.scores]))).all())
    return Section("judging", _("Judging"), [
        *({_("Judging panel"): panel.category.name, _("Appointed as"): panel.email} for panel in panels),
        *({_("Conflict of interest declared on nomination"): conflict.nomination_id,
           _("Kind"): conflict.kind} for conflict in conflicts),
        *({_("Scores given to nomination"): sheet.nomination_id, _("Comment"): sheet.comment,
           _("Scores"): [f"{criteria[score.criterion_id]}: {score.value}" for score in sheet.scores],
           _("Submitted"): sheet.submitted_at} for sheet in sheets)])


@registry.erasure_blockers(20)
def _judging_now(user: User) -> list[str]:
    reasons = []
    now = utcnow()
    for seat in db.session.scalars(select(PanelMember).where(PanelMember.user_id == user.id)):
        if seat.category.cycle.stage(now) != Stage.ANNOUNCED:
            reasons.append(_("You are on the judging panel for %(category)s. Ask the awards team to take you off "
                             "it first.", category=seat.category.name))
    return reasons


@registry.erasure_steps(30)
def _erase_nominations(user: User) -> None:
    mine = theirs(Nomination, user)
    db.session.execute(delete(Nomination).where(mine, Nomination.status.in_(UNSENT_NOMINATIONS)))
    db.session.execute(update(Nomination).where(mine).values(
        nominator_id=None, nominator_name=ERASED_NAME, nominator_email="", nominator_phone=""),
        execution_options={"synchronize_session": False})


@registry.retention_steps(40)
def _retire_nominations(now: datetime) -> dict[str, int]:
    """Cycles announced long enough ago keep only their shortlist, without contact details or scores."""
    old = Nomination.category_id.in_(select(AwardCategory.id).join(AwardCycle, AwardCycle.id == AwardCategory.cycle_id)
                                     .where(AwardCycle.announce_at < cutoff("nominations", now)))
    shortlisted = Nomination.id.in_(select(Decision.nomination_id).where(Decision.outcome.in_(ON_SHORTLIST)))
    deleted = db.session.execute(delete(Nomination).where(old, ~shortlisted)).rowcount
    kept = select(Nomination.id).where(old)
    db.session.execute(delete(ScoreSheet).where(ScoreSheet.nomination_id.in_(kept)))
    db.session.execute(delete(Referee).where(Referee.nomination_id.in_(kept)))
    anonymised = db.session.execute(update(Nomination).where(old, Nomination.nominator_email != "").values(
        nominator_id=None, nominator_name=ANONYMOUS, nominator_email="", nominator_phone="", nominee_email="",
        nominee_phone=""), execution_options={"synchronize_session": False}).rowcount
    return {"nominations deleted": deleted, "shortlisted nominations made anonymous": anonymised}
