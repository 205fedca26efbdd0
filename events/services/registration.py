"""Registering for an event: booking places or joining the waiting list, a
guest's booking and its email confirmation, an organiser booking someone in,
guest bookings claimed by the account that proves their address, cancelling
a place, and reading who is registered.

A forum's members-only meetings are booked by its active members, as the
forums package declares them (events.audiences).

Functions flush but never commit.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import lazyload

from core.content_languages import lazily
from core import audit
from core.database import utcnow
from core.email import queue_email
from core.extensions import db
from core.i18n import DEFAULT, _, _l, current_language, known, ngettext
from core.accounts.models import User
from core.accounts.services import (
    confirmed_account_with_email, email_confirmed, normalise_email, proven_by_another_account,
)
from events import audiences, settlement, tallies
from events.models import (
    Audience, Event, EventInvitation, EventStatus, HOLDS_PLACES, Registration, RegistrationStatus, SessionSignup,
)
from events.services.access_requests import NONE, AccessChoices, checked, save_requests
from events.services.booking_emails import _confirm_cancellation, _send_booking_confirmation
from events.services.errors import AlreadyRegistered, NotEnoughPlaces, NotOpenToYou, RegistrationClosed, TooManyTickets
from events.services.invitations import _check_invitation
from events.services.places import _lock, _lock_as_it_is_now, places_left, registration_open
from events.services.programme import _fill_sessions, _signups_of
from events.services.questions import _answers_for
from events.services.registration_links import registration_link
from events.services.waiting_list import _expire_offers_for, promote_from_waiting_list


def registrations_of(event: Event) -> list[Registration]:
    """Everyone who has registered, in the order they did. (Their event is
    `event`, already loaded: not joined again with everything it loads.)"""
    return list(db.session.scalars(select(Registration).where(Registration.event_id == event.id)
                                   .order_by(Registration.created_at).options(lazyload(Registration.event))))


def registration_for(event: Event, user) -> Registration | None:
    """The signed-in person's live registration for this event, if any: made
    signed in, or as a guest with the address the account has proven (as My
    events lists them)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.user_id == user.id,
        Registration.status != RegistrationStatus.CANCELLED).order_by(Registration.id).limit(1))


def standing(registration: Registration) -> RegistrationStatus:
    """What a registration amounts to now, as every page shows it: a place at
    an event (or a date of a series) that has been cancelled is cancelled too,
    whatever it was before. The row keeps its status, so the person's calendar
    feed still carries the event, marked cancelled."""
    if registration.event.status == EventStatus.CANCELLED:
        return RegistrationStatus.CANCELLED
    return registration.status


@dataclass
class EmailedTheAddress:
    """What a guest registering with an address that already has a place
    gets: that place, or its confirmation link again, by email, and the same
    "check your email" page a new guest sees. The page says nothing of the
    address, so typing someone's email tells a stranger nothing."""
    email: str


