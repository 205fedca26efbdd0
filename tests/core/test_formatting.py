"""Dates and times as every page and email writes them (GOV.UK style, UK
time, 12-hour clock), without HTTP."""
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from core.formatting import (FILTERS, format_date, format_date_time, format_date_time_range, format_day_date,
                             format_time, format_time_range, masked_address)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.mark.parametrize("moment, expected", [
    (utc(2027, 3, 20, 9, 30), "9:30am"),
    (utc(2027, 3, 20, 10, 0), "10am"),
    (utc(2027, 3, 20, 17, 5), "5:05pm"),
    (utc(2027, 3, 20, 12, 0), "midday"),           # GMT: noon in London too
    (utc(2027, 3, 20, 0, 0), "midnight"),
    (utc(2027, 3, 20, 12, 30), "12:30pm"),
    (utc(2027, 3, 20, 0, 30), "12:30am"),
    (utc(2027, 3, 20, 11, 59), "11:59am"),
    (utc(2027, 7, 1, 11, 0), "midday"),            # BST: 11:00 UTC is noon in London
    (utc(2027, 7, 1, 12, 0), "1pm"),
    (utc(2027, 7, 1, 23, 0), "midnight"),
])
def test_time_is_a_twelve_hour_clock_with_midday_and_midnight(moment, expected):
    assert format_time(moment) == expected


@pytest.mark.parametrize("moment, expected", [
    # The clocks go forward at 1am GMT on Sunday 28 March 2027 ...
    (utc(2027, 3, 28, 0, 30), "12:30am"),
    (utc(2027, 3, 28, 1, 30), "2:30am"),
    # ... and back at 2am BST on Sunday 31 October 2027: 1:30am happens twice.
    (utc(2027, 10, 31, 0, 30), "1:30am"),
    (utc(2027, 10, 31, 1, 30), "1:30am"),
    (utc(2027, 10, 31, 2, 30), "2:30am"),
])
def test_time_follows_the_clock_change_days(moment, expected):
    assert format_time(moment) == expected
    assert format_day_date(moment) == "Sunday " + ("28 March 2027" if moment.month == 3 else "31 October 2027")


def test_dates_have_no_leading_zero():
    assert format_date(utc(2027, 3, 6, 9)) == "6 March 2027"
    assert format_day_date(utc(2027, 3, 6, 9)) == "Saturday 6 March 2027"
    assert format_date_time(utc(2027, 3, 6, 9, 5)) == "Saturday 6 March 2027 at 9:05am"


def test_the_date_is_the_day_in_london_not_in_utc():
    late_in_summer = utc(2027, 7, 1, 23, 30)  # 12:30am on Friday 2 July in London
    assert format_date(late_in_summer) == "2 July 2027"
    assert format_day_date(late_in_summer) == "Friday 2 July 2027"
    assert format_date_time(late_in_summer) == "Friday 2 July 2027 at 12:30am"
    # In winter London is on UTC: the same hour is still the 1st.
    assert format_date_time(utc(2027, 1, 1, 23, 30)) == "Friday 1 January 2027 at 11:30pm"


def test_a_calendar_date_is_not_moved_by_the_time_zone():
    assert format_date(date(2027, 3, 20)) == "20 March 2027"
    assert format_day_date(date(2027, 7, 2)) == "Friday 2 July 2027"


def test_ranges_say_to():
    starts, ends = utc(2027, 3, 20, 9, 30), utc(2027, 3, 20, 11, 0)
    assert format_time_range(starts, ends) == "9:30am to 11am"
    assert format_date_time_range(starts, ends) == "Saturday 20 March 2027, 9:30am to 11am"


def test_a_range_over_midnight_in_london_names_both_days():
    starts, ends = utc(2027, 7, 1, 20, 0), utc(2027, 7, 1, 23, 30)  # 9pm to 12:30am BST
    assert format_date_time_range(starts, ends) == (
        "Thursday 1 July 2027 at 9pm to Friday 2 July 2027 at 12:30am")


def test_nothing_to_show_is_empty():
    for one in (format_date, format_day_date, format_time, format_date_time):
        assert one(None) == ""
    assert format_time_range(None, utc(2027, 3, 20)) == ""
    assert format_date_time_range(utc(2027, 3, 20), None) == ""


def test_python_text_writes_dates_as_the_pages_do():
    """Messages, PDFs and choice labels call these functions: no module
    writes a date or time for people in a strftime format of its own (a day
    or month name, a 12-hour clock). Machine formats (ISO dates in CSV and
    JSON, iCalendar, a form field's "18:30") name neither."""
    root = Path(__file__).resolve().parents[2]
    own_format = re.compile(r"%-?[aAbBIp]")
    found = [f"{path.relative_to(root)}:{number}"
             for package in ("core", "events", "forums", "awards", "reports", "api")
             for path in sorted((root / package).rglob("*.py")) if path != root / "core" / "formatting.py"
             for number, line in enumerate(path.read_text().splitlines(), 1) if own_format.search(line)]
    assert found == []


def test_templates_have_one_filter_for_each_kind(app):
    with app.app_context():
        render = app.jinja_env.from_string(
            "{{ m | date }}|{{ m | day_date }}|{{ m | time }}|{{ m | date_time }}|"
            "{{ m | time_range(e) }}|{{ m | date_time_range(e) }}").render
        assert render(m=utc(2027, 3, 20, 9, 30), e=utc(2027, 3, 20, 12, 0)) == (
            "20 March 2027|Saturday 20 March 2027|9:30am|Saturday 20 March 2027 at 9:30am|"
            "9:30am to midday|Saturday 20 March 2027, 9:30am to midday")
    assert set(FILTERS) == {"date", "day_date", "time", "time_range", "date_time", "date_time_range"}
    assert "london" not in app.jinja_env.filters


@pytest.mark.parametrize("address, shown", [
    ("amira.khan@example.org", "a•••@example.org"),
    ("a@example.org", "•••@example.org"),  # one character would be the whole of it
    ("Ł.nowak@przykład.pl", "Ł•••@przykład.pl"),
    ("not an address", "•••"),
    (None, "•••"),
])
def test_an_address_opened_from_a_link_is_shown_masked(address, shown):
    assert masked_address(address) == shown
