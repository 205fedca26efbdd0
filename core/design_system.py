"""The design system's own words, in the page's language.

GOV.UK Frontend's components write some text themselves, in English, unless
they are given it: the hidden "Error:" before an error message, a password
box's "Show" and "Hide", a date's "Day", "Month" and "Year", a character
count's "You have 20 characters remaining". Every form field is drawn through
govuk-frontend-wtf's small templates, which templates/govuk_frontend_wtf/
replaces with ones that pass the field's params through `with_own_words`
first, so each field says these in the language of the page it is on. A
page that calls a component's macro itself gives it its words (`_('Back')`).
"""
from functools import lru_cache
from typing import Callable

from babel import Locale
from flask_babel import get_locale

from core.i18n import _, ngettext

COUNT = "%{count}"  # where the character count's script puts the number


def with_own_words(params: dict, component: str) -> dict:
    """`params` for `component` with the design system's words added where
    the field has not chosen its own."""
    params = dict(params)
    if params.get("errorMessage") and "visuallyHiddenText" not in params["errorMessage"]:
        params["errorMessage"] = {**params["errorMessage"], "visuallyHiddenText": _("Error")}
    if component == "password-input":
        for key, text in (("showPasswordText", _("Show")), ("hidePasswordText", _("Hide")),
                          ("showPasswordAriaLabelText", _("Show password")),
                          ("hidePasswordAriaLabelText", _("Hide password")),
                          ("passwordShownAnnouncementText", _("Your password is visible")),
                          ("passwordHiddenAnnouncementText", _("Your password is hidden"))):
            params.setdefault(key, text)
    elif component == "date-input":
        parts = {"day": _("Day"), "month": _("Month"), "year": _("Year")}
        params["items"] = [{**item, "label": parts.get(str(item.get("id", "")).rpartition("-")[2], item.get("label"))}
                           for item in params.get("items") or []]
    elif component == "character-count" and params.get("maxwords"):
        limit = int(params["maxwords"])
        params.setdefault("textareaDescriptionText", ngettext(
            "You can enter up to %(num)d word", "You can enter up to %(num)d words", limit))
        params.setdefault("wordsUnderLimitText", _by_plural_rule(lambda number: ngettext(
            "You have %(count)s word remaining", "You have %(count)s words remaining", number, count=COUNT)))
        params.setdefault("wordsAtLimitText", _("You have 0 words remaining"))
        params.setdefault("wordsOverLimitText", _by_plural_rule(lambda number: ngettext(
            "You have %(count)s word too many", "You have %(count)s words too many", number, count=COUNT)))
    elif component == "character-count" and params.get("maxlength"):
        limit = int(params["maxlength"])
        params.setdefault("textareaDescriptionText", ngettext(
            "You can enter up to %(num)d character", "You can enter up to %(num)d characters", limit))
        params.setdefault("charactersUnderLimitText", _by_plural_rule(lambda number: ngettext(
            "You have %(count)s character remaining", "You have %(count)s characters remaining", number,
            count=COUNT)))
        params.setdefault("charactersAtLimitText", _("You have 0 characters remaining"))
        params.setdefault("charactersOverLimitText", _by_plural_rule(lambda number: ngettext(
            "You have %(count)s character too many", "You have %(count)s characters too many", number,
            count=COUNT)))
    return params


def _by_plural_rule(message: Callable[[int], str]) -> dict[str, str]:
    """`message(number)` for each of the language's plural rules (CLDR's
    "one", "few", "many", "other"), which the component's script chooses
    between, with the script's own placeholder for the number (COUNT)."""
    return {rule: message(number) for rule, number in _a_number_for_each_rule(str(get_locale() or "en"))}


@lru_cache(maxsize=None)
def _a_number_for_each_rule(language: str) -> tuple[tuple[str, int], ...]:
    """The first whole number each plural rule takes in this language, worked
    out once per language (a form's every character count asked for them,
    400 translations a field)."""
    rule, numbers = Locale.parse(language).plural_form, {}
    for number in range(200):
        numbers.setdefault(rule(number), number)
    # A rule no whole number takes (Polish "other" is for fractions) reads as many do.
    numbers.setdefault("other", 100)
    return tuple(numbers.items())
