"""A small world whose report figures are worked out by hand in the tests:
ten named people at two recent events (one earlier event outside the dates),
two walk-ins, and equality answers for eight of them."""
from datetime import timedelta

from core import equality
from core.database import utcnow
from core.extensions import db
from events.models import Attendance, EventKind
from tests.events.factories import EventFactory, RegistrationFactory

WHITE_CHRISTIAN = {"ethnic_group": "white", "religion": "christian", "age_band": "25_34"}
ANSWERS = {
    1: WHITE_CHRISTIAN, 2: WHITE_CHRISTIAN, 3: WHITE_CHRISTIAN, 4: WHITE_CHRISTIAN, 5: WHITE_CHRISTIAN,
    6: {"ethnic_group": "asian", "religion": "muslim", "age_band": "16_24"},
    7: {"ethnic_group": "prefer_not_to_say", "religion": "none", "age_band": "under_16"},
    8: {"ethnic_group": "asian", "religion": "hindu", "age_band": "50_64"},
    10: {"ethnic_group": "white", "religion": "none", "age_band": "35_49"},
}


def answer(email: str, answers: dict) -> None:
    key = equality.person_key(None, email)
    response = equality.give_consent(key)
    for name, value in answers.items():
        setattr(response, name, value)


def build_small_world() -> dict:
    """Event A (a week ago): people 1-9 registered, 1-7 came, plus a
    walk-in party of two. Event B (three days ago): 1, 6 and 10 came.
    Event C (two months ago): person 1 came."""
    now = utcnow()
    earlier = EventFactory(title="Event C", starts_at=now - timedelta(days=60), capacity=None)
    event_a = EventFactory(title="Event A", starts_at=now - timedelta(days=7), capacity=None)
    event_b = EventFactory(title="Event B", starts_at=now - timedelta(days=3), capacity=None,
                           kind=EventKind.WORKSHOP)
    email = {n: f"person{n}@example.org" for n in range(1, 11)}

    def came(event, n):
        registration = RegistrationFactory(event=event, email=email[n], name=f"Person {n}")
        db.session.add(Attendance(event_id=event.id, registration=registration))

    came(earlier, 1)
    for n in range(1, 8):
        came(event_a, n)
    for n in (8, 9):
        RegistrationFactory(event=event_a, email=email[n], name=f"Person {n}")
    db.session.add(Attendance(event_id=event_a.id, walk_in_name="Family at the door", people=2))
    for n in (1, 6, 10):
        came(event_b, n)
    for n, answers in ANSWERS.items():
        answer(email[n], answers)
    db.session.commit()
    return {"a": event_a.id, "b": event_b.id, "c": earlier.id}
