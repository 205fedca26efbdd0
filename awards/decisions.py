"""The panel meeting's decisions and their publication: shortlist, then
winners at the announcement date. Decisions are made once nominations have
closed; once the shortlist is published who is on it is settled, and
published results are locked until an administrator reopens them (with a
reason, in the audit log). Every nominator of a decided nomination is told
how it ended: when the shortlist is published (on it or not), and when the
winners are. Functions flush but never commit; publishing locks the cycle row."""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, url_for
from sqlalchemy import select

from awards import judging, screening
from awards.errors import AwardRuleBroken
from awards.models import (
    ON_SHORTLIST, AwardCategory, AwardCycle, Decision, Nomination, NominationStatus, Outcome, Stage,
)
from core import audit
from core.database import lock_row, utcnow
from core.email import queue_email
from core.extensions import db
from core.i18n import _l, ngettext
from core.models import AuditEntry
from core.accounts.models import User


def decisions_in(cycle: AwardCycle) -> dict[int, Decision]:
    """Each decided nomination's decision, by nomination id (one query)."""
    return {d.nomination_id: d for d in db.session.scalars(
        select(Decision).join(Nomination, Decision.nomination_id == Nomination.id).join(Nomination.category)
        .where(AwardCategory.cycle_id == cycle.id))}


def decide(nomination: Nomination, outcome: Outcome, *, rationale: str, actor: User,
           now: datetime | None = None) -> Decision:
    now = now or utcnow()
    cycle = nomination.category.cycle
    _lock(cycle)
    if cycle.stage(now) in (Stage.NOT_OPEN, Stage.NOMINATING):
        raise AwardRuleBroken("Nominations are still open: the panel decides once they have closed")
    if cycle.results_published_at is not None:
        raise AwardRuleBroken("The results are published, so decisions are locked. Reopen them first.")
    if nomination.status != NominationStatus.ELIGIBLE or nomination.group_with_id is not None:
        raise AwardRuleBroken("Only an eligible nomination judged on its own (or leading a group) can be decided")
    if not rationale.strip():
        raise AwardRuleBroken("Write the panel's reason: it goes in the public record", field="rationale")
    decision = db.session.scalar(select(Decision).where(Decision.nomination_id == nomination.id))
    if cycle.shortlist_published_at is not None:
        _check_shortlist_holds(nomination, decision, outcome)
    if decision is None:
        decision = Decision(nomination_id=nomination.id, outcome=outcome, rationale="")
        db.session.add(decision)
    decision.outcome, decision.rationale = outcome, rationale.strip()
    decision.decided_by_id, decision.decided_at = actor.id, utcnow()
    db.session.flush()
    audit.record("awards.decided", actor=actor, subject=nomination, details={"outcome": outcome.value})
    return decision


def _check_shortlist_holds(nomination: Nomination, decision: Decision | None, outcome: Outcome) -> None:
    """Once the shortlist is published (and its nominators told), a decision
    may change within it (winner, highly commended, shortlisted) but nobody
    joins or leaves it."""
    was_on = decision is not None and decision.outcome in ON_SHORTLIST
    if was_on and outcome not in ON_SHORTLIST:
        raise AwardRuleBroken(f"The shortlist is published and {nomination.nominee_name} is on it: choose winner, "
                              "highly commended or shortlisted", field="outcome")
    if not was_on and outcome in ON_SHORTLIST:
        raise AwardRuleBroken(f"The shortlist is published and {nomination.nominee_name} is not on it, so the "
                              "decision stays not shortlisted", field="outcome")


