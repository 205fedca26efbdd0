"""Reports from settled tallies as a state machine: people register and are
checked in at two events, time passes (the events settle), the tally job
runs or does not, an admin reopens attendance and settles it now, people
answer, change and withdraw their equality answers, and accounts are
erased, all through the services, with the clock (`now`) passed in.

After every step: the counts each event's mixing and attendance are
published from (people by answer, with the sums of their record keys that
decide the noise) are the same added up from the tallies as counted live;
and each event's report, and the all-events report, are exactly the reports
counted wholly live, perturbed figure by perturbed figure (events/tallies.py,
docs/decisions/0012)."""
from datetime import timedelta

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from core.database import utcnow, write_lock
from core.equality import services as equality
from core.extensions import db
from core.privacy import erasure
from core.accounts.models import User
from events import settlement, tallies
from events.models import Attendance, Event, Registration
from events.services import check_in as on_the_day
from events.services.registration import register
from reports import baselines, queries, services
from reports.services import Scope
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory
from tests.machines import ServiceMachine, examples

PEOPLE, EVENTS = 4, 2
ANSWERS = st.fixed_dictionaries({
    "ethnic_group": st.sampled_from(["white", "asian", "black", "prefer_not_to_say", None]),
    "religion": st.sampled_from(["christian", "muslim", "none", None]),
    "age_band": st.sampled_from(["16_24", "25_34", "under_16", None]),
})
time_steps = st.one_of(st.integers(1, 30).map(lambda days: timedelta(days=days)),
                       st.integers(1, 72).map(lambda hours: timedelta(hours=hours)))


