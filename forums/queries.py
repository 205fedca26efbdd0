"""Reads the forums pages need, written once here so that views hold no
queries: the forums by name, and a forum's membership history (its
coordinators' page)."""
from sqlalchemy import String, cast, select
from sqlalchemy.orm import lazyload

from core.content_languages import in_page_language
from core.extensions import db
from core.models import AuditEntry
from forums.models import Forum, Membership


def forums_by_name(*, with_coordinators: bool = True, translated: bool = False) -> list[Forum]:
    """Every forum, in name order; without loading their coordinators where
    the page does not name them; `translated`: with each forum's version in
    the page's language, where the page shows what the forum is for."""
    query = select(Forum).order_by(Forum.name)
    if not with_coordinators:
        query = query.options(lazyload(Forum.coordinators))
    if translated:
        query = query.options(*in_page_language(Forum.translations))
    return list(db.session.scalars(query))


def membership_history(forum: Forum, *, limit: int = 50) -> list[AuditEntry]:
    """The latest audit entries about the forum's memberships, newest first."""
    return list(db.session.scalars(
        select(AuditEntry).join(Membership, AuditEntry.object_id == cast(Membership.id, String))
        .where(AuditEntry.object_type == "Membership", Membership.forum_id == forum.id)
        .order_by(AuditEntry.occurred_at.desc()).limit(limit)))
