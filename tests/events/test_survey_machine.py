"""The outcome survey's lifecycle (docs/lifecycles/survey.md) as a state
machine through the services: people are checked in, the hourly job runs,
people answer (some twice), and time passes until links expire and the
survey closes. After every step: nobody is sent two surveys or one they
should not have, each used link left exactly one answer, and results show
only once the survey has closed with the minimum."""
import re
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from core.database import utcnow
from core.errors import InvalidLink
from core.extensions import db
from core.models import OutboxMessage
from events.models import Attendance, SurveyAnswer, SurveyInvitation
from events.services import surveys
from reports.surveys import event_results
from tests.events.factories import EventFactory, RegistrationFactory
from tests.machines import ServiceMachine, examples

PEOPLE = 6
LINK = re.compile(r"/survey/([\w-]+)")


class SurveyMachine(ServiceMachine):
    @initialize()
    def an_event_that_has_just_ended(self):
        self.app.config["REPORT_MINIMUM_RESPONDENTS"] = 3
        self.app.config["REPORT_SUPPRESSION_THRESHOLD"] = 2
        self.now = utcnow()
        self.event = EventFactory(starts_at=self.now - timedelta(hours=3), ends_at=self.now - timedelta(hours=1))
        self.people = [RegistrationFactory(event=self.event, created_at=self.now - timedelta(days=2))
                       for _ in range(PEOPLE)]
        self.came, self.links, self.answered = set(), {}, set()
        db.session.commit()

    @rule(who=st.integers(0, PEOPLE - 1))
    def check_in(self, who):
        registration = self.people[who]
        if who in self.came or self.now > surveys.sending_ends_at(self.event):
            return
        self.act(lambda: db.session.add(Attendance(event_id=self.event.id, registration_id=registration.id)))
        self.came.add(who)

    @rule()
    def the_hourly_job_runs(self):
        self.act(lambda: surveys.send_surveys(now=self.now))
        for recipient, body in db.session.execute(select(OutboxMessage.recipient, OutboxMessage.body)):
            self.links[recipient] = LINK.search(body).group(1)  # the link in the email they were sent

    @rule(who=st.integers(0, PEOPLE - 1), overall=st.sampled_from(["very_good", "poor", None]))
    def answer(self, who, overall):
        token = self.links.get(self.people[who].email)
        if token is None:
            return
        try:
            invitation = surveys.survey_for_token(token, now=self.now)
        except InvalidLink:
            assert who in self.answered or self.now >= self._expiry(who)
            return
        kept = self.act(lambda: surveys.answer_survey(invitation, {"overall": overall}, ""))
        assert kept and who not in self.answered
        self.answered.add(who)

    @rule(days=st.sampled_from([1, 7, 15]))
    def time_passes(self, days):
        self.now += timedelta(days=days)

    def _expiry(self, who):
        return db.session.scalar(select(SurveyInvitation.expires_at).where(
            SurveyInvitation.registration_id == self.people[who].id))

    @invariant()
    def only_people_who_came_are_surveyed_and_once(self):
        invited = list(db.session.scalars(select(SurveyInvitation.registration_id)))
        assert len(invited) == len(set(invited))
        assert set(invited) <= {self.people[who].id for who in self.came}

    @invariant()
    def each_used_link_left_one_answer(self):
        used = db.session.scalar(select(func.count()).where(SurveyInvitation.answered.is_(True)))
        assert used == len(self.answered) == db.session.scalar(select(func.count(SurveyAnswer.id)))

    @invariant()
    def results_show_only_once_closed_with_the_minimum(self):
        shown = event_results(self.event, now=self.now).shown
        assert shown == (self.now >= surveys.survey_closes_at(self.event) and len(self.answered) >= 3)


def test_the_survey_lifecycle(app):
    run_state_machine_as_test(lambda: SurveyMachine(app), settings=settings(
        max_examples=examples(app, 15), stateful_step_count=15, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
