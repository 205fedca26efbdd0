"""Registrations as a state machine: guests registering (under their own
name or another's, with a member's address too), a member registering,
guests confirming by their emailed link (once, twice at once, two people at
once), cancelling, accepting offers, offers running out, the waiting list
being offered free places, and the event being cancelled, in random orders,
all through the services.

A registration goes: (guest) pending -> booked | waiting; waiting -> offered
-> booked, or cancelled when the offer runs out; any -> cancelled. A
cancelled event's registrations all read as cancelled.

"Twice at once" is what PostgreSQL does to two requests for one link: each
read the registration before either took the event's lock, so the later one
acts on what it read then (the status is set back to that, as loaded, before
it runs). After every step: capacity is never exceeded and never wasted (a
free place with someone waiting who fits is offered); every registration of
a cancelled event reads as cancelled, on its page too; no unique constraint
error escapes a service; one live booking per email address; what each
person was last emailed about their place is what they hold; and the
organisers' count of access requests is what the live bookings ask for now
(people also change what they asked for, and registering again asks afresh)."""
from datetime import timedelta

from flask import url_for
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from core.database import utcnow, write_lock
from core.extensions import db
from core.models import OutboxMessage
from core.accounts.models import User
from events.services.access_requests import AccessChoices, access_request_counts, change_access_requests
from events.services.places import _lock, registration_open
from events.services.registration import cancel_registration, confirm_guest_email, register, standing
from events.services.registration_links import registration_token
from events.services.scheduling import cancel_event
from events.services.waiting_list import accept_offer, expire_offers, promote_from_waiting_list
from events.models import HOLDS_PLACES, AccessRequestKind, Event, EventStatus, Registration, RegistrationStatus
from tests.events.factories import EventFactory
from tests.factories import UserFactory
from tests.machines import ServiceMachine, examples

CAPACITY = 2
ADDRESSES = ["amira@example.org", "ben@example.org", "chidi@example.org"]
people = st.integers(0, len(ADDRESSES) - 1)
# What each person asks for to take part when they register (the member too, with the first address).
ASKS = [AccessChoices(frozenset({AccessRequestKind.BSL_INTERPRETER})),
        AccessChoices(frozenset({AccessRequestKind.SPOKEN_LANGUAGE_INTERPRETER}), "Polish"),
        AccessChoices(frozenset({AccessRequestKind.SPOKEN_LANGUAGE_INTERPRETER, AccessRequestKind.HEARING_LOOP}),
                      "polish, Urdu")]

# The last email about a place, and what its reader then holds.
TOLD = {"Confirm your place": RegistrationStatus.PENDING, "You're booked": RegistrationStatus.CONFIRMED,
        "You're on the waiting list": RegistrationStatus.WAITLISTED, "A place is free": RegistrationStatus.OFFERED}


