"""Double-clicked forum buttons, through a real multi-threaded server, on SQLite and PostgreSQL."""
from datetime import date, timedelta

from sqlalchemy import func, select

from core.extensions import db
from core.accounts.models import User
from events.models import Audience, EventKind
from forums.models import Apology, Membership
from tests.events.factories import EventFactory
from tests.events.test_concurrency import ROOMY_LIMITS, all_at_once
from tests.forums.factories import ForumFactory, MembershipFactory
from tests.http_client import HttpClient
from tests.live_server import live_server


def test_a_double_clicked_apply_button_makes_one_application(app, database_url, make_user):
    member = make_user()
    with app.app_context():
        forum_id = ForumFactory().id
    with live_server(database_url, **ROOMY_LIMITS) as base_url:
        client = HttpClient(base_url)
        client.post("/sign-in", {"email": member.email, "password": member.password}, client.csrf_token("/sign-in"))
        path = f"/forums/{forum_id}/apply"
        token = client.csrf_token(path)
        same_button = (lambda: None, lambda _: client.post(path, {"reason": "Hello", "faith": "jain"}, token))
        results = all_at_once([same_button, same_button, same_button])
    # The first makes the application; the others are refused under the lock (200, saying why) or, once it
    # has committed, sent back to the forum's page (302), which shows the application.
    assert {status for status, _ in results} <= {200, 302} and 302 in {status for status, _ in results}
    assert all("You have already applied" in page for status, page in results if status == 200)
    with app.app_context():
        assert len(db.session.scalars(select(Membership).where(Membership.user_id == member.id)).all()) == 1


def test_double_clicked_apologies_and_renewal_each_happen_once(app, database_url, make_user):
    """Sending apologies (a unique row) and renewing (a new term from the
    old one) clicked three times at once: one apology, one extra year."""
    member = make_user()
    with app.app_context():
        forum = ForumFactory()
        MembershipFactory(forum=forum, user=db.session.get(User, member.id),
                          term_starts_on=date.today() - timedelta(days=360),
                          term_ends_on=date.today() + timedelta(days=5))
        meeting = EventFactory(forum_id=forum.id, kind=EventKind.FORUM_MEETING, audience=Audience.FORUM_MEMBERS)
        db.session.commit()
        forum_id, meeting_id = forum.id, meeting.id
    with live_server(database_url, **ROOMY_LIMITS) as base_url:
        client = HttpClient(base_url)
        client.post("/sign-in", {"email": member.email, "password": member.password}, client.csrf_token("/sign-in"))
        page = f"/forums/{forum_id}/meetings/{meeting_id}"
        token = client.csrf_token(page)
        apologise = (lambda: None, lambda _: client.post(f"{page}/apologies", {"note": "Away"}, token))
        renew = (lambda: None, lambda _: client.post(f"/forums/{forum_id}/renew", {}, token))
        apologies = all_at_once([apologise, apologise, apologise])
        renewals = all_at_once([renew, renew, renew])
    assert [status for status, _ in apologies + renewals] == [302] * 6  # no errors, whoever came second
    with app.app_context():
        assert db.session.scalar(select(func.count(Apology.id))) == 1
        assert db.session.scalar(select(Membership.term_ends_on)) == date.today() + timedelta(days=370)
