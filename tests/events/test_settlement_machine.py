"""Settled attendance as a state machine: time passing (hours or days at a
time), checking in, undoing a check-in, adding walk-ins and cancelling
places, against an admin reopening attendance and settling it early, all
through the services, with the clock (`now`) passed in.

After every step: while attendance is settled, the event's registrations and
attendance are exactly what they were when it last became settled; it stops
being settled only through a reopening the audit log records; every change
refused as settled was refused only when it was, and changed nothing; and
nothing that went through while it was settled changed anything."""
from datetime import timedelta

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from core.database import utcnow, write_lock
from core.errors import DomainError
from core.extensions import db
from core.models import AuditEntry
from events import settlement
from events.services.registration import cancel_registration
from events.services import check_in as on_the_day
from events.models import Attendance, Event, Registration
from events.settlement import AttendanceSettled, SettlementRuleBroken
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory
from tests.machines import ServiceMachine, examples

PEOPLE = 3

time_steps = st.one_of(st.integers(1, 72).map(lambda hours: timedelta(hours=hours)),
                       st.integers(1, 10).map(lambda days: timedelta(days=days)))


class SettledAttendance(ServiceMachine):

    def __init__(self, app):
        super().__init__(app)
        self.frozen = None  # (records, reopenings) when attendance last became settled; None while it is not

    @initialize()
    def an_event_that_has_just_ended_with_people_booked(self):
        with write_lock():
            ends = utcnow() - timedelta(hours=1)
            event = EventFactory(title="Harvest supper", starts_at=ends - timedelta(hours=3), ends_at=ends,
                                 capacity=20)
            self.event_id = event.id
            self.registration_ids = [RegistrationFactory(event=event).id for _ in range(PEOPLE)]
            self.organiser, self.admin = UserFactory(roles=["organiser"]), UserFactory(roles=["admin"])
            db.session.commit()
        self.now = ends

    # --- what the world sees ---------------------------------------------------------------

    def _event(self) -> Event:
        return db.session.get(Event, self.event_id)

    def _records(self) -> tuple:
        db.session.expire_all()
        return (sorted(db.session.execute(select(Registration.id, Registration.status, Registration.tickets)
                                          .where(Registration.event_id == self.event_id)).all()),
                sorted(db.session.execute(select(Attendance.id, Attendance.registration_id, Attendance.walk_in_name,
                                                 Attendance.people)
                                          .where(Attendance.event_id == self.event_id)).all()))

    def _audited(self, action: str) -> int:
        return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))

    def _settled(self) -> bool:
        db.session.expire_all()
        return settlement.is_settled(self._event(), self.now)

    def _change(self, name: str, action) -> None:
        """What a view does: the service in one transaction begun under the
        write lock, then commit, or roll back on a refusal."""
        db.session.rollback()
        settled, before = self._settled(), self._records()
        db.session.rollback()  # the reads above end, so the change's transaction takes the lock
        with write_lock():
            try:
                action()
            except AttendanceSettled:
                db.session.rollback()
                assert settled, f"{name} was refused as settled at {self.now} though it was not"
                assert self._records() == before, f"{name} was refused but changed something"
                return
            except DomainError:  # checking in someone who cancelled, say
                db.session.rollback()
                assert self._records() == before
                return
            db.session.commit()
        if settled:  # only what changes nothing, such as cancelling a place already cancelled, goes through
            assert self._records() == before, f"{name} changed attendance at {self.now}, when it was settled"

    def _registration(self, n) -> Registration:
        return db.session.get(Registration, self.registration_ids[n])

    # --- the steps -------------------------------------------------------------------------

    @rule(step=time_steps)
    def time_passes(self, step):
        self.now += step

    @rule(n=st.integers(0, PEOPLE - 1))
    def check_in(self, n):
        self._change("check in", lambda: on_the_day.check_in(self._registration(n), actor=self.organiser, now=self.now))

    @rule(n=st.integers(0, PEOPLE - 1))
    def undo_check_in(self, n):
        self._change("undo a check-in", lambda: on_the_day.undo_check_in(self._registration(n), actor=self.organiser,
                                                                         now=self.now))

    @rule(people=st.integers(1, 4))
    def add_walk_in(self, people):
        self._change("add a walk-in", lambda: on_the_day.add_walk_in(self._event(), name="Walk-in", people=people,
                                                                     actor=self.organiser, now=self.now))

    def _walk_in(self, n) -> Attendance | None:
        walk_ins = on_the_day.walk_ins(self._event())
        return walk_ins[n % len(walk_ins)] if walk_ins else None

    @rule(n=st.integers(0, 3), people=st.integers(1, 4))
    def change_walk_in(self, n, people):
        self._change("change a walk-in", lambda: self._walk_in(n) and on_the_day.change_walk_in(
            self._walk_in(n), name="Walk-in corrected", people=people, actor=self.organiser, now=self.now))

    @rule(n=st.integers(0, 3))
    def remove_walk_in(self, n):
        self._change("remove a walk-in", lambda: self._walk_in(n) and on_the_day.remove_walk_in(
            self._walk_in(n), actor=self.organiser, now=self.now))

    @rule(n=st.integers(0, PEOPLE - 1))
    def cancel(self, n):
        self._change("cancel", lambda: cancel_registration(self._registration(n), actor=self.organiser,
                                                           now=self.now))

    @rule(by_admin=st.booleans())
    def reopen(self, by_admin):
        db.session.rollback()
        settled, before, reopenings = self._settled(), self._records(), self._audited("attendance.reopened")
        db.session.rollback()  # the reads above end, so the change's transaction takes the lock
        with write_lock():
            try:
                settlement.reopen_attendance(self._event(), actor=self.admin if by_admin else self.organiser,
                                             reason="The paper register shows more people", now=self.now)
            except SettlementRuleBroken:
                db.session.rollback()
                assert not (by_admin and settled), "an admin could not reopen settled attendance"
                assert self._audited("attendance.reopened") == reopenings and self._records() == before
                return
            db.session.commit()
        assert by_admin and settled, "reopened by someone not an admin, or when it was not settled"
        assert self._audited("attendance.reopened") == reopenings + 1
        assert not self._settled()

    @rule()
    def settle_now(self):
        db.session.rollback()
        reopened = settlement.is_reopened(self._event(), self.now)
        settled_early = self._audited("attendance.settled_early")
        db.session.rollback()  # the reads above end, so the change's transaction takes the lock
        with write_lock():
            try:
                settlement.settle_now(self._event(), actor=self.admin, now=self.now)
            except SettlementRuleBroken:
                db.session.rollback()
                assert not reopened, "an admin could not settle a reopening early"
                return
            db.session.commit()
        assert reopened and self._settled()
        assert self._audited("attendance.settled_early") == settled_early + 1

    # --- what must always hold -----------------------------------------------------------

    @invariant()
    def settled_records_are_what_they_were_when_it_settled(self):
        db.session.rollback()
        reopenings = self._audited("attendance.reopened")
        if self._settled():
            records = self._records()
            if self.frozen is None:
                self.frozen = (records, reopenings)  # it has just become settled (time, or settle_now)
            assert records == self.frozen[0], "a settled event's registrations or attendance changed"
            assert reopenings == self.frozen[1], "a reopening was recorded, yet attendance stayed settled"
        else:
            if self.frozen is not None:
                assert reopenings > self.frozen[1], "attendance stopped being settled with no reopening recorded"
            self.frozen = None


def test_settled_attendance_changes_only_through_an_audited_reopening(app):
    run_state_machine_as_test(lambda: SettledAttendance(app), settings=settings(
        max_examples=examples(app, 30), stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
