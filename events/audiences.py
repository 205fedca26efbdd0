"""Who takes part in a forum's events, as the forums package decides it.

An event may belong to a forum (`Event.forum_id`, a forum's meeting): the
forum's coordinators run it, and when it is for the forum's members only,
its active members are the ones who may see and book it. Events is the
lower layer and never imports forums, so forums declares its answers here
when it is imported (as it declares seats to core.accounts.second_factor):

    @audiences.forum_member_check        who is an active member of a forum
    @audiences.forum_coordinator_check   who coordinates a forum (runs its events)
    @audiences.coordinated_forums_query  the same as a query, for lists of events
    @audiences.joined_forums_query       the forums a person is an active member of, as a query

Each question has one answer; asked before forums has declared it, it fails
loudly rather than leaving a forum's meetings open or shut by accident.
"""
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import Select

from core.extensions import db

_answers: dict[str, Callable] = {}


def _declare(question: str) -> Callable[[Callable], Callable]:
    def declare(answer: Callable) -> Callable:
        _answers[question] = answer
        return answer
    return declare


forum_member_check = _declare("member")
forum_coordinator_check = _declare("coordinator")
coordinated_forums_query = _declare("coordinated forums")
joined_forums_query = _declare("joined forums")


def _answer(question: str) -> Callable:
    try:
        return _answers[question]
    except KeyError:
        raise LookupError(f"Nothing has declared the forum {question} answer: is the forums package imported?") \
            from None


def is_forum_member(user, forum_id: int | None) -> bool:
    """An active member of the forum (whose members-only events they may see and book)."""
    return _answer("member")(user, forum_id)


def runs_forum_events(user, forum_id: int | None) -> bool:
    """Coordinates the forum, and so manages its events."""
    return _answer("coordinator")(user, forum_id)


def forums_run_by(user) -> Select:
    """The ids of the forums this person coordinates, as a query to filter events by."""
    return _answer("coordinated forums")(user)


@dataclass(frozen=True)
class KnownForums:
    """The two answers for a set of forums, asked once for all of them (a
    list of events checks each with these rather than two queries an event)."""
    member_of: frozenset
    runs: frozenset

    def is_forum_member(self, user, forum_id: int | None) -> bool:
        return forum_id in self.member_of

    def runs_forum_events(self, user, forum_id: int | None) -> bool:
        return forum_id in self.runs


def known_forums(user, forum_ids) -> KnownForums:
    """is_forum_member and runs_forum_events for every forum in `forum_ids`:
    no query when there are none, otherwise one for each answer."""
    forum_ids = {forum_id for forum_id in forum_ids if forum_id is not None}
    if not forum_ids or not getattr(user, "is_authenticated", False):
        return KnownForums(frozenset(), frozenset())
    joined, coordinated = _answer("joined forums")(user), _answer("coordinated forums")(user)
    among = lambda query: frozenset(db.session.scalars(  # noqa: E731
        query.where(query.selected_columns[0].in_(forum_ids))))
    return KnownForums(member_of=among(joined), runs=among(coordinated))
