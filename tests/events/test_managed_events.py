"""The events a person may manage are read in one place (events.queries.
events_managed_by), and the manage list shows exactly the events that
`permissions.can_manage_event` lets them manage: the list once left out the
meetings of the forums its reader coordinates."""
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from core.extensions import db
from core.accounts.models import User
from events.models import Audience, Event, EventKind, EventStatus
from events.permissions import can_manage_event
from events.queries import events_managed_by
from forums.models import ForumCoordinator
from tests.conftest import sign_in
from tests.events.factories import EventFactory
from tests.factories import PASSWORD, TOTP_SECRET, UserFactory
from tests.forums.factories import ForumFactory

MANAGE_LINK = re.compile(r'href="/manage/events/(\d+)"')


@pytest.fixture
def people(app):
    """An admin; two organisers sharing an event; an organiser who coordinates
    a forum; a coordinator with no site role; an organiser of nothing; a member.
    Each forum has a meeting, one of them a draft."""
    with app.app_context():
        admin = UserFactory(roles=["admin"])
        organiser, co_organiser = UserFactory(roles=["organiser"]), UserFactory(roles=["organiser"])
        organising_coordinator = UserFactory(roles=["organiser"])
        coordinator = UserFactory(totp_secret=TOTP_SECRET)
        idle_organiser, member = UserFactory(roles=["organiser"]), UserFactory()
        forum, other_forum = ForumFactory(), ForumFactory()
        db.session.add_all([ForumCoordinator(forum_id=forum.id, user_id=organising_coordinator.id),
                            ForumCoordinator(forum_id=forum.id, user_id=coordinator.id),
                            ForumCoordinator(forum_id=other_forum.id, user_id=admin.id)])
        EventFactory(organisers=[organiser])
        EventFactory(organisers=[organiser, co_organiser], status=EventStatus.DRAFT)
        EventFactory(organisers=[co_organiser])
        EventFactory(organisers=[organising_coordinator])
        EventFactory(organisers=[admin])
        for meeting_of, status in ((forum, EventStatus.PUBLISHED), (forum, EventStatus.DRAFT),
                                   (other_forum, EventStatus.PUBLISHED)):
            EventFactory(forum_id=meeting_of.id, kind=EventKind.FORUM_MEETING, audience=Audience.FORUM_MEMBERS,
                         status=status, organisers=[])
        db.session.commit()
        return {name: SimpleNamespace(id=user.id, email=user.email, password=PASSWORD) for name, user in {
            "admin": admin, "organiser": organiser, "co_organiser": co_organiser,
            "organising_coordinator": organising_coordinator, "coordinator": coordinator,
            "idle_organiser": idle_organiser, "member": member}.items()}


def allowed(app, person) -> set[int]:
    """The events can_manage_event lets this person manage, one by one."""
    with app.app_context():
        user = db.session.get(User, person.id)
        return {event.id for event in db.session.scalars(select(Event)) if can_manage_event(user, event)}


@pytest.mark.parametrize("who", ["admin", "organiser", "co_organiser", "organising_coordinator", "coordinator",
                                 "idle_organiser", "member"])
def test_the_query_and_the_check_agree(app, people, who):
    with app.app_context():
        user = db.session.get(User, people[who].id)
        managed = {event.id for event in db.session.scalars(events_managed_by(user))}
    assert managed == allowed(app, people[who])


def test_the_query_and_the_check_give_each_person_what_they_run(app, people):
    """Not vacuous: each kind of person manages what they should, and no more."""
    with app.app_context():
        meetings = set(db.session.scalars(select(Event.id).where(Event.forum_id.is_not(None))))
        everything = set(db.session.scalars(select(Event.id)))
    assert allowed(app, people["admin"]) == everything
    assert len(allowed(app, people["organiser"])) == 2 and len(allowed(app, people["co_organiser"])) == 2
    assert len(allowed(app, people["organising_coordinator"]) & meetings) == 2
    assert len(allowed(app, people["organising_coordinator"])) == 3
    assert len(allowed(app, people["coordinator"])) == 2 and allowed(app, people["coordinator"]) <= meetings
    assert allowed(app, people["idle_organiser"]) == allowed(app, people["member"]) == set()


@pytest.mark.parametrize("who", ["admin", "organiser", "co_organiser", "organising_coordinator", "idle_organiser"])
def test_the_manage_list_shows_exactly_the_events_they_may_manage(client, app, people, who):
    sign_in(client, people[who])
    response = client.get("/manage/events")
    assert response.status_code == 200
    listed = {int(event_id) for event_id in MANAGE_LINK.findall(response.get_data(as_text=True))}
    assert listed == allowed(app, people[who])
