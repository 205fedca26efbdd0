"""Cohesion priorities: the themes events are filed, filtered and reported
under, added and renamed by admins.

Functions flush but never commit.
"""
import re

from sqlalchemy import func, select

from core import audit
from core.extensions import db
from core.accounts.models import User
from events.models import CohesionPriority
from events.services.errors import EventRuleBroken


PRIORITY_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def priority_by_slug(slug: str) -> CohesionPriority | None:
    """The priority a link names; anything not shaped like a slug names none
    (and never reaches the database, which may refuse such text)."""
    if not PRIORITY_SLUG.fullmatch(slug):
        return None
    return db.session.scalar(select(CohesionPriority).where(CohesionPriority.slug == slug))


def save_priority(priority: CohesionPriority | None, *, name: str, actor: User) -> CohesionPriority:
    """Add a cohesion priority or rename one; its slug (used in links and
    feeds) is fixed when it is created."""
    name = " ".join(name.split())
    clash = db.session.scalar(select(CohesionPriority).where(func.lower(CohesionPriority.name) == name.lower()))
    if clash is not None and clash is not priority:
        raise EventRuleBroken("There is already a priority with that name", field="name")
    if priority is None:
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "priority"  # a PRIORITY_SLUG
        taken = set(db.session.scalars(select(CohesionPriority.slug).where(CohesionPriority.slug.like(f"{slug}%"))))
        base, n = slug, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        position = (db.session.scalar(select(func.max(CohesionPriority.position))) or 0) + 1
        priority = CohesionPriority(slug=slug, position=position, name=name)
        db.session.add(priority)
    priority.name = name
    db.session.flush()
    audit.record("priority.saved", actor=actor, subject=priority, details={"name": name})
    return priority
