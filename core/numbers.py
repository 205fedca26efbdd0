"""Whole numbers read from an address, a form or a cookie (ids, `?page=`,
a report's baseline, an open-data period's year), bounded to what the
database can hold: an overlong one is "not found" or the first page, never
an overflow in SQLite or PostgreSQL and so never a 500.

Ids in routes are bounded by the `<int:...>` converter app.py registers with
the same MAX_ID."""
from flask import request

MAX_ID = 2**31 - 1  # PostgreSQL's integer, the type of every id column
MAX_PAGE = 100_000  # far past the end of any list; the API's limit too


def whole_number(text: str | None, *, lowest: int, highest: int) -> int | None:
    """The number `text` writes with the digits 0 to 9 alone, when it is from
    `lowest` to `highest`; None for anything else. Not `str.isdigit()`: it
    passes "²" (which int() refuses) and "١" or "１" (which int() reads as 1,
    and which nothing here writes), and int() alone takes signs, spaces and
    underscores."""
    if not text or not text.isascii() or not text.isdigit():
        return None
    significant = text.lstrip("0") or "0"
    if len(significant) > len(str(highest)):  # and int() refuses more than 4,300 digits
        return None
    number = int(significant)
    return number if lowest <= number <= highest else None


def database_id(text: str) -> int:
    """For `request.args.get(name, type=database_id)`: a number an id can be.
    Anything else raises ValueError, so `get` gives its default instead."""
    number = whole_number(text, lowest=1, highest=MAX_ID)
    if number is None:
        raise ValueError(f"{text!r} cannot be an id")
    return number


def page_number() -> int:
    """The list page asked for with `?page=`, or the first page when it is
    missing, not a whole number, or out of range."""
    return whole_number(request.args.get("page"), lowest=1, highest=MAX_PAGE) or 1
