"""A forum's purpose and public text in other languages (issue 23): its
coordinators and admins write the versions; visitors see their language's,
or the English marked as English."""
import re

from sqlalchemy import select

from core.extensions import db
from forums.models import Forum, ForumCoordinator, ForumTranslation
from forums.services.translations import ForumText, save_forum_version
from tests.events.test_views import queries_for
from tests.conftest import error_summary, sign_in, submit
from tests.forums.factories import ForumFactory


def text_of(response) -> str:
    return response.get_data(as_text=True)


def a_forum(coordinator=None) -> int:
    forum = ForumFactory(name="Corby Interfaith Forum", purpose="Faith communities working together in Corby.",
                         public_text="We meet **monthly**.")
    if coordinator is not None:
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        db.session.commit()
    return forum.id


def test_a_coordinator_adds_a_polish_description_that_polish_visitors_see(app, client, make_user):
    coordinator = make_user()
    with app.app_context():
        forum_id = a_forum(coordinator)
    sign_in(client, coordinator)
    assert "Add a version in Polish" in text_of(client.get(f"/admin/forums/{forum_id}/edit"))
    response = submit(client, f"/admin/forums/{forum_id}/languages/pl", {
        "purpose": "Wspólnoty wyznaniowe współpracują w Corby.", "public_text": "Spotykamy się **co miesiąc**."})
    assert response.status_code == 302 and response.location.endswith(f"/admin/forums/{forum_id}/edit#other-languages")
    assert "The version in Polish has been saved." in text_of(client.get(response.location))

    visitor = app.test_client()
    visitor.set_cookie("language", "pl")
    page = text_of(visitor.get(f"/forums/{forum_id}"))
    assert '<p class="govuk-body-l">Wspólnoty wyznaniowe współpracują w Corby.</p>' in page
    assert '<div class="app-formatted"><p class="govuk-body">Spotykamy się <strong>co miesiąc</strong>' in page
    assert '<p class="govuk-body">Wspólnoty wyznaniowe współpracują w Corby.</p>' in text_of(visitor.get("/forums"))
    visitor.set_cookie("language", "ur")
    page = text_of(visitor.get(f"/forums/{forum_id}"))
    assert '<p class="govuk-body-l" lang="en-GB" dir="ltr">Faith communities working together in Corby.</p>' in page
    assert '<div class="app-formatted" lang="en-GB" dir="ltr"><p class="govuk-body">We meet' in page
    assert 'lang="en-GB" dir="ltr">Faith communities working together in Corby.</p>' in text_of(visitor.get("/forums"))


def test_bad_input_is_refused_beside_its_field_keeping_what_was_typed(app, client, make_user):
    admin = make_user(roles=["admin"])
    with app.app_context():
        forum_id = a_forum()
    sign_in(client, admin)
    response = submit(client, f"/admin/forums/{forum_id}/languages/ur", {"purpose": "", "public_text": "ب" * 5001})
    assert [message for _, message in error_summary(response)] == [
        "Enter what the forum is for", "About the forum must be 5000 characters or fewer"]
    assert "ب" * 5001 in text_of(response) and re.search(r'<textarea[^>]*lang="ur" dir="rtl"', text_of(response))
    assert '<html lang="en-GB" dir="ltr"' in text_of(response)
    with app.app_context():
        assert db.session.scalars(select(ForumTranslation)).all() == []


def test_removing_the_version_and_the_forum_list_loads_every_version_at_once(app, client, make_user):
    admin = make_user(roles=["admin"])
    with app.test_request_context():
        forum_id = a_forum()
        for name in ("A", "B"):
            save_forum_version(ForumFactory(name=name), "pl", ForumText("Cel"), actor=None)
        save_forum_version(db.session.get(Forum, forum_id), "pl", ForumText("Cel forum"), actor=None)
        db.session.commit()
    client.set_cookie("language", "pl")
    few = queries_for(app, client, "/forums")
    with app.test_request_context():
        for name in ("C", "D", "E", "F"):
            save_forum_version(ForumFactory(name=name), "pl", ForumText("Cel"), actor=None)
        db.session.commit()
    assert queries_for(app, client, "/forums") == few
    sign_in(client, admin)
    submit(client, f"/admin/forums/{forum_id}/languages/pl/remove", form_url=f"/admin/forums/{forum_id}/edit")
    with app.app_context():
        assert db.session.get(Forum, forum_id).translations == []