def register(event: Event, *, user: User | None = None, name: str = "", email: str = "", tickets: int = 1,
             access_needs: str = "", dietary_needs: str = "", contact_consent: bool = False,
             answers: dict[int, str] | None = None, access: AccessChoices = NONE,
             invitation: EventInvitation | None = None) -> Registration | EmailedTheAddress:
    """Book places, or join the waiting list when there are not enough.
    An invitation lets its holder in whoever the event is for, and, as it
    came to their inbox, a guest's place needs no email confirmation. A guest
    whose address already has a registration here gets no second one: the
    address is emailed instead (EmailedTheAddress)."""
    now = utcnow()
    if not registration_open(event, now):
        raise RegistrationClosed(_("Registration for this event has closed"))
    if invitation is not None:
        _check_invitation(invitation, event, user=user, email=email)
    elif user is None and not event.allow_guests:
        raise NotOpenToYou(_("Sign in or create an account to register for this event"))
    elif event.audience == Audience.INVITATION:
        raise NotOpenToYou(_("This event is by invitation only. If you were invited, use the link in your "
                             "invitation."))
    elif event.audience == Audience.FORUM_MEMBERS:
        _check_still_a_member(event, user)
    elif event.audience == Audience.MEMBERS and user is None:
        raise NotOpenToYou(_("This event is for people with an account. Sign in to register."))
    if not 1 <= tickets <= event.max_tickets:
        raise TooManyTickets(_("You can book between 1 and %(most)d places", most=event.max_tickets))
    checked_answers = _answers_for(event, answers or {})
    access_requests = checked(access)

    _lock_as_it_is_now(event)
    if not registration_open(event, now):
        raise RegistrationClosed(_("Registration for this event has closed"))
    if event.audience == Audience.FORUM_MEMBERS and invitation is None:
        _check_still_a_member(event, user)  # again under the lock: a removal may have committed meanwhile
    now = utcnow()  # the queue follows the order in which people got the lock
    settlement.refuse_if_settled(event, now=now)  # closed long before, by registration_open: kept as the rule
    _expire_offers_for(event, now)
    if user is None:
        held = live_registration_for_address(event, email)
        if held is not None:
            return _tell_the_address_it_is_registered(held)
    registration = _fresh_registration(
        event, user=user, name=name, email=email, tickets=tickets, now=now, access_needs=access_needs,
        dietary_needs=dietary_needs, contact_consent=contact_consent, answers=checked_answers,
        access_requests=access_requests,
        already=(_("You have already registered for this event. Check your email for the link to view or cancel it.")
                 if user is None else _("You have already registered for this event. See it in My events.")))
    if invitation is not None:
        invitation.registration = registration
    if user is None and invitation is None and not event.instant_guest_places:
        queue_email(to=registration.email, subject=_l("Confirm your place: %(event)s", event=lazily(event, "title")),
                    template="registration_confirm_email", event=event, registration=registration,
                    link=registration_link(registration, "confirm"), reply_to=event.contact_email,
                    language=registration.language)
    else:
        _take_place_or_wait(registration, now)
    audit.record("registration.created", actor=user, subject=registration, details={"event": event.id})
    return registration


def live_registration_for_address(event: Event, email: str) -> Registration | None:
    """The live registration this email address already has for the event: a
    guest's with it, or the one of the account that has proven it. Call with
    the event locked."""
    email = normalise_email(email)
    account = confirmed_account_with_email(email)
    same_person = [func.lower(Registration.email) == email, Registration.person_key == f"guest:{email}"]
    if account is not None:
        same_person += [Registration.user_id == account.id, Registration.person_key == f"user:{account.id}"]
    return db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.status != RegistrationStatus.CANCELLED, or_(*same_person))
        .order_by(Registration.id).limit(1))


def _tell_the_address_it_is_registered(registration: Registration) -> EmailedTheAddress:
    event = registration.event
    if registration.status == RegistrationStatus.PENDING and registration.is_guest:
        # Most likely the guest lost the first email: send the link that confirms the place again.
        queue_email(to=registration.email, subject=_l("Confirm your place: %(event)s", event=lazily(event, "title")),
                    template="registration_confirm_email", event=event, registration=registration,
                    link=registration_link(registration, "confirm"), reply_to=event.contact_email,
                    language=registration.language)
    else:
        queue_email(to=registration.email, subject=_l("You have already registered: %(event)s", event=lazily(event, "title")),
                    template="registration_already_registered", event=event, registration=registration,
                    link=registration_link(registration), reply_to=event.contact_email,
                    language=registration.language)
    audit.record("registration.already_registered", actor=None, subject=registration, details={"event": event.id})
    return EmailedTheAddress(registration.email)


def _check_still_a_member(event: Event, user: User | None) -> None:
    if not audiences.is_forum_member(user, event.forum_id):
        raise NotOpenToYou(_("This meeting is for the forum's members. Sign in with the account you joined with."))