def publish_shortlist(cycle: AwardCycle, *, actor: User, now: datetime | None = None) -> int:
    """Announce who is shortlisted (winners are not told apart yet), once
    every eligible nomination is decided: their nominators and the nominees
    who know are told, and so are the nominators of those not shortlisted.
    Returns how many are shortlisted."""
    now = now or utcnow()
    _lock(cycle)
    if cycle.shortlist_published_at is not None:
        raise AwardRuleBroken("The shortlist is already published")
    if cycle.results_published_at is not None:
        raise AwardRuleBroken("The winners are published, and the shortlist with them")
    if now < cycle.judging_closes_at:
        raise AwardRuleBroken("Publish the shortlist once judging has closed")
    _check_all_screened(cycle)
    decided = decisions_in(cycle)
    shortlisted = [d for d in decided.values() if d.outcome in ON_SHORTLIST]
    if not shortlisted:
        raise AwardRuleBroken("Nobody is shortlisted yet: record the panel's decisions first")
    _check_all_decided(cycle, decided)
    cycle.shortlist_published_at = now
    db.session.flush()
    for decision in decided.values():
        _tell_outcome(decision, winners_published=False)
    audit.record("awards.shortlist_published", actor=actor, subject=cycle, details={"shortlisted": len(shortlisted)})
    return len(shortlisted)


def publish_results(cycle: AwardCycle, *, actor: User, now: datetime | None = None) -> None:
    """Announce the winners on or after the announcement date, once every
    eligible nomination has a decision; the decisions are then locked."""
    now = now or utcnow()
    _lock(cycle)
    if cycle.results_published_at is not None:
        raise AwardRuleBroken("The results are already published")
    if now < cycle.announce_at:
        raise AwardRuleBroken("The results can be published from the announcement date")
    if cycle.shortlist_published_at is None:  # once it is, screening is over (screening.why_screening_is_closed)
        _check_all_screened(cycle)
    decided = decisions_in(cycle)
    _check_all_decided(cycle, decided)
    for category in cycle.categories:
        honoured = [d for d in decided.values() if d.nomination.category_id == category.id
                    and d.outcome in (Outcome.WINNER, Outcome.HIGHLY_COMMENDED)]
        if honoured and not judging.has_scores(category):
            raise AwardRuleBroken(
                f"No judge has scored any nomination in {category.name}, so it cannot have a winner. "
                + ("A judge with a conflict cannot score: have a judge without a conflict score it"
                   if _has_conflicts(category) else "Have a judge on its panel score it")
                + f" (the judging dates are in the cycle's settings), or decide that "
                f"{honoured[0].nomination.nominee_name} is shortlisted or not shortlisted.")
    shortlist_told = cycle.shortlist_published_at is not None
    told_before = _results_told_before(cycle)
    cycle.results_published_at = now
    db.session.flush()
    for decision in decided.values():
        if told_before.get(str(decision.nomination_id)) == decision.outcome.value:
            continue  # published again after a reopen, and this nominator was told this result already
        if decision.outcome in ON_SHORTLIST or not shortlist_told:
            _tell_outcome(decision, winners_published=True)
    audit.record("awards.results_published", actor=actor, subject=cycle,
                 details={"outcomes": {str(d.nomination_id): d.outcome.value for d in decided.values()}})


def _results_told_before(cycle: AwardCycle) -> dict[str, str]:
    """The outcomes the nominators were emailed when the results were last
    published (before a reopen), by nomination id: kept in the audit entry
    of that publication. None when a shortlist was announced since: every
    nominator's last email is then that announcement, not the result."""
    last = db.session.execute(select(AuditEntry.action, AuditEntry.details).where(
        AuditEntry.action.in_(["awards.results_published", "awards.shortlist_published"]),
        AuditEntry.object_type == "AwardCycle", AuditEntry.object_id == str(cycle.id),
    ).order_by(AuditEntry.id.desc()).limit(1)).first()
    if last is None or last.action != "awards.results_published":
        return {}
    return (last.details or {}).get("outcomes", {})


def _has_conflicts(category: AwardCategory) -> bool:
    """Whether any judge has a conflict with one of the panel's nominations."""
    judged = {n.id for n in judging.to_judge(category)}
    return any(c.nomination_id in judged for c in judging.conflicts_in(category.cycle))


