"""HTTP caching of public pages (core/http_cache.py): validators from scoped
change counters, 304 without drawing the page, and headers that let a shared
cache keep a visitor's page but never anyone's personal one."""
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event, select

from core import changes, http_cache
from core.accounts.models import User
from core.database import utcnow
from core.extensions import db
from core.models import ChangeCounter
from events.models import Event
from tests.conftest import empty, sign_in, sign_in_through_the_forms, submit
from tests.awards.factories import CategoryFactory
from tests.events.factories import EventFactory, RegistrationFactory
from tests.forums.factories import ForumFactory

SCOPES = ("events", "forums", "awards", "priorities")


def counters(app) -> dict:
    with app.app_context():
        return dict(db.session.execute(select(ChangeCounter.name, ChangeCounter.value)).all())


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
    return response, selects(statements)


def selects(statements: list[str]) -> list[str]:
    return [statement for statement in statements if statement.lstrip().upper().startswith("SELECT")]


@pytest.fixture
def one_minute(monkeypatch):
    """The clock stopped inside one minute, so a validator cannot change with it mid-test."""
    now = utcnow()
    monkeypatch.setattr(http_cache, "utcnow", lambda: now)
    return now


def public_paths(app) -> list[str]:
    with app.app_context():
        event = EventFactory(title="Interfaith supper", capacity=10)
        return ["/", "/events", f"/events/{event.id}", f"/forums/{ForumFactory().id}",
                f"/awards/categories/{CategoryFactory().id}", "/api/v1/events", f"/api/v1/events/{event.id}",
                "/api/v1/priorities", "/api/v1/venues"]


# --- the counters -------------------------------------------------------------------------------

def test_signing_in_bumps_no_counter(app, client, make_user):
    person = make_user()
    before = counters(app)
    sign_in_through_the_forms(client, person)
    with app.app_context():
        assert db.session.scalar(select(User.last_signed_in_at).where(User.id == person.id)) is not None
    assert counters(app) == before


def test_a_registration_bumps_the_events_scope_and_no_other(app):
    with app.app_context():
        event = EventFactory()
        CategoryFactory()
        ForumFactory()
        event_id = event.id
    before = counters(app)
    with app.app_context():
        RegistrationFactory(event=db.session.get(Event, event_id))
    after = counters(app)
    assert after["events"] == before["events"] + 1
    assert {name: after.get(name) for name in ("awards", "forums", "priorities")} == \
        {name: before.get(name) for name in ("awards", "forums", "priorities")}


def test_renaming_a_person_bumps_the_scopes_whose_pages_show_names(app, make_user):
    person = make_user()
    before = counters(app)
    with app.app_context():
        db.session.get(User, person.id).name = "Renamed Person"
        db.session.commit()
    after = counters(app)
    assert all(after[scope] == before.get(scope, 0) + 1 for scope in ("events", "forums", "awards"))


def test_all_the_scopes_are_read_in_one_query(app):
    with app.app_context():
        EventFactory()
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            found = changes.versions(db.session, SCOPES)
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)
    assert len(selects(statements)) == 1
    assert {name: value for name, (value, _at) in found.items()} == {
        name: counters(app).get(name, 0) for name in SCOPES}
    with app.app_context():
        assert changes.versions(db.session, ["never-bumped"]) == {"never-bumped": (0, None)}


# --- validators and 304 ----------------------------------------------------------------------------

