"""Demo data for the likely duplicates page (core/people): a guest booking,
imported with its address in capitals, under an address a member's account has
proven; and a second account of the same person whose address differs only by
a +tag. Idempotent: run under write_lock(every_transaction=True), as it books a place."""
from sqlalchemy import select

from core.accounts import services
from core.database import utcnow
from core.extensions import db
from events.models import Event, EventStatus, Registration, RegistrationStatus
from events.services.places import _lock, places_left

ACCOUNT = ("sam.patel@example.org", "Sam Patel")
SECOND_ACCOUNT = ("sam.patel+events@example.org", "Sam Patel")
IMPORTED_GUEST = "Sam.Patel@Example.org"


def seed_demo_people(password: str) -> None:
    for email, name in (ACCOUNT, SECOND_ACCOUNT):
        if services.find_user_by_email(email) is None:
            services.create_user(email=email, name=name, password=password)
    db.session.commit()
    key = f"guest:{IMPORTED_GUEST}"
    if db.session.scalar(select(Registration.id).where(Registration.person_key == key)) is None:
        event = db.session.scalar(select(Event).where(
            Event.status == EventStatus.PUBLISHED, Event.starts_at > utcnow(), Event.capacity.is_not(None))
            .order_by(Event.starts_at).limit(1))
        if event is not None:
            _lock(event)
            left = places_left(event)
            db.session.add(Registration(
                event_id=event.id, person_key=key, name="Sam Patel", email=IMPORTED_GUEST, tickets=1,
                status=RegistrationStatus.CONFIRMED if left else RegistrationStatus.WAITLISTED,
                confirmed_at=utcnow(), waitlisted_at=utcnow()))
    db.session.commit()