def _check_all_screened(cycle: AwardCycle) -> None:
    """A sent nomination nobody has screened would never be judged, decided
    or told how it went: it is screened before anything is published."""
    unscreened = screening.unscreened_count(cycle)
    if unscreened:
        raise AwardRuleBroken(ngettext(
            "%(num)d nomination has not been screened: screen every nomination first (Screen nominations), so that "
            "each is judged or its nominator is told why not",
            "%(num)d nominations have not been screened: screen every nomination first (Screen nominations), so that "
            "each is judged or its nominator is told why not", unscreened))


def _check_all_decided(cycle: AwardCycle, decided: dict[int, Decision]) -> None:
    undecided = db.session.scalars(select(Nomination.nominee_name).join(Nomination.category).where(
        AwardCategory.cycle_id == cycle.id, Nomination.status == NominationStatus.ELIGIBLE,
        Nomination.group_with_id.is_(None), Nomination.id.not_in(decided.keys() or [0]))).all()
    if undecided:
        raise AwardRuleBroken(f"Decide every eligible nomination first: {', '.join(sorted(undecided)[:5])}"
                              + (" and others" if len(undecided) > 5 else ""))


def status_told(nomination: Nomination) -> NominationStatus | Outcome:
    """Where a nominator's nomination is, as they were told: the outcome once
    the shortlist or the winners are published (what the emails said), else
    its status. One grouped under another has its lead's outcome. Either has
    a `label` and a `tag` (templates/_macros/status.html)."""
    cycle = nomination.category.cycle
    published_at = cycle.results_published_at or cycle.shortlist_published_at
    if nomination.status != NominationStatus.ELIGIBLE or published_at is None:
        return nomination.status
    decision = db.session.scalar(select(Decision).where(
        Decision.nomination_id == (nomination.group_with_id or nomination.id)))
    if decision is None:
        return nomination.status
    if cycle.results_published_at is None and decision.outcome in ON_SHORTLIST:
        return Outcome.SHORTLISTED
    return decision.outcome


def reopen_results(cycle: AwardCycle, *, reason: str, actor: User) -> None:
    """Take the results down so decisions can change; the reason is kept."""
    if not reason.strip():
        raise AwardRuleBroken("Say why the results are being reopened", field="reason")
    _lock(cycle)
    if cycle.results_published_at is None:
        raise AwardRuleBroken("The results are not published")
    cycle.results_published_at = None
    db.session.flush()
    audit.record("awards.results_reopened", actor=actor, subject=cycle, details={"reason": reason.strip()})


def _lock(cycle: AwardCycle) -> None:
    """Publishing and deciding one at a time per cycle, each seeing the latest state."""
    lock_row(db.session, AwardCycle, cycle.id)
    db.session.refresh(cycle)


def _tell_outcome(decision: Decision, *, winners_published: bool) -> None:
    """The email a decision's nominators get: when the shortlist is published,
    shortlisted or not; when the winners are, winner or highly commended, or
    shortlisted but not among them (and not shortlisted, when no shortlist
    was published before). Nominees who know hear when they are on the shortlist."""
    nomination, outcome = decision.nomination, decision.outcome
    category = nomination.category.name
    if outcome not in ON_SHORTLIST:
        _tell(nomination, "award_not_shortlisted", _l("Shortlist announced: %(category)s", category=category),
              nominee=False, winners_published=winners_published)
    elif not winners_published:
        _tell(nomination, "award_shortlisted", _l("Shortlisted: %(category)s", category=category))
    elif outcome == Outcome.SHORTLISTED:
        _tell(nomination, "award_result", _l("Winners announced: %(category)s", category=category), outcome=outcome)
    elif outcome == Outcome.WINNER:
        _tell(nomination, "award_result", _l("Winner: %(category)s", category=category), outcome=outcome)
    else:
        _tell(nomination, "award_result", _l("Highly commended: %(category)s", category=category), outcome=outcome)


