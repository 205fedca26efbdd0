"""What people ask for to take part in an event (a BSL interpreter, an
interpreter for a spoken language, a hearing loop, large print, step-free
access, a quiet space, a companion): checked and saved with a registration,
changed later from the booking's own page, and counted for the organisers,
who book interpreters by those counts.

A request is health-related: it is shown where access needs are, behind the
same gate (core.accounts.safeguarding), and kept apart from equality
monitoring. The counts leave out the people whose details the gate withholds
from the viewer, and say how many bookings that is.

Functions flush but never commit.
"""
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from core import audit
from core.accounts import safeguarding
from core.accounts.models import User
from core.database import utcnow
from core.extensions import db
from core.i18n import _
from events.models import (
    LANGUAGE_NAME_MAX_LENGTH, AccessRequestKind, Event, EventStatus, Registration, RegistrationAccessRequest,
    RegistrationStatus,
)
from events.services.errors import EventRuleBroken
from events.services.places import _lock

SPOKEN = AccessRequestKind.SPOKEN_LANGUAGE_INTERPRETER
# Counted as booked, and as waiting (an offered place is not taken until it is accepted).
BOOKED = (RegistrationStatus.CONFIRMED,)
WAITING = (RegistrationStatus.WAITLISTED, RegistrationStatus.OFFERED)
# Between languages: commas (Latin, Arabic, ideographic), semicolons, slashes, "&", new lines, " and ".
_BETWEEN_LANGUAGES = re.compile(r"\s*(?:[,;/&\n\u060c\u061b\u3001]|\band\b)\s*", re.IGNORECASE)
_ALLOWED_MARKS = set(" -'’().")


class LanguageNeeded(EventRuleBroken):
    field = "interpreter_languages"


class AccessRequestsClosed(EventRuleBroken):
    pass


@dataclass(frozen=True)
class AccessChoices:
    """What the form asked: the kinds ticked, and the language or languages
    typed for a spoken-language interpreter (ignored when that is not ticked,
    as the form hides the box)."""
    kinds: frozenset[AccessRequestKind] = frozenset()
    languages: str = ""

    @classmethod
    def from_form(cls, kinds: Iterable[str] | None, languages: str | None) -> "AccessChoices":
        return cls(frozenset(AccessRequestKind(kind) for kind in kinds or ()), languages or "")


NONE = AccessChoices()


def languages_named(text: str) -> list[str]:
    """The languages in what someone typed ("Polish, Urdu" -> two), each
    once whatever its case, as they wrote it. Letters only (in any script),
    with spaces, hyphens, apostrophes and brackets ("Punjabi (Shahmukhi)"):
    a name, never a phone number or an address."""
    found: dict[str, str] = {}
    for language in _BETWEEN_LANGUAGES.split(text or ""):
        language = " ".join(language.split()).strip(" .")
        if not language:
            continue
        if not all(unicodedata.category(ch)[0] in "LM" or ch in _ALLOWED_MARKS for ch in language):
            raise LanguageNeeded(_("Enter the language using letters only, like Polish or Urdu"))
        if len(language) > LANGUAGE_NAME_MAX_LENGTH:
            raise LanguageNeeded(_("Each language must be %(max)d characters or fewer",
                                   max=LANGUAGE_NAME_MAX_LENGTH))
        found.setdefault(language.casefold(), language)
    return list(found.values())


def checked(choices: AccessChoices) -> list[tuple[AccessRequestKind, str]]:
    """(kind, detail) for each request, in the form's order: an interpreter
    for a spoken language needs its language, one request per language."""
    requests = []
    for kind in AccessRequestKind:
        if kind not in choices.kinds:
            continue
        if kind != SPOKEN:
            requests.append((kind, ""))
            continue
        languages = languages_named(choices.languages)
        if not languages:
            raise LanguageNeeded(_("Enter the language you need an interpreter for"))
        requests += [(kind, language) for language in languages]
    return requests


def save_requests(registration: Registration, requests: list[tuple[AccessRequestKind, str]]) -> None:
    """Make the registration's requests these (checked) ones: those kept stay
    as they are, the rest go."""
    wanted = set(requests)
    for request in list(registration.access_requests):
        if (request.kind, request.detail) not in wanted:
            registration.access_requests.remove(request)
    held = {(request.kind, request.detail) for request in registration.access_requests}
    for kind, detail in requests:
        if (kind, detail) not in held:
            registration.access_requests.append(RegistrationAccessRequest(kind=kind, detail=detail))
            held.add((kind, detail))


