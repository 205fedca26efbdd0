"""Nothing a visitor or a member sees is left in English when they chose
another language, and the catalogues are complete and current.

Every page a visitor or a member (one with a booking, a forum membership, a
nomination and a job) can reach is drawn in a pseudo-locale: each message of
the catalogue replaced by a version whose every letter is accented
("Sign in" -> "⟦Šíĝñ íñ⟧"), so any plain ASCII word left on the page is text
nobody marked for translation, unless it is data (what people typed, which is
never translated) or a month or day name Babel wrote for the locale. Staff
screens may stay English (docs/translating.md): a member is refused them, and
the refusal page itself must be translated.
"""
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import Enum, String, Text

from core.extensions import db
from core.i18n import LANGUAGES
from core.accounts.models import User
from tests.conftest import built_app, csrf_token, sign_in
from tests.core.test_permissions import MATRIX, _make_world
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
PSEUDO = "pl"  # the pseudo catalogue stands in for Polish: dates are then Babel's Polish ones
ACCENTED = str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                         "áƀçðéƒĝĥíĵķĺɱñöþǫŕšţüṽŵẋýžÁƁÇÐÉƑĜĤÍĴĶĹṀÑÖÞǪŔŠŢÜṼŴẊÝŽ")
# What must pass through a translation as it is: placeholders, markup and entities.
KEPT = re.compile(r"(%\([^)]*\)[sd]|%%|\{\w*\}|<[^>]*>|&#?\w+;)")
PLACEHOLDER = re.compile(r"%\([^)]*\)[sd]|\{\w*\}")
# A word: letters only, not part of a code with digits or underscores in it (a reference, a key).
WORD = re.compile(r"(?<![\w-])[A-Za-z]{2,}(?![\w-])")
# Not language: formats and names the page shows as they are.
NOT_WORDS = {"PDF", "CSV", "iCalendar", "ics", "Outlook", "Google", "Apple", "Microsoft", "BSL", "JSON", "am", "pm",
             "QR", "DBS"}
# Endpoints whose answers are not pages (files, feeds, health checks) or are not for people.
NOT_PAGES = re.compile(r"^static$|healthz|readyz|metrics|\.json|_download$|calendar|feed|image|picture|_pdf|_csv"
                       r"|api\.|job_progress|open_data_file")


def extracted_catalogue(tmp_path) -> Catalog:
    """The messages in the code now, as `make messages` gathers them."""
    pot = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "--mapping-file", "babel.cfg",
                    "--keywords", "_l", "--ignore-dirs", "node_modules tests bench seed static migrations",
                    "--output-file", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as file:
        return read_po(file)


def pseudo(text: str) -> str:
    return "⟦" + "".join(part if KEPT.fullmatch(part) else part.translate(ACCENTED)
                         for part in KEPT.split(text)) + "⟧"


@pytest.fixture(scope="module")
def pseudo_app(tmp_path_factory, database_url):
    folder = tmp_path_factory.mktemp("pseudo")
    catalogue = extracted_catalogue(folder)
    translated = Catalog(locale=PSEUDO)
    for message in catalogue:
        if not message.id:
            continue
        if message.pluralizable:
            forms = tuple(pseudo(form) for form in message.id)
            translated.add(message.id, (forms[0], forms[1], forms[1]))
        else:
            translated.add(message.id, pseudo(message.id))
    (folder / PSEUDO / "LC_MESSAGES").mkdir(parents=True)
    with (folder / PSEUDO / "LC_MESSAGES" / "messages.mo").open("wb") as file:
        write_mo(file, translated)
    # WTForms' own messages in English, so a validator left without a message of ours shows up here.
    with built_app(database_url, BABEL_TRANSLATION_DIRECTORIES=str(folder), WTF_I18N_ENABLED=False) as app:
        yield app


