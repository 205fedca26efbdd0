"""Repeating events: each date its own event, UK wall-clock time kept across
the clock changes, and one date changed without touching the others."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from core.database import in_london, write_lock
from core.extensions import db
from events.services.places import places_left
from events.services.registration import register
from events.services.scheduling import (
    EventDetails, cancel_event, create_event, publish, series_occurrences, update_event,
)
from events.models import Event, EventKind, EventStatus
from events.recurrence import Recurrence, RecurrenceError, describe, expand
from tests.conftest import sign_in, submit
from tests.events.factories import VenueFactory
from tests.factories import UserFactory

FIRST = datetime(2031, 1, 7, 18, 30, tzinfo=timezone.utc)  # Tuesday 7 January 2031, 18:30 GMT


def test_first_tuesday_of_the_month_stays_at_18_30_across_both_clock_changes():
    rule, starts = expand(Recurrence("monthly_weekday", date(2031, 12, 31)), FIRST)
    assert rule == "FREQ=MONTHLY;BYDAY=+1TU;UNTIL=20311231T235959"
    assert len(starts) == 12
    assert all(start.weekday() == 1 and start.day <= 7 for start in starts)
    assert {start.strftime("%H:%M") for start in starts} == {"18:30"}
    assert [start.utcoffset() for start in starts[2:4]] == [timedelta(0), timedelta(hours=1)]  # March, April
    assert [start.utcoffset() for start in starts[9:11]] == [timedelta(hours=1), timedelta(0)]  # October, November
    assert describe(rule) == "Every month on the first Tuesday, until 31 December 2031"


@pytest.mark.parametrize("recurrence, message", [
    (Recurrence("weekly", date(2030, 1, 1)), "after the first event"),
    (Recurrence("weekly", date(2035, 1, 1)), "up to three years"),
    (Recurrence("daily", date(2031, 2, 1)), "Choose how often"),
    (Recurrence("weekly", date(2033, 12, 1)), "up to 104"),
])
def test_unusable_series_are_refused_with_the_reason(recurrence, message):
    with pytest.raises(RecurrenceError, match=message):
        expand(recurrence, FIRST)


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def create_series(until=date(2031, 3, 31)):
    organiser = UserFactory(roles=["organiser"])
    details = EventDetails(
        title="Interfaith forum", summary="Monthly meeting", kind=EventKind.FORUM_MEETING, starts_at=FIRST,
        ends_at=FIRST + timedelta(hours=2), contact_email="forum@example.org", venue_id=VenueFactory().id,
        capacity=2, instant_guest_places=True, recurrence=Recurrence("monthly_weekday", until))
    first = create_event(details, actor=organiser)
    for occurrence in series_occurrences(first):
        publish(occurrence, actor=organiser)
    return organiser, series_occurrences(first)


def test_each_date_is_its_own_event_booked_separately(ctx):
    _, occurrences = create_series()
    assert [in_london(e.starts_at).strftime("%a %-d %b %H:%M") for e in occurrences] == [
        "Tue 7 Jan 18:30", "Tue 4 Feb 18:30", "Tue 4 Mar 18:30"]
    register(occurrences[0], name="A", email="a@example.org", tickets=1)
    register(occurrences[0], name="B", email="b@example.org", tickets=1)
    assert places_left(occurrences[0]) == 0 and places_left(occurrences[1]) == 2


def test_one_date_moved_or_cancelled_leaves_the_others_alone(ctx):
    organiser, occurrences = create_series()
    february = occurrences[1]
    moved_start = february.starts_at + timedelta(days=1)
    update_event(february, EventDetails(
        title=february.title, summary=february.summary, kind=february.kind, starts_at=moved_start,
        ends_at=moved_start + timedelta(hours=2), contact_email=february.contact_email, venue_id=february.venue_id,
        capacity=2), actor=organiser)
    cancel_event(occurrences[2], actor=organiser, reason="Ramadan: we meet after Eid instead.")
    january, february, march = series_occurrences(occurrences[0])
    assert february.starts_at == moved_start and february.original_starts_at == FIRST.replace(day=4, month=2)
    assert march.status == EventStatus.CANCELLED and january.status == EventStatus.PUBLISHED
    assert january.starts_at == FIRST


def test_the_form_asks_for_the_last_date_and_creates_every_date(app, client, make_user):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        venue_id = VenueFactory().id
    sign_in(client, organiser)
    start = date.today() + timedelta(days=10)
    form = {"title": "Youth forum", "summary": "Young people meet", "kind": "forum_meeting", "audience": "public",
            "start_date": [str(start.day), str(start.month), str(start.year)], "start_time": "17:00",
            "end_date": [str(start.day), str(start.month), str(start.year)], "end_time": "18:30",
            "venue_id": str(venue_id), "contact_email": "youth@example.org", "max_tickets": "1",
            "repeats": "weekly"}
    missing = submit(client, "/manage/events/new", form)
    assert "Enter the last date it repeats" in missing.get_data(as_text=True)
    until = start + timedelta(weeks=3)
    done = submit(client, "/manage/events/new", {**form, "repeat_until": [str(until.day), str(until.month),
                                                                          str(until.year)]})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == 4
    page = client.get(done.location).get_data(as_text=True)
    assert "Part of a series: Every" in page and "(this one)" in page
