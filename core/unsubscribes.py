"""Unsubscribing (PECR): a non-essential email (an organiser's message that
is not about the event itself, a forum's ordinary announcement) carries a
link and the List-Unsubscribe / List-Unsubscribe-Post headers (RFC 8058)
naming its address and a scope:

- "partnership": the partnership's non-essential messages to people who
  booked its events;
- "forum:<id>": one forum's announcements that are not essential.

The link is signed and sealed (core.link_tokens) with the day it was made, and lasts
UNSUBSCRIBE_LINK_DAYS. Opening
it changes nothing (mail scanners open links); its button, or a mail
client's one-click POST, does (core/views/unsubscribe.py). What it turns off
is kept by the SHA-256 of the lower-cased address and the scope
(core.models.Unsubscribe), so the objection outlives an erased account
without keeping the address itself. Each domain registers its scopes
(`register_scope`): what the page calls them and what else unsubscribing
turns off (events: contact consent on that address's bookings; forums: the
membership's announcement emails). Functions flush but never commit.
"""
import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Callable

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select

from core import audit, link_tokens
from core.database import utcnow
from core.errors import InvalidLink
from core.extensions import db
from core.i18n import _
from core.models import Unsubscribe

PARTNERSHIP = "partnership"
_SALT = "unsubscribe"


@dataclass(frozen=True)
class Scope:
    """A kind of email people may stop. `describe(detail)` names it on the
    page ("announcements from the Youth Forum"), None when what it was for
    has gone; `turned_off(email, detail)` and `turned_on(email, detail, user)`
    do what else stopping and restarting it means to the domain."""

    name: str
    describe: Callable[[str | None], str | None]
    turned_off: Callable[[str, str | None], None] = lambda email, detail: None
    turned_on: Callable[[str, str | None, object], None] = lambda email, detail, user: None


_scopes: dict[str, Scope] = {}


def register_scope(scope: Scope) -> Scope:
    _scopes[scope.name] = scope
    return scope


def scope_named(name: str) -> Scope:
    return _scopes[name]


def _split(scope: str) -> tuple[Scope, str | None]:
    name, _colon, detail = scope.partition(":")
    found = _scopes.get(name)
    if found is None:
        raise InvalidLink(_("This link is no longer valid: what it was for has gone."))
    return found, detail or None


def email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _serializer() -> URLSafeSerializer:
    return link_tokens.serializer(_SALT)


def token(email: str, scope: str, *, on: date | None = None) -> str:
    """Signed, naming the address, the scope and the day it was made (by the
    day, not the second, so one batch's emails carry the same link each)."""
    on = on or utcnow().date()
    return _serializer().dumps({"email": email.strip().lower(), "scope": scope, "on": on.isoformat()})


def link(email: str, scope: str) -> str:
    return url_for("core.unsubscribe", token=token(email, scope), _external=True)


def headers(email: str, scope: str) -> dict[str, str]:
    """The headers that let a mail client offer its own Unsubscribe button (RFC 8058)."""
    return {"List-Unsubscribe": f"<{link(email, scope)}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


@dataclass(frozen=True)
class Request:
    """What an unsubscribe link asks: the address, the scope and its name."""

    email: str
    scope: str
    description: str


def read(link_token: str) -> Request:
    """What a link's token asks; InvalidLink when it is altered, expired or its scope has gone."""
    try:
        data = _serializer().loads(link_token)
        made = date.fromisoformat(data["on"])
        if not isinstance(data["email"], str) or not isinstance(data["scope"], str):
            raise TypeError
    except (BadSignature, KeyError, TypeError, ValueError):
        raise InvalidLink(_("This link is not valid. Check it is the whole link from the email.")) from None
    if (utcnow().date() - made).days > current_app.config["UNSUBSCRIBE_LINK_DAYS"]:
        raise InvalidLink(_("This link has expired. Use the link in a more recent email, or sign in and change "
                            "which emails you get on your account page."))
    kind, detail = _split(data["scope"])
    description = kind.describe(detail)
    if description is None:
        raise InvalidLink(_("This link is no longer valid: what it was for has gone."))
    return Request(data["email"], data["scope"], description)


def is_unsubscribed(email: str, scope: str) -> bool:
    return db.session.scalar(select(Unsubscribe.id).where(Unsubscribe.email_hash == email_hash(email),
                                                          Unsubscribe.scope == scope)) is not None


def unsubscribed_among(emails, scope: str) -> set[str]:
    """Which of these addresses (lower-cased) stopped this scope, in one query."""
    by_hash = {email_hash(email): email.strip().lower() for email in emails}
    if not by_hash:
        return set()
    found = db.session.scalars(select(Unsubscribe.email_hash).where(Unsubscribe.scope == scope,
                                                                   Unsubscribe.email_hash.in_(by_hash)))
    return {by_hash[hashed] for hashed in found}


def unsubscribe(email: str, scope: str) -> bool:
    """Stop this scope's emails to the address; False when it already was
    (a link used twice, two clicks at once: the unique constraint is the
    last line, inside a savepoint so the caller's transaction goes on)."""
    kind, detail = _split(scope)
    kind.turned_off(email, detail)
    if is_unsubscribed(email, scope):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Unsubscribe(email_hash=email_hash(email), scope=scope))
    except Exception as error:  # IntegrityError: someone else's click got there first
        if not is_unsubscribed(email, scope):
            raise error
        return False
    audit.record("email.unsubscribed", details={"scope": scope})
    return True


def resubscribe(email: str, scope: str, *, user=None) -> bool:
    """The address's owner wants this scope's emails again (from their
    account); False when they had not stopped them."""
    kind, detail = _split(scope)
    kind.turned_on(email, detail, user)
    gone = db.session.execute(delete(Unsubscribe).where(Unsubscribe.email_hash == email_hash(email),
                                                        Unsubscribe.scope == scope)).rowcount
    db.session.flush()
    if gone:
        audit.record("email.resubscribed", actor=user, details={"scope": scope})
    return bool(gone)


def scopes_stopped(email: str) -> list[str]:
    """The scopes this address has stopped, oldest first."""
    return list(db.session.scalars(select(Unsubscribe.scope).where(Unsubscribe.email_hash == email_hash(email))
                                   .order_by(Unsubscribe.created_at, Unsubscribe.id)))


def describe(scope: str) -> str | None:
    try:
        kind, detail = _split(scope)
    except InvalidLink:
        return None
    return kind.describe(detail)


register_scope(Scope(PARTNERSHIP, lambda detail: _("messages from the partnership that are not essential "
                                                   "(news and invitations, not changes to an event you booked)")))