class _VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes outside scripts and
    styles, and the attributes read out or shown (labels, titles, alt
    text, placeholders, buttons' values). Text inside an element marked with
    another language (`lang`) is in that language on purpose: the language
    menu's names, content shown in English where it has no translation; and
    text marked `translate="no"` is not language (a cookie's name, a key)."""

    SPOKEN = {"aria-label", "title", "alt", "placeholder", "aria-description"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._open: list[tuple[str, bool]] = []  # each open element, and whether it is left out
        self._page_language = None

    def _leaving_out(self) -> bool:
        return bool(self._open) and self._open[-1][1]

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self._page_language = attributes.get("lang")
        foreign = ("lang" in attributes and attributes["lang"] != self._page_language
                   or attributes.get("translate") == "no")
        left_out = self._leaving_out() or tag in ("script", "style") or foreign
        if not left_out:
            self.found += [value for name, value in attrs if name in self.SPOKEN and value]
            if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
                self.found.append(attributes["value"])
        if tag not in self.VOID and tag != "html":
            self._open.append((tag, left_out))

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        if not self._leaving_out() and data.strip():
            self.found.append(data)


def data_values(app) -> list[str]:
    """Every string the database holds, longest first: what people typed, shown as typed."""
    values = {app.config[key] for key in ("BRAND_NAME", "PARTNERSHIP_NAME", "CONTACT_EMAIL")}
    # Each language's name and note in that language (the language menu).
    values.update(text for language in LANGUAGES.values() for text in (language.own_name, language.awaiting_review)
                  if text)
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [column for column in table.c
                       if isinstance(column.type, (String, Text)) and not isinstance(column.type, Enum)]
            if columns:
                for row in db.session.execute(table.select().with_only_columns(*columns)):
                    # Each line too: an address is shown on one line, its lines joined by commas.
                    values.update(line.strip() for value in row if isinstance(value, str)
                                  for line in [value, *value.splitlines()] if line.strip())
    return sorted(values, key=len, reverse=True)


def locale_words() -> set[str]:
    locale = Locale.parse(PSEUDO)
    words = set()
    for names in (locale.months, locale.days):
        for context in names.values():
            for width in context.values():
                words.update(word for name in width.values() for word in WORD.findall(name))
    return words


def untranslated(html: str, data: list[str], allowed: set[str]) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    left = []
    for text in parser.found:
        text = re.sub(r"\S*•••@\S+", " ", text)  # an address shown masked (core.formatting.masked_address)
        for value in data:
            if value in text:
                text = text.replace(value, " ")
        text = re.sub(r"\S+@\S+|https?://\S+|/\S*", " ", text)
        words = [word for word in WORD.findall(text) if word not in allowed]
        if words:
            left.append(" ".join(text.split()))
    return left


def pages_of(world) -> list[str]:
    return sorted({path.format(**vars(world)) for endpoint, (method, path, _) in MATRIX.items()
                   if method == "GET" and not NOT_PAGES.search(endpoint)})


def sqlite_only(params) -> bool:
    return False


# What it checks is text, the same on either database: SQLite's run is enough (CI's time).
@pytest.mark.postgresql_sample.with_args(sqlite_only)
def test_every_page_a_visitor_or_member_sees_is_translated(pseudo_app):
    app = pseudo_app
    world = _make_world(app)
    try:
        with app.app_context():
            member_email = db.session.get(User, world.other).email
        allowed = NOT_WORDS | locale_words()
        problems = {}
        for who in ("visitor", "member"):
            client = app.test_client()
            client.set_cookie("language", PSEUDO)
            if who == "member":
                sign_in(client, SimpleNamespace(email=member_email, password=PASSWORD))
            data = data_values(app)
            for path in pages_of(world) + ["/no-such-page"]:
                response = client.get(path)
                if response.mimetype != "text/html" or response.status_code in (301, 302, 303):
                    continue
                left = untranslated(response.get_data(as_text=True), data, allowed)
                if left:
                    problems[f"{who} {path} ({response.status_code})"] = left[:8]
            # The forms a visitor and a member fill in, sent empty: their error messages.
            for path in FORMS[who](world):
                token = csrf_token(client, path)
                response = client.post(path, data={"csrf_token": token})
                left = untranslated(response.get_data(as_text=True), data, allowed)
                if left:
                    problems[f"{who} POST {path} ({response.status_code})"] = left[:8]
        assert not problems, "English left on pages in another language:\n" + "\n".join(
            f"{page}: {left}" for page, left in problems.items())
    finally:
        from tests.conftest import empty
        empty(app)


FORMS = {
    "visitor": lambda world: ["/sign-in", "/sign-up", "/forgot-password", f"/events/{world.event}/register"],
    "member": lambda world: ["/account/profile", "/account/password", "/account/email",
                             f"/forums/{world.elsewhere}/apply", f"/awards/categories/{world.category}/nominate"],
}


def test_the_catalogue_template_holds_every_message_in_the_code(tmp_path):
    """translations/messages.pot is what translators (and Weblate) work from:
    `make messages` after marking text keeps it current."""
    with (ROOT / "translations" / "messages.pot").open("rb") as file:
        committed = {message.id for message in read_po(file) if message.id}
    current = {message.id for message in extracted_catalogue(tmp_path) if message.id}
    assert current - committed == set(), "run `make messages`: these are not in translations/messages.pot"
    assert committed - current == set(), "run `make messages`: these are no longer in the code"


@pytest.mark.parametrize("language", ["pl", "ur"])
def test_polish_and_urdu_translate_every_message(language):
    with (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalogue = read_po(file)
    missing = [message.id for message in catalogue if message.id and (
        message.fuzzy or not (all(message.string) if message.pluralizable else message.string))]
    assert missing == [], f"{len(missing)} messages untranslated in {language}, e.g. {missing[:5]}"
    for message in catalogue:
        if message.id:
            ids = message.id if message.pluralizable else (message.id,)
            strings = message.string if message.pluralizable else (message.string,)
            wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
            for string in strings:
                assert set(PLACEHOLDER.findall(string)) <= wanted, f"{language}: {message.id!r} has placeholders of its own"