class TalliedReports(ServiceMachine):
    checks_reading_tallies = 0  # not vacuous: how many checks had a tally to read

    @initialize()
    def an_event_settled_and_tallied_and_one_to_come(self):
        """Event 0 ended 15 days ago, with everyone booked and all but one checked in: settled, and
        tallied by the job, so every run has a tally to compare from its first step (with few
        examples some runs never settled anything). Event 1 starts in two hours; people register
        for it as they go, and it settles as time passes."""
        self.app.config["REPORT_SUPPRESSION_THRESHOLD"] = 1
        self.app.config["REPORT_MINIMUM_RESPONDENTS"] = 1
        with write_lock():
            now = utcnow()
            past = EventFactory(title="Event 0", starts_at=now - timedelta(days=15, hours=2),
                                ends_at=now - timedelta(days=15), capacity=None)
            coming = EventFactory(title="Event 1", starts_at=now + timedelta(hours=2), ends_at=now + timedelta(hours=4),
                                  capacity=None)
            self.event_ids = [past.id, coming.id]
            users = [UserFactory() for _ in range(PEOPLE)]
            self.user_ids = [user.id for user in users]
            for n, user in enumerate(users):
                registration = RegistrationFactory(event=past, user=user, email=user.email)
                if n < PEOPLE - 1:
                    db.session.add(Attendance(event_id=past.id, registration=registration))
            self.organiser, self.admin = UserFactory(roles=["organiser"]), UserFactory(roles=["admin"])
            db.session.commit()
        with write_lock(every_transaction=True):
            assert tallies.tally_settled(now) == 1
        self.now = now

    def _event(self, e) -> Event:
        return db.session.get(Event, self.event_ids[e])

    def _user(self, n) -> User | None:
        return db.session.get(User, self.user_ids[n])

    def _registration(self, n, e) -> Registration | None:
        return db.session.scalar(select(Registration).where(Registration.event_id == self.event_ids[e],
                                                            Registration.person_key == f"user:{self.user_ids[n]}"))

    # --- the steps -------------------------------------------------------------------------

    @rule(step=time_steps, the_job_runs=st.booleans())
    def time_passes(self, step, the_job_runs):
        """And the tally job may run (it runs every ten minutes, unless the worker is down)."""
        self.now += step
        if the_job_runs:
            db.session.rollback()
            with write_lock(every_transaction=True):
                tallies.tally_settled(self.now)

    @rule(n=st.integers(0, PEOPLE - 1), e=st.integers(0, EVENTS - 1))
    def register(self, n, e):
        # Registering has no clock of its own: only before the event starts on the machine's.
        if self._user(n) is not None and self.now < self._event(e).starts_at:
            self.act(lambda: register(self._event(e), user=self._user(n), name="Someone", email=self._user(n).email))

    @rule(n=st.integers(0, PEOPLE - 1), e=st.integers(0, EVENTS - 1))
    def check_in(self, n, e):
        if self._registration(n, e) is not None:
            self.act(lambda: on_the_day.check_in(self._registration(n, e), actor=self.organiser, now=self.now))

    @rule(e=st.integers(0, EVENTS - 1), people=st.integers(1, 3))
    def add_walk_in(self, e, people):
        self.act(lambda: on_the_day.add_walk_in(self._event(e), name="Walk-in", people=people, actor=self.organiser,
                                                now=self.now))

    @rule(e=st.integers(0, EVENTS - 1))
    def an_admin_reopens(self, e):
        self.act(lambda: settlement.reopen_attendance(self._event(e), actor=self.admin, reason="Missed people",
                                                      now=self.now))

    @rule(e=st.integers(0, EVENTS - 1))
    def an_admin_settles_now(self, e):
        self.act(lambda: settlement.settle_now(self._event(e), actor=self.admin, now=self.now))

    @rule(n=st.integers(0, PEOPLE - 1), answers=ANSWERS)
    def answer(self, n, answers):
        if self._user(n) is not None:
            key = f"user:{self.user_ids[n]}"
            self.act(lambda: equality.give_consent(key, user=self._user(n)),
                     lambda: equality.save_answers(key, answers))

    @rule(n=st.integers(0, PEOPLE - 1))
    def withdraw_answers(self, n):
        self.act(lambda: equality.withdraw(f"user:{self.user_ids[n]}"))

    @rule(n=st.integers(0, PEOPLE - 1))
    def erase(self, n):
        if self._user(n) is not None:
            self.act(lambda: erasure.erase(self._user(n)))

    # --- what must always hold -----------------------------------------------------------

    def _reports(self, from_tallies: bool) -> list:
        db.session.rollback()
        db.session.expire_all()
        scopes = [Scope("event", event_id) for event_id in self.event_ids] + [Scope("all")]
        return [services.build(scope, "Test", baselines.shipped(), now=self.now, from_tallies=from_tallies)
                for scope in scopes]

    @invariant()
    def reports_from_tallies_are_the_reports_counted_live(self):
        if not hasattr(self, "now"):
            return
        # What the published figures are made from, cell by cell with the key sums behind the noise:
        # a report may publish too little to show a stale tally (one person's mixing shows no index).
        db.session.rollback()
        events, secret = Scope("all").event_ids(now=self.now), equality.record_key_secret()
        keys = tuple(characteristic.key for characteristic in services.MIXING_CHARACTERISTICS)
        current = tallies.current_tallies(self.now)
        assert queries.mixing(events, keys, secret, tallied=current) == queries.mixing(events, keys, secret)
        assert queries.event_summaries(events, tallied=current) == queries.event_summaries(events)
        tallied, live = self._reports(True), self._reports(False)
        if db.session.scalar(select(func.count()).select_from(tallies.current_tallies(self.now).subquery())):
            TalliedReports.checks_reading_tallies += 1
        for from_tallies, counted_live in zip(tallied, live):
            assert from_tallies.events == counted_live.events, "an event's attendance or mixing differs"
            assert from_tallies.reach == counted_live.reach
            assert from_tallies == counted_live


def test_reports_from_settled_tallies_are_the_reports_counted_live(app):
    TalliedReports.checks_reading_tallies = 0
    run_state_machine_as_test(lambda: TalliedReports(app), settings=settings(
        max_examples=examples(app, 8), stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
    assert TalliedReports.checks_reading_tallies > 0, "no report read a tally: the comparison proved nothing"
