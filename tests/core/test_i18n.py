"""A person's language (core/i18n.py): chosen from the links on every page,
kept in a cookie for visitors and on the account for signed-in people, with
Accept-Language as the first guess; emails in the recipient's language."""
import enum
import re

from datetime import datetime, timezone

import flask_babel

from core.email import queue_email, recipient_language
from core.extensions import db
from core.i18n import _l, in_language
from core.formatting import format_date_time, format_date_time_range, format_time
from core.accounts.models import User
from tests.conftest import csrf_token, sign_in, sign_in_through_the_forms

APP_PACKAGES = ("core", "events", "forums", "awards", "reports", "api")


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.get_data(as_text=True)).group(0)


def test_a_visitor_gets_the_language_their_browser_asks_for_first(client):
    assert 'lang="pl"' in html_tag(client.get("/events", headers={"Accept-Language": "pl-PL,pl;q=0.9,en;q=0.5"}))
    urdu = html_tag(client.get("/events", headers={"Accept-Language": "ur"}))
    assert 'lang="ur"' in urdu and 'dir="rtl"' in urdu
    # The browser's order decides between languages of the same quality; a region is its language.
    assert 'lang="ur"' in html_tag(client.get("/events", headers={"Accept-Language": "ur-PK, en"}))
    assert 'lang="pl"' in html_tag(client.get("/events", headers={"Accept-Language": "de, pl-PL;q=0.8, ur;q=0.5"}))
    # Nothing the site has: English, as the UK writes it.
    english = html_tag(client.get("/events", headers={"Accept-Language": "fr, de;q=0.5"}))
    assert 'lang="en-GB"' in english and 'dir="ltr"' in english


def test_a_language_link_sets_the_cookie_which_beats_the_browser_and_goes_back(client):
    response = client.get("/language/ur?next=/events%3Fpage%3D2")
    assert response.status_code == 302 and response.location == "/events?page=2"
    cookie = client.get_cookie("language")
    assert cookie.value == "ur" and cookie.http_only and cookie.max_age == 365 * 24 * 3600
    assert 'lang="ur"' in html_tag(client.get("/events", headers={"Accept-Language": "pl"}))


def test_the_menu_names_each_language_in_itself_and_marks_the_current_one(client):
    client.get("/language/pl?next=/")
    page = client.get("/events").get_data(as_text=True)
    menu = re.search(r'<nav class="app-language-menu".*?</nav>', page, re.S).group(0)
    assert re.search(r'<span class="app-language-menu__current" lang="pl" aria-current="true">Polski</span>', menu)
    assert re.search(r'<a class="app-language-menu__link" href="/language/en\?next=/events" lang="en-GB" '
                     r'hreflang="en-GB">English</a>', menu)
    assert 'hreflang="ur">اردو</a>' in menu
    assert "tłumaczenie czeka na sprawdzenie" in menu  # awaiting a community translator's review


def test_a_language_link_goes_only_to_pages_of_this_site(client):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example", ""):
        assert client.get("/language/pl", query_string={"next": target}).location == "/"


def test_an_unknown_language_is_not_found_and_an_unknown_cookie_is_ignored(client):
    assert client.get("/language/xx?next=/").status_code == 404
    client.set_cookie("language", "xx")
    assert 'lang="en-GB"' in html_tag(client.get("/events"))


def test_a_signed_in_persons_choice_is_saved_on_their_account_through_the_form(app, client, make_user):
    person = make_user()
    sign_in(client, person)
    # A link (a tab left open from before signing in) cannot change the account: it offers the form.
    offered = client.get("/language/pl?next=/events")
    assert offered.status_code == 200 and 'action="/language/pl?next=/events"' in offered.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, person.id).language != "pl"
    token = csrf_token(client, "/account")
    assert client.post("/language/pl?next=/events", data={}).status_code == 400  # no token
    response = client.post("/language/pl?next=/events", data={"csrf_token": token})
    assert response.status_code == 302 and response.location == "/events"
    with app.app_context():
        assert db.session.get(User, person.id).language == "pl"
    # The account's choice beats whatever the browser or an old cookie says.
    client.set_cookie("language", "ur")
    assert 'lang="pl"' in html_tag(client.get("/account", headers={"Accept-Language": "ur"}))
    page = client.get("/account").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/language/ur\?next=/account"', page)


