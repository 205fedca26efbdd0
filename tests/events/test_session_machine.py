"""Choosing programme sessions as a state machine: people booked, waiting
or cancelled; sessions with a place limit and without, two of them at the
same time; choosing, leaving, choosing twice, two people at once for the
last seat, choosing while the place at the event is being cancelled,
sessions removed, added back and given more or fewer places, places at the
event cancelled and accepted, and the event cancelled, in random orders, all
through the services (docs/lifecycles/session-choice.md).

"At once" is what PostgreSQL does to two requests: each read the
registration before either took the event's lock, so the later one acts on
what it read then (its status is set back to that, as loaded, before it
runs). After every step: no session holds more people than its places;
nobody waits for a session with a free seat; only a booked place holds
sessions (a cancelled registration holds none); the registration page shows
each person exactly the sessions they hold and the queues they are in; and
no unique constraint error escapes a service."""
import re
from datetime import timedelta

from flask import url_for
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from core.database import write_lock
from core.extensions import db
from events.services.programme import (
    SessionDetails, delete_session, join_session, leave_session, programme, save_session, session_queue_positions,
    session_signup_counts, sessions_chosen,
)
from events.services.registration import cancel_registration, register, standing
from events.services.registration_links import registration_token
from events.services.scheduling import cancel_event
from events.services.waiting_list import accept_offer
from events.models import Event, EventStatus, ProgrammeSession, Registration, RegistrationStatus, SessionSignup
from tests.events.factories import EventFactory
from tests.factories import UserFactory
from tests.machines import ServiceMachine, examples

ADDRESSES = ["amira@example.org", "ben@example.org", "chidi@example.org", "dana@example.org"]
people = st.integers(0, len(ADDRESSES) - 1)
# (title, minutes from the event's start, length, places): the first two clash; the last has no limit.
SLOTS = [("Faith and food", 0, 60, 1), ("Young voices", 0, 60, 1), ("Closing circle", 60, 60, None)]
slots = st.integers(0, len(SLOTS) - 1)


