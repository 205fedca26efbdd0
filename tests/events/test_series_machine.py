"""A repeating series as a state machine: dates edited with each scope (this
date, this and following, all), one date moved to another day, cancelled,
postponed, published and unpublished with each scope, and places booked (by
guests and by a member with a personal calendar feed), in random orders,
through the services as the pages call them.

After every step, for every calendar component a subscriber could hold (the
public feed's series master and overrides, each date as the feed expands it,
each date's own .ics download, the member's personal feed): its SEQUENCE
never falls, and rises whenever what it says changed. And each date's
download, the feed and the last email each booked person got agree on the
UID, RECURRENCE-ID and times. With the series' SEQUENCE taken as the highest
of its dates' (as it was) the machine finds a master whose EXDATEs changed
without its SEQUENCE rising (issue 20, item 6)."""
from datetime import date, time, timedelta

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test
from icalendar import Calendar
from sqlalchemy import select

from core.database import in_london, london_datetime, write_lock
from core.extensions import db
from core.models import OutboxMessage
from core.accounts.models import User
from events import series
from events.services.calendars import renew_calendar_link
from events.services.registration import register
from events.services.scheduling import EventDetails, cancel_event, create_event, postpone_event, series_occurrences
from events.models import Event, EventKind, EventStatus, Registration, RegistrationStatus
from events.recurrence import Recurrence
from events.series import SeriesScope
from tests.events.factories import VenueFactory
from tests.factories import UserFactory
from tests.machines import ServiceMachine, examples

DATES = 4
dates = st.integers(0, DATES - 1)
scopes = st.sampled_from(list(SeriesScope))
IGNORED = {"DTSTAMP", "LAST-MODIFIED", "SEQUENCE"}  # what says when, not what


def said(component) -> str:
    """What a component says, apart from when it was written and its SEQUENCE."""
    return "\n".join(sorted(f"{name}:{value.to_ical() if hasattr(value, 'to_ical') else value}"
                            for name, value in component.property_items(recursive=False)
                            if name not in IGNORED and name not in {"BEGIN", "END"}))


def key_of(component):
    rid = component.get("RECURRENCE-ID")
    return str(component["UID"]), rid.dt.isoformat() if rid is not None else None


