"""Reads of accounts that pages show: finding people by name (or a whole
address) for the admin's list, and the recent history of one account."""
from sqlalchemy import Select, func, or_, select

from core import audit, email
from core.extensions import db
from core.models import AuditEntry
from core.accounts.models import User

ACCOUNT_HISTORY_LENGTH = 20


def accounts_by_name(name_contains: str | None = None, *, or_account: User | None = None) -> Select:
    """Accounts in name order (a query, for the page to paginate): all of
    them, or those whose name contains `name_contains` (lower-cased), and
    `or_account` too when given (the whole address the search named)."""
    query = select(User).order_by(func.lower(User.name), User.id)
    if name_contains:
        matches = func.lower(User.name).contains(name_contains, autoescape=True)
        if or_account is not None:
            matches = or_(matches, User.id == or_account.id)
        query = query.where(matches)
    return query


def recent_history_of_account(user: User, limit: int = ACCOUNT_HISTORY_LENGTH) -> list[AuditEntry]:
    """The latest audit entries about this account, newest first."""
    return db.session.scalars(
        select(AuditEntry)
        .where(audit.about_account(user))
        .order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
        .limit(limit)
    ).all()


@email.language_finders(10)
def language_of_account(address: str) -> str | None:
    """The language the account with this address chose, if any: only an
    account that has proven it owns the address (anyone can sign up with
    someone else's, and must not choose the language their emails come in)."""
    return db.session.scalar(select(User.language).where(User.email == address.strip().lower(),
                                                         User.email_confirmed_at.is_not(None)))
