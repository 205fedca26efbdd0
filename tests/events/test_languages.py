"""Events in a person's language: the pages a visitor or member reaches,
what they are told, the emails and calendar files they get. A pseudo
language stands in for Polish (every message's letters made fullwidth, its
variables kept), so whatever is left in plain letters was never marked."""
import re
from datetime import timedelta
from html import unescape

import flask_babel
import pytest
from babel.dates import get_day_names, get_month_names
from babel.support import NullTranslations
from icalendar import Calendar

from core.database import utcnow
from core.extensions import db
from core.i18n import _l, in_language
from core.accounts.models import User
from events.models import CalendarLink, EventQuestion, EventSeries, EventStatus, QuestionKind, RegistrationStatus
from events.recurrence import describe
from events.services.registration_links import registration_link
from tests.conftest import sign_in, submit
from tests.events.factories import EventFactory, RegistrationFactory, SessionFactory, VenueFactory

_FULLWIDTH = {ord(c): ord(c) + 0xFEE0 for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_VARIABLE = re.compile(r"(%\(\w+\)[sd]|%%)")


def pseudo(message: str) -> str:
    return "".join(part if _VARIABLE.fullmatch(part) else part.translate(_FULLWIDTH)
                   for part in _VARIABLE.split(message))


class PseudoPolish(NullTranslations):
    def gettext(self, message):
        return pseudo(message)

    def ngettext(self, singular, plural, n):
        return pseudo(singular if n == 1 else plural)

    ugettext, ungettext = gettext, ngettext


@pytest.fixture
def pseudo_polish(monkeypatch):
    """Polish (its dates, its plural rules) with every message in the pseudo language."""
    real = flask_babel.Domain.get_translations
    translations = PseudoPolish()

    def get_translations(self):
        locale = flask_babel.get_locale()
        return translations if locale is not None and locale.language == "pl" else real(self)
    monkeypatch.setattr(flask_babel.Domain, "get_translations", get_translations)


# What other parts of the site put on these pages, and mark themselves: the error summary's
# title, the date boxes, the character count, the box for bots, the access questions, the
# banners' titles and the equality monitoring offer.
_NOT_EVENTS = [
    r'<h2 class="govuk-error-summary__title">.*?</h2>', r'<span class="govuk-visually-hidden">Error:</span>',
    r'<label class="govuk-label govuk-date-input__label"[^>]*>.*?</label>',
    r'<div [^>]*class="govuk-hint govuk-character-count__message"[^>]*>.*?</div>',
    r'<div class="app-honeypot".*?</div>', r'<label [^>]*for="access_needs"[^>]*>.*?</label>',
    r'<div [^>]*id="access_needs-hint"[^>]*>.*?</div>', r'<h2 class="govuk-notification-banner__title".*?</h2>',
    r'<div class="govuk-inset-text">\s*<h2 class="govuk-heading-s">Help us see who we reach.*?</div>',
]
# Polish words that are not messages: Babel's names of days and months in dates.
_DATE_WORDS = {word for names in (names_of("wide", context=context, locale="pl")
                                  for names_of in (get_day_names, get_month_names)
                                  for context in ("format", "stand-alone"))
               for name in names.values() for word in name.split()}


def english_left_in(response, within=r"<main.*?</main>") -> set[str]:
    """Words in plain letters in the page's main part (or `within`): data here is named in
    Qx..., so anything else was written in English and not marked."""
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "&lt;a" not in html and "%(" not in html and "&amp;#" not in html  # nothing escaped twice or left raw
    main = re.search(within, html, re.S).group(0)
    for pattern in _NOT_EVENTS:
        main = re.sub(pattern, " ", main, flags=re.S)
    text = re.sub(r"\S+@\S+", " ", unescape(re.sub(r"<[^>]+>", " ", main)))  # addresses are data
    return {word for word in re.findall(r"[^\W\d_]{3,}", text)
            if word.isascii() and not word.startswith("Qx")} - _DATE_WORDS


@pytest.fixture
def booked_event(app, make_user):
    """An event with all a page can show (a venue, a series, a programme, questions), a member
    booked on it with a calendar address, and people in each other place a booking can be."""
    member = make_user(name="Qxmember")
    with app.app_context():
        series = EventSeries(rrule="FREQ=MONTHLY;BYDAY=+1TU;UNTIL=20301231T235959")
        db.session.add(series)
        db.session.flush()
        venue = VenueFactory(name="Qxhall", address="1 Qxroad\nQxtown", postcode="QX1 1QX", hearing_loop=True,
                             directions="Qxbus")
        event = EventFactory(title="Qxlunch", summary="Qxsummary", venue=venue, online_url="https://qx.example/x",
                             series=series, capacity=3, max_tickets=3, contact_email="qx@example.org")
        event.original_starts_at = event.starts_at
        later = event.starts_at + timedelta(days=28)
        EventFactory(title="Qxlunch", summary="Qxsummary", venue=venue, series=series, starts_at=later,
                     original_starts_at=later, status=EventStatus.POSTPONED)
        talk = SessionFactory(event=event, title="Qxtalk", speakers="Qxspeaker", room="Qxroom", capacity=1)
        walk = SessionFactory(event=event, title="Qxwalk", room="Qxroom", capacity=1)
        why = EventQuestion(event_id=event.id, label="Qxwhy", kind=QuestionKind.TEXT, required=True)
        db.session.add_all([EventQuestion(event_id=event.id, label="Qxdiet", kind=QuestionKind.YES_NO), why])
        user = db.session.get(User, member.id)
        user.language = "pl"
        mine = RegistrationFactory(event=event, user=user, email=user.email, name=user.name, tickets=2)
        db.session.add(CalendarLink(user_id=user.id, token="q" * 43))
        others = {status: RegistrationFactory(event=event, status=status, name="Qxguest", tickets=2,
                                              waitlisted_at=utcnow(), offer_expires_at=utcnow() + timedelta(days=1))
                  for status in (RegistrationStatus.WAITLISTED, RegistrationStatus.OFFERED, RegistrationStatus.PENDING)}
        db.session.commit()
        with app.test_request_context():
            links = {status: registration_link(registration) for status, registration in others.items()}
            links["confirm"] = registration_link(others[RegistrationStatus.PENDING], "confirm")
            links["mine"] = registration_link(mine)
        return {"member": member, "event": event.id, "talk": talk.id, "walk": walk.id, "mine": mine.id,
                "why": why.id, "links": links}


def test_a_visitors_pages_say_nothing_in_english(app, pseudo_polish, booked_event):
    event, links = booked_event["event"], booked_event["links"]
    visitor = app.test_client()
    visitor.set_cookie("language", "pl")
    home = visitor.get("/")
    assert english_left_in(home, within=r'<section [^>]*aria-labelledby="upcoming-events".*?</section>') == set()
    pages = ["/events", "/events?kind=workshop", "/events?q=Qxnothing", "/events?kind=nonsense",
             f"/events/{event}", f"/events/{event}/register", *links.values(),
             *(link + "/cancel" for name, link in links.items() if name != "confirm")]
    for page in pages:
        assert english_left_in(visitor.get(page)) == set(), page
    refused = submit(visitor, f"/events/{event}/register", {"name": "Qxname", "email": "qx@example.org",
                                                             "tickets": "9"})
    assert english_left_in(refused) == set()
    registered = submit(visitor, f"/events/{event}/register", {
        "name": "Qxname", "email": "qx2@example.org", "tickets": "1", f"question_{booked_event['why']}": "Qxbecause"})
    assert english_left_in(registered) == set()


def test_a_members_pages_say_nothing_in_english(app, pseudo_polish, booked_event):
    browser = app.test_client()
    sign_in(browser, booked_event["member"])  # their account says Polish
    mine = booked_event["links"]["mine"]
    for page in (f"/events/{booked_event['event']}", "/my-events", f"/my-events/{booked_event['mine']}/cancel", mine):
        assert english_left_in(browser.get(page)) == set(), page
    # What they are told when they choose a session, and when it clashes with one they hold.
    submit(browser, f"{mine}/sessions/{booked_event['talk']}/join", form_url=mine)
    assert english_left_in(browser.get(mine)) == set()
    submit(browser, f"{mine}/sessions/{booked_event['walk']}/join", form_url=mine)
    assert english_left_in(browser.get(mine)) == set()
    submit(browser, "/my-events/calendar-link", form_url="/my-events")
    assert english_left_in(browser.get("/my-events")) == set()


def test_a_guest_is_written_to_in_the_language_they_registered_in(app, pseudo_polish, outbox, make_user):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        event_id = EventFactory(title="Qxlunch", organisers=[db.session.get(User, organiser.id)]).id
    visitor = app.test_client()
    visitor.set_cookie("language", "pl")
    submit(visitor, f"/events/{event_id}/register", {"name": "Qxname", "email": "qx@example.org"})
    booked = outbox[-1]
    assert booked.subject == pseudo("You're booked: %(event)s") % {"event": "Qxlunch"}
    assert pseudo("If you cannot come, please cancel so someone on the waiting list can have your place.") \
        in booked.body
    calendar = Calendar.from_ical(booked.attachments[0][1])
    assert str(calendar.walk("VEVENT")[0]["DESCRIPTION"]).endswith(
        pseudo("Details and registration: %(link)s") % {"link": f"http://localhost/events/{event_id}"})
    # An organiser working in English postpones it: the guest still reads Polish.
    browser = app.test_client()
    sign_in(browser, organiser)
    submit(browser, f"/manage/events/{event_id}/status", {"change": "postpone", "reason": "Qxflood"})
    told = outbox[-1]
    assert told.subject == pseudo("Postponed: %(event)s") % {"event": "Qxlunch"} and "Qxflood" in told.body
    assert "Hello" not in told.body and pseudo("Hello %(name)s,") % {"name": "Qxname"} in told.body


def test_in_a_page_a_message_is_text_and_only_its_variables_may_be_markup(app):
    page = app.jinja_env.from_string(
        '{% set link %}<a href="/x">{{ _("here") }}</a>{% endset %}'
        '{{ _("Tom\'s & Jo\'s <list>: %(link)s, %(name)s", link=link, name="<b>Ann</b>") }}|'
        '{{ ngettext("%(num)d <place>", "%(num)d <places>", 2) }}|{{ label }}')
    with app.test_request_context():
        shown = page.render(label=_l("Tom's"))
    assert shown == ('Tom&#39;s &amp; Jo&#39;s &lt;list&gt;: <a href="/x">here</a>, &lt;b&gt;Ann&lt;/b&gt;|'
                     '2 &lt;places&gt;|Tom&#39;s')


def test_the_filters_are_drawn_in_the_readers_language(app, pseudo_polish):
    english, polish = app.test_client(), app.test_client()
    polish.set_cookie("language", "pl")
    assert re.search(r">\s*Show events\s*<", english.get("/events").get_data(as_text=True))
    assert pseudo("Show events") in polish.get("/events").get_data(as_text=True)  # not the English kept a moment ago


def test_calendars_a_member_gets_are_in_their_language_and_public_feeds_in_english(app, pseudo_polish,
                                                                                    booked_event):
    calendar_app = app.test_client()  # no cookie, no account: the address is the key
    own = Calendar.from_ical(calendar_app.get("/calendar/personal/" + "q" * 43 + ".ics").data)
    assert str(own["X-WR-CALNAME"]).startswith(pseudo("My events"))
    download = app.test_client()
    download.set_cookie("language", "pl")
    event = described(download.get(f"/events/{booked_event['event']}/event.ics"))
    assert pseudo("Join online") in event and "Details and registration" not in event
    # A cache between keeps one copy of a public feed for everyone, whatever language asked first.
    public = described(download.get("/calendar.ics"))
    assert "Details and registration" in public and pseudo("Join online") not in public


def described(response) -> str:
    return "\n".join(str(entry["DESCRIPTION"]) for entry in Calendar.from_ical(response.data).walk("VEVENT"))


def test_how_an_event_repeats_is_one_sentence_in_the_readers_language(app, pseudo_polish):
    rule = "FREQ=MONTHLY;BYDAY=+1TU;UNTIL=20271231T235959"
    with app.test_request_context():
        assert describe(rule) == "Every month on the first Tuesday, until 31 December 2027"
        with in_language("pl"):
            assert describe(rule) == pseudo("Every month on the first %(day)s, until %(date)s") % {
                "day": "wtorek", "date": "31 grudnia 2027"}