class Registrations(ServiceMachine):

    @initialize()
    def an_event_with_few_places_and_a_member_whose_address_a_guest_may_type(self):
        with write_lock():
            event = EventFactory(title="Open mosque day", capacity=CAPACITY, instant_guest_places=False)
            self.event_id = event.id
            self.member_id = UserFactory(email=ADDRESSES[0], name="Amira Member").id
            self.organiser = UserFactory(roles=["organiser"])
            db.session.commit()

    # --- reading ---------------------------------------------------------------------------

    def _event(self) -> Event:
        return db.session.get(Event, self.event_id)

    def _registrations(self) -> list[Registration]:
        db.session.expire_all()
        return list(db.session.scalars(select(Registration).where(Registration.event_id == self.event_id)
                                       .order_by(Registration.id)))

    def _of(self, n) -> Registration | None:
        """The live registration of the person with this address (a guest's or the member's)."""
        found = [r for r in self._registrations()
                 if r.email == ADDRESSES[n] and r.status != RegistrationStatus.CANCELLED]
        return found[0] if found else None

    def _press_confirm(self, n, *, as_read: RegistrationStatus | None = None) -> None:
        """The guest presses Confirm on their emailed link. `as_read`: the
        status this request read before it waited for the lock."""
        def press():
            registration = self._of(n)
            if registration is None:
                return
            if as_read is not None:
                set_committed_value(registration, "status", as_read)
            confirm_guest_email(registration)
        self.act(press)

    # --- the steps -------------------------------------------------------------------------

    @rule(n=people, own_name=st.booleans())
    def guest_registers(self, n, own_name):
        self.act(lambda: register(self._event(), name="Guest" if own_name else "Someone else",
                                               email=ADDRESSES[n].upper() if own_name else ADDRESSES[n],
                                               access=ASKS[n]))

    @rule()
    def member_registers(self):
        self.act(lambda: register(self._event(), user=db.session.get(User, self.member_id), access=ASKS[0]))

    @rule(n=people, kinds=st.frozensets(st.sampled_from(AccessRequestKind)))
    def changes_what_they_asked_for(self, n, kinds):
        self.act(lambda: self._of(n) and change_access_requests(
            self._of(n), AccessChoices(kinds, "Urdu"), access_needs="", actor=None))

    @rule(n=people)
    def guest_confirms(self, n):
        self._press_confirm(n)

    @rule(n=people)
    def guest_confirms_twice_at_once(self, n):
        db.session.rollback()
        registration = self._of(n)
        read = registration.status if registration is not None else None
        self._press_confirm(n)
        self._press_confirm(n, as_read=read)

    @rule(a=people, b=people)
    def two_guests_confirm_at_once(self, a, b):
        db.session.rollback()
        read = {n: (self._of(n).status if self._of(n) else None) for n in (a, b)}
        self._press_confirm(a)
        self._press_confirm(b, as_read=read[b])

    @rule(n=people)
    def cancels(self, n):
        self.act(lambda: self._of(n) and cancel_registration(self._of(n), actor=None))

    @rule(n=people)
    def accepts_offer(self, n):
        self.act(lambda: self._of(n) and accept_offer(self._of(n)))

    @rule()
    def waiting_list_offered_free_places(self):
        def promote():
            _lock(self._event())
            promote_from_waiting_list(self._event())
        self.act(promote)

    @rule()
    def offers_run_out(self):
        db.session.rollback()
        expire_offers(now=utcnow() + timedelta(hours=self._event().offer_hours, minutes=1))

    @rule()
    def event_cancelled(self):
        self.act(lambda: cancel_event(self._event(), actor=self.organiser, reason="The hall flooded."))

    # --- what must always hold -----------------------------------------------------------

    @invariant()
    def capacity_is_never_exceeded_nor_wasted(self):
        if not hasattr(self, "event_id"):
            return
        registrations, event = self._registrations(), self._event()
        held = sum(r.tickets for r in registrations if r.status in HOLDS_PLACES)
        assert held <= CAPACITY, f"{held} places held of {CAPACITY}"
        if registration_open(event):
            free = CAPACITY - held
            fits = [r for r in registrations if r.status == RegistrationStatus.WAITLISTED and r.tickets <= free]
            assert not fits, f"{free} places free while {[r.email for r in fits]} wait"
        db.session.rollback()

    @invariant()
    def one_live_booking_per_address(self):
        if not hasattr(self, "event_id"):
            return
        live = [r.email.lower() for r in self._registrations() if r.status != RegistrationStatus.CANCELLED]
        assert len(live) == len(set(live)), f"two live registrations for one address: {sorted(live)}"
        db.session.rollback()

    @invariant()
    def every_registration_of_a_cancelled_event_reads_as_cancelled(self):
        if not hasattr(self, "event_id") or self._event().status != EventStatus.CANCELLED:
            return
        for registration in self._registrations():
            assert standing(registration) == RegistrationStatus.CANCELLED
            if registration.status != RegistrationStatus.CANCELLED:
                link = url_for("events.registration", token=registration_token(registration))
                db.session.rollback()
                page = self.app.test_client().get(link).get_data(as_text=True)
                assert "Booked" not in page and "Cancel my registration" not in page, \
                    f"{registration.email}'s page on a cancelled event"
        db.session.rollback()

    @invariant()
    def what_each_person_was_last_told_is_what_they_hold(self):
        if not hasattr(self, "event_id") or self._event().status == EventStatus.CANCELLED:
            return
        for registration in self._registrations():
            if registration.status == RegistrationStatus.CANCELLED:
                continue
            subjects = db.session.scalars(select(OutboxMessage.subject).where(
                func.lower(OutboxMessage.recipient) == registration.email).order_by(OutboxMessage.id)).all()
            told = [TOLD[s.split(":")[0]] for s in subjects if s.split(":")[0] in TOLD]
            assert told and told[-1] == registration.status, \
                f"{registration.email} holds {registration.status.value} but was last told {subjects[-1:]}"
        db.session.rollback()


    @invariant()
    def access_requests_are_counted_from_the_live_bookings_as_they_are_now(self):
        if not hasattr(self, "event_id"):
            return
        expected = {}
        if self._event().status != EventStatus.CANCELLED:
            for registration in self._registrations():
                column = {RegistrationStatus.CONFIRMED: 0, RegistrationStatus.WAITLISTED: 1,
                          RegistrationStatus.OFFERED: 1}.get(registration.status)
                for request in registration.access_requests if column is not None else ():
                    counts = expected.setdefault((request.kind, request.detail.casefold()), [0, 0])
                    counts[column] += 1
        counted = {(row.kind, row.language.casefold()): [row.booked, row.waiting]
                   for row in access_request_counts(self._event(), self.organiser).rows}
        assert counted == expected
        db.session.rollback()


def test_registrations_hold_their_rules_whatever_happens_in_whatever_order(app):
    run_state_machine_as_test(lambda: Registrations(app), settings=settings(
        max_examples=examples(app, 40), stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
