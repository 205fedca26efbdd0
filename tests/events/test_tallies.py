"""Settled events' tallies without HTTP (events/tallies.py): what the job,
settling now and reopening do to them, that every change to what a tally
counts after it was made tallies it again in the same transaction, and that
a report reads a tally only while it is current."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.database import utcnow, write_lock
from core.equality import services as equality
from core.extensions import db
from core.people import services as people
from core.privacy import erasure, retention
from events import settlement, tallies
from events.models import Attendance, Event, SettledTally, SettledTallyCell
from reports import queries
from reports.services import MIXING_CHARACTERISTICS
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory

KEYS = tuple(characteristic.key for characteristic in MIXING_CHARACTERISTICS)


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def ended(days_ago: float) -> Event:
    ends = utcnow() - timedelta(days=days_ago)
    return EventFactory(starts_at=ends - timedelta(hours=2), ends_at=ends, capacity=None)


def came(event, user=None, email=None, answers=None):
    registration = RegistrationFactory(event=event, user=user, email=email or (user.email if user else None) or
                                       f"guest{event.id}-{utcnow().timestamp()}@example.org")
    db.session.add(Attendance(event_id=event.id, registration=registration))
    if answers is not None:
        key = registration.person_key
        equality.give_consent(key, user=user)
        equality.save_answers(key, answers)
    db.session.flush()
    return registration


def cells(event) -> dict:
    """The event's tally as (answers) -> people, or None when it has none."""
    if db.session.get(SettledTally, event.id) is None:
        return None
    return {tuple(getattr(cell, key) for key in KEYS): cell.came
            for cell in db.session.scalars(select(SettledTallyCell).where(SettledTallyCell.event_id == event.id))}


def mixing(events, *, from_tallies):
    ids = select(Event.id).where(Event.id.in_([event.id for event in events]))
    return queries.mixing(ids, KEYS, equality.record_key_secret(),
                          tallied=tallies.current_tallies() if from_tallies else None)


WHITE = {"ethnic_group": "white", "religion": "christian", "age_band": "25_34"}
ASIAN = {"ethnic_group": "asian", "religion": "muslim", "age_band": "16_24"}


def test_the_job_tallies_settled_events_only_and_once(ctx):
    settled, settling = ended(20), ended(3)
    for event in (settled, settling):
        came(event, UserFactory(), answers=WHITE)
        db.session.add(Attendance(event_id=event.id, walk_in_name="Walk-in", people=3))
    db.session.commit()
    assert tallies.tally_settled() == 1
    assert cells(settled) == {("white", "christian", "25_34"): 1} and cells(settling) is None
    assert db.session.get(SettledTally, settled.id).came == 4 and db.session.get(SettledTally, settled.id).unnamed == 3
    assert tallies.tally_settled() == 0  # nothing left to do
    assert tallies.tally_settled(now=utcnow() + timedelta(days=12)) == 1  # the other has settled since


def test_reopening_drops_the_tally_and_settling_now_makes_it_again(ctx):
    event, admin = ended(20), UserFactory(roles=["admin"])
    came(event, UserFactory(), answers=WHITE)
    tallies.tally_settled()
    settlement.reopen_attendance(event, actor=admin, reason="Two were missed")
    assert cells(event) is None
    came(event, UserFactory(), answers=ASIAN)  # a change while reopened
    settlement.settle_now(event, actor=admin)
    assert cells(event) == {("white", "christian", "25_34"): 1, ("asian", "muslim", "16_24"): 1}