def test_a_repeat_request_is_answered_304_without_drawing_the_page(app, client, one_minute):
    for path in public_paths(app):
        first, drawn = statements_for(app, client, path)
        assert first.status_code == 200 and first.headers["ETag"], path
        again, asked = statements_for(app, client, path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"", path
        assert again.headers["ETag"] == first.headers["ETag"], path
        assert len(asked) == 1 < len(drawn), path  # only the counters were read


def test_the_etag_changes_when_what_the_page_shows_changes_and_not_otherwise(app, client, make_user, one_minute):
    with app.app_context():
        event_id = EventFactory(title="Interfaith supper", capacity=10).id
    listed = client.get("/events")
    path = f"/events/{event_id}"
    first = client.get(path)
    assert client.get(path).headers["ETag"] == first.headers["ETag"]
    # Nothing on either page changes: someone signs in. Nothing on the list does: an award category is made.
    sign_in_through_the_forms(app.test_client(), make_user())
    assert client.get(path).headers["ETag"] == first.headers["ETag"]
    with app.app_context():
        CategoryFactory()
    assert client.get("/events", headers={"If-None-Match": listed.headers["ETag"]}).status_code == 304
    # A place is taken: the page's "places left" changes, so does its validator.
    with app.app_context():
        RegistrationFactory(event=db.session.get(Event, event_id))
    booked = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert booked.status_code == 200 and "9 of 10 left" in booked.get_data(as_text=True)
    with app.app_context():
        db.session.get(Event, event_id).title = "Interfaith supper and quiz"
        db.session.commit()
    renamed = client.get(path, headers={"If-None-Match": booked.headers["ETag"]})
    assert renamed.status_code == 200 and "Interfaith supper and quiz" in renamed.get_data(as_text=True)


def test_no_validator_outlives_its_minute(app, client, monkeypatch, one_minute):
    first = client.get("/events")
    monkeypatch.setattr(http_cache, "utcnow", lambda: one_minute + timedelta(minutes=1))
    later = client.get("/events", headers={"If-None-Match": first.headers["ETag"]})
    assert later.status_code == 200 and later.headers["ETag"] != first.headers["ETag"]


def test_an_emptied_database_counting_again_never_validates_an_old_page(app, client):
    with app.app_context():
        EventFactory(title="Before")
    first = client.get("/events")
    assert "Before" in first.get_data(as_text=True)
    empty(app)
    with app.app_context():
        EventFactory(title="After")
    page = client.get("/events", headers={"If-None-Match": first.headers["ETag"]})
    assert page.status_code == 200 and "After" in page.get_data(as_text=True)


# --- who may keep what ------------------------------------------------------------------------------

def test_a_visitors_page_may_be_kept_by_a_shared_cache(app, client):
    for path in public_paths(app):
        response = client.get(path)
        cache_control = response.headers["Cache-Control"]
        assert cache_control.startswith("public, ") and "s-maxage=10" in cache_control, path
        assert "private" not in cache_control and "no-store" not in cache_control, path
        assert {"Cookie", "Accept-Language"} <= set(response.vary), path
        assert "Set-Cookie" not in response.headers, path


def test_the_same_address_for_someone_signed_in_is_never_kept(app, client, make_user):
    paths = public_paths(app)
    visitor = app.test_client()
    etags = {path: visitor.get(path).headers["ETag"] for path in paths}
    sign_in(client, make_user())
    for path in paths:
        # Even holding the visitors' validator, they are given their own page, drawn for them.
        response = client.get(path, headers={"If-None-Match": etags[path]})
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, no-store", path
        assert "ETag" not in response.headers and "Cookie" in response.vary, path
    assert "Sign out" in client.get("/").get_data(as_text=True)
    assert "Sign out" not in visitor.get("/").get_data(as_text=True)


def test_a_visitor_with_a_flashed_message_gets_a_page_nobody_keeps(app, client, make_user):
    sign_in(client, make_user())
    submit(client, "/sign-out", form_url="/account")
    signed_out = client.get("/")
    assert "You have been signed out" in signed_out.get_data(as_text=True)
    assert signed_out.headers["Cache-Control"] == "private, no-store"


def test_a_page_that_puts_something_in_the_session_is_not_kept(app):
    from flask import flash

    @http_cache.public("events")
    def flashing():
        flash("Something personal")
        return "A page"

    with app.test_request_context("/a-page"):
        response = flashing()
    assert response.headers["Cache-Control"] == "private, no-store" and "ETag" not in response.headers


def test_an_error_is_not_kept(app, client):
    response = client.get("/events/999999")
    assert response.status_code == 404 and "public" not in response.headers["Cache-Control"]


def test_if_none_match_any_is_no_answer_for_a_page_that_may_not_exist(app, client):
    """Found by attacking it: `If-None-Match: *` was answered 304 before the
    view ran, for pages that do not exist or are not public."""
    with app.app_context():
        event_id = EventFactory().id
    assert client.get("/events/999999", headers={"If-None-Match": "*"}).status_code == 404
    assert client.get("/api/v1/events/999999", headers={"If-None-Match": "*"}).status_code == 404
    # A page that exists does have "any version": 304 once the view has said so (RFC 9110, 13.1.2).
    assert client.get(f"/events/{event_id}", headers={"If-None-Match": "*"}).status_code == 304
