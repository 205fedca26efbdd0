"""An event's title, summary and description in other languages (issue 23):
an organiser writes a Polish or Urdu version on the event's pages; a visitor
sees their language's version where there is one, the English otherwise,
with `lang` (and `dir`) on what is not in the page's language."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.database import write_lock
from core.extensions import db
from core.models import AuditEntry, OutboxMessage
from core.accounts.models import User
from events.models import Event, EventStatus, EventTranslation
from events.series import SeriesScope
from events.services.registration import register
from events.services.scheduling import EventRuleBroken
from events.services.translations import EventText, remove_event_version, save_event_version
from tests.conftest import error_summary, sign_in, submit
from tests.events.factories import EventFactory, RegistrationFactory
from tests.events.test_series import weekly
from tests.events.test_views import queries_for
from tests.factories import UserFactory


def text_of(response) -> str:
    return response.get_data(as_text=True)


def element(page: str, tag: str, text: str) -> str:
    """The opening tag of the `tag` element whose text is `text`."""
    found = re.search(rf"<{tag}\b[^>]*>\s*{re.escape(text)}\s*</{tag}>", page)
    assert found, f"no <{tag}> holding {text!r}"
    return re.match(rf"<{tag}\b[^>]*>", found.group(0)).group(0)


@pytest.fixture
def organiser(make_user):
    return make_user(roles=["organiser"])


def an_event(organiser_id=None, **fields) -> int:
    organisers = [db.session.get(User, organiser_id)] if organiser_id else []
    return EventFactory(title="Faith and food", summary="Sharing food across faiths",
                        description="Bring **a dish**.", organisers=organisers, **fields).id


def polish_version(event_id, **fields):
    event = db.session.get(Event, event_id)
    text = EventText(**{"title": "Wiara i jedzenie", "summary": "Dzielimy się jedzeniem", **fields})
    save_event_version(event, "pl", text, actor=None)
    db.session.commit()


# --- the rules ------------------------------------------------------------------------------------

def test_a_version_is_saved_once_per_language_changed_in_place_and_removed(app):
    with app.test_request_context():
        event_id = an_event()
        polish_version(event_id, title="  Wiara i jedzenie  ", description="")
        polish_version(event_id, title="Wiara, jedzenie")
        event = db.session.get(Event, event_id)
        assert [(v.language, v.title) for v in event.translations] == [("pl", "Wiara, jedzenie")]
        assert remove_event_version(event, "pl", actor=None) is True
        assert remove_event_version(event, "pl", actor=None) is False
        db.session.commit()
        assert db.session.scalars(select(EventTranslation)).all() == []
        assert [entry.action for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))] == [
            "translation.saved", "translation.saved", "translation.removed"]


def test_a_cancelled_events_versions_cannot_be_changed_as_its_english_cannot(app):
    """Found by attacking: a version saying "it is on" beside the cancelled banner."""
    with app.test_request_context():
        event_id = an_event()
        polish_version(event_id)
        event = db.session.get(Event, event_id)
        event.status = EventStatus.CANCELLED
        db.session.commit()
        with pytest.raises(EventRuleBroken, match="cancelled"):
            save_event_version(event, "pl", EventText(title="Odbywa się normalnie!", summary="Nie odwołane"),
                               actor=None)
        with pytest.raises(EventRuleBroken, match="cancelled"):
            remove_event_version(event, "pl", actor=None)
        db.session.rollback()
        assert [v.title for v in db.session.get(Event, event_id).translations] == ["Wiara i jedzenie"]


def test_a_guests_emails_name_the_event_in_their_language(app):
    """Found walking: the Polish guest's emails said "Potwierdź swoje miejsce: Faith and food" though the
    event has a Polish title; and an organiser's later change, sent from an English page, too."""
    with app.test_request_context(headers={"Accept-Language": "pl"}):
        event_id = an_event(capacity=10)
        polish_version(event_id)
        with write_lock():
            register(db.session.get(Event, event_id), name="Łucja", email="lucja@example.org")
            db.session.commit()
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "lucja@example.org")
                                     .order_by(OutboxMessage.id.desc())).first()
    assert "Wiara i jedzenie" in message.subject and "Faith and food" not in message.subject
    assert "Wiara i jedzenie" in message.body and "Faith and food" not in message.body


