"""Whole numbers read from an address or a form (ids, `?page=`), bounded to
what the database can hold: an overlong one is "not found" or the first
page, never an overflow in SQLite or PostgreSQL and so never a 500.

Ids in routes are bounded by the `<int:...>` converter app.py registers with
the same MAX_ID."""
from flask import request

MAX_ID = 2**31 - 1  # PostgreSQL's integer, the type of every id column
MAX_PAGE = 100_000  # far past the end of any list; the API's limit too


def database_id(text: str) -> int:
    """For `request.args.get(name, type=database_id)`: a number an id can be.
    Anything else raises ValueError, so `get` gives its default instead."""
    number = int(text)
    if not 1 <= number <= MAX_ID:
        raise ValueError(f"{number} cannot be an id")
    return number


def page_number() -> int:
    """The list page asked for with `?page=`, or the first page when it is
    missing, not a whole number, or out of range."""
    number = request.args.get("page", 1, type=int)
    return number if 1 <= number <= MAX_PAGE else 1
