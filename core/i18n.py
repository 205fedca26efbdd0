"""The languages pages, emails and documents are written in (Flask-Babel;
docs/translating.md says how to add one and how translators work).

A person's language is, in order: the one saved on their account (signed-in
people), the one in the `language` cookie (visitors, set by the language
links on every page), and otherwise the best match for what their browser
asks for (Accept-Language), English when nothing matches. Emails are written
in the recipient's language, whoever's request sends them (core.email's `recipient_language`).

Strings in Python are marked with `_` (at once, inside a request or a job)
or `_l` (lazily, for what is defined at import: form labels, choices), and
plurals with `ngettext`, which takes the number as `num`:
`ngettext("%(num)d member", "%(num)d members", count)`.
"""
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, get_translations, gettext, ngettext, refresh
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

_ = gettext


class _Text(LazyString):
    """A lazy message (`_l`): a page shows it as text, escaped like any other
    string (Flask-Babel's own would pass into the page as markup)."""

    def __html__(self):
        return str(escape(str(self)))


def _l(string: str, **variables) -> LazyString:
    return _Text(gettext, string, **variables)


def lazy(make_text) -> LazyString:
    """Text made by `make_text()` when it is shown, in the language current then, escaped in a page as
    `_l`'s are (an event's own title in an email's subject, written later in its recipient's language)."""
    return _Text(make_text)

__all__ = ["_", "_l", "ngettext", "force_locale", "LANGUAGES", "COOKIE", "always_in", "current_language",
           "in_language", "init_app", "lazy", "staff_screen", "staff_screens", "readers_own_language",
           "as_staff_screen", "is_staff_screen_address"]


@dataclass(frozen=True)
class Language:
    code: str  # Babel's, and the catalogue's folder under translations/
    own_name: str  # as its speakers write it, which is how the menu names it
    tag: str  # BCP 47, for `lang` and `hreflang`
    direction: str  # "ltr" or "rtl", for `dir`
    # Until a community translator has checked the translation, the menu says so, in the language itself.
    awaiting_review: str = ""


DEFAULT = "en"
LANGUAGES = {language.code: language for language in (
    Language("en", "English", "en-GB", "ltr"),
    Language("pl", "Polski", "pl", "ltr", awaiting_review="tłumaczenie czeka na sprawdzenie"),
    Language("ur", "اردو", "ur", "rtl", awaiting_review="ترجمہ نظرِ ثانی کا منتظر ہے"),
)}
# A functional cookie (listed on the cookies page): the language a visitor chose from the menu.
COOKIE = "language"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60


# Staff screens are in English (docs/translating.md), wholly: their dates, their page's `lang` and direction,
# so an Urdu reader's screen reader reads them as English, left to right. Every view of a module named here
# is one, but for the endpoints left out; a view elsewhere is one if marked with `staff_screen`.
_STAFF_MODULES: dict[str, tuple[str, ...]] = {}
STAFF_NOTE = _l("Staff pages are in English.")


def staff_screens(module: str, *, but: tuple[str, ...] = ()) -> None:
    """Every view in `module` draws a staff screen, but for the endpoints in `but` (public pages)."""
    _STAFF_MODULES[module] = but


def staff_screen(view):
    """Mark one view as a staff screen, in a module whose other views are not."""
    view.staff_screen = True
    return view


def as_staff_screen() -> None:
    """Draw this request as a staff screen, once the view knows it is one (a
    job's page, for work started from a staff screen)."""
    g.staff_screen = True
    always_in(DEFAULT)


def is_staff_screen_address(address: str) -> bool:
    """Whether the page at `address` (a path on this site) is a staff screen."""
    try:
        endpoint, _arguments = current_app.create_url_adapter(request).match(urlsplit(address).path, method="GET")
    except HTTPException:
        return False
    return _is_staff_screen(endpoint, current_app.view_functions.get(endpoint))


def _is_staff_screen(endpoint: str | None, view) -> bool:
    if view is None:
        return False
    return getattr(view, "staff_screen", False) or endpoint not in _STAFF_MODULES.get(view.__module__, (endpoint,))


