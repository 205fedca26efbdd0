"""Repeating events: the few patterns people use ("every Tuesday", "the first
Tuesday of each month"), as RFC 5545 RRULEs, expanded in UK wall-clock time so
a meeting stays at 18:30 across the clock changes."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.rrule import rrulestr

from core.database import in_london
from core.formatting import format_date

MAX_OCCURRENCES = 104
MAX_SPAN = timedelta(days=3 * 366)
_WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
_DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}

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


def describe(rule: str) -> str:
    """'Every month on the first Tuesday, until 1 July 2027', for people."""
    parts = dict(part.split("=", 1) for part in rule.split(";"))
    until = format_date(datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date())
    if parts["FREQ"] == "WEEKLY":
        day = _DAY_NAMES[_WEEKDAYS.index(parts["BYDAY"])]
        every = f"Every {day}" if parts.get("INTERVAL", "1") == "1" else f"Every other {day}"
    elif "BYMONTHDAY" in parts:
        every = f"Every month on day {parts['BYMONTHDAY']}"
    else:
        code = parts["BYDAY"]
        every = f"Every month on the {_ORDINALS[int(code[:-2])]} {_DAY_NAMES[_WEEKDAYS.index(code[-2:])]}"
    return f"{every}, until {until}"