def test_a_reopening_that_lapses_leaves_the_old_tally_unread_until_the_job_tallies_again(ctx):
    event, admin = ended(20), UserFactory(roles=["admin"])
    came(event, UserFactory(), answers=WHITE)
    tallies.tally_settled()
    snapshot = [dict(cell.__dict__) for cell in db.session.scalars(select(SettledTallyCell))]
    settlement.reopen_attendance(event, actor=admin, reason="Two were missed")
    came(event, UserFactory(), answers=ASIAN)
    # A tally made before the reopening, written back (a job racing the reopening): not current.
    db.session.add(SettledTally(event_id=event.id, came=1, unnamed=0, ends_at=event.ends_at, reopened_until=None,
                                keyed_with=equality.record_key_fingerprint()))
    db.session.add_all(SettledTallyCell(**{key: value for key, value in cell.items() if key != "_sa_instance_state"})
                       for cell in snapshot)
    db.session.flush()
    later = utcnow() + timedelta(days=3)  # the reopening has lapsed: settled again
    assert settlement.is_settled(event, later)
    assert not db.session.scalars(tallies.current_tallies(later)).all()
    assert tallies.tally_settled(now=later) == 1
    assert sum(cells(event).values()) == 2


def test_changing_answers_after_settling_tallies_again(ctx):
    event, user = ended(20), UserFactory()
    came(event, user, answers=WHITE)
    tallies.tally_settled()
    equality.save_answers(f"user:{user.id}", ASIAN)
    assert cells(event) == {("asian", "muslim", "16_24"): 1}
    equality.withdraw(f"user:{user.id}")
    assert cells(event) == {}
    assert mixing([event], from_tallies=True) == mixing([event], from_tallies=False)


def test_erasing_a_person_tallies_their_settled_events_again(ctx):
    event, user, other = ended(20), UserFactory(), UserFactory()
    came(event, user, answers=WHITE)
    came(event, other, answers=WHITE)
    tallies.tally_settled()
    before = mixing([event], from_tallies=True)
    erasure.erase(user)
    assert cells(event) == {("white", "christian", "25_34"): 1}
    assert mixing([event], from_tallies=True) == mixing([event], from_tallies=False) != before


def test_retention_tallies_again_the_events_whose_registrations_it_makes_anonymous(ctx, app):
    event = ended(800)
    came(event, UserFactory(), answers=WHITE)
    tallies.tally_settled()
    retention.apply(utcnow())
    assert cells(event) == {}  # nobody there is named now, so nobody is counted by answer
    assert mixing([event], from_tallies=True) == mixing([event], from_tallies=False)


def test_merging_two_records_of_one_person_tallies_again(ctx):
    event, user = ended(20), UserFactory()
    came(event, email="sam@example.org", answers=WHITE)  # as a guest, answering
    came(event, user)  # and with an account that has no answers, which has proven the address since
    user.email = "sam@example.org"  # the address the account uses and has proven
    user.email_confirmed_at = utcnow()
    tallies.tally_settled()
    assert cells(event) == {("white", "christian", "25_34"): 1}
    people.merge(people.person("guest:sam@example.org"), people.person(f"user:{user.id}"), actor=None)
    assert cells(event) == {("white", "christian", "25_34"): 1}  # one person, the account, with the guest's answers
    assert mixing([event], from_tallies=True) == mixing([event], from_tallies=False)


def test_a_report_reads_a_current_tally_and_never_a_stale_one(ctx):
    event = ended(20)
    came(event, UserFactory(), answers=WHITE)
    tallies.tally_settled()
    db.session.execute(update(SettledTallyCell).values(came=5))  # not what happened: shows where figures come from
    assert mixing([event], from_tallies=True)["religion"][event.id]["christian"].count == 5
    event.ends_at += timedelta(hours=1)  # dates changed since: the tally is not the event's
    db.session.flush()
    assert mixing([event], from_tallies=True)["religion"][event.id]["christian"].count == 1


def test_a_tally_keyed_under_another_secret_is_not_read(ctx, app):
    event = ended(20)
    came(event, UserFactory(), answers=WHITE)
    tallies.tally_settled()
    app.config["REPORT_RECORD_KEY_SECRET"] = "a new secret"
    assert not db.session.scalars(tallies.current_tallies()).all()
    assert mixing([event], from_tallies=True) == mixing([event], from_tallies=False)