class SessionChoice(ServiceMachine):

    @initialize()
    def an_event_of_two_places_with_a_programme(self):
        db.session.rollback()
        with write_lock(every_transaction=True):
            event = EventFactory(title="Standing Conference", capacity=2, instant_guest_places=True)
            self.event_id = event.id
            self.organiser = UserFactory(roles=["organiser"])
            self.session_ids = [self._add_session(event, n).id for n in range(len(SLOTS))]
            db.session.commit()

    def _add_session(self, event, n, places=...):
        title, start, length, capacity = SLOTS[n]
        starts_at = event.starts_at + timedelta(minutes=start)
        return save_session(event, None, SessionDetails(
            title=title, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=length),
            capacity=capacity if places is ... else places), actor=self.organiser)

    # --- reading ---------------------------------------------------------------------------

    def _event(self) -> Event:
        return db.session.get(Event, self.event_id)

    def _registrations(self) -> list[Registration]:
        db.session.expire_all()
        return list(db.session.scalars(select(Registration).where(Registration.event_id == self.event_id)
                                       .order_by(Registration.id)))

    def _latest(self, n) -> Registration | None:
        """The person's newest registration, live or cancelled."""
        found = [r for r in self._registrations() if r.email == ADDRESSES[n]]
        return found[-1] if found else None

    def _of(self, n) -> Registration | None:
        registration = self._latest(n)
        return registration if registration and registration.status != RegistrationStatus.CANCELLED else None

    def _session(self, s) -> ProgrammeSession | None:
        return db.session.get(ProgrammeSession, self.session_ids[s]) if self.session_ids[s] else None

    def _join(self, n, s, *, as_read: RegistrationStatus | None = None, registration_id: int | None = None):
        """The person presses Choose. `as_read`: the registration's status
        as this request read it, before it waited for the lock."""
        def join():
            registration = db.session.get(Registration, registration_id) if registration_id else self._of(n)
            session = self._session(s)
            if registration is None or session is None:
                return
            if as_read is not None:
                set_committed_value(registration, "status", as_read)
            join_session(registration, session)
        self.act(join)

    # --- the steps -------------------------------------------------------------------------

    @rule(n=people)
    def registers(self, n):
        self.act(lambda: register(self._event(), name=f"Person {n}", email=ADDRESSES[n]))

    @rule(n=people, s=slots)
    def chooses(self, n, s):
        self._join(n, s)

    @rule(n=people, s=slots)
    def chooses_twice_at_once(self, n, s):
        db.session.rollback()
        registration = self._of(n)
        read = registration.status if registration else None
        self._join(n, s)
        self._join(n, s, as_read=read)

    @rule(a=people, b=people, s=slots)
    def two_people_at_once_for_the_last_seat(self, a, b, s):
        db.session.rollback()
        read = self._of(b).status if self._of(b) else None
        self._join(a, s)
        self._join(b, s, as_read=read)

    @rule(n=people, s=slots)
    def chooses_while_their_place_is_cancelled(self, n, s):
        """The choice waited for the lock while the cancellation took it."""
        db.session.rollback()
        registration = self._of(n)
        if registration is None:
            return
        registration_id, read = registration.id, registration.status
        self.act(lambda: cancel_registration(db.session.get(Registration, registration_id), actor=None))
        self._join(n, s, as_read=read, registration_id=registration_id)

    @rule(n=people, s=slots)
    def leaves(self, n, s):
        self.act(lambda: self._of(n) and self._session(s) and leave_session(self._of(n), self._session(s)))

    @rule(s=slots)
    def session_removed(self, s):
        def remove():
            if self._session(s) is not None:
                delete_session(self._session(s), actor=self.organiser)
                self.session_ids[s] = None
        self.act(remove)

    @rule(s=slots)
    def session_added_back(self, s):
        def add():
            if self.session_ids[s] is None:
                self.session_ids[s] = self._add_session(self._event(), s).id
        self.act(add)

    @rule(s=slots, places=st.sampled_from([None, 1, 2]))
    def session_given_more_or_fewer_places(self, s, places):
        def change():
            session = self._session(s)
            if session is not None:
                save_session(self._event(), session, SessionDetails(
                    title=session.title, starts_at=session.starts_at, ends_at=session.ends_at, capacity=places),
                    actor=self.organiser)
        self.act(change)

    @rule(n=people)
    def cancels_their_place(self, n):
        self.act(lambda: self._of(n) and cancel_registration(self._of(n), actor=None))

    @rule(n=people)
    def accepts_an_offered_place(self, n):
        self.act(lambda: self._of(n) and accept_offer(self._of(n)))

    @rule()
    def event_cancelled(self):
        self.act(lambda: cancel_event(self._event(), actor=self.organiser, reason="The hall flooded."))

    # --- what must always hold -----------------------------------------------------------

    def _signups(self) -> list[SessionSignup]:
        db.session.expire_all()
        return list(db.session.scalars(select(SessionSignup)))

    @invariant()
    def no_session_holds_more_than_its_places(self):
        if not hasattr(self, "event_id"):
            return
        for session in programme(self._event()):
            taken = session_signup_counts([session.id]).get(session.id, 0)
            assert session.capacity is None or taken <= session.capacity, \
                f"{session.title}: {taken} people in {session.capacity} places"
        db.session.rollback()

    @invariant()
    def nobody_waits_while_a_seat_is_free(self):
        """On an event that is on: one cancelled moves nobody (_fill_sessions)."""
        if not hasattr(self, "event_id") or self._event().status == EventStatus.CANCELLED:
            return
        for session in programme(self._event()):
            waiting = session_signup_counts([session.id], waiting=True).get(session.id, 0)
            taken = session_signup_counts([session.id]).get(session.id, 0)
            assert not waiting or (session.capacity is not None and taken >= session.capacity), \
                f"{waiting} waiting for {session.title} with {taken} of {session.capacity} places taken"
        db.session.rollback()

    @invariant()
    def only_a_booked_place_holds_sessions(self):
        if not hasattr(self, "event_id"):
            return
        for signup in self._signups():
            assert signup.registration.status == RegistrationStatus.CONFIRMED, \
                f"{signup.registration.email} ({signup.registration.status.value}) holds {signup.session.title}"
        db.session.rollback()

    @invariant()
    def the_registration_page_shows_what_each_person_holds(self):
        if not hasattr(self, "event_id"):
            return
        for registration in self._registrations():
            booked = standing(registration) == RegistrationStatus.CONFIRMED
            held = {s.title for s in sessions_chosen(registration)} if booked else set()
            titles = {s.id: s.title for s in programme(self._event())}
            queued = ({titles[sid]: n for sid, n in session_queue_positions(registration).items()}
                      if booked else {})
            link = url_for("events.registration", token=registration_token(registration))
            db.session.rollback()
            page = self.app.test_client().get(link).get_data(as_text=True)
            yours = re.search(r'id="your-sessions">(.*?)</(ul|span)>', page, re.S)
            listed = yours.group(1) if yours else ""
            # With every session removed there is nothing to hold or choose, and no such row.
            assert (yours is not None) == (booked and bool(titles)), \
                f"{registration.email}: 'Your sessions' shown: {yours is not None}"
            assert set(re.findall(r"<li>([^<,]+), (?:\d{1,2}(?::\d\d)?[ap]m|midday|midnight) to ", listed)) == held, \
                f"{registration.email} holds {held}, the page lists {listed}"
            assert {t: int(n) for t, n in re.findall(r"<li>Waiting list for ([^<,]+), number (\d+)</li>", listed)} \
                == queued, f"{registration.email} waits {queued}, the page lists {listed}"
            assert set(re.findall(r'Leave<span class="govuk-visually-hidden"> ([^<]+)</span>', page)) == held
            assert set(re.findall(r'Stop waiting<span class="govuk-visually-hidden"> for ([^<]+)</span>', page)) \
                == set(queued)
        db.session.rollback()


def test_session_choices_hold_their_rules_whatever_happens_in_whatever_order(app):
    run_state_machine_as_test(lambda: SessionChoice(app), settings=settings(
        max_examples=examples(app, 25), stateful_step_count=15, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