def test_english_is_the_original_not_a_version(app):
    from core.content_languages import NoSuchLanguage
    with app.test_request_context():
        event = db.session.get(Event, an_event())
        for code in ("en", "fr"):
            with pytest.raises(NoSuchLanguage):
                save_event_version(event, code, EventText("Title", "Summary"), actor=None)


def test_the_versions_go_with_their_event(app):
    with app.test_request_context():
        event_id = an_event()
        polish_version(event_id)
        db.session.delete(db.session.get(Event, event_id))
        db.session.commit()
        assert db.session.scalars(select(EventTranslation)).all() == []


def test_a_version_for_a_series_reaches_the_dates_asked_for_that_the_organiser_runs(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        organiser = UserFactory(roles=["organiser"])
        dates = weekly(organiser, date.today() + timedelta(days=7), 4)
        for each in dates:
            each.organisers = [organiser]
        someone_else = UserFactory(roles=["organiser"])
        dates[3].organisers = [someone_else]
        db.session.commit()
        result = save_event_version(dates[1], "ur", EventText("بین المذاہب فورم", "فورم ملتا ہے"),
                                    scope=SeriesScope.FOLLOWING, actor=organiser)
        db.session.commit()
        assert [each.id for each in result.changed] == [dates[1].id, dates[2].id]
        assert [left.event.id for left in result.left_alone] == [dates[3].id]
        assert [len(db.session.get(Event, each.id).translations) for each in dates] == [0, 1, 1, 0]


# --- the organiser's pages ----------------------------------------------------------------------

def test_an_organiser_adds_a_polish_title_and_a_polish_visitor_sees_it(app, client, organiser):
    with app.test_request_context():
        event_id = an_event(organiser.id)
    sign_in(client, organiser)
    manage = text_of(client.get(f"/manage/events/{event_id}"))
    assert "Add a version in Polish" in manage and "Add a version in Urdu" in manage
    form = text_of(client.get(f"/manage/events/{event_id}/languages/pl"))
    assert re.search(r'<input[^>]*name="title"[^>]*lang="pl"', form) and "In English:" in form
    assert 'name="scope"' not in form  # not a series
    # The page is in the organiser's language, whichever language the version is in.
    urdu = text_of(client.get(f"/manage/events/{event_id}/languages/ur"))
    assert '<html lang="en-GB" dir="ltr"' in urdu and re.search(r'<input[^>]*name="title"[^>]*lang="ur" dir="rtl"', urdu)
    response = submit(client, f"/manage/events/{event_id}/languages/pl", {
        "title": "Wiara i jedzenie", "summary": "Dzielimy się jedzeniem", "description": "Przynieś **danie**."})
    assert response.status_code == 302 and response.location.endswith(f"/manage/events/{event_id}#other-languages")
    manage = text_of(client.get(f"/manage/events/{event_id}"))
    assert "The version in Polish has been saved." in manage and "Change the version in Polish" in manage
    assert '<span lang="pl" dir="ltr">Wiara i jedzenie</span>' in manage

    visitor = app.test_client()
    visitor.set_cookie("language", "pl")
    page = text_of(visitor.get(f"/events/{event_id}"))
    assert element(page, "h1", "Wiara i jedzenie") == '<h1 class="govuk-heading-xl">'
    assert element(page, "p", "Dzielimy się jedzeniem") == '<p class="govuk-body-l">'
    assert re.search(r'<div><p class="govuk-body">Przynieś <strong>danie</strong>', page)
    assert "<title>Wiara i jedzenie" in page
    listed = text_of(visitor.get("/events"))
    assert element(listed, "a", "Wiara i jedzenie") == f'<a class="govuk-link" href="/events/{event_id}">'
    assert element(listed, "p", "Dzielimy się jedzeniem") == '<p class="govuk-body-s govuk-!-margin-bottom-0">'


def test_a_visitor_in_another_language_sees_the_english_marked_as_english(app, client):
    with app.test_request_context():
        event_id = an_event()
        polish_version(event_id)
    client.set_cookie("language", "ur")
    page = text_of(client.get(f"/events/{event_id}"))
    assert element(page, "h1", "Faith and food") == '<h1 class="govuk-heading-xl" lang="en-GB" dir="ltr">'
    assert 'lang="en-GB" dir="ltr">Sharing food across faiths</p>' in page
    assert re.search(r'<div lang="en-GB" dir="ltr"><p class="govuk-body">Bring <strong>a dish</strong>', page)
    assert "Wiara" not in page
    listed = text_of(client.get("/events"))
    assert 'lang="en-GB" dir="ltr">Faith and food</a>' in listed
    # On a Polish page the English is marked too, with no `dir`: both run left to right.
    client.set_cookie("language", "pl")
    other_id = None
    with app.test_request_context():
        other_id = EventFactory(title="Walk and talk").id
    listed = text_of(client.get("/events"))
    assert f'href="/events/{other_id}" lang="en-GB">Walk and talk</a>' in listed
    # And English on an English page needs nothing.
    client.set_cookie("language", "en")
    assert element(text_of(client.get(f"/events/{event_id}")), "h1", "Faith and food") == \
        '<h1 class="govuk-heading-xl">'


def test_a_version_without_a_description_shows_the_english_one_marked(app, client):
    with app.test_request_context():
        event_id = an_event()
        polish_version(event_id, description="")
    client.set_cookie("language", "pl")
    page = text_of(client.get(f"/events/{event_id}"))
    assert element(page, "h1", "Wiara i jedzenie") == '<h1 class="govuk-heading-xl">'
    assert re.search(r'<div lang="en-GB"><p class="govuk-body">Bring <strong>a dish</strong>', page)


def test_bad_input_is_refused_beside_its_field_keeping_what_was_typed(app, client, organiser):
    with app.test_request_context():
        event_id = an_event(organiser.id)
    sign_in(client, organiser)
    response = submit(client, f"/manage/events/{event_id}/languages/ur", {
        "title": "ت" * 151, "summary": "  ", "description": "ok\x00"})
    assert response.status_code == 200
    assert [message for _, message in error_summary(response)] == [
        "Title must be 150 characters or fewer", "Enter a one-sentence summary",
        "Description (optional) must not include invisible control characters"]
    assert "ت" * 151 in text_of(response)
    with app.app_context():
        assert db.session.scalars(select(EventTranslation)).all() == []


def test_english_and_unknown_languages_have_no_version_page(app, client, organiser):
    with app.test_request_context():
        event_id = an_event(organiser.id)
    sign_in(client, organiser)
    for code in ("en", "fr", "PL"):
        assert client.get(f"/manage/events/{event_id}/languages/{code}").status_code == 404


def test_removing_a_version_puts_the_english_back(app, client, organiser):
    with app.test_request_context():
        event_id = an_event(organiser.id)
        polish_version(event_id)
    sign_in(client, organiser)
    response = submit(client, f"/manage/events/{event_id}/languages/pl/remove", form_url=f"/manage/events/{event_id}")
    assert response.status_code == 302
    assert "The version in Polish has been removed." in text_of(client.get(f"/manage/events/{event_id}"))
    visitor = app.test_client()
    visitor.set_cookie("language", "pl")
    assert element(text_of(visitor.get(f"/events/{event_id}")), "h1", "Faith and food") == \
        '<h1 class="govuk-heading-xl" lang="en-GB">'


def test_a_series_date_asks_which_dates_the_version_is_for(app, client, organiser):
    with app.test_request_context(), write_lock(every_transaction=True):
        person = db.session.get(User, organiser.id)
        dates = weekly(person, date.today() + timedelta(days=7), 3)
        for each in dates:
            each.organisers = [person]
        db.session.commit()
        ids = [each.id for each in dates]
    sign_in(client, organiser)
    assert 'name="scope"' in text_of(client.get(f"/manage/events/{ids[0]}/languages/pl"))
    refused = submit(client, f"/manage/events/{ids[0]}/languages/pl", {"title": "Forum", "summary": "Spotkanie"})
    assert "Choose which dates" in text_of(refused)
    response = submit(client, f"/manage/events/{ids[0]}/languages/pl", {
        "title": "Forum międzywyznaniowe", "summary": "Forum się spotyka", "scope": "all"})
    assert response.status_code == 302
    assert "The version in Polish has been saved for 3 dates." in text_of(client.get(response.location))
    with app.app_context():
        assert [db.session.get(Event, each).translations[0].title for each in ids] == ["Forum międzywyznaniowe"] * 3


# --- where visitors and members see events ------------------------------------------------------------

def test_home_my_events_and_the_registration_page_show_the_version(app, client, make_user):
    member = make_user()
    with app.test_request_context():
        event_id = an_event()
        polish_version(event_id)
        registration = RegistrationFactory(event=db.session.get(Event, event_id),
                                           user=db.session.get(User, member.id))
        from events.services.registration_links import registration_token
        token = registration_token(registration)
    client.set_cookie("language", "pl")
    assert ">Wiara i jedzenie</a>" in text_of(client.get("/"))
    assert '<h1 class="govuk-heading-l">Wiara i jedzenie</h1>' in text_of(client.get(f"/registrations/{token}"))
    assert '<span class="govuk-caption-l">Wiara i jedzenie</span>' in text_of(client.get(f"/events/{event_id}/register"))
    sign_in(client, member)
    with app.app_context():
        db.session.get(User, member.id).language = "pl"
        db.session.commit()
    assert ">Wiara i jedzenie</a></h3>" in text_of(client.get("/my-events"))


def test_booking_says_which_event_in_the_members_language(app, client, make_user):
    member = make_user(language="ur")
    with app.test_request_context():
        event_id = an_event()
        polish_version(event_id)
    sign_in(client, member)
    booked = text_of(submit(client, f"/events/{event_id}/register", {}))
    assert re.search(r'govuk-panel__body">\s*<span lang="en-GB" dir="ltr">Faith and food</span>', booked)


def test_searching_finds_an_event_by_the_words_of_its_version(app, client):
    with app.test_request_context():
        event_id = an_event()
        polish_version(event_id)
        EventFactory(title="Walk and talk")
    found = text_of(client.get("/events?q=jedzeni"))
    assert f'href="/events/{event_id}"' in found and "Walk and talk" not in found


@pytest.mark.parametrize("path", ["/events", "/"])
def test_a_list_in_another_language_costs_the_same_queries_for_3_or_12_events(app, client, path):
    client.set_cookie("language", "pl")
    with app.test_request_context():
        for _ in range(3):
            polish_version(EventFactory().id)
    few = queries_for(app, client, path)
    with app.test_request_context():
        for _ in range(9):
            polish_version(EventFactory().id)
    assert queries_for(app, client, path) == few


def test_my_events_costs_the_same_queries_for_2_or_8_events(app, client, make_user):
    member = make_user(language="pl")

    def book(count):
        with app.test_request_context():
            for _ in range(count):
                event_id = EventFactory().id
                polish_version(event_id)
                RegistrationFactory(event=db.session.get(Event, event_id), user=db.session.get(User, member.id))
    book(2)
    sign_in(client, member)
    few = queries_for(app, client, "/my-events")
    book(6)
    assert queries_for(app, client, "/my-events") == few