def _fresh_registration(event: Event, *, user: User | None, name: str, email: str, tickets: int, now: datetime,
                        already: str, access_needs: str = "", dietary_needs: str = "",
                        contact_consent: bool = False, answers=(), access_requests=()) -> Registration:
    """A registration holding no place yet, for a person with none live on
    this event (reusing their cancelled one). Call with the event locked.
    What this person already has here is read in one statement: it runs
    under the event's lock, so every registration for the event waits on it."""
    email = user.email if user else normalise_email(email)
    person_key = f"user:{user.id}" if user else f"guest:{email}"
    # One live booking per address, and per account, whatever key it was made under (an address an
    # account has not proven says nothing: anyone can type it).
    by_address = user is None or user.email_confirmed
    # A member's own address is proven by the member: the account that proved it is theirs.
    account = (user if user is not None else confirmed_account_with_email(email)) if by_address else None
    same_person = []
    if by_address:
        same_person += [func.lower(Registration.email) == email, Registration.person_key == f"guest:{email}"]
        if account is not None:
            same_person += [Registration.user_id == account.id, Registration.person_key == f"user:{account.id}"]
    if user is not None:
        same_person.append(Registration.user_id == user.id)
    held_live = and_(Registration.status != RegistrationStatus.CANCELLED, or_(*same_person))
    found = db.session.execute(select(Registration, held_live.label("live")).where(
        Registration.event_id == event.id, or_(Registration.person_key == person_key, held_live))
        .order_by(Registration.id)).all()
    live = [held for held, is_live in found if is_live]
    if user is not None and user.email_confirmed and live and _unconfirmed_guest_booking(live[0]):
        _set_aside(live.pop(0), now)
    if live:
        raise AlreadyRegistered(already)
    registration = next((held for held, _live in found if held.person_key == person_key), None)
    if registration is None:
        registration = Registration(event=event, person_key=person_key)
        db.session.add(registration)
    registration.user_id = user.id if user else None
    registration.name = user.name if user else name.strip()
    registration.email = email
    registration.tickets = tickets
    registration.access_needs = access_needs.strip()
    save_requests(registration, list(access_requests))  # a cancelled booking taken up again asks afresh
    registration.dietary_needs = dietary_needs.strip()
    registration.contact_consent = contact_consent
    registration.language = current_language().code  # a guest's emails are written in it
    registration.answers = list(answers)
    registration.created_at = now
    registration.cancelled_at = None
    registration.offer_expires_at = None
    registration.status = RegistrationStatus.PENDING  # holds no place until placed
    db.session.flush()
    return registration


def _unconfirmed_guest_booking(registration: Registration) -> bool:
    """Anyone can type an address as a guest: a booking under a member's
    proven address that nobody has confirmed from its inbox (it holds no
    place) gives way when the member books, rather than blocking them."""
    return registration.user_id is None and registration.status == RegistrationStatus.PENDING


def _set_aside(registration: Registration, now: datetime) -> None:
    registration.status, registration.cancelled_at = RegistrationStatus.CANCELLED, now
    audit.record("registration.set_aside", actor=None, subject=registration, details={"event": registration.event_id})
    db.session.flush()


def book_for(event: Event, *, name: str, email: str, tickets: int, from_held_back: bool, actor: User,
             access_needs: str = "", dietary_needs: str = "", access: AccessChoices = NONE, language: str = DEFAULT,
             now: datetime | None = None) -> Registration:
    """An organiser books a named person in: from the places held back (which
    shrinks them) or from the open places. Someone with an account gets the
    booking in their My events. Allowed after public registration closes,
    until the event ends. `language`: the one the organiser says the person
    reads, for their emails (an account's own choice comes first)."""
    now = now or utcnow()
    if event.status != EventStatus.PUBLISHED or event.ends_at <= now:
        raise RegistrationClosed(_("You can only book people into a published event that has not ended"))
    if tickets < 1:
        raise TooManyTickets(_("Book 1 or more places"), field="tickets")
    access_requests = checked(access)
    _lock_as_it_is_now(event)
    settlement.refuse_if_settled(event, now=now)
    if from_held_back and tickets > event.reserved_places:
        raise NotEnoughPlaces(_("No places are held back") if event.reserved_places == 0 else ngettext(
            "Only %(num)d place is held back", "Only %(num)d places are held back", event.reserved_places),
            field="tickets")
    if not from_held_back:
        left = places_left(event)
        if left is not None and tickets > left:
            raise NotEnoughPlaces(_("No open places are left. Book from the places held back, or add places to the "
                                    "event.") if left == 0 else ngettext(
                "Only %(num)d open place is left. Book from the places held back, or add places to the event.",
                "Only %(num)d open places are left. Book from the places held back, or add places to the event.",
                left), field="tickets")
    account = confirmed_account_with_email(email)
    registration = _fresh_registration(
        event, user=account, name=name, email=email, tickets=tickets, now=now, access_needs=access_needs,
        dietary_needs=dietary_needs, access_requests=access_requests,
        already=_("%(email)s is already registered for this event", email=email))
    # The name the organiser typed, even for an account: typing an address must not tell them whose it is.
    registration.name = name.strip()
    registration.language = known(language) or DEFAULT
    if from_held_back:
        event.reserved_places -= tickets
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = now
    db.session.flush()
    _send_booking_confirmation(registration)
    audit.record("registration.booked_by_organiser", actor=actor, subject=registration,
                 details={"event": event.id, "from_held_back": from_held_back, "tickets": tickets})
    return registration


