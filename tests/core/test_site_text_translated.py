"""The site's own pages, forms and account emails are written through the
translation catalogue (core/i18n.py): with every message "translated" into a
pseudo-language whose letters are all accented, no English word is left on
them but what people typed, addresses and names (the brand, the partnership).
The answers to the equality questions are stored as the same codes in any
language."""
import re
from html import unescape

import pytest
from babel.support import NullTranslations
from flask_babel import Domain, get_locale

from core.equality import services as equality
from core.extensions import db
from core.design_system import with_own_words
from core.accounts.models import User
from tests.conftest import csrf_token, sign_in

ACCENTED = str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                         "àƀçđéƒĝĥíĵķĺɱñóƥʠŕšţúʋŵẋýžÀƁÇĐÉƑĜĤÍĴĶĹṀÑÓƤɊŔŠŢÚƲŴẊÝŽ")
# Placeholders, markup and the character count's %{count} are kept as they are.
KEPT = re.compile(r"(%\([a-z_]+\)[sd]|%%|%\{count\}|\{[a-z_]+\}|<[^>]+>)")


def pseudo(text: str) -> str:
    return "".join(part if KEPT.fullmatch(part) else part.translate(ACCENTED) for part in KEPT.split(text))


class PseudoTranslations(NullTranslations):
    def gettext(self, message):
        return pseudo(message)

    def ngettext(self, singular, plural, n):
        return pseudo(singular if n == 1 else plural)

    ugettext, ungettext = gettext, ngettext

    def pgettext(self, context, message):
        return pseudo(message)

    def npgettext(self, context, singular, plural, n):
        return pseudo(singular if n == 1 else plural)

    upgettext, unpgettext = pgettext, npgettext


@pytest.fixture
def translated(monkeypatch):
    """Every language but English reads as the pseudo-language."""
    def translations(domain):
        locale = get_locale()
        return PseudoTranslations() if locale is not None and locale.language != "en" else NullTranslations()
    monkeypatch.setattr(Domain, "get_translations", translations)


# Words that are data, not the site's text: the brand, the partnership and the
# people in these tests, and cookies' names.
DATA = {"Shared", "Future", "the", "county", "community", "cohesion", "partnership", "Ann", "Example", "Polski",
        "English", "session", "language", "remember", "token", "known", "device", "second", "factor", "browser",
        "czeka", "sprawdzenie"}  # the language menu's note, in Polish