class Series(ServiceMachine):

    def __init__(self, app):
        super().__init__(app)
        self.client = app.test_client()
        self.held: dict[tuple, tuple[int, str]] = {}  # what a subscriber last saw: SEQUENCE and what it said

    @initialize()
    def a_weekly_series_of_drafts_and_a_member_with_a_calendar_feed(self):
        with write_lock(every_transaction=True):
            organiser = UserFactory(roles=["organiser"])
            first_day = date.today() + timedelta(days=10)
            first = london_datetime(first_day, time(18, 30))
            created = create_event(EventDetails(
                title="Interfaith forum", summary="The forum meets", kind=EventKind.FORUM_MEETING, starts_at=first,
                ends_at=first + timedelta(hours=2), contact_email="forum@example.org", venue_id=VenueFactory().id,
                capacity=5, instant_guest_places=True,
                recurrence=Recurrence("weekly", first_day + timedelta(weeks=DATES - 1))), actor=organiser)
            self.ids = [event.id for event in series_occurrences(created)]
            member = UserFactory(email="member@example.org")
            self.token = renew_calendar_link(member, actor=member).token
            self.organiser_id, self.member_id = organiser.id, member.id
            db.session.commit()

    # --- helpers --------------------------------------------------------------------------

    def _dates(self) -> list[Event]:
        db.session.expire_all()
        return [db.session.get(Event, n) for n in self.ids]

    def _organiser(self) -> User:
        return db.session.get(User, self.organiser_id)

    def _edit(self, n, scope, **change) -> None:
        def edit():
            event = self._dates()[n]
            details = series._details_of(event)
            for name, value in change.items():
                setattr(details, name, value(getattr(details, name)) if callable(value) else value)
            series.update_series(event, details, scope, actor=self._organiser())
        self.act(edit)

    # --- the steps ------------------------------------------------------------------------

    @rule(n=dates, scope=scopes, minutes=st.sampled_from([-30, 30, 60]))
    def edit_the_time(self, n, scope, minutes):
        shift = timedelta(minutes=minutes)
        self._edit(n, scope, starts_at=lambda v: v + shift, ends_at=lambda v: v + shift)

    @rule(n=dates, scope=scopes, title=st.sampled_from(["Interfaith forum", "Belief forum"]))
    def edit_the_title(self, n, scope, title):
        self._edit(n, scope, title=title)

    @rule(n=dates, scope=scopes, venue=st.booleans())
    def edit_the_place(self, n, scope, venue):
        self._edit(n, scope, online_url="https://meet.example.org/forum" if venue else None)

    @rule(n=dates, days=st.sampled_from([-1, 1]))
    def move_one_date_to_another_day(self, n, days):
        shift = timedelta(days=days)
        self._edit(n, SeriesScope.THIS, starts_at=lambda v: v + shift, ends_at=lambda v: v + shift)

    @rule(n=dates)
    def cancel_a_date(self, n):
        self.act(lambda: cancel_event(self._dates()[n], actor=self._organiser(), reason="Room flooded"))

    @rule(n=dates)
    def postpone_a_date(self, n):
        self.act(lambda: postpone_event(self._dates()[n], actor=self._organiser(),
                                                     reason="Speaker unwell"))

    @rule(n=dates, scope=scopes)
    def publish(self, n, scope):
        self.act(lambda: series.publish_series(self._dates()[n], scope, actor=self._organiser()))

    @rule(n=dates, scope=scopes)
    def unpublish(self, n, scope):
        self.act(lambda: series.unpublish_series(self._dates()[n], scope, actor=self._organiser()))

    @rule(n=dates, member=st.booleans())
    def book_a_place(self, n, member):
        # Each guest books one date only, so their last calendar email is about that date.
        self.act(lambda: register(self._dates()[n], user=db.session.get(User, self.member_id))
                     if member else register(self._dates()[n], name=f"Guest {n}",
                                             email=f"guest{n}@example.org"))

    # --- what must always hold ------------------------------------------------------------

    def _get(self, path) -> Calendar | None:
        response = self.client.get(path)
        return Calendar.from_ical(response.get_data()) if response.status_code == 200 else None

    def _components(self) -> dict[tuple, object]:
        """Every component a subscriber could hold, by where it came from, UID and RECURRENCE-ID."""
        held = {}
        feed = self._get("/calendar.ics")
        for component in feed.walk("VEVENT"):
            held[("feed", *key_of(component))] = component
        for n in self.ids:
            download = self._get(f"/events/{n}/event.ics")
            if download is not None:
                [component] = download.walk("VEVENT")
                held[("download", *key_of(component))] = component
        for component in self._get(f"/calendar/personal/{self.token}.ics").walk("VEVENT"):
            held[("personal", *key_of(component))] = component
        return held

    def _instances(self, held) -> dict[tuple, tuple[int, str]]:
        """Each date as a calendar subscribed to the feed shows it: its
        override, or the master at the rule's time, or nothing (EXDATE)."""
        masters = {key[1]: c for key, c in held.items() if key[0] == "feed" and key[2] is None
                   and "RRULE" in c}
        instances = {}
        for event in self._dates():
            uid = f"series-{event.series_id}@localhost"
            if uid not in masters:
                continue
            rid = in_london(event.original_starts_at)
            master = masters[uid]
            override = held.get(("feed", uid, rid.isoformat()))
            excluded = any(rid == moment.dt for exdate in _list(master.get("EXDATE", [])) for moment in exdate.dts)
            if override is not None:
                instances[("instance", uid, rid.isoformat())] = (override["SEQUENCE"], said(override))
            elif excluded:
                instances[("instance", uid, rid.isoformat())] = (master["SEQUENCE"], "not there")
            else:
                shown = said(master).replace(master["DTSTART"].to_ical().decode(), "")
                instances[("instance", uid, rid.isoformat())] = (master["SEQUENCE"], f"{rid.isoformat()}\n{shown}")
        return instances

    @invariant()
    def calendars_hold_their_rules(self):
        """Both checks below on one reading of every calendar (reading them is most of a step's time)."""
        if not hasattr(self, "ids"):
            return
        db.session.rollback()
        held = self._components()
        self._sequence_never_falls_and_rises_whenever_a_component_changes(held)
        self._each_dates_download_feed_and_last_email_agree(held)

    def _sequence_never_falls_and_rises_whenever_a_component_changes(self, held):
        now = {key: (component["SEQUENCE"], said(component)) for key, component in held.items()}
        now.update(self._instances(held))
        for key, (sequence, what) in now.items():
            if key in self.held:
                before, what_before = self.held[key]
                assert sequence >= before, f"{key}: SEQUENCE fell from {before} to {sequence}"
                assert what == what_before or sequence > before, \
                    f"{key} changed but its SEQUENCE stayed {sequence}:\n{what_before}\n---\n{what}"
            self.held[key] = (sequence, what)

    def _each_dates_download_feed_and_last_email_agree(self, held):
        for event in self._dates():
            uid, rid = f"series-{event.series_id}@localhost", in_london(event.original_starts_at)
            start, end = in_london(event.starts_at), in_london(event.ends_at)
            download = held.get(("download", uid, rid.isoformat()))
            if download is not None:
                assert (download["DTSTART"].dt, download["DTEND"].dt) == (start, end)
            override = held.get(("feed", uid, rid.isoformat()))
            if override is not None:
                assert (override["DTSTART"].dt, override["DTEND"].dt) == (start, end)
            booked = db.session.scalars(select(Registration).where(
                Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)).all()
            for registration in booked:
                if registration.user_id is not None:
                    mine = held.get(("personal", uid, rid.isoformat()))
                    assert mine is not None and (mine["DTSTART"].dt, mine["DTEND"].dt) == (start, end)
                    continue
                last = [m for m in db.session.scalars(select(OutboxMessage).where(
                    OutboxMessage.recipient == registration.email).order_by(OutboxMessage.id)) if m.attachments][-1]
                [entry] = Calendar.from_ical(last.attachments[0]["content"]).walk("VEVENT")
                assert key_of(entry) == (uid, rid.isoformat()), f"{registration.email} was sent {key_of(entry)}"
                assert (entry["DTSTART"].dt, entry["DTEND"].dt) == (start, end), \
                    f"{registration.email} was last sent {entry['DTSTART'].dt}, the date is at {start}"
                if event.status == EventStatus.CANCELLED:
                    assert str(entry["STATUS"]) == "CANCELLED"
        db.session.rollback()


def _list(value):
    return value if isinstance(value, list) else [value]


def test_a_series_keeps_its_calendars_in_step_whatever_happens_in_whatever_order(app):
    run_state_machine_as_test(lambda: Series(app), settings=settings(
        max_examples=examples(app, 10), stateful_step_count=10, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