@email_confirmed.connect
def claim_guest_registrations(user: User, **_) -> None:
    """Bookings made as a guest with this address become the account's when
    it proves the address is its own (core.accounts.services.email_confirmed), unless
    another account proved it before (they may be that person's). Their person
    key stays, so the links already emailed to the guest keep working."""
    claimed = [] if proven_by_another_account(user) else db.session.scalars(select(Registration).where(
        func.lower(Registration.email) == user.email, Registration.user_id.is_(None))).all()
    for registration in claimed:
        registration.user_id = user.id
    if claimed:
        audit.record("registration.claimed", actor=user, subject=user, details={"registrations": len(claimed)})
        # They now count as the account's (events.models.counted_person), with its answers.
        db.session.flush()
        tallies.tally_people({f"guest:{user.email}", f"user:{user.id}"})
    # After a change of address, what the events send about the account's own
    # bookings goes to the address it has just proven, not the one it left.
    db.session.execute(update(Registration).where(Registration.person_key == f"user:{user.id}")
                       .values(email=user.email), execution_options={"synchronize_session": "fetch"})
    db.session.flush()


def confirm_guest_email(registration: Registration) -> Registration:
    """The guest followed the emailed link: now their place counts. The
    status is read under the lock: a second press of Confirm that waited for
    the first one's lock finds the place already taken, and takes no other."""
    _lock(registration.event)
    db.session.refresh(registration)
    if registration.status != RegistrationStatus.PENDING:
        return registration
    settlement.refuse_if_settled(registration.event)
    if not registration_open(registration.event):
        raise RegistrationClosed(_("Registration for this event has closed"))
    # The link went to the address: an account that has proven it too holds the place (My events shows it).
    account = confirmed_account_with_email(registration.email)
    if account is not None and registration.user_id is None:
        registration.user_id = account.id
    _take_place_or_wait(registration, utcnow())
    return registration


def _take_place_or_wait(registration: Registration, now: datetime) -> None:
    event = registration.event
    left = places_left(event)
    if left is None or left >= registration.tickets:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        registration.waitlisted_at = None
        db.session.flush()
        _send_booking_confirmation(registration)
    else:
        registration.status = RegistrationStatus.WAITLISTED
        registration.waitlisted_at = now
        db.session.flush()
        queue_email(to=registration.email, subject=_l("You're on the waiting list: %(event)s", event=lazily(event, "title")),
                    template="registration_waitlisted", event=event, registration=registration,
                    link=registration_link(registration), reply_to=event.contact_email,
                    language=registration.language)


def cancel_registration(registration: Registration, *, actor: User | None, by_its_holder: bool = False,
                        now: datetime | None = None) -> None:
    """Give up the place. `by_its_holder`: cancelled through the registration's
    emailed link, by the person it belongs to whoever is signed in."""
    if registration.status == RegistrationStatus.CANCELLED:
        return
    event = registration.event
    _lock(event)
    settlement.refuse_if_settled(event, now=now)
    db.session.refresh(registration)
    if registration.status == RegistrationStatus.CANCELLED:
        return  # someone else cancelled it while we waited for the lock
    held_places, was = registration.status in HOLDS_PLACES, registration.status
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now or utcnow()
    registration.offer_expires_at = None
    sessions_left = [signup.session_id for signup in _signups_of(registration) if not signup.waiting]
    db.session.execute(delete(SessionSignup).where(SessionSignup.registration_id == registration.id))
    db.session.flush()
    audit.record("registration.cancelled", actor=actor, subject=registration, details={"event": event.id})
    _confirm_cancellation(registration, was=was, actor=actor, by_its_holder=by_its_holder)
    _fill_sessions(event, sessions_left)
    if held_places:
        promote_from_waiting_list(event)
