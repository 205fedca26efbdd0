"""What the API lists besides events (events.queries has those): the
priorities, and the venues that public events use."""
from sqlalchemy import exists, select

from core.extensions import db
from events.models import Audience, CohesionPriority, Event, EventStatus, Venue


def priorities_in_order() -> list[CohesionPriority]:
    return db.session.scalars(select(CohesionPriority).order_by(CohesionPriority.position, CohesionPriority.id)).all()


def venues_of_public_events() -> list[Venue]:
    """Venues of public events only: a venue nobody has used in public may be a private address."""
    public = select(Event.id).where(Event.venue_id == Venue.id, Event.audience == Audience.PUBLIC,
                                    Event.status != EventStatus.DRAFT)
    return db.session.scalars(select(Venue).where(exists(public)).order_by(Venue.name, Venue.id)).all()
