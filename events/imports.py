"""Importing a past event's attendance from an organiser's spreadsheet (the
framework is core.imports; this is the past-attendance kind): each row
becomes a booking with its attendance, so reports count the people.

Only an event that has ended and whose attendance is not settled takes an
import, as for every other change to its attendance (events/settlement.py):
an admin reopens a settled event first. A row's booking is the account's
when an account has proven the address, or else a guest's keyed by the
address (a later proof claims it, as for any guest booking). Nobody proved
an imported address is the person's, so the booking is marked `imported`:
it is never emailed, surveyed (events/services/surveys.py) or reached by the
organiser's messages (events/services/messages.py).
"""
from datetime import datetime

from flask import url_for
from sqlalchemy import select

from core import imports
from core.accounts.models import User
from core.accounts.services import confirmed_account_with_email
from core.database import london_datetime, utcnow
from core.extensions import db
from core.imports import BadDate, Column, Kind, Problem
from events import permissions, settlement
from events.models import Attendance, Event, EventStatus, Registration, RegistrationStatus
from events.services.errors import EventRuleBroken
from events.services.places import _lock, places_left

KIND = "past-attendance"
MAX_PEOPLE = 50

COLUMNS = (
    Column("name", "Name", required=True, synonyms=("full name", "attendee", "attendee name", "guest", "person")),
    Column("email", "Email address", required=True,
           synonyms=("email", "e-mail", "e-mail address", "email address", "mail", "contact email")),
    Column("people", "People", synonyms=("number of people", "tickets", "places", "party size", "group size",
                                         "how many", "attendees", "number")),
    Column("checked_in_at", "Checked in", synonyms=("check-in time", "checked in at", "arrived", "arrival time",
                                                    "time", "check in"), date=True),
)


def _refuse(event: Event) -> None:
    if event.status == EventStatus.CANCELLED:
        raise EventRuleBroken("This event was cancelled, so it has no attendance to import", field="spreadsheet")
    if event.ends_at > utcnow():
        raise EventRuleBroken("Attendance can be imported once the event is over. On the day, check people in from "
                              "the check-in page.", field="spreadsheet")
    try:
        settlement.refuse_if_settled(event)
    except settlement.AttendanceSettled as error:
        raise settlement.AttendanceSettled(error.message, field="spreadsheet") from None


def _clean(event: Event, cells: dict) -> tuple[dict | None, list[Problem]]:
    text = {name: imports.text_of(value) for name, value in cells.items()}
    problems, row = [], {}
    row["name"] = imports.person_name(text, problems)
    email = text.get("email", "")
    try:
        row["email"] = imports.email_of(email) if email else None
    except ValueError as refused:
        problems.append(Problem("email", str(refused)))
    if email == "":
        problems.append(Problem("email", "Enter the person's email address"))
    people = text.get("people", "")
    row["people"] = 1
    if people:
        if not people.isdigit() or not 1 <= int(people) <= MAX_PEOPLE:
            problems.append(Problem("people", f"Enter a whole number of people from 1 to {MAX_PEOPLE}"))
        else:
            row["people"] = int(people)
    row["checked_in_at"] = event.starts_at
    try:
        moment = imports.date_time_of(cells.get("checked_in_at"))
    except BadDate as refused:
        problems.append(Problem("checked_in_at", refused.explained("Not a date and time: write it as 25/03/2026 18:30")))
    else:
        if moment is not None:
            day, clock = moment
            if clock is None:
                problems.append(Problem("checked_in_at", "Give the time as well as the day, like 25/03/2026 18:30"))
            else:
                when = london_datetime(day, datetime.min.time().replace(hour=clock[0], minute=clock[1]))
                if not event.starts_at.date() <= when.date() <= event.ends_at.date():
                    problems.append(Problem("checked_in_at", "Not during the event"))
                row["checked_in_at"] = when
    return (None, problems) if problems else (row, [])


def _keys(row: dict) -> list[tuple[str, str]]:
    return [("email address", row["email"])]


def _person_key(email: str) -> str:
    account = confirmed_account_with_email(email)
    return f"user:{account.id}" if account is not None else f"guest:{email}"


def _already(event: Event, rows: list[dict]) -> dict[int, str]:
    keys = {_person_key(row["email"]): index for index, row in enumerate(rows)}
    found = db.session.execute(select(Registration.person_key, Registration.status).where(
        Registration.event_id == event.id, Registration.person_key.in_(keys))).all()
    return {keys[key]: f"Already booked ({status.label.lower()}): check them in from the check-in page"
            for key, status in found}


def _apply(event: Event, rows: list[dict], *, actor: User, email_people: bool) -> int:
    for row in rows:
        key = _person_key(row["email"])
        registration = Registration(event=event, user_id=int(key[5:]) if key.startswith("user:") else None,
                                    person_key=key, name=row["name"], email=row["email"],
                                    status=RegistrationStatus.CONFIRMED, tickets=row["people"],
                                    confirmed_at=row["checked_in_at"], imported=True)
        db.session.add(registration)
        db.session.add(Attendance(event_id=event.id, registration=registration, people=row["people"],
                                  checked_in_at=row["checked_in_at"], checked_in_by_id=actor.id))
    db.session.flush()
    return len(rows)


def _also_does(event: Event, rows: list[dict]) -> list[str]:
    """Who came may be more than the places left (the walk found it said nothing)."""
    left, people = places_left(event), sum(row["people"] for row in rows)
    if left is None or people <= left:
        return []
    return [f"These rows are {people} people, and {event.title} has {left} of its {event.capacity} places left: it "
            f"will show {people - left} more booked than it has places. That is right if they all came."]


imports.kinds.add(10, Kind(
    name=KIND, title="past attendance", columns=COLUMNS,
    load_scope=lambda event_id: db.session.get(Event, event_id),
    may_import=permissions.can_manage_event,
    scope_title=lambda event: event.title,
    back_url=lambda event: url_for("events.check_in_page", event_id=event.id),
    clean=_clean, keys=_keys, already=_already, lock=_lock, apply=_apply, refuse_scope=_refuse, also_does=_also_does,
    notes="Nobody has proven the addresses in the file are the people's, so the people imported are not emailed, "
          "not sent the event's outcome survey and not reached by messages to the event's people.",
), name=KIND)
