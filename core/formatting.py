"""Formatted text that people write (event descriptions, announcements):
a small subset of Markdown, rendered to HTML and then cleaned so that only
harmless tags survive; moments as people in the UK read them; and counts
of things in good English."""
from datetime import datetime
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

from core.database import in_london

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "blockquote"}


@lru_cache(maxsize=1024)
def formatted_text(text: str | None) -> Markup:
    """Remembered by the text itself (a pure function of it): an event page
    shown again does not parse its description again."""
    if not text:
        return Markup("")
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    # Give the design system's classes to what survived.
    for tag, cls in (("<p>", '<p class="govuk-body">'), ("<ul>", '<ul class="govuk-list govuk-list--bullet">'),
                     ("<ol>", '<ol class="govuk-list govuk-list--number">'), ("<h2>", '<h2 class="govuk-heading-m">'),
                     ("<h3>", '<h3 class="govuk-heading-s">'), ("<a ", '<a class="govuk-link" ')):
        clean = clean.replace(tag, cls)
    return Markup(clean)


def london_time(value: datetime | None, fmt: str = "%-d %B %Y at %-I:%M%p") -> str:
    """A UTC moment in UK time: "24 November 2026 at 2:30pm"."""
    if value is None:
        return ""
    return in_london(value).strftime(fmt).replace("AM", "am").replace("PM", "pm")


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """A number of things as a sentence says it: "1 member", "2 members",
    "0 members"; `plural` where adding an s is wrong ("people", "secretaries").
    Never "member(s)"."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"
