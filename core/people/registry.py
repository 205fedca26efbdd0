"""The people registry: each domain's part in finding and merging people,
kept in the order of their positions (core.registry.Slot).

A domain registers one `Records` in its own `people.py`, which its blueprint
module imports. A table that holds anything about a person gets its part here
as it gets its part in core/privacy/registry.py: merging must move it, or the
merge refuses (services.merge checks nothing is left under a merged-away account).
"""
from dataclasses import dataclass
from typing import Callable, Optional

from core.registry import Slot


@dataclass(frozen=True)
class Change:
    """One line of a merge's preview: what it is, and what the merge does to it."""

    what: str
    outcome: str
    conflict: bool = False


@dataclass(frozen=True)
class Records:
    """One domain's records of people.

    guest_keys: () -> a SELECT of one column, the person keys ("guest:<email>")
        of the guest records the domain holds, or None when it holds none.
    preview: (merged, kept) -> list of Change: what would move or conflict.
        It must not name anything equality monitoring holds.
    move: (merged, kept) -> {what: how many}: moves the records (flush only),
        taking any locks its capacity rules need first.
    """

    name: str
    preview: Callable
    move: Callable
    guest_keys: Optional[Callable] = None


records = Slot("a domain's records of people")
