"""Screening sent nominations: the awards team's lists and counts, the flags
raised when a nomination is sent (an excluded name, a judge, last year's
winner), the same nominee nominated more than once (the same name as people
type it; grouping), marking a nomination eligible or not, moving it to
another category, until when screening can change, and removing a
nomination at its nominee's request. Functions flush but never commit."""
import re
import unicodedata
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from awards.errors import AwardRuleBroken
from awards.models import (
    LIVE_NOMINATIONS, AwardCategory, AwardCycle, Decision, Exclusion, Nomination, NominationStatus, Outcome,
    PanelMember, Stage,
)
from core.content_languages import lazily
from core import audit
from core.accounts.models import User
from core.database import lock_row, utcnow
from core.email import queue_email
from core.extensions import db
from core.i18n import _l


# --- the awards team's lists ---------------------------------------------------------------------

def nominations_to_screen(cycle: AwardCycle, *, category_id: int | None = None,
                          status: NominationStatus | None = None) -> list[Nomination]:
    query = select(Nomination).join(Nomination.category).where(
        AwardCategory.cycle_id == cycle.id,
        Nomination.status.not_in([NominationStatus.DRAFT, NominationStatus.UNCONFIRMED]))
    if category_id:
        query = query.where(Nomination.category_id == category_id)
    if status:
        query = query.where(Nomination.status == status)
    return list(db.session.scalars(query.order_by(AwardCategory.position, AwardCategory.id,
                                                  Nomination.nominee_name, Nomination.id)))


def unscreened_count(cycle: AwardCycle) -> int:
    """How many of the cycle's sent nominations nobody has screened yet."""
    return db.session.scalar(select(func.count(Nomination.id)).join(Nomination.category).where(
        AwardCategory.cycle_id == cycle.id, Nomination.status == NominationStatus.SUBMITTED))


def nomination_counts(cycle: AwardCycle) -> dict[int, dict[NominationStatus, int]]:
    """For each category, how many nominations are in each status (one query)."""
    counts: dict[int, dict[NominationStatus, int]] = {category.id: {} for category in cycle.categories}
    for category_id, status, count in db.session.execute(
            select(Nomination.category_id, Nomination.status, func.count(Nomination.id))
            .join(Nomination.category).where(AwardCategory.cycle_id == cycle.id)
            .group_by(Nomination.category_id, Nomination.status)):
        counts.setdefault(category_id, {})[status] = count
    return counts


# --- flags raised when a nomination is sent ------------------------------------------------------

def screening_flags(nomination: Nomination) -> list[str]:
    """Why an administrator should look twice (by name, ignoring case,
    spacing and accents): the nominee is on the cycle's exclusion list, judges this
    cycle, or won this category last time."""
    def same(name: str) -> bool:
        return same_name(name, nomination.nominee_name)

    cycle = nomination.category.cycle
    flags = [f"{exclusion.name} is excluded: {exclusion.reason}" for exclusion in db.session.scalars(
        select(Exclusion).where(Exclusion.cycle_id == cycle.id)) if same(exclusion.name)]
    judges = db.session.scalars(select(User.name).join(PanelMember, PanelMember.user_id == User.id)
                                .join(PanelMember.category).where(AwardCategory.cycle_id == cycle.id)).all()
    flags += [f"{name} is a judge this year" for name in set(judges) if same(name)]
    previous = db.session.scalar(select(AwardCycle).where(AwardCycle.nominations_open_at < cycle.nominations_open_at)
                                 .order_by(AwardCycle.nominations_open_at.desc()).limit(1))
    if previous is not None:
        won = db.session.scalars(select(Nomination.nominee_name).join(Decision, Decision.nomination_id == Nomination.id)
                                 .join(Nomination.category).where(
            AwardCategory.cycle_id == previous.id, AwardCategory.name == nomination.category.name,
            Decision.outcome == Outcome.WINNER)).all()
        flags += [f"{name} won {nomination.category.name} in {previous.name}" for name in won if same(name)]
    return flags


# --- the same nominee, nominated more than once --------------------------------------------------

