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
  and the emails sent to any address they have used, or about them (a
  parent's consent request), are deleted. Audit entries of what they did
  stay, without them or their internet address, and no audit entry keeps
  an address they used (their changes of address, a forum's invitation to
  them, their appointment as a judge): it reads ERASED_ADDRESS instead.

Refused, with a reason, while they are the only admin or sit on the panel
of an award still being judged.

Core deletes the account, its equality answers, emails and internet
addresses; each domain does its part for its own tables in its privacy.py
(registry.erasure_blockers, registry.erasure_steps): a new table that holds
anything about a person says there what deleting the account does to it.
"""
import re

from sqlalchemy import Text, cast, delete, func, or_, select, update

from core import audit
from core.equality import services as equality
from core.errors import DomainError
from core.extensions import db
from core.i18n import _
from core.models import AuditEntry, OutboxMessage
from core.accounts.models import SiteRole, User
from core.privacy import registry
from core.accounts.services import addresses_of, admin_count, check_password_again

ERASED_NAME = "Deleted account"
ERASED_ADDRESS = "(an address of a deleted account)"


class CannotDeleteYet(DomainError):
    field = "password"


def reasons_to_wait(user: User) -> list[str]:
    """What must happen before this account can be deleted (nothing, usually)."""
    return [reason for blocker in registry.erasure_blockers for reason in blocker(user)]


@registry.erasure_blockers(10)
def _only_admin(user: User) -> list[str]:
    if user.has_role(SiteRole.ADMIN) and admin_count() <= 1:
        return [_("You are the only admin. Make someone else an admin first.")]
    return []


def delete_account(user: User, *, password: str) -> None:
    """The person's own request. Run inside write_lock(): cancelling places moves waiting lists.
    A wrong password is kept in the audit log, so the caller commits a refusal: anything else
    that refuses undoes the whole deletion first (a savepoint), so nothing half-done is kept."""
    check_password_again(user, password, doing="delete account")
    with db.session.begin_nested():
        erase(user)


def erase(user: User) -> None:
    """Delete the account as the module says (also for accounts past their retention period)."""
    waiting = reasons_to_wait(user)
    if waiting:
        raise CannotDeleteYet(" ".join(waiting))
    for step in registry.erasure_steps:
        step(user)
    addresses = addresses_of(user)  # stored lower-cased (normalise_email), as are those it proved
    db.session.execute(update(AuditEntry).where(AuditEntry.actor_id == user.id).values(ip_address=None))
    _forget_in_audit_details(addresses)
    db.session.execute(delete(OutboxMessage).where(or_(func.lower(OutboxMessage.recipient).in_(addresses),
                                                       OutboxMessage.about_user_id == user.id)))
    user_id = user.id
    db.session.delete(user)  # memberships, apologies, panel seats, sheets, roles and the calendar address go with it
    db.session.flush()
    audit.record("account.deleted", details={"account": user_id})


def _forget_in_audit_details(addresses: set[str]) -> None:
    """Replace these addresses wherever an audit entry's details hold them
    (only entries with an address at all are read: few are)."""
    pattern = re.compile("|".join(re.escape(address) for address in sorted(addresses, key=len, reverse=True)),
                         re.IGNORECASE)

    def without(value):
        if isinstance(value, str):
            return pattern.sub(ERASED_ADDRESS, value)
        if isinstance(value, list):
            return [without(each) for each in value]
        if isinstance(value, dict):
            return {key: without(each) for key, each in value.items()}
        return value

    for entry in db.session.scalars(select(AuditEntry).where(cast(AuditEntry.details, Text).contains("@"))):
        details = without(entry.details)
        if details != entry.details:
            entry.details = details


@registry.erasure_steps(20)
def _withdraw_equality_answers(user: User) -> None:
    for key in (equality.person_key(user), equality.person_key(None, user.email)):
        equality.withdraw(key)
