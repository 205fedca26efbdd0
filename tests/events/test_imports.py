"""Importing a past event's attendance (events/imports.py through
core.imports): refused on an event not over or settled, as every change to
its attendance is; people booked already are skipped; bookings are an
account's only through a proven address; reports' rows are made."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core import imports
from core.database import utcnow, write_lock
from core.extensions import db
from events.imports import KIND
from core.models import OutboxMessage
from events.models import Attendance, Registration
from events.services import scheduling
from events.settlement import AttendanceSettled
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def past_event(days_ago=2):
    start = utcnow() - timedelta(days=days_ago)
    return EventFactory(starts_at=start, ends_at=start + timedelta(hours=2))


def test_a_settled_event_takes_no_import_until_an_admin_reopens_it(ctx):
    organiser, event = UserFactory(), past_event(days_ago=40)
    with pytest.raises(AttendanceSettled) as refused:
        imports.upload(imports.kind_named(KIND), event, "a.csv", b"Name,Email\nA,a@example.org\n", actor=organiser)
    assert refused.value.field == "spreadsheet" and "Ask an admin to reopen it" in refused.value.message
    event.attendance_reopened_until = utcnow() + timedelta(hours=1)
    db.session.flush()
    assert imports.upload(imports.kind_named(KIND), event, "a.csv", b"Name,Email\nA,a@example.org\n",
                          actor=organiser).rows_total == 1


def test_people_booked_already_are_skipped_and_the_rest_are_counted_as_there(ctx):
    organiser, event = UserFactory(), past_event()
    member = UserFactory(email="member@example.org")
    unproven = UserFactory(email="unproven@example.org", email_confirmed_at=None)
    RegistrationFactory(event=event, email="booked@example.org")
    kind = imports.kind_named(KIND)
    body = ("Name,Email,People\nBooked,Booked@example.org,\nMem,member@example.org,2\n"
            "Un,unproven@example.org,\n").encode()
    started = imports.upload(kind, event, "a.csv", body, actor=organiser)
    imports.match_columns(started, kind, dict(started.mapping), actor=organiser)
    imports.start(started, kind, event, email_people=True, actor=organiser, back_url="/")
    assert (started.imported, started.skipped, started.refused) == (2, 1, 0)
    keys = set(db.session.scalars(select(Registration.person_key)))
    assert keys == {"guest:booked@example.org", f"user:{member.id}", "guest:unproven@example.org"}
    assert f"user:{unproven.id}" not in keys
    assert db.session.scalar(select(func.sum(Attendance.people))) == 3


def test_people_imported_are_never_messaged_or_surveyed_though_a_pending_guest_is_not_either(ctx):
    """Nobody proved an imported address is the person's: an organiser's
    messages and the outcome survey leave them out (a guest who never
    confirmed is in no audience either)."""
    from events.models import MessageAudience, RegistrationStatus
    from events.services import messages
    from events.services.surveys import send_surveys

    organiser = UserFactory()
    event = EventFactory(starts_at=utcnow() - timedelta(hours=5), ends_at=utcnow() - timedelta(hours=3),
                         surveys_on=True)
    started = imports.upload(imports.kind_named(KIND), event, "a.csv",
                             b"Name,Email\nVictim,victim@example.org\n", actor=organiser)
    imports.match_columns(started, imports.kind_named(KIND), dict(started.mapping), actor=organiser)
    imports.start(started, imports.kind_named(KIND), event, email_people=False, actor=organiser, back_url="/")
    pending = RegistrationFactory(event=event, email="unproven@example.org", status=RegistrationStatus.PENDING)
    db.session.add(Attendance(event_id=event.id, registration_id=pending.id))
    db.session.flush()
    found = messages.reach(event, [MessageAudience.CAME, MessageAudience.BOOKED], essential=True)
    assert found.recipients == [] and found.left_out == {messages.IMPORTED: 1}
    assert send_surveys() == 0


def test_cancelling_an_event_emails_its_real_bookings_and_none_of_its_imported_ones(ctx):
    organiser, event = UserFactory(), past_event()
    RegistrationFactory(event=event, email="booked@example.org")
    kind = imports.kind_named(KIND)
    started = imports.upload(kind, event, "a.csv", b"Name,Email\nOutsider,outsider@example.com\n", actor=organiser)
    imports.match_columns(started, kind, dict(started.mapping), actor=organiser)
    imports.start(started, kind, event, email_people=False, actor=organiser, back_url="/")
    scheduling.cancel_event(event, actor=organiser, reason="Flooded")
    told = set(db.session.scalars(select(OutboxMessage.recipient)))
    assert "booked@example.org" in told and "outsider@example.com" not in told
