"""Reads the awards pages need that are not a rule of their own, and the
reads that carry a permission meaning (`panels_of`), written once here so
that views hold no queries and a list and a check cannot drift apart."""
from sqlalchemy import false, select

from awards.models import AwardCategory, AwardCycle, PanelMember
from core.content_languages import in_page_language
from core.extensions import db
from events.models import Event, EventKind


def cycle_for_its_page(cycle_id: int) -> AwardCycle | None:
    """A cycle, with its categories' versions in the page's language."""
    return db.session.scalar(select(AwardCycle).where(AwardCycle.id == cycle_id).options(
        *in_page_language(AwardCategory.translations, AwardCycle.categories)))


def ceremonies_newest_first() -> list[Event]:
    """The awards ceremonies a cycle can be linked to, the latest first."""
    return list(db.session.scalars(
        select(Event).where(Event.kind == EventKind.AWARDS_CEREMONY).order_by(Event.starts_at.desc())))


def panels_of(user):
    """The categories on whose panels this person sits, by their account (a
    seat appointed to an address counts once an account has proven it owns
    it); none for someone not signed in. A select, for the caller to order
    or narrow: `judging.panels_for` lists them on the judge's page, and
    `judging.is_judge_of` asks it of the category of each nomination they
    open, so the two cannot disagree."""
    query = select(AwardCategory)
    if not getattr(user, "is_authenticated", False):
        return query.where(false())
    return query.join(PanelMember, PanelMember.category_id == AwardCategory.id).where(PanelMember.user_id == user.id)
