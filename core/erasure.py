"""Deleting an account (UK GDPR Article 17): the person's details go, and
only what honest statistics and the awards record need stays, with nothing
that says who it was.

- Places they hold at events still to come are cancelled first, so the
  people waiting move up as they would for any cancellation.
- Registrations stay as anonymous rows (no name, email, needs or answers)
  under one random key per deleted person, so attendance totals and "came
  before?" still add up; registrations made as a guest with their email
  address count as theirs.
- Equality answers are deleted (reports count them as not answered).
- Nominations they sent stay for the awards record without their name,
  email or phone; drafts and unconfirmed ones are deleted.
- Forum memberships, apologies, seats on panels, score sheets (only of
  cycles whose winners are announced), roles, the private calendar address
  and the emails sent to them are deleted. Audit entries of what they did
  stay, without them or their internet address.

Refused, with a reason, while they are the only admin or sit on the panel
of an award still being judged.
"""
import secrets

from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash

from core import audit, equality
from core.database import utcnow
from core.errors import DomainError
from core.extensions import db
from core.models import AuditEntry, OutboxMessage, SiteRole, User
from core.personal_data import theirs
from core.services import WrongPassword, admin_count
from awards.models import Nomination, NominationStatus, PanelMember, Stage
from events.services import registration as event_services
from events.models import Registration, RegistrationStatus

ERASED_NAME = "Deleted account"
UNSENT_NOMINATIONS = (NominationStatus.DRAFT, NominationStatus.UNCONFIRMED)


class CannotDeleteYet(DomainError):
    field = "password"


def reasons_to_wait(user: User) -> list[str]:
    """What must happen before this account can be deleted (nothing, usually)."""
    reasons = []
    if user.has_role(SiteRole.ADMIN) and admin_count() <= 1:
        reasons.append("You are the only admin. Make someone else an admin first.")
    now = utcnow()
    for seat in db.session.scalars(select(PanelMember).where(PanelMember.user_id == user.id)):
        if seat.category.cycle.stage(now) != Stage.ANNOUNCED:
            reasons.append(f"You are on the judging panel for {seat.category.name}. Ask the awards team to "
                           "take you off it first.")
    return reasons


def delete_account(user: User, *, password: str) -> None:
    """The person's own request. Run inside write_lock(): cancelling places moves waiting lists."""
    if not check_password_hash(user.password_hash, password):
        raise WrongPassword("Your password is not correct", field="password")
    erase(user)


def erase(user: User) -> None:
    """Delete the account as the module says (also for accounts past their retention period)."""
    waiting = reasons_to_wait(user)
    if waiting:
        raise CannotDeleteYet(" ".join(waiting))
    _erase_registrations(user)
    for key in (equality.person_key(user), equality.person_key(None, user.email)):
        equality.withdraw(key)
    _erase_nominations(user)
    db.session.execute(update(AuditEntry).where(AuditEntry.actor_id == user.id).values(ip_address=None))
    db.session.execute(delete(OutboxMessage).where(func.lower(OutboxMessage.recipient) == user.email.lower()))
    user_id = user.id
    db.session.delete(user)  # memberships, apologies, panel seats, sheets, roles and the calendar address go with it
    db.session.flush()
    audit.record("account.deleted", details={"account": user_id})


def _erase_registrations(user: User) -> None:
    registrations = db.session.scalars(select(Registration).where(theirs(Registration, user))
                                       .order_by(Registration.id)).all()
    now = utcnow()
    for registration in registrations:
        if registration.status != RegistrationStatus.CANCELLED and registration.event.ends_at > now:
            event_services.cancel_registration(registration, actor=None)
    erased_key, events_seen = f"erased:{secrets.token_hex(16)}", set()
    for registration in registrations:
        # One key for the person (so "came before?" still counts them once); a second
        # booking for one event (as a member and as a guest) needs a key of its own.
        registration.person_key = erased_key if registration.event_id not in events_seen else \
            f"{erased_key}:{registration.id}"
        events_seen.add(registration.event_id)
        registration.user, registration.name, registration.email = None, ERASED_NAME, ""
        registration.access_needs = registration.dietary_needs = ""
        registration.contact_consent = False
        registration.answers.clear()
    db.session.flush()


def _erase_nominations(user: User) -> None:
    mine = theirs(Nomination, user)
    db.session.execute(delete(Nomination).where(mine, Nomination.status.in_(UNSENT_NOMINATIONS)))
    db.session.execute(update(Nomination).where(mine).values(
        nominator_id=None, nominator_name=ERASED_NAME, nominator_email="", nominator_phone=""),
        execution_options={"synchronize_session": False})
