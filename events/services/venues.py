"""Venues: adding and changing the places events are held.

Functions flush but never commit.
"""
from sqlalchemy import update

from core import audit
from core.database import utcnow
from core.extensions import db
from core.accounts.models import User
from events.models import Event, Venue


VENUE_FIELDS = ("name", "address", "postcode", "directions", "position", *Venue.FACILITIES)


def save_venue(venue: Venue | None, *, actor: User, **fields) -> Venue:
    """Create a venue, or update one; events that use it show the change."""
    if venue is None:
        venue = Venue()
        db.session.add(venue)
    place_before = (venue.name, venue.address, venue.postcode, venue.position)
    left_out = {"position": None, **dict.fromkeys(Venue.FACILITIES, False)}
    for name in VENUE_FIELDS:
        setattr(venue, name, fields.get(name, left_out.get(name, "")))
    venue.name, venue.address = venue.name.strip(), venue.address.strip()
    venue.postcode = venue.postcode.strip().upper()
    venue.directions = (venue.directions or "").strip()
    db.session.flush()
    if venue.id is not None and place_before != (venue.name, venue.address, venue.postcode, venue.position):
        # Calendars hold the venue's address in each event's LOCATION: tell them it changed.
        db.session.execute(update(Event).where(Event.venue_id == venue.id).values(
            sequence=Event.sequence + 1, updated_at=utcnow()))
    audit.record("venue.saved", actor=actor, subject=venue)
    return venue