def can_change_access_requests(registration: Registration, now=None) -> bool:
    """Its holder can change what they asked for while the booking is live
    and the event still to come."""
    event = registration.event
    return (registration.status != RegistrationStatus.CANCELLED and event.status != EventStatus.CANCELLED
            and event.ends_at > (now or utcnow()))


def change_access_requests(registration: Registration, choices: AccessChoices, *, access_needs: str,
                           actor: User | None) -> None:
    """The booking's holder changes what they asked for, and their own words
    about anything else."""
    requests = checked(choices)
    _lock(registration.event)  # against a cancellation meanwhile
    db.session.refresh(registration)
    if not can_change_access_requests(registration):
        raise AccessRequestsClosed(_("This booking has been cancelled or the event is over, so what you asked "
                                     "for can no longer be changed"))
    save_requests(registration, requests)
    registration.access_needs = access_needs.strip()
    db.session.flush()
    # What they asked for is not written in the log: it is about their health.
    audit.record("registration.access_requests_changed", actor=actor, subject=registration,
                 details={"event": registration.event_id})


# --- counting, for the organisers ----------------------------------------------------------------

@dataclass(frozen=True)
class AccessRequestCount:
    kind: AccessRequestKind
    language: str  # "" except for a spoken-language interpreter
    booked: int
    waiting: int

    @property
    def label(self) -> str:
        if self.kind == SPOKEN:
            return _("Interpreter for %(language)s", language=self.language)
        return self.kind.label


@dataclass(frozen=True)
class AccessRequestCounts:
    rows: list[AccessRequestCount] = field(default_factory=list)
    # Live bookings whose requests the viewer may not see, so not counted (and of them, those with a place);
    # and the gate's note saying who may see them.
    withheld: int = 0
    withheld_booked: int = 0
    withheld_note: str = ""

    def booked_only(self) -> list[AccessRequestCount]:
        return [row for row in self.rows if row.booked]


def access_request_counts(event: Event, viewer, *, screen: safeguarding.Screen | None = None) -> AccessRequestCounts:
    """What the event's live bookings ask for, each request counted once per
    booking: booked places apart from the waiting list (with places offered
    from it); cancelled bookings, and guests who have not confirmed their
    address, not at all; nobody on a cancelled event. A language is counted
    together however its case was typed, under the spelling seen first.
    One query for the whole event; none more for safeguarding when the page
    has already screened the event's registrations for this viewer (`screen`)."""
    if event.status == EventStatus.CANCELLED:
        return AccessRequestCounts()
    rows = db.session.execute(
        select(Registration.id, Registration.user_id, Registration.email, Registration.status,
               RegistrationAccessRequest.kind, RegistrationAccessRequest.detail)
        .outerjoin(RegistrationAccessRequest, RegistrationAccessRequest.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Registration.status.in_(BOOKED + WAITING))
        .order_by(Registration.id, RegistrationAccessRequest.id)).all()
    screen = screen or safeguarding.screen(viewer, rows)
    counted: dict[tuple[AccessRequestKind, str], dict] = {}
    withheld, withheld_booked, note = set(), set(), ""
    for row in rows:
        if not screen.shows(row):
            withheld.add(row.id)
            if row.status in BOOKED:
                withheld_booked.add(row.id)
            note = note or screen.note(row)
            continue
        if row.kind is None:
            continue
        tally = counted.setdefault((row.kind, row.detail.casefold()),
                                   {"language": row.detail, "booked": 0, "waiting": 0})
        tally["booked" if row.status in BOOKED else "waiting"] += 1
    order = list(AccessRequestKind)
    return AccessRequestCounts(
        rows=[AccessRequestCount(kind, tally["language"], tally["booked"], tally["waiting"])
              for (kind, folded), tally in sorted(counted.items(), key=lambda item: (order.index(item[0][0]),
                                                                                    item[0][1]))],
        withheld=len(withheld), withheld_booked=len(withheld_booked), withheld_note=note)