def test_visitors_pages_are_cached_per_language(app, client):
    """A cache keeps one copy per language: each has its own validator, one
    language's never answers 304 for another's, and caches are told the page
    varies with Accept-Language and the cookie that holds the choice."""
    pages = {code: client.get("/", headers={"Accept-Language": code}) for code in ("pl", "en", "ur")}
    assert 'lang="pl"' in html_tag(pages["pl"]) and 'lang="en-GB"' in html_tag(pages["en"])
    assert 'lang="ur"' in html_tag(pages["ur"])
    assert len({page.headers["ETag"] for page in pages.values()}) == 3
    for page in pages.values():
        assert {"Accept-Language", "Cookie"} <= set(page.vary)
    again = client.get("/", headers={"Accept-Language": "ur", "If-None-Match": pages["pl"].headers["ETag"]})
    assert again.status_code == 200 and 'lang="ur"' in html_tag(again)
    client.set_cookie("language", "pl")
    by_cookie = client.get("/", headers={"Accept-Language": "ur", "If-None-Match": pages["ur"].headers["ETag"]})
    assert by_cookie.status_code == 200 and 'lang="pl"' in html_tag(by_cookie)


def test_dates_follow_the_language(app):
    moment = datetime(2027, 3, 20, 9, 30, tzinfo=timezone.utc)
    with app.test_request_context():
        assert format_date_time(moment) == "Saturday 20 March 2027 at 9:30am"
        with in_language("pl"):
            assert format_date_time(moment) == "sobota, 20 marca 2027 09:30"
        with in_language("ur"):
            assert "مارچ" in format_date_time(moment)
            # Urdu's times keep Latin AM and PM: kept in their own order inside right-to-left text.
            assert format_time(moment) == "\u20669:30 AM\u2069"
            assert "2027\u060c \u2066" in format_date_time_range(moment, moment.replace(hour=11))


def test_an_email_is_written_in_its_recipients_language_whoever_sends_it(app, make_user):
    reader = make_user(email="czytelnik@example.com")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        db.session.get(User, reader.id).language = "pl"
        assert recipient_language("Czytelnik@Example.com ") == "pl"
        assert recipient_language("guest@example.com", "ur") == "ur"  # no account: what the record remembers
        assert recipient_language("guest@example.com") is None
        seen = []
        message = queue_email(to=reader.email, subject=_l("%(when)s", when=_When(seen)), template="password_changed",
                              user=reader)
        assert seen == ["pl"] and message.subject == "pl"


class _When:
    """Says which language it was made into text in."""

    def __init__(self, seen):
        self.seen = seen

    def __str__(self):
        from flask_babel import get_locale
        self.seen.append(str(get_locale()))
        return str(get_locale())


def test_an_account_that_has_not_proven_its_address_does_not_choose_its_emails_language(app, make_user):
    """Signing up with someone else's address (never confirmed) must not decide the language the
    address's real owner gets their emails in."""
    squatter = make_user(email="victim@example.com", email_confirmed_at=None)
    with app.test_request_context():
        db.session.get(User, squatter.id).language = "ur"
        assert recipient_language("victim@example.com", "pl") == "pl"


def test_signing_in_keeps_the_language_read_in_and_signing_out_keeps_the_accounts(app, client, make_user):
    """An account that never chose takes the language its owner was reading in; signed out, the browser
    goes on in the account's language rather than dropping to another; a choice made before signing in
    again becomes the account's."""
    person = make_user()
    with app.app_context():
        db.session.get(User, person.id).language = None
        db.session.commit()
    client.set_cookie("language", "pl")
    sign_in_through_the_forms(client, person)
    with app.app_context():
        assert db.session.get(User, person.id).language == "pl"
        db.session.get(User, person.id).language = "ur"
        db.session.commit()
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account")})
    assert client.get_cookie("language").value == "ur"
    assert 'lang="ur"' in html_tag(client.get("/events"))
    # A language chosen from the menu before signing in again is the newest choice: the account takes it.
    client.get("/language/pl?next=/")
    sign_in_through_the_forms(client, person)
    with app.app_context():
        assert db.session.get(User, person.id).language == "pl"


