"""Formatted text that people write (event descriptions, announcements):
a small subset of Markdown, rendered to HTML and then cleaned so that only
harmless tags survive; dates and times as people in the UK read them; and
counts of things in good English.

Dates and times follow the GOV.UK style guide in English, in UK time (Europe/London),
on a 12-hour clock, and the locale's own long forms from Babel's CLDR data in
any other language (core/i18n.py: "sobota, 20 marca 2027, 09:30–11:00"): one function for each kind, which templates reach as
filters (registered in app.py under the name in FILTERS) and text written
in Python (messages, PDFs, choice labels) calls directly, so that every
page, email and document writes a date the same way. Machine formats
(iCalendar, CSV, the API, form fields' values) do not come through here.

    date            20 March 2027
    day_date        Saturday 20 March 2027
    time            9:30am, 10am, midday, midnight
    time_range      9:30am to 11am
    date_time       Saturday 20 March 2027 at 9:30am
    date_time_range Saturday 20 March 2027, 9:30am to 11am
                    (Saturday 20 March 2027 at 9pm to Sunday 21 March 2027 at 1am
                    when it ends on another day)
"""
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import quote

import markdown
import nh3
from babel import Locale, dates
from flask_babel import get_locale
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


def _local(value: date) -> date:
    """A moment (stored in UTC) as UK time; a calendar date is left alone,
    since it names a day, not an instant."""
    return in_london(value) if isinstance(value, datetime) else value


def _other_locale() -> Locale | None:
    """The locale dates are written for when it is not English (whose GOV.UK style is written out here)."""
    locale = get_locale()
    return locale if locale is not None and locale.language != "en" else None


def _isolated(text: str, locale: Locale) -> str:
    """A time in a right-to-left language keeps its own order ("7:00 PM", not
    "PM 7:00"): CLDR writes Urdu's times with Latin AM and PM, so the run is
    isolated left to right (Unicode's LRI ... PDI) inside the sentence."""
    return f"\u2066{text}\u2069" if locale.character_order == "right-to-left" else text


def format_date(value: date | None) -> str:
    """"20 March 2027": no weekday, no leading zero."""
    if value is None:
        return ""
    if locale := _other_locale():
        return dates.format_date(_local(value), "long", locale=locale)
    return f"{_local(value):%-d %B %Y}"


def format_day_date(value: date | None) -> str:
    """"Saturday 20 March 2027"."""
    if value is None:
        return ""
    if locale := _other_locale():
        return dates.format_date(_local(value), "full", locale=locale)
    return f"{_local(value):%A %-d %B %Y}"


def format_time(value: datetime | None) -> str:
    """"9:30am", "10am" (no ":00"), "midday" and "midnight" rather than
    12pm and 12am, which people misread."""
    if value is None:
        return ""
    local = in_london(value)
    if locale := _other_locale():
        return _isolated(dates.format_time(local, "short", tzinfo=local.tzinfo, locale=locale), locale)
    if local.minute == 0 and local.hour in (0, 12):
        return "midnight" if local.hour == 0 else "midday"
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


def format_date_time(value: datetime | None) -> str:
    """"Saturday 20 March 2027 at 9:30am"."""
    if value is None:
        return ""
    if locale := _other_locale():
        pattern = dates.get_datetime_format("full", locale=locale).replace("'", "")
        return pattern.replace("{0}", format_time(value)).replace("{1}", format_day_date(value))
    return f"{format_day_date(value)} at {format_time(value)}"


def format_time_range(starts: datetime | None, ends: datetime | None) -> str:
    """"9:30am to 11am": "to", never a dash."""
    if starts is None or ends is None:
        return ""
    if locale := _other_locale():
        clock = "Hm" if "H" in str(dates.get_time_format("short", locale=locale)) else "hm"
        local = in_london(starts)
        return _isolated(dates.format_interval(local, in_london(ends), clock, tzinfo=local.tzinfo, locale=locale),
                         locale)
    return f"{format_time(starts)} to {format_time(ends)}"


def format_date_time_range(starts: datetime | None, ends: datetime | None) -> str:
    """"Saturday 20 March 2027, 9:30am to 11am"; with both days written in
    full when it ends on another day (in UK time)."""
    if starts is None or ends is None:
        return ""
    if in_london(starts).date() == in_london(ends).date():
        locale = _other_locale()
        # Urdu's own comma between the day and the times, as its dates have (CLDR's "ہفتہ، 20 مارچ، 2027").
        comma = "\u060c " if locale and locale.character_order == "right-to-left" else ", "
        return f"{format_day_date(starts)}{comma}{format_time_range(starts, ends)}"
    if _other_locale():
        return f"{format_date_time(starts)} – {format_date_time(ends)}"
    return f"{format_date_time(starts)} to {format_date_time(ends)}"


# The names templates use for the filters above (app.py registers them).
FILTERS = {
    "date": format_date,
    "day_date": format_day_date,
    "time": format_time,
    "time_range": format_time_range,
    "date_time": format_date_time,
    "date_time_range": format_date_time_range,
}


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """A number of things as a sentence says it: "1 member", "2 members",
    "0 members"; `plural` where adding an s is wrong ("people", "secretaries").
    Never "member(s)"."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def mailto(address: str | None) -> str:
    """A `mailto:` link's href for an address held as data (someone typed
    it). Everything but the @ (and +, harmless there) is percent-encoded, so
    a ? & = # or % in it cannot add a copy, a subject or a body to the email
    whoever clicks starts: it stays part of the address (RFC 6068)."""
    return "mailto:" + quote(address or "", safe="@+")


def masked_address(address: str | None) -> str:
    """An address as a page opened from an emailed link shows it: enough for
    its owner to know it (the first character and the domain), not enough
    for whoever else holds the link (forwarded, or kept in a log) to learn
    it: "a•••@example.org"."""
    local, at, domain = (address or "").rpartition("@")
    if not at:
        return "•••"
    return f"{local[:1] if len(local) > 1 else ''}•••@{domain}"
