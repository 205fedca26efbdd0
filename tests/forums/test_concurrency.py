"""A double-clicked Apply, through a real multi-threaded server, on SQLite and PostgreSQL."""
from sqlalchemy import select

from core.extensions import db
from forums.models import Membership
from tests.events.test_concurrency import ROOMY_LIMITS, all_at_once
from tests.forums.factories import ForumFactory
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
    assert sorted(status for status, _ in results) == [200, 200, 302]
    assert sum("You have already applied" in page for _, page in results) == 2
    with app.app_context():
        assert len(db.session.scalars(select(Membership).where(Membership.user_id == member.id)).all()) == 1