def _enums_with_labels():
    def every(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from every(sub)
    return sorted({cls for cls in every(enum.Enum) if cls.__module__.split(".")[0] in APP_PACKAGES
                   and isinstance(cls.__dict__.get("label"), property)}, key=lambda cls: cls.__qualname__)


def test_a_label_translates_only_its_own_words(app, monkeypatch):
    """Found profiling the coordinators' page: a status's label translated
    every status's words to return one, fifteen lookups a member row, a
    third of the page's time. Each label now asks for its own alone."""
    asked = []
    looked_up = flask_babel.Domain.gettext
    monkeypatch.setattr(flask_babel.Domain, "gettext", lambda self, string, **variables: (
        asked.append(string), looked_up(self, string, **variables))[1])
    enums = _enums_with_labels()
    assert {"MembershipStatus", "MembershipRole", "NominationStatus", "RegistrationStatus"} <= {
        cls.__name__ for cls in enums}
    with app.test_request_context(), in_language("pl"):
        for cls in enums:
            for member in cls:
                asked.clear()
                label = str(member.label)
                assert len(asked) <= 1, f"{cls.__name__}.{member.name}.label looked up {asked}"
                assert label


def test_staff_screens_are_wholly_english_and_say_so_in_the_readers_language(app, make_user):
    """Found walking it: an equality monitor reading in Urdu got English
    report pages laid out right to left, with Urdu dates inside English
    sentences, and `lang="ur"` around English text."""
    monitor = make_user(roles=["equality_monitor"], language="ur")
    client = app.test_client()
    sign_in(client, monitor)
    for path in ("/reports", "/reports/all", "/reports/progress/2025"):
        response = client.get(path)
        tag, page = html_tag(response), response.get_data(as_text=True)
        assert response.status_code == 200 and 'lang="en-GB"' in tag and 'dir="ltr"' in tag, path
        menu = re.search(r'<nav class="app-language-menu".*?</nav>', page, re.S).group(0)
        assert 'lang="ur" aria-current="true">اردو</span>' in menu  # their own language is still theirs
        assert "عملے کے صفحات انگریزی میں ہیں۔" in menu
    # Their public pages, the reports' methodology among them, stay in Urdu.
    for path in ("/events", "/reports/methodology"):
        assert 'lang="ur"' in html_tag(client.get(path)), path


def test_a_staff_screen_refusing_someone_refuses_in_their_language(app, make_user):
    member = make_user(language="pl")
    client = app.test_client()
    sign_in(client, member)
    for path in ("/reports", "/manage/events", "/admin/users", "/manage/awards"):
        response = client.get(path)
        assert response.status_code == 403 and 'lang="pl"' in html_tag(response), path


def coordinating(app, make_user, language: str):
    """A signed-in coordinator of a new forum, reading in `language`: their browser, and the forum's id."""
    from tests.forums.factories import ForumFactory
    from forums.models import ForumCoordinator
    coordinator = make_user(language=language)
    with app.app_context():
        forum = ForumFactory()
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        db.session.commit()
        forum_id = forum.id
    client = app.test_client()
    sign_in(client, coordinator)
    return client, forum_id


def test_a_shared_forum_page_follows_its_reader_while_the_coordinators_list_is_english(app, make_user):
    client, forum_id = coordinating(app, make_user, "pl")
    assert 'lang="en-GB"' in html_tag(client.get(f"/forums/{forum_id}/manage"))
    assert 'lang="pl"' in html_tag(client.get(f"/forums/{forum_id}"))


def test_the_page_of_a_job_started_from_a_staff_screen_is_a_staff_screen(app, make_user):
    """Found walking it: preparing the progress report in Urdu led to a job
    page right to left, its English title and reason marked as Urdu."""
    from core import progress
    monitor = make_user(roles=["equality_monitor"], language="ur")
    with app.test_request_context():
        staff = progress.start_job(owner_id=monitor.id, title="Progress report 2025", back_url="/reports/progress/2025")
        public = progress.start_job(owner_id=monitor.id, title="Invitations", back_url="/")
        db.session.commit()
        staff_id, public_id = staff.id, public.id
    client = app.test_client()
    sign_in(client, monitor)
    assert 'lang="en-GB" dir="ltr"' in html_tag(client.get(f"/jobs/{staff_id}"))
    page = client.get(f"/jobs/{public_id}")
    assert 'lang="ur"' in html_tag(page)
    assert '<span lang="en-GB" dir="ltr">Invitations</span>' in page.get_data(as_text=True)  # its name is English


def test_the_coordinators_part_of_a_forums_pages_is_marked_english(app, make_user):
    """Found walking it: "Running the forum" and a meeting's "For coordinators"
    were English inside a page marked Urdu, laid out right to left."""
    client, forum_id = coordinating(app, make_user, "ur")
    page = client.get(f"/forums/{forum_id}").get_data(as_text=True)
    assert re.search(r'<div lang="en-GB" dir="ltr">\s*<h2 class="govuk-heading-m">Running the forum</h2>', page)