def english_left(response) -> list[str]:
    html = re.sub(r"<(script|style|code)[^>]*>.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    said = re.findall(r'(?:aria-label|alt|data-i18n[.a-z-]*|data-[a-z-]+-(?:following|pattern))="([^"]*)"', html)
    text = unescape(re.sub(r"<[^>]+>", " ", html) + " " + " ".join(said))
    words = re.findall(r"(?<![\w@.:/-])[A-Za-z][a-z]{2,}(?![\w@.:/-])", text)
    return sorted(set(words) - DATA)


def test_a_visitors_pages_and_form_errors_are_all_translated(translated, client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ur"  # its dates are in its own script
    for url in ("/accessibility", "/cookies", "/sign-in", "/sign-up", "/forgot-password", "/no-such-page",
                "/confirm-email/not-a-link"):
        response = client.get(url)
        assert english_left(response) == [], url
    token = csrf_token(client, "/sign-up")
    refused = client.post("/sign-up", data={"csrf_token": token, "name": "x" * 101, "email": "not an address",
                                            "password": "password"})
    assert english_left(refused) == []
    page = refused.get_data(as_text=True)
    assert f"<title>{pseudo('Error:')} {pseudo('Create an account')}" in page
    assert f'<span class="govuk-visually-hidden">{pseudo("Error")}:</span>' in page  # beside each field
    assert pseudo("Full name must be %(max)d characters or fewer") % {"max": 100} in page  # a validator's message
    assert pseudo("Show") in page  # the password box's button
    token = csrf_token(client, "/forgot-password")
    sent = client.post("/forgot-password", data={"csrf_token": token, "email": "someone@example.org"})
    assert english_left(sent) == []


def test_a_members_account_pages_are_all_translated(translated, app, client, make_user):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ur"  # its dates are in its own script
    sign_in(client, make_user(name="Ann Example"))
    for url in ("/account", "/account/profile", "/account/email", "/account/password", "/account/delete",
                "/account/sign-in-codes", "/jobs", "/about-you"):
        assert english_left(client.get(url)) == [], url
    token = csrf_token(client, "/account")
    wrong = client.post("/account/password", data={"csrf_token": token, "current_password": "not it",
                                                   "new_password": "lantern orchard velvet"})
    assert english_left(wrong) == [] and pseudo("Your current password is not correct") in wrong.get_data(as_text=True)


def test_the_equality_questions_are_translated_and_the_answers_stored_as_codes(translated, app, client, make_user):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ur"  # its dates are in its own script
    person = make_user(name="Ann Example")
    sign_in(client, person)
    token = csrf_token(client, "/about-you")
    client.post("/about-you/consent", data={"csrf_token": token})
    questions = client.get("/about-you/questions")
    assert english_left(questions) == []
    assert pseudo("Asian or Asian British") in questions.get_data(as_text=True)
    refused = client.post("/about-you/questions", data={"csrf_token": token, "age_band": "old", "postcode_district": "N"})
    assert english_left(refused) == []
    client.post("/about-you/questions", data={"csrf_token": token, "age_band": "25_34", "ethnic_group": "asian",
                                              "religion": "prefer_not_to_say", "disability": "yes"})
    follow_up = client.get("/about-you/follow-up")
    assert english_left(follow_up) == []
    client.post("/about-you/follow-up", data={"csrf_token": token, "ethnic_background": "pakistani",
                                              "disability_impact": "a_little"})
    assert english_left(client.get("/about-you/more-questions")) == []
    client.post("/about-you/more-questions", data={"csrf_token": token, "gender_identity": "yes"})
    assert english_left(client.get("/about-you")) == []
    with app.app_context():
        answers = equality.answers_of(equality.person_key(db.session.get(User, person.id)))
        assert (answers.age_band, answers.ethnic_group, answers.ethnic_background, answers.religion,
                answers.disability, answers.disability_impact, answers.gender_identity) == (
            "25_34", "asian", "pakistani", "prefer_not_to_say", "yes", "a_little", "yes")


def test_account_emails_are_translated_subject_and_body(translated, app, client, make_user, outbox):
    person = make_user(name="Ann Example", language="ur")
    token = csrf_token(client, "/forgot-password")
    client.post("/forgot-password", data={"csrf_token": token, "email": person.email})
    [message] = outbox
    assert message.subject == pseudo("Reset your password")
    body = re.sub(r"https?://\S+|\S+@\S+", " ", message.body)
    assert not set(re.findall(r"\b[A-Za-z][a-z]{2,}\b", body)) - DATA, body


def test_the_design_systems_own_words_follow_the_page(translated, app):
    with app.test_request_context(headers={"Accept-Language": "pl"}):
        date = with_own_words({"items": [{"id": "born-day", "label": "Day"}, {"id": "born-month", "label": "Month"},
                                         {"id": "born-year", "label": "Year"}]}, "date-input")
        assert [item["label"] for item in date["items"]] == [pseudo("Day"), pseudo("Month"), pseudo("Year")]
        count = with_own_words({"maxlength": 500, "errorMessage": {"text": "Too long"}}, "character-count")
        assert count["errorMessage"]["visuallyHiddenText"] == pseudo("Error")
        assert count["textareaDescriptionText"] == pseudo("You can enter up to %(num)d characters") % {"num": 500}
        # Polish has a form for one, a few and many; the script picks by the number, with its own placeholder.
        assert set(count["charactersUnderLimitText"]) == {"one", "few", "many", "other"}
        assert count["charactersUnderLimitText"]["one"] == pseudo("You have %{count} character remaining")
