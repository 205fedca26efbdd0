"""Which version of what people wrote a page shows, and how it is marked
(core/content_languages.py): the page's language where there is a version
in it, else the English, with `lang` and `dir` only where they differ."""
from types import SimpleNamespace

from markupsafe import escape

from core.content_languages import in_page_language, language_or_404, other_languages, translated
from events.models import Event

import pytest
from werkzeug.exceptions import NotFound


def thing(**versions):
    return SimpleNamespace(title="Faith and food", description="", translations=[
        SimpleNamespace(language=code, title=title, description="") for code, title in versions.items()])


@pytest.mark.parametrize("page, versions, shown, attributes", [
    ("en", {"pl": "Wiara i jedzenie"}, "Faith and food", ""),
    ("pl", {"pl": "Wiara i jedzenie"}, "Wiara i jedzenie", ""),
    ("pl", {"ur": "ایمان اور کھانا"}, "Faith and food", ' lang="en-GB"'),
    ("ur", {"pl": "Wiara i jedzenie"}, "Faith and food", ' lang="en-GB" dir="ltr"'),
    ("ur", {"ur": "ایمان اور کھانا"}, "ایمان اور کھانا", ""),
])
def test_the_page_language_version_or_the_english_marked(app, page, versions, shown, attributes):
    with app.test_request_context(headers={"Accept-Language": page}):
        text = translated(thing(**versions), "title")
        assert (str(text), text.attributes) == (shown, attributes)


def test_an_empty_field_of_a_version_shows_the_english_and_nothing_at_all_is_false(app):
    with app.test_request_context(headers={"Accept-Language": "pl"}):
        original = thing(pl="Wiara i jedzenie")
        original.description = "Bring a dish."
        description = translated(original, "description")
        assert (description.text, description.attributes) == ("Bring a dish.", ' lang="en-GB"')
        assert not translated(thing(pl="Wiara"), "description")


def test_the_text_is_escaped_like_any_other(app):
    with app.test_request_context(headers={"Accept-Language": "pl"}):
        assert escape(translated(thing(pl="<b>Wiara</b>"), "title")) == "&lt;b&gt;Wiara&lt;/b&gt;"


def test_an_english_page_loads_no_versions_and_english_is_no_version(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert in_page_language(Event.translations) == []
    with app.test_request_context(headers={"Accept-Language": "ur"}):
        assert len(in_page_language(Event.translations)) == 1
    assert [language.code for language in other_languages()] == ["pl", "ur"]
    for code in ("en", "xx"):
        with pytest.raises(NotFound):
            language_or_404(code)