def same_name(one: str, other: str) -> bool:
    """The same name as people type it: the same words in any order, ignoring
    case, spacing, accents, punctuation and invisible characters (Zoë Şahin,
    zoe  sahin, "Sahin, Zoe", "Zoë Şahin (Zoë)" and Zoë Şahin with a zero-width
    space are one person's name). Punctuation is read as a break and as
    nothing, and the letters are compared run together too, so Mary-Jane
    O'Neil is mary jane oneil. Digits are kept: a look-alike such as "Z0e" is
    another name."""
    return any(mine and mine == theirs for mine, theirs in zip(_name_keys(one), _name_keys(other)))


def _name_keys(name: str) -> tuple:
    # Invisible format characters (Unicode Cf: zero-width spaces, joiners,
    # direction marks) are dropped here only: ZWNJ is part of how Persian and
    # Urdu names are spelt, so names keep them.
    letters = "".join(c for c in unicodedata.normalize("NFKD", name.casefold())
                      if not unicodedata.combining(c) and unicodedata.category(c) not in ("Cf", "Me"))
    broken, joined = ("".join(gap if unicodedata.category(c)[0] in "PS" else c for c in letters) for gap in (" ", ""))
    return frozenset(broken.split()), frozenset(joined.split()), "".join(joined.split())


def _words_of(name: str) -> set[str]:
    return {word for word in re.findall(r"[a-z0-9']+", name.lower()) if len(word) >= 3}


def similar_nominations(nomination: Nomination) -> list[Nomination]:
    """Other live nominations in the category that look like the same
    nominee: the same name (ignoring case, spacing and punctuation), or the
    same area and a shared name word. A suggestion; an administrator decides."""
    name = " ".join(sorted(_words_of(nomination.nominee_name)))
    area = nomination.nominee_area.strip().lower()
    others = db.session.scalars(select(Nomination).where(
        Nomination.category_id == nomination.category_id, Nomination.id != nomination.id,
        Nomination.status.in_(LIVE_NOMINATIONS), Nomination.group_with_id.is_(None)).order_by(Nomination.id))
    return [other for other in others
            if " ".join(sorted(_words_of(other.nominee_name))) == name
            or (other.nominee_area.strip().lower() == area
                and _words_of(other.nominee_name) & _words_of(nomination.nominee_name))]


def group_nominations(nomination: Nomination, lead: Nomination, *, actor: User) -> None:
    """Judge `nomination` as part of `lead`: the panel reads every
    nominator's words together and scores once."""
    if lead.category_id != nomination.category_id or lead.id == nomination.id:
        raise AwardRuleBroken("Group it with another nomination in the same category", field="lead_id")
    if lead.group_with_id is not None:
        raise AwardRuleBroken("That nomination is itself grouped under another: choose that one", field="lead_id")
    if grouped_under(nomination):
        raise AwardRuleBroken("Other nominations are grouped under this one: group them under the other first",
                              field="lead_id")
    if _is_decided(nomination):
        raise AwardRuleBroken("The panel has decided on this nomination, so it is judged on its own",
                              field="lead_id")
    nomination.group_with_id = lead.id
    db.session.flush()
    audit.record("awards.nominations_grouped", actor=actor, subject=nomination, details={"lead": lead.id})


def ungroup_nomination(nomination: Nomination, *, actor: User) -> None:
    nomination.group_with_id = None
    db.session.flush()
    audit.record("awards.nomination_ungrouped", actor=actor, subject=nomination)


def grouped_under(lead: Nomination) -> list[Nomination]:
    return list(db.session.scalars(select(Nomination).where(Nomination.group_with_id == lead.id,
                                                            Nomination.status.in_(LIVE_NOMINATIONS))
                                   .order_by(Nomination.id)))


# --- screening decisions -------------------------------------------------------------------------

def mark_eligible(nomination: Nomination, *, actor: User) -> None:
    _check_screenable(nomination)
    nomination.status, nomination.screening_reason = NominationStatus.ELIGIBLE, ""
    _screened(nomination, actor)
    audit.record("awards.nomination_eligible", actor=actor, subject=nomination)


