"""Public pages kept for signed-out visitors: served again without being
drawn, never after anything they show has changed, never to or from anyone
with a session, and never with a form token in them."""
from datetime import timedelta

from flask import render_template_string
from sqlalchemy import event as sa_event

from core import page_cache
from core.database import utcnow
from core.extensions import db
from events.models import Event
from tests.conftest import empty, sign_in, submit
from tests.awards.factories import CategoryFactory
from tests.events.factories import EventFactory
from tests.forums.factories import ForumFactory


def statements_for(app, client, path, **kwargs):
    """The response, and the SQL statements run to answer it."""
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    with app.app_context():
        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            response = client.get(path, **kwargs)
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)
    return response, [s for s in statements if s.lstrip().upper().startswith("SELECT")]


def test_a_visitor_is_served_the_kept_page_until_something_on_it_changes(app, client):
    with app.app_context():
        event_id = EventFactory(title="Interfaith supper").id
    for path in ("/", "/events", f"/events/{event_id}", "/api/v1/events"):
        first, drawn = statements_for(app, client, path)
        again, served = statements_for(app, client, path)
        assert first.status_code == again.status_code == 200 and again.data == first.data, path
        assert len(served) == 1 < len(drawn), path  # only the counter's row was read

    with app.app_context():
        db.session.get(Event, event_id).title = "Interfaith supper and quiz"
        db.session.commit()
    for path in ("/", "/events", f"/events/{event_id}"):
        fresh, drawn = statements_for(app, client, path)
        assert "Interfaith supper and quiz" in fresh.get_data(as_text=True) and len(drawn) > 1, path


def test_nothing_is_kept_longer_than_a_minute(app, client, monkeypatch):
    client.get("/events")
    assert len(statements_for(app, client, "/events")[1]) == 1
    monkeypatch.setattr(page_cache, "utcnow", lambda: utcnow() + timedelta(minutes=1))
    assert len(statements_for(app, client, "/events")[1]) > 1


def test_the_api_answers_a_kept_list_with_304_for_its_etag(app, client):
    first = client.get("/api/v1/events")
    again = client.get("/api/v1/events", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"]


def test_people_with_a_session_are_never_served_or_stored(app, client, make_user):
    visitor = app.test_client()
    assert "Sign out" not in visitor.get("/").get_data(as_text=True)  # kept for visitors
    sign_in(client, make_user())
    assert "Sign out" in client.get("/").get_data(as_text=True)  # not the visitor's page
    assert "Sign out" not in visitor.get("/").get_data(as_text=True)  # nor the member's kept for visitors
    submit(client, "/sign-out", form_url="/account")
    signed_out = client.get("/")  # a session still carries the flashed message
    assert "You have been signed out" in signed_out.get_data(as_text=True)
    assert "You have been signed out" not in visitor.get("/").get_data(as_text=True)


def test_a_page_with_a_form_token_is_never_kept(app):
    drawn = []

    @page_cache.for_visitors
    def with_a_form():
        drawn.append(1)
        return render_template_string('<form method="post"><input name="csrf_token" value="x"></form>')

    for _ in range(2):
        with app.test_request_context("/a-page-with-a-form"):
            with_a_form()
    assert len(drawn) == 2


def test_an_emptied_database_counting_again_never_brings_back_an_old_page(app, client):
    with app.app_context():
        EventFactory(title="Before")
    assert "Before" in client.get("/events").get_data(as_text=True)
    empty(app)
    with app.app_context():
        EventFactory(title="After")
    page = client.get("/events").get_data(as_text=True)
    assert "After" in page and "Before" not in page


def test_each_kept_kind_of_page_is_kept_for_visitors(app, client):
    """A page that makes a form (a form token in the session) would never be
    kept: each page type here draws none for a visitor."""
    with app.app_context():
        paths = ["/", "/events", f"/events/{EventFactory().id}", f"/forums/{ForumFactory().id}",
                 f"/awards/categories/{CategoryFactory().id}", "/api/v1/events"]
    for path in paths:
        client.get(path)
        assert len(statements_for(app, client, path)[1]) == 1, path
