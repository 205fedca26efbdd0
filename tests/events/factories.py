"""Factories for venues, events and registrations."""
from datetime import timedelta

import factory

from core.database import utcnow
from core.extensions import db
from events.models import (
    Audience, CohesionPriority, Event, EventKind, EventStatus, ProgrammeSession, Registration, RegistrationStatus,
    Venue,
)


class _Base(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class PriorityFactory(_Base):
    class Meta:
        model = CohesionPriority

    name = factory.Sequence(lambda n: f"Priority {n}")
    slug = factory.Sequence(lambda n: f"priority-{n}")
    position = factory.Sequence(int)


class VenueFactory(_Base):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Community Centre {n}")
    address = "1 High Street\nNorthampton"
    postcode = "NN1 1AA"
    step_free = True


class EventFactory(_Base):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Event {n}")
    summary = "People from different backgrounds meet and talk."
    kind = EventKind.COMMUNITY_EVENT
    status = EventStatus.PUBLISHED
    audience = Audience.PUBLIC
    starts_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + timedelta(hours=2))
    venue = factory.SubFactory(VenueFactory)
    contact_email = "events@example.org"
    capacity = 10
    allow_guests = True
    instant_guest_places = True


class RegistrationFactory(_Base):
    class Meta:
        model = Registration

    event = factory.SubFactory(EventFactory)
    user = None
    name = factory.Sequence(lambda n: f"Guest {n}")
    email = factory.Sequence(lambda n: f"guest{n}@example.org")
    person_key = factory.LazyAttribute(lambda r: f"user:{r.user.id}" if r.user else f"guest:{r.email}")
    status = RegistrationStatus.CONFIRMED
    tickets = 1
    confirmed_at = factory.LazyFunction(utcnow)


class SessionFactory(_Base):
    class Meta:
        model = ProgrammeSession

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Workshop {n}")
    starts_at = factory.LazyAttribute(lambda s: s.event.starts_at)
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(hours=1))
    room = "Room 1"
    capacity = 10