def init_app(app) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", app.root_path + "/translations")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    Babel(app, locale_selector=_chosen_language)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks read as one line, as catalogues hold them
    # A message in a page is text, as the English written in the template was: escaped (an apostrophe is
    # &#39;, a translation cannot add markup), with only its variables kept as they are, so a link the
    # template made (Markup) stays a link and anything else is escaped. Jinja's own marks the message safe.
    app.jinja_env.globals.update(gettext=_page_gettext, ngettext=_page_ngettext)

    @app.before_request
    def staff_screens_in_english():
        """Before anything is written: a refusal's page is drawn in the reader's language again (app.py), and
        a visitor, sent to sign in with a message, is never on one."""
        if _is_staff_screen(request.endpoint, app.view_functions.get(request.endpoint)) \
                and current_user.is_authenticated:
            as_staff_screen()

    @app.context_processor
    def language_for_templates():
        page = current_language()
        # The partnership's name is English (its own): marked so inside a sentence in another language,
        # isolated so that on a right-to-left page it keeps its words' order.
        partnership = app.config["PARTNERSHIP_NAME"]
        if page.code != DEFAULT:
            partnership = Markup('<bdi lang="en-GB">{}</bdi>').format(partnership)
        # The language menu marks the reader's own language; on a staff screen it says why the page is not in it.
        reader, staff_note = page, None
        if g.get("staff_screen"):
            reader = LANGUAGES[readers_own_language()]
            if reader.code != DEFAULT:
                with force_locale(reader.code):
                    staff_note = str(STAFF_NOTE)
        return {"language": page, "languages": LANGUAGES.values(), "partnership_name": partnership,
                "reader_language": reader, "staff_note": staff_note}


@pass_context
def _page_gettext(context, string: str, **variables):
    text = get_translations().ugettext(string)
    return (escape(text) if context.eval_ctx.autoescape else text) % variables


@pass_context
def _page_ngettext(context, singular: str, plural: str, num: int, **variables):
    variables.setdefault("num", num)
    text = get_translations().ungettext(singular, plural, num)
    return (escape(text) if context.eval_ctx.autoescape else text) % variables


def known(code: str | None) -> str | None:
    return code if code in LANGUAGES else None


def remember_in_cookie(response, code: str) -> None:
    """The `language` cookie on `response`: this browser's choice, for while nobody is signed in."""
    response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])


def always_in(code: str) -> None:
    """Answer this request in `code`, whoever asks (the JSON API is English:
    shared caches keep one copy of each answer for everyone; staff screens)."""
    g.language_fixed = code
    refresh()  # anything asked of the language before now asks again


def readers_own_language() -> str:
    """The language this person reads the site in, whatever this page is written in."""
    if current_user and current_user.is_authenticated and known(current_user.language):
        return current_user.language
    return known(request.cookies.get(COOKIE)) or _first_asked_for() or DEFAULT


def error_page_in_readers_language() -> None:
    """An error or refusal on a staff screen is drawn in the reader's own
    language, as it is anywhere else: one refused it may not read English."""
    if g.get("staff_screen"):
        g.staff_screen = False
        g.language_fixed = None
        refresh()


def _chosen_language() -> str:
    if not has_request_context():
        return DEFAULT
    if g.get("language_fixed"):
        return g.language_fixed
    return readers_own_language()


def _first_asked_for() -> str | None:
    """The first language the browser asks for that the site has, in the browser's order ("ur-PK,
    en": Urdu), best quality first; a regional variant ("pl-PL") counts as its language."""
    for asked, quality in request.accept_languages:  # already in order of quality, then as asked
        if quality > 0 and (found := known(asked.split("-")[0].split("_")[0].lower())):
            return found
    return None


def current_language() -> Language:
    locale = get_locale()
    return LANGUAGES.get(locale.language if locale else DEFAULT, LANGUAGES[DEFAULT])


def in_language(code: str | None):
    """`with in_language(code):` writes what is inside in that language (an
    email to someone else, a document)."""
    return force_locale(known(code) or DEFAULT)