def _tell(nomination: Nomination, template: str, subject: str, *, nominee: bool = True, **context) -> None:
    """Every nominator of the nominee (the nomination and any grouped under
    it), once per address, and the nominee if they know and `nominee`."""
    link = url_for("awards.cycle_page", cycle_id=nomination.category.cycle_id, _external=True)
    told = set()
    for each in [nomination, *screening.grouped_under(nomination)]:
        if each.nominator_email and each.nominator_email not in told:
            told.add(each.nominator_email)
            queue_email(to=each.nominator_email, subject=subject, template=template, nomination=each,
                        to_nominee=False, link=link, reply_to=current_app.config["CONTACT_EMAIL"],
                        language=each.nominator_language, **context)
    if nominee and nomination.nominee_knows and nomination.nominee_email:
        queue_email(to=nomination.nominee_email, subject=subject, template=template, nomination=nomination,
                    to_nominee=True, link=link, reply_to=current_app.config["CONTACT_EMAIL"], **context)


def published(cycle: AwardCycle, outcomes) -> list[tuple[AwardCategory, list[Decision]]]:
    """Each category with its decisions in these outcomes, best first, for the public pages."""
    order = {outcome: n for n, outcome in enumerate(Outcome)}
    by_category: dict[int, list[Decision]] = {}
    for decision in decisions_in(cycle).values():
        if decision.outcome in outcomes:
            by_category.setdefault(decision.nomination.category_id, []).append(decision)
    return [(category, sorted(by_category.get(category.id, []),
                              key=lambda d: (order[d.outcome], d.nomination.nominee_name)))
            for category in cycle.categories]


def certificates_to_print(cycle: AwardCycle) -> list[Decision]:
    """A certificate for each winner, highly commended and shortlisted
    nominee, by category, best first: none until the panel has put someone
    on the shortlist."""
    return [decision for _, listed in published(cycle, ON_SHORTLIST) for decision in listed]


@dataclass(frozen=True)
class Honoured:
    cycle: AwardCycle
    winners: bool
    categories: list


def at_ceremony(event) -> Honoured | None:
    """What a ceremony's page shows: the winners once published, else the
    shortlist once published, else nothing."""
    cycle = db.session.scalar(select(AwardCycle).where(AwardCycle.ceremony_id == event.id))
    if cycle is None or cycle.shortlist_published_at is None and cycle.results_published_at is None:
        return None
    if cycle.results_published_at is not None:
        return Honoured(cycle, True, published(cycle, (Outcome.WINNER, Outcome.HIGHLY_COMMENDED)))
    return Honoured(cycle, False, published(cycle, ON_SHORTLIST))


@dataclass(frozen=True)
class CategoryRecord:
    category: AwardCategory
    counts: dict                 # NominationStatus -> how many
    panel: list[str]             # judges' names (or addresses not yet claimed)
    conflicts: list              # ConflictDeclaration, conflicts only
    results: list                # scoring.Result, ranked
    normalised: bool
    nominees: dict[int, str]     # nomination id -> nominee's name
    decided: dict[int, Decision]


def results_record(cycle: AwardCycle) -> list[CategoryRecord]:
    """Everything the partnership owes the public about how the winners were
    chosen, category by category."""
    counts = screening.nomination_counts(cycle)
    conflicts = judging.conflicts_in(cycle)
    decided = decisions_in(cycle)
    record = []
    for category in cycle.categories:
        nominations = judging.to_judge(category)
        results, normalised = judging.results_for(category, nominations)
        nominees = {n.id: n.nominee_name for n in nominations}
        record.append(CategoryRecord(
            category=category, counts=counts.get(category.id, {}),
            panel=[m.user.name if m.user else m.email for m in judging.panel_of(category)],
            conflicts=[c for c in conflicts if c.nomination_id in nominees], results=results,
            normalised=normalised, nominees=nominees, decided={k: v for k, v in decided.items() if k in nominees}))
    return record
