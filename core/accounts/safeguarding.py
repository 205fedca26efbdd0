"""The one gate on people's contact and access details.

Whether a viewer may see a person's email address, phone number, access and
dietary needs, answers to an event's questions or parent or carer's contact
is decided here, once: `may_see_contact_details(viewer, person)`, or
`screen(viewer, people)` for a whole list at the cost of a few queries. Where
the answer is no, an output shows the person's name and the note the rule
gives ("Under 18: ask the youth forum's DBS-checked coordinators for these
details"), never an empty cell that looks like "none".

Accounts import no domain, so the rules come from the domains: each
registers a guard (`register_guard`) naming, of some accounts, those it
protects from a viewer. The forums package registers the rule for young
members of youth forums. Nobody's guard protects a person from themselves,
and a person no guard protects is shown as before. What is held under an
address alone (a guest booking, an invitation) is protected if any account
that has proven the address is: an address nobody has proven is nobody's.

Every output that shows such details (pages, spreadsheets, PDFs) is marked
with `@shows_contact_details(...)` where its route is declared.
tests/core/test_safeguarding.py renders each marked output as viewers who
may and may not see a young member's details, and walks the URL map so that
an output nobody marked fails too. An email to staff carrying someone's
details would be built from a `screen` the same way (none does today).
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_login import AnonymousUserMixin
from sqlalchemy import select, union_all

from core.extensions import db
from core.accounts.models import ProvenAddress, User

# A guard: (viewer, account ids) -> the ids among them whose details the viewer may not see.
Guard = Callable[[object, frozenset[int]], set[int]]


@dataclass(frozen=True)
class Person:
    """Whose details: an account, or a guest known only by an email address
    (whose are those of every account that has proven it: see `_accounts_of`)."""
    user_id: int | None
    email: str = ""

    @classmethod
    def of(cls, thing) -> "Person":
        """A User, or anything with `user_id` and/or `email` (a registration, an invitation)."""
        if isinstance(thing, Person):
            return thing
        if isinstance(thing, User):
            return cls(thing.id, thing.email)
        return cls(getattr(thing, "user_id", None), (getattr(thing, "email", "") or "").lower())


@dataclass(frozen=True)
class _Rule:
    guard: Guard
    note: str


_RULES: dict[str, _Rule] = {}


def register_guard(name: str, guard: Guard, *, note: str) -> None:
    """A domain's rule. `note` is what an output shows in place of the
    details it withholds. Registering a name again replaces its rule."""
    _RULES[name] = _Rule(guard, note)


def guards() -> list[str]:
    return sorted(_RULES)


class Screen:
    """The gate's answers for one viewer and one list of people."""

    def __init__(self, withheld: dict[Person, str]):
        self._withheld = withheld

    def note(self, thing) -> str:
        """What to show in place of this person's details, or "" when they may be shown."""
        return self._withheld.get(Person.of(thing), "")

    def shows(self, thing) -> bool:
        return not self.note(thing)


def screen(viewer, things: Iterable) -> Screen:
    people = {Person.of(thing) for thing in things}
    me = viewer.id if getattr(viewer, "is_authenticated", False) else None
    accounts = {person: owners - {me} for person, owners in _accounts_of(people).items()}
    ids = frozenset().union(*accounts.values())
    notes: dict[int, str] = {}
    for rule in _RULES.values():
        for account in rule.guard(viewer, ids - frozenset(notes)):
            notes[account] = rule.note
    withheld = {}
    for person, owners in accounts.items():
        noted = [notes[account] for account in sorted(owners) if account in notes]
        if noted:
            withheld[person] = noted[0]
    return Screen(withheld)


def may_see_contact_details(viewer, person) -> bool:
    """May `viewer` see the contact and access details of `person` (a User,
    a registration, anything `Person.of` takes)?"""
    return screen(viewer, [person]).shows(person)


def may_show_everyone(email: str) -> bool:
    """May this address be shown to a visitor (anyone, signed out)? For an
    address the site publishes, such as an event's or a forum's contact:
    one the gate would withhold from a visitor cannot be made public."""
    return may_see_contact_details(AnonymousUserMixin(), Person(None, email.strip().lower()))


def _accounts_of(people: set[Person]) -> dict[Person, frozenset[int]]:
    """Whose each person's details may be: their own account's; or, for a
    guest known only by an address, every account that has proven it, the
    one using it now and any that used it before (what a young person left
    under an old address stays theirs, whoever proves the address later).
    An account using an address it has not proven is nobody's (it may be
    anyone who typed it), so it takes neither the address nor a person's
    protection away from the account that proved it."""
    emails = {person.email for person in people if person.user_id is None and person.email}
    owners: dict[str, set[int]] = {}
    if emails:
        # Both in one statement: every list of people with their details asks this.
        proven_or_using = db.session.execute(union_all(
            select(ProvenAddress.email, ProvenAddress.user_id).where(ProvenAddress.email.in_(emails)),
            select(User.email, User.id).where(User.email.in_(emails), User.email_confirmed_at.is_not(None)))).all()
        for email, user_id in proven_or_using:
            owners.setdefault(email, set()).add(user_id)
    return {person: frozenset({person.user_id} if person.user_id is not None else owners.get(person.email, ()))
            for person in people}


# --- the outputs that show these details ------------------------------------------------------

@dataclass(frozen=True)
class Output:
    """A route that shows people's details: which ones (to a viewer the gate
    lets see them), and whether it names the people in it."""
    view: Callable
    details: frozenset[str]
    names_people: bool


_OUTPUTS: list[Output] = []
DETAILS = ("email", "access needs", "dietary needs", "answers", "parent or carer")


def shows_contact_details(*details: str, names_people: bool = True):
    """Mark a view (directly under its route decorator) as an output of
    people's details; it must build what it shows through `screen`."""
    unknown = set(details) - set(DETAILS)
    if unknown:
        raise ValueError(f"Unknown kinds of detail: {sorted(unknown)}")

    def mark(view):
        _OUTPUTS.append(Output(view, frozenset(details), names_people))
        return view
    return mark


def outputs() -> list[Output]:
    return list(_OUTPUTS)
