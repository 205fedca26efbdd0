"""Judging rules: panels, conflicts of interest (declared before a judge sees
a nomination, or recorded by an administrator), scoring within the judging
window, and each category's results. Functions flush but never commit.

Scoring locks the nomination row so that a conflict recorded at the same
moment as a score is submitted cannot leave a conflicted judge's score
behind: PostgreSQL locks the row; SQLite needs the caller's transaction to
have begun under `core.database.write_lock()`.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, url_for
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload, lazyload

from awards import queries, scoring
from awards.models import (
    AwardCategory, AwardCycle, ConflictDeclaration, ConflictKind, Nomination, NominationStatus, PanelMember, Score,
    ScoreSheet, Stage,
)
from awards.errors import AwardRuleBroken
from core import audit
from core.accounts import second_factor
from core.database import lock_row, utcnow
from core.email import queue_email
from core.errors import DomainErrors
from core.extensions import db
from core.formatting import counted
from core.accounts.models import User
from core.accounts.services import confirmed_account_with_email, email_confirmed, normalise_email


# --- panels ----------------------------------------------------------------------------------

def appoint_judge(category: AwardCategory, email: str, *, actor: User) -> PanelMember:
    """Put someone on the category's panel and tell them. The seat is tied to
    an account only once that account has proven it owns the address (now,
    or when it confirms: `claim_appointments`); anyone else is asked to
    create an account with that address."""
    email = normalise_email(email)
    lock_row(db.session, AwardCategory, category.id)  # a double-clicked Appoint makes one
    if db.session.scalar(select(PanelMember.id).where(PanelMember.category_id == category.id,
                                                      PanelMember.email == email)):
        raise AwardRuleBroken(f"{email} is already on the {category.name} panel", field="email")
    account = confirmed_account_with_email(email)
    member = PanelMember(category_id=category.id, email=email, user_id=account.id if account else None,
                         appointed_by_id=actor.id)
    db.session.add(member)
    db.session.flush()
    if account is not None:
        second_factor.seat_granted(account, actor=actor)
    queue_email(to=email, subject=f"You are a judge: {category.name}", template="award_judge_appointed",
                category=category, account=account,
                link=url_for("awards.judging_home" if account else "core.sign_up", _external=True),
                reply_to=current_app.config["CONTACT_EMAIL"])
    audit.record("awards.judge_appointed", actor=actor, subject=category, details={"email": email})
    return member


def remove_judge(member: PanelMember, *, actor: User) -> None:
    """Off the panel: the scores they submitted stop counting in the results
    (`results_for` counts the panel's judges only) but are kept on record.
    Refused once results are published, which were chosen from those scores."""
    _check_results_not_published(member.category.cycle)
    db.session.delete(member)
    db.session.flush()
    audit.record("awards.judge_removed", actor=actor, subject=member.category, details={"email": member.email})


def panel_of(category: AwardCategory) -> list[PanelMember]:
    return list(db.session.scalars(select(PanelMember).where(PanelMember.category_id == category.id)
                                   .order_by(PanelMember.email)))


@email_confirmed.connect
def claim_appointments(user: User, **_) -> None:
    """Appointments made to this person's address before they had an account
    become theirs when they confirm the address (core's email_confirmed)."""
    if not user.email_confirmed:
        return
    claimed = False
    for member in db.session.scalars(select(PanelMember).where(PanelMember.email == user.email,
                                                               PanelMember.user_id.is_(None))):
        member.user_id, claimed = user.id, True
    db.session.flush()
    if claimed:  # a confirmed change of address can seat someone who is signed in
        second_factor.seat_granted(user, actor=None)


def is_judge_of(user, category_id: int) -> bool:
    """Sits on this category's panel: one of `panels_for`, read by the same query."""
    return db.session.scalar(select(queries.panels_of(user).where(AwardCategory.id == category_id).exists()))


@second_factor.holds_a_seat
def sits_on_a_panel(user: User) -> bool:
    """Any panel: judges read nominations about people, young people among
    them, so core asks them for a second factor at sign-in."""
    return db.session.scalar(select(queries.panels_of(user).exists()))


def panels_for(user: User) -> list[AwardCategory]:
    """The categories whose panels this judge sits on, the latest cycle's
    first, with their cycles (the judging page names each and its dates);
    their questions and criteria load only when asked for."""
    return list(db.session.scalars(queries.panels_of(user)
                                   .order_by(AwardCategory.cycle_id.desc(), AwardCategory.position)
                                   .options(joinedload(AwardCategory.cycle), lazyload(AwardCategory.questions),
                                            lazyload(AwardCategory.criteria))))


def to_judge(category: AwardCategory) -> list[Nomination]:
    """The nominations a panel judges: those screened eligible, each group
    of nominations of the same nominee once (under its lead)."""
    return to_judge_on([category])[category.id]


def to_judge_on(categories: list[AwardCategory]) -> dict[int, list[Nomination]]:
    """`to_judge` for several panels (a judge's list of them) in one query.
    The nominations' own answers and referees, which a list does not show,
    load only when asked for; their categories are those given."""
    found: dict[int, list[Nomination]] = {category.id: [] for category in categories}
    for nomination in db.session.scalars(select(Nomination).where(
            Nomination.category_id.in_(found), Nomination.status == NominationStatus.ELIGIBLE,
            Nomination.group_with_id.is_(None)).order_by(Nomination.nominee_name, Nomination.id).options(
            lazyload(Nomination.category), lazyload(Nomination.answers), lazyload(Nomination.referees))):
        found[nomination.category_id].append(nomination)
    return found


# --- conflicts of interest --------------------------------------------------------------------

def declaration_of(nomination: Nomination, judge) -> ConflictDeclaration | None:
    return db.session.scalar(select(ConflictDeclaration).where(ConflictDeclaration.nomination_id == nomination.id,
                                                               ConflictDeclaration.judge_id == judge.id))


def declare(nomination: Nomination, judge: User, kind: ConflictKind, *, note: str = "",
            recorded_by: User | None = None) -> ConflictDeclaration:
    """A judge's declaration (or, with `recorded_by`, an administrator's
    record of a conflict the judge did not declare). A conflict removes the
    judge from the nomination, scores and all."""
    if not is_judge_of(judge, nomination.category_id):
        raise AwardRuleBroken(f"{judge.name} is not on the {nomination.category.name} panel")
    if kind == ConflictKind.OTHER and not note.strip():
        raise AwardRuleBroken("Say what the connection is", field="note")
    lock_row(db.session, Nomination, nomination.id)
    cycle = nomination.category.cycle
    # A conflict removes the judge's scores, which the published results were chosen from.
    _check_results_not_published(cycle)
    declaration = declaration_of(nomination, judge)
    if declaration is not None and recorded_by is None:
        raise AwardRuleBroken("You have already declared your connection to this nomination. Ask the awards team "
                              "if it has changed.")
    if declaration is None:
        declaration = ConflictDeclaration(nomination_id=nomination.id, judge_id=judge.id, kind=kind)
        db.session.add(declaration)
    declaration.kind, declaration.note = kind, note.strip()
    declaration.recorded_by_id = recorded_by.id if recorded_by else judge.id
    declaration.declared_at = utcnow()
    if declaration.is_conflict:
        db.session.execute(delete(ScoreSheet).where(ScoreSheet.nomination_id == nomination.id,
                                                    ScoreSheet.judge_id == judge.id))
    db.session.flush()
    audit.record("awards.conflict_recorded" if recorded_by else "awards.conflict_declared",
                 actor=recorded_by or judge, subject=nomination, details={"judge": judge.id, "kind": kind.value})
    return declaration


def _check_results_not_published(cycle: AwardCycle) -> None:
    """Published results were chosen from the judges' scores and conflicts,
    so neither changes until the results are reopened, whatever the cycle's
    dates say (an administrator may have moved them). Under the cycle's lock,
    which publishing takes: a score lands before or after, not during."""
    lock_row(db.session, AwardCycle, cycle.id)
    db.session.refresh(cycle, ["results_published_at"])
    if cycle.results_published_at is not None:
        raise AwardRuleBroken("The results are published, so judges' scores and conflicts are locked. Reopen the "
                              "results first.")


def declarations_for(nomination: Nomination) -> list[ConflictDeclaration]:
    return list(db.session.scalars(select(ConflictDeclaration).where(
        ConflictDeclaration.nomination_id == nomination.id).order_by(ConflictDeclaration.declared_at)))


def conflicts_in(cycle: AwardCycle) -> list[ConflictDeclaration]:
    """Every declared or recorded conflict in the cycle, for the results record."""
    return list(db.session.scalars(
        select(ConflictDeclaration).join(Nomination, ConflictDeclaration.nomination_id == Nomination.id)
        .join(Nomination.category).where(AwardCategory.cycle_id == cycle.id,
                                         ConflictDeclaration.kind != ConflictKind.NONE)
        .order_by(AwardCategory.position, Nomination.nominee_name)))


def may_see(nomination: Nomination, judge) -> bool:
    """A judge sees a nomination's details only if it is theirs to judge and
    they have said they have no conflict."""
    if (nomination.status != NominationStatus.ELIGIBLE or nomination.group_with_id is not None
            or not is_judge_of(judge, nomination.category_id)):
        return False
    declaration = declaration_of(nomination, judge)
    return declaration is not None and not declaration.is_conflict


# --- scoring ----------------------------------------------------------------------------------

def sheet_of(nomination: Nomination, judge, *, fresh: bool = False) -> ScoreSheet | None:
    """`fresh`: as the database has it now, not as this session first read it
    (under a lock, another request's submission may have landed since)."""
    query = select(ScoreSheet).where(ScoreSheet.nomination_id == nomination.id, ScoreSheet.judge_id == judge.id)
    return db.session.scalar(query.execution_options(populate_existing=True) if fresh else query)


def score(nomination: Nomination, judge: User, values: dict[int, int | None], *, comment: str = "",
          submit: bool, for_submission: bool = False, now: datetime | None = None) -> ScoreSheet:
    """Save a judge's scores as a draft, or submit them (every criterion
    scored). Submitted scores are final; the judging window closes submission.
    `for_submission`: a draft the judge means to submit once they have seen
    what they are submitting (`submit_scores`), so every criterion is scored."""
    now = now or utcnow()
    category = nomination.category
    if category.cycle.stage(now) != Stage.JUDGING:
        raise AwardRuleBroken("Judging is not open, so scores cannot be saved")
    lock_row(db.session, Nomination, nomination.id)
    _check_results_not_published(category.cycle)
    if not may_see(nomination, judge):  # checked under the lock: a conflict recorded meanwhile wins
        raise AwardRuleBroken("You cannot score this nomination")
    sheet = sheet_of(nomination, judge, fresh=True)
    if sheet is not None and sheet.submitted_at is not None:
        raise AwardRuleBroken("You have already submitted your scores for this nomination")
    problems = []
    for criterion in category.criteria:
        value = values.get(criterion.id)
        if value is None and (submit or for_submission):
            problems.append(AwardRuleBroken(f"Score “{criterion.name}”", field=f"criterion_{criterion.id}"))
        elif value is not None and not 1 <= value <= category.scale_max:
            problems.append(AwardRuleBroken(f"Score “{criterion.name}” from 1 to {category.scale_max}",
                                            field=f"criterion_{criterion.id}"))
    if problems:
        raise DomainErrors(problems)
    if sheet is None:
        sheet = ScoreSheet(nomination_id=nomination.id, judge_id=judge.id)
        db.session.add(sheet)
    sheet.comment = comment.strip()
    given = {s.criterion_id: s for s in sheet.scores}  # changed in place: one row per criterion, always
    for criterion in category.criteria:
        value, existing = values.get(criterion.id), given.get(criterion.id)
        if value is None and existing is not None:
            sheet.scores.remove(existing)
        elif value is not None and existing is not None:
            existing.value = value
        elif value is not None:
            sheet.scores.append(Score(criterion_id=criterion.id, value=value))
    sheet.submitted_at = now if submit else None
    db.session.flush()
    audit.record("awards.scores_submitted" if submit else "awards.scores_saved", actor=judge, subject=nomination)
    return sheet


def submit_scores(nomination: Nomination, judge: User, *, now: datetime | None = None) -> ScoreSheet:
    """Submit the judge's saved draft, as it is: the last step of "Submit
    scores", after the page that shows them what they are submitting. Read
    under the nomination's lock, so a triple-clicked Submit submits once."""
    lock_row(db.session, Nomination, nomination.id)
    sheet = sheet_of(nomination, judge, fresh=True)
    if sheet is None:
        raise AwardRuleBroken("You have no scores saved for this nomination yet: score it first")
    return score(nomination, judge, {s.criterion_id: s.value for s in sheet.scores}, comment=sheet.comment,
                 submit=True, now=now)


def others_sheets(nomination: Nomination, judge) -> list[ScoreSheet]:
    """Other judges' submitted scores, shown to a judge only after they
    submitted their own, and only if the cycle allows it."""
    own = sheet_of(nomination, judge)
    if not nomination.category.cycle.show_other_scores or own is None or own.submitted_at is None:
        return []
    return list(db.session.scalars(select(ScoreSheet).where(
        ScoreSheet.nomination_id == nomination.id, ScoreSheet.judge_id != judge.id,
        ScoreSheet.submitted_at.is_not(None)).order_by(ScoreSheet.id)))


def progress_of(judge: User, category: AwardCategory, nominations: list[Nomination]) -> dict[int, str]:
    """For each of the panel's nominations (`to_judge`): where the judge is with it."""
    return progress_on(judge, {category.id: nominations})[category.id]


def progress_on(judge: User, nominations: dict[int, list[Nomination]]) -> dict[int, dict[int, str]]:
    """`progress_of` for several panels (`to_judge_on`), by category: two
    queries however many panels and nominations."""
    ids = [nomination.id for listed in nominations.values() for nomination in listed]
    declarations = {d.nomination_id: d for d in db.session.scalars(select(ConflictDeclaration).where(
        ConflictDeclaration.nomination_id.in_(ids), ConflictDeclaration.judge_id == judge.id)
        .options(lazyload(ConflictDeclaration.judge)))} if ids else {}
    sheets = {s.nomination_id: s for s in db.session.scalars(select(ScoreSheet).where(
        ScoreSheet.nomination_id.in_(ids), ScoreSheet.judge_id == judge.id)
        .options(lazyload(ScoreSheet.judge), lazyload(ScoreSheet.scores)))} if ids else {}
    return {category_id: _progress(listed, declarations, sheets) for category_id, listed in nominations.items()}


def _progress(nominations: list[Nomination], declarations: dict, sheets: dict) -> dict[int, str]:
    progress = {}
    for nomination in nominations:
        declaration, sheet = declarations.get(nomination.id), sheets.get(nomination.id)
        if declaration is None:
            progress[nomination.id] = "Declare any conflict"
        elif declaration.is_conflict:
            progress[nomination.id] = "Conflict: not yours to judge"
        elif sheet is None:
            progress[nomination.id] = "To score"
        else:
            progress[nomination.id] = "Submitted" if sheet.submitted_at else "Draft saved"
    return progress


# --- results -------------------------------------------------------------------------------------

def results_for(category: AwardCategory, nominations: list[Nomination]) -> tuple[list[scoring.Result], bool]:
    """The ranked results of the panel's nominations (`to_judge`) from their
    submitted scores by the panel's judges (one query for the sheets). Scores are normalised only
    once every judge expected to score has scored enough (`_expected`): a
    seat not yet taken up counts as a judge who has scored nothing."""
    weights = {criterion.id: criterion.weight for criterion in category.criteria}
    on_panel = select(PanelMember.user_id).where(PanelMember.category_id == category.id,
                                                 PanelMember.user_id.is_not(None))
    sheets = db.session.scalars(select(ScoreSheet).where(
        ScoreSheet.nomination_id.in_([n.id for n in nominations]), ScoreSheet.submitted_at.is_not(None),
        ScoreSheet.judge_id.in_(on_panel))).all()  # a judge taken off the panel no longer counts
    triples = [(sheet.nomination_id, sheet.judge_id,
                scoring.weighted_score({s.criterion_id: s.value for s in sheet.scores if s.criterion_id in weights},
                                       weights)) for sheet in sheets if sheet.scores]
    judges, without_account = _expected(category, nominations)
    seats_not_taken_up = range(-1, -1 - without_account, -1)  # no account, so no id: stand-ins that scored nothing
    return scoring.category_results(triples, [n.id for n in nominations],
                                    min_per_judge=category.cycle.normalise_after,
                                    judges=[*judges, *seats_not_taken_up])


def has_scores(category: AwardCategory) -> bool:
    """Whether any judge has submitted scores for any of the panel's nominations."""
    return db.session.scalar(select(Score.id).join(ScoreSheet, Score.sheet_id == ScoreSheet.id).where(
        ScoreSheet.nomination_id.in_([n.id for n in to_judge(category)]), ScoreSheet.submitted_at.is_not(None))
        .limit(1)) is not None


def _expected(category: AwardCategory, nominations: list[Nomination]) -> tuple[list[int], int]:
    """The panel members expected to score these nominations: every judge
    with an account except one with a conflict on every one of them (who can
    score nothing); and how many seats no account has taken up yet."""
    panel = panel_of(category)
    conflicted: dict[int, int] = {}
    for declaration in db.session.scalars(select(ConflictDeclaration).where(
            ConflictDeclaration.nomination_id.in_([n.id for n in nominations]),
            ConflictDeclaration.kind != ConflictKind.NONE)):
        conflicted[declaration.judge_id] = conflicted.get(declaration.judge_id, 0) + 1
    judges = [m.user_id for m in panel if m.user_id is not None
              and not (nominations and conflicted.get(m.user_id, 0) == len(nominations))]
    return judges, sum(1 for m in panel if m.user_id is None)


@dataclass(frozen=True)
class YetToScore:
    """Judges on a panel who have submitted no scores for its nominations:
    their names, and how many appointments no account has taken up yet."""
    names: list[str] = field(default_factory=list)
    without_account: int = 0

    def __bool__(self) -> bool:
        return bool(self.names or self.without_account)

    @property
    def sentence(self) -> str:
        """"Lee Late and 1 judge appointed by email without an account have not submitted any scores yet"."""
        who = [*self.names]
        if self.without_account:
            who.append(counted(self.without_account, "judge appointed by email without an account",
                               "judges appointed by email without an account"))
        listed = who[0] if len(who) == 1 else f"{', '.join(who[:-1])} and {who[-1]}"
        several = len(who) > 1 or self.without_account > 1
        return f"{listed} {'have' if several else 'has'} not submitted any scores yet"


def yet_to_score(category: AwardCategory, nominations: list[Nomination]) -> YetToScore:
    """Who the results are still waiting for, for the awards team (never
    shown to judges: it would tell one judge where another is)."""
    judges, without_account = _expected(category, nominations)
    scored = set(db.session.scalars(select(ScoreSheet.judge_id).where(
        ScoreSheet.nomination_id.in_([n.id for n in nominations]), ScoreSheet.submitted_at.is_not(None))))
    names = sorted(db.session.get(User, judge_id).name for judge_id in judges if judge_id not in scored)
    return YetToScore(names=names, without_account=without_account)