def mark_ineligible(nomination: Nomination, *, reason: str, actor: User) -> None:
    _check_screenable(nomination)
    if not reason.strip():
        raise AwardRuleBroken("Give the reason: it is emailed to the nominator", field="reason")
    nomination.status, nomination.screening_reason = NominationStatus.INELIGIBLE, reason.strip()
    _screened(nomination, actor)
    audit.record("awards.nomination_ineligible", actor=actor, subject=nomination)
    queue_email(to=nomination.nominator_email,
                subject=_l("Your nomination: %(category)s", category=lazily(nomination.category, "name")),
                template="award_nomination_ineligible", nomination=nomination,
                reply_to=current_app.config["CONTACT_EMAIL"], language=nomination.nominator_language)


def move_nomination(nomination: Nomination, to: AwardCategory, *, actor: User) -> None:
    """Into a category that suits it better; it is screened again there."""
    _check_screenable(nomination)
    if to.cycle_id != nomination.category.cycle_id:
        raise AwardRuleBroken("Choose a category in the same cycle", field="category_id")
    if to.id == nomination.category_id:
        raise AwardRuleBroken("The nomination is already in that category", field="category_id")
    moved_from = nomination.category
    nomination.category, nomination.status, nomination.screening_reason = to, NominationStatus.SUBMITTED, ""
    _screened(nomination, actor)
    audit.record("awards.nomination_moved", actor=actor, subject=nomination,
                 details={"from": moved_from.id, "to": to.id})
    queue_email(to=nomination.nominator_email, subject=_l("Your nomination has moved to %(category)s", category=to.name),
                template="award_nomination_moved", nomination=nomination, moved_from=moved_from,
                reply_to=current_app.config["CONTACT_EMAIL"], language=nomination.nominator_language)


def why_screening_is_closed(nomination: Nomination, *, now: datetime | None = None) -> str | None:
    """Why the nomination's screening (eligible, not eligible, moved) can no
    longer change, or None while it can: the screening page offers it only then."""
    if nomination.status not in (NominationStatus.SUBMITTED, NominationStatus.ELIGIBLE,
                                 NominationStatus.INELIGIBLE):
        return f"This nomination is {nomination.status.label.lower()}, so it cannot be screened"
    cycle = nomination.category.cycle
    if cycle.shortlist_published_at is not None or cycle.results_published_at is not None:
        return "The shortlist is published, so screening decisions can no longer change"
    # A nomination never screened can still be (its nominator hears how it went), until the shortlist is out.
    if (nomination.status != NominationStatus.SUBMITTED
            and cycle.stage(now or utcnow()) in (Stage.DECIDING, Stage.ANNOUNCED)):
        return "Judging has finished, so screening decisions can no longer change"
    if _is_decided(nomination):
        return "The panel has decided on this nomination, so its screening can no longer change"
    return None


def _is_decided(nomination: Nomination) -> bool:
    return db.session.scalar(select(Decision.id).where(Decision.nomination_id == nomination.id)) is not None


def _check_screenable(nomination: Nomination) -> None:
    reason = why_screening_is_closed(nomination)
    if reason is not None:
        raise AwardRuleBroken(reason)


def _screened(nomination: Nomination, actor: User) -> None:
    """Who screened it and when (the caller records what they decided)."""
    nomination.screened_by_id, nomination.screened_at = actor.id, utcnow()
    db.session.flush()


# --- at the nominee's request --------------------------------------------------------------------

def remove_at_nominees_request(nomination: Nomination, *, actor: User) -> int:
    """The nominee asked not to be considered (UK GDPR: their details are in
    it). The nomination goes, with every one grouped under it (the same
    person), their answers, referees, scores and decision; each nominator is
    told why. The audit entry names no one. How many went."""
    lock_row(db.session, Nomination, nomination.id)
    removed = [nomination, *grouped_under(nomination)]
    for each in removed:
        if each.nominator_email:
            queue_email(to=each.nominator_email, subject=_l("Your nomination: %(category)s", category=lazily(each.category, "name")),
                        template="award_nomination_removed", nomination=each,
                        reply_to=current_app.config["CONTACT_EMAIL"], language=each.nominator_language)
    category_id = nomination.category_id
    for each in removed:
        db.session.delete(each)
    db.session.flush()
    audit.record("awards.nomination_removed_at_nominees_request", actor=actor,
                 details={"category": category_id, "nominations": len(removed)})
    return len(removed)
