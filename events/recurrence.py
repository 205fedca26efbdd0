"""Repeating events: the few patterns people use ("every Tuesday", "the first
Tuesday of each month"), as RFC 5545 RRULEs, expanded in UK wall-clock time so
a meeting stays at 18:30 across the clock changes."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import get_day_names
from dateutil.rrule import rrulestr
from flask_babel import get_locale

from core.database import in_london
from core.formatting import format_date
from core.i18n import _

MAX_OCCURRENCES = 104
MAX_SPAN = timedelta(days=3 * 366)
_WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

PATTERNS = {
    "weekly": "Every week",
    "fortnightly": "Every two weeks",
    "monthly_weekday": "Every month, on the same weekday (for example, the first Tuesday)",
    "monthly_date": "Every month, on the same date",
}


class RecurrenceError(ValueError):
    """The pattern or its end does not make a usable series."""


@dataclass
class Recurrence:
    pattern: str
    until: date


def _nth_weekday(day: date) -> int:
    n = (day.day - 1) // 7 + 1
    return -1 if n == 5 else n


def rrule_for(pattern: str, first_start: datetime, until: date) -> str:
    local = in_london(first_start)
    weekday = _WEEKDAYS[local.weekday()]
    until_text = f"UNTIL={until:%Y%m%d}T235959"
    rules = {
        "weekly": f"FREQ=WEEKLY;BYDAY={weekday}",
        "fortnightly": f"FREQ=WEEKLY;INTERVAL=2;BYDAY={weekday}",
        "monthly_weekday": f"FREQ=MONTHLY;BYDAY={_nth_weekday(local.date()):+d}{weekday}",
        "monthly_date": f"FREQ=MONTHLY;BYMONTHDAY={local.day}",
    }
    if pattern not in rules:
        raise RecurrenceError("Choose how often the event repeats from the list")
    return f"{rules[pattern]};{until_text}"


def occurrences(rule: str, first_start: datetime) -> list[datetime]:
    """Start times (aware, UK time) of every occurrence, the first included."""
    local = in_london(first_start)
    naive_first = local.replace(tzinfo=None)
    starts = [moment.replace(tzinfo=local.tzinfo) for moment in rrulestr(rule, dtstart=naive_first)]
    if not starts or starts[0] != local:
        starts.insert(0, local)
    return starts


def expand(recurrence: Recurrence, first_start: datetime) -> tuple[str, list[datetime]]:
    if recurrence.until <= in_london(first_start).date():
        raise RecurrenceError("The last date must be after the first event")
    if recurrence.until - in_london(first_start).date() > MAX_SPAN:
        raise RecurrenceError("A series can run for up to three years. Create another when it ends.")
    rule = rrule_for(recurrence.pattern, first_start, recurrence.until)
    starts = occurrences(rule, first_start)
    if len(starts) > MAX_OCCURRENCES:
        raise RecurrenceError(f"That makes {len(starts)} events; a series can have up to {MAX_OCCURRENCES}")
    return rule, starts


def _day_name(code: str) -> str:
    """"TU" as the reader's language names the day ("Tuesday", "wtorek")."""
    return get_day_names("wide", locale=get_locale() or "en")[_WEEKDAYS.index(code)]


def describe(rule: str) -> str:
    """'Every month on the first Tuesday, until 1 July 2027', for people, in
    their language: a whole sentence for each pattern."""
    parts = dict(part.split("=", 1) for part in rule.split(";"))
    until = format_date(datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date())
    if parts["FREQ"] == "WEEKLY":
        day = _day_name(parts["BYDAY"])
        if parts.get("INTERVAL", "1") == "1":
            return _("Every %(day)s, until %(date)s", day=day, date=until)
        return _("Every other %(day)s, until %(date)s", day=day, date=until)
    if "BYMONTHDAY" in parts:
        return _("Every month on day %(number)s, until %(date)s", number=parts["BYMONTHDAY"], date=until)
    code = parts["BYDAY"]
    day, nth = _day_name(code[-2:]), int(code[:-2])
    if nth == 1:
        return _("Every month on the first %(day)s, until %(date)s", day=day, date=until)
    if nth == 2:
        return _("Every month on the second %(day)s, until %(date)s", day=day, date=until)
    if nth == 3:
        return _("Every month on the third %(day)s, until %(date)s", day=day, date=until)
    if nth == 4:
        return _("Every month on the fourth %(day)s, until %(date)s", day=day, date=until)
    return _("Every month on the last %(day)s, until %(date)s", day=day, date=until)
