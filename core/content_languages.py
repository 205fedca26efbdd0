"""What people write for the site (an event's title, a forum's description,
an award category's text) in more than one language: the versions an
organiser adds in the site's other languages (core/i18n.py), and which one
a page shows.

A page shows the version in its own language where there is one, and the
English otherwise, marked with `lang` (and `dir` where the direction
differs) on the element holding it, so screen readers read it in the right
voice: English on a Polish page carries `lang="en-GB"`; Polish on a Polish
page needs nothing, since the page's `<html lang>` says so already.
Templates ask `translated(event, "title")` and put `.attributes` on the
element that holds the text.

Each domain keeps its versions in a table of its own (`event_translations`,
`forum_translations`, `award_category_translations`), one row per object
and language, deleted with the object; the rows share `VersionColumns`, and
the object reaches them as its `translations`. A list loads the versions of
all its objects in the page's language in one query (`in_page_language`).
"""
from dataclasses import dataclass
from datetime import datetime

from flask import abort
from markupsafe import Markup
from sqlalchemy import String
from sqlalchemy.orm import Mapped, defaultload, mapped_column, selectinload

from core import audit
from core.database import utcnow
from core.errors import DomainError
from core.extensions import db
from core.i18n import DEFAULT, LANGUAGES, Language, _, _l, current_language, lazy


class VersionColumns:
    """What every table of versions has, beside the object it belongs to and
    the fields it translates."""

    language: Mapped[str] = mapped_column(String(8))  # a code of core.i18n.LANGUAGES, never English
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NoSuchLanguage(DomainError):
    """Versions are in the site's other languages only: English is the original."""


# What an organiser's page calls each language, in the page's own language (the menu names each in itself).
NAMES = {"en": _l("English"), "pl": _l("Polish"), "ur": _l("Urdu")}


def language_name(language: Language) -> str:
    return str(NAMES.get(language.code, language.own_name))


def other_languages() -> list[Language]:
    """The languages an organiser can add a version in, in the menu's order."""
    return [language for code, language in LANGUAGES.items() if code != DEFAULT]


def language_to_add(code: str) -> Language | None:
    """The language named in an address, when a version can be written in it."""
    return LANGUAGES.get(code) if code != DEFAULT else None


def language_or_404(code: str) -> Language:
    """For the pages where a version is written: the language their address names, or Not Found."""
    language = language_to_add(code)
    if language is None:
        abort(404)
    return language


@dataclass(frozen=True)
class Shown:
    """A piece of text as a page shows it: the text, the language it is in,
    and the page's language, which decide the element's `lang` and `dir`."""
    text: str
    language: Language
    page_language: Language

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    @property
    def attributes(self) -> Markup:
        """` lang="en-GB"` (and ` dir="ltr"` on a right-to-left page) when
        the text is not in the page's language; nothing when it is."""
        if self.language == self.page_language:
            return Markup("")
        attributes = Markup(' lang="{}"').format(self.language.tag)
        if self.language.direction != self.page_language.direction:
            attributes += Markup(' dir="{}"').format(self.language.direction)
        return attributes


def translated(thing, field: str) -> Shown:
    """`thing`'s `field` as this page shows it: its version in the page's
    language when it has one with that field filled in, else the English."""
    page = current_language()
    if page.code != DEFAULT:
        version = next((each for each in thing.translations if each.language == page.code), None)
        text = getattr(version, field) if version is not None else ""
        if text:
            return Shown(text, page, page)
    return Shown(getattr(thing, field) or "", LANGUAGES[DEFAULT], page)


def removal_message(language: Language):
    """What removing a version says, for `press_button`: that it was removed, or that there was none."""
    name = language_name(language)
    return lambda removed: (_("The version in %(language)s has been removed.", language=name) if removed
                            else _("There was no version in %(language)s to remove.", language=name))


def lazily(thing, field: str):
    """`thing`'s `field` in whichever language is current when it is made into
    text: an email's subject, written in its recipient's language later."""
    return lazy(lambda: str(translated(thing, field)))


def in_page_language(translations, *through) -> list:
    """Loader options for a query that lists objects (or, `through` the
    relationships named, objects of theirs): their versions in the page's
    language, for the whole list in one more query. Nothing on an English
    page, where no version is shown."""
    page = current_language()
    if page.code == DEFAULT:
        return []
    version = translations.property.mapper.class_
    only_this_language = translations.and_(version.language == page.code)
    if not through:
        return [selectinload(only_this_language)]
    path = defaultload(through[0])
    for step in through[1:]:
        path = path.defaultload(step)
    return [path.selectinload(only_this_language)]


def versions_by_language(thing) -> dict[str, object]:
    """`thing`'s versions by language code (an organiser's page lists them)."""
    return {version.language: version for version in thing.translations}


def save_version(thing, language: str, values: dict[str, str], *, actor):
    """Add `thing`'s version in `language`, or change it: `values` by field,
    each trimmed (an empty one shows the English in its place)."""
    if language_to_add(language) is None:
        raise NoSuchLanguage(_("Choose one of the site's other languages: English is the original."))
    version = versions_by_language(thing).get(language)
    if version is None:
        version = type(thing).translations.property.mapper.class_(language=language)
        thing.translations.append(version)
    for field, text in values.items():
        setattr(version, field, (text or "").strip())
    version.updated_at = utcnow()
    db.session.flush()
    audit.record("translation.saved", actor=actor, subject=thing, details={"language": language})
    return version


def remove_version(thing, language: str, *, actor) -> bool:
    """Remove `thing`'s version in `language`; False when it had none."""
    version = versions_by_language(thing).get(language)
    if version is None:
        return False
    thing.translations.remove(version)
    db.session.flush()
    audit.record("translation.removed", actor=actor, subject=thing, details={"language": language})
    return True
