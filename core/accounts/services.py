"""Account rules: signing up, signing in, confirming email, resetting and
changing passwords, changing name and email address, and granting site roles.

An email address is the key to everything held under it (guest bookings,
nominations, panel seats, equality answers), so an account is tied to
those only once its address is proven: the person follows an emailed link
and gives the account's password. Until then the account cannot sign in at
all. Confirming sends `email_confirmed`, and each package that holds
something under an address links it to the account then. An address
changes only when the new one is confirmed, and the old address can undo
the change for a week.

Every emailed link is bound to the address and the password it was made
for: change either and the link stops working.

Functions flush but never commit; the caller owns the transaction.
"""
import hashlib
import hmac
import secrets

from blinker import Namespace
from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from core import audit, link_tokens
from core.database import lock_row, utcnow
from core.i18n import _, _l, current_language, known
from core.email import queue_email
from core.errors import DomainError, InvalidLink
from core.formatting import masked_address
from core.extensions import db
from core.accounts.models import ProvenAddress, RoleGrant, SiteRole, User

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
# zxcvbn scores 0-4; 0 and 1 are guessable within about a million tries.
PASSWORD_MIN_SCORE = 2

_CONFIRM_SALT = "confirm-email"
_RESET_SALT = "reset-password"
_UNDO_EMAIL_CHANGE_SALT = "undo-email-change"


class EmailAlreadyRegistered(DomainError):
    field = "email"


class WeakPassword(DomainError):
    field = "password"


class SignInFailed(DomainError):
    field = "email"


class WrongPassword(DomainError):
    field = "current_password"


class EmailNotConfirmed(DomainError):
    field = "email"


# Sent inside the transaction that proves an account owns its address, for
# packages that hold something under an address (an award panel seat, a
# guest booking, say): they link it to the account then, and only then.
email_confirmed = Namespace().signal("email-confirmed")


class LastAdmin(DomainError):
    field = "roles"


class RolesKeptApart(DomainError):
    field = "roles"


# An admin can change any record a report counts (reopen an event, approve a member) and look again: the
# breakdowns by equality answers are for monitors who cannot, so no one holds both (reports/permissions.py).
KEPT_APART = frozenset({SiteRole.ADMIN, SiteRole.EQUALITY_MONITOR})
KEPT_APART_MESSAGE = ("An admin cannot also do equality monitoring: admins can change the records the reports count, "
                      "and could single someone out by looking before and after. Give one of the two roles only.")


@email_confirmed.connect
def remember_proven_address(user: User, **_) -> None:
    """Keep every address the account has proven (see ProvenAddress)."""
    if db.session.scalar(select(ProvenAddress.id).where(ProvenAddress.user_id == user.id,
                                                        ProvenAddress.email == user.email)) is None:
        db.session.add(ProvenAddress(user_id=user.id, email=user.email))
        db.session.flush()


def proven_by_another_account(user: User) -> bool:
    """Whether another account proved the address this one has just proved
    (before moving to another, or before it was given to someone else). What
    was left under the address may then be that person's, a young person's
    guest booking say: proving the inbox is yours now does not show it ever
    was, so nothing left under it is linked to this account."""
    return db.session.scalar(select(ProvenAddress.id).where(ProvenAddress.email == user.email,
                                                            ProvenAddress.user_id != user.id).limit(1)) is not None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The account using this address, proven or not: for keeping addresses
    unique and for signing in. Never for linking anything to an account."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def addresses_of(user: User) -> set[str]:
    """The account's address now and every one it has proven before (see
    ProvenAddress): all it could use again without anyone else's help."""
    return {user.email, *db.session.scalars(select(ProvenAddress.email).where(ProvenAddress.user_id == user.id))}


def confirmed_account_with_email(email: str) -> User | None:
    """The account proven to own this address, or None. The only way to tie
    something held under an address to an account."""
    user = find_user_by_email(email)
    return user if user is not None and user.email_confirmed else None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_strength(password: str, *, email: str = "", name: str = "", field: str = "password") -> None:
    """Refuse passwords that are common or built from the person's own details."""
    result = zxcvbn(password[:PASSWORD_MAX_LENGTH], user_inputs=[email, name, *email.split("@")])
    if result["score"] < PASSWORD_MIN_SCORE:
        raise WeakPassword(_("Choose a password that is harder to guess. %(why)s. Try three or more random words.",
                             why=_why_guessable(result["feedback"].get("warning"))), field=field)


# What zxcvbn says makes a password guessable (its feedback's "warning"), in the page's language.
_GUESSABLE_BECAUSE = {
    "Straight rows of keys are easy to guess": _l("Straight rows of keys are easy to guess"),
    "Short keyboard patterns are easy to guess": _l("Short keyboard patterns are easy to guess"),
    'Repeats like "aaa" are easy to guess': _l('Repeats like "aaa" are easy to guess'),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc"':
        _l('Repeats like "abcabcabc" are only slightly harder to guess than "abc"'),
    'Sequences like "abc" or "6543" are easy to guess': _l('Sequences like "abc" or "6543" are easy to guess'),
    "Recent years are easy to guess": _l("Recent years are easy to guess"),
    "Dates are often easy to guess": _l("Dates are often easy to guess"),
    "This is a top-10 common password": _l("This is a top-10 common password"),
    "This is a top-100 common password": _l("This is a top-100 common password"),
    "This is a very common password": _l("This is a very common password"),
    "This is similar to a commonly used password": _l("This is similar to a commonly used password"),
    "A word by itself is easy to guess": _l("A word by itself is easy to guess"),
    "Names and surnames by themselves are easy to guess": _l("Names and surnames by themselves are easy to guess"),
    "Common names and surnames are easy to guess": _l("Common names and surnames are easy to guess"),
}


def _why_guessable(warning: str | None) -> str:
    """zxcvbn's reason, without its full stop; a general one when it gives none (or one not known here)."""
    known = _GUESSABLE_BECAUSE.get((warning or "").strip().rstrip("."))
    return str(known or _("It is too easy to guess")).rstrip(".")


NOT_A_LINK = _l("This link is not valid. Check you copied the whole link from the email.")


def link_token(salt: str, data) -> str:
    """A signed token for an emailed link that does not expire by time: it
    stops working when what it names changes (the loader checks that)."""
    return link_tokens.serializer(salt).dumps(data)


def link_token_data(salt: str, token: str, *, invalid: str = NOT_A_LINK):
    """What a `link_token` holds; InvalidLink when it was not made here or was altered."""
    try:
        return link_tokens.serializer(salt).loads(token)
    except BadSignature:
        raise InvalidLink(invalid) from None


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return link_tokens.timed_serializer(salt)


def account_since(user: User) -> str:
    """When the account was made, as a link or form names it: with its id, this names one account
    for good (SQLite gives a deleted newest account's id to the next one)."""
    return user.created_at.replace(tzinfo=None).isoformat()


def password_fingerprint(user: User) -> str:
    """Changes whenever the password does, so a link or cookie made before a
    password change stops working (and a reset link works only once)."""
    return hmac.new(
        current_app.secret_key.encode(), user.password_hash.encode(), hashlib.sha256
    ).hexdigest()[:32]


def email_confirmation_token(user: User, email: str | None = None) -> str:
    """A link proving `email` (the account's own, or the one it is changing
    to) belongs to the account, while its address and password stay as now."""
    return _serializer(_CONFIRM_SALT).dumps({"user": user.id, "from": user.email, "email": email or user.email,
                                             "fingerprint": password_fingerprint(user)})


def password_reset_token(user: User) -> str:
    return _serializer(_RESET_SALT).dumps({"user": user.id, "email": user.email,
                                           "fingerprint": password_fingerprint(user)})


def send_email_confirmation(user: User, email: str | None = None) -> None:
    """Email the link that confirms `email` (default: the account's address)."""
    changing = email is not None and email != user.email
    queue_email(
        to=email or user.email,
        subject=_l("Confirm your new email address") if changing else _l("Confirm your email address"),
        template="confirm_email",
        user=user,
        changing=changing,
        link=url_for("core.confirm_email", token=email_confirmation_token(user, email), _external=True),
        hours=current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 3600,
    )


def resend_email_confirmation(email: str) -> None:
    """A new confirmation link for an account that has not confirmed its
    address. Says nothing either way, so it tells no one who has an account."""
    user = find_user_by_email(email)
    if user is not None and not user.email_confirmed:
        send_email_confirmation(user)
        audit.record("email.confirmation_resent", subject=user)


def sign_up(*, name: str, email: str, password: str) -> User | None:
    """Make an account, not usable until its address is confirmed; or, when
    a confirmed account has the address, make nothing and email its owner
    instead (None). Either way the person signing up sees the same "check
    your email" and one email goes out, so sign-up tells no one whether an
    address has an account (as GOV.UK services do). An account that never
    confirmed the address is nobody's: the new sign-up takes its place, so
    whoever squatted an address does not choose the name its owner's
    account goes by."""
    email = normalise_email(email)
    check_password_strength(password, email=email, name=name)
    password_hash = hash_password(password)  # for a taken address too: the answer takes as long either way
    owner = find_user_by_email(email)
    if owner is not None and not owner.email_confirmed:
        audit.record("account.deleted", subject=owner, details={"reason": "unconfirmed, its address signed up again"})
        db.session.delete(owner)
        db.session.flush()
        owner = None
    if owner is not None:
        audit.record("account.sign_up_refused", subject=owner, details={"reason": "the address has an account; "
                                                                        "its owner was emailed"})
        tell_owner_address_has_an_account(owner, changing=False)
        return None
    # The language they signed up in: their emails are written in it until they choose another.
    user = User(name=name.strip(), email=email, password_hash=password_hash, language=current_language().code)
    db.session.add(user)
    db.session.flush()
    audit.record("account.created", actor=user, subject=user)
    send_email_confirmation(user)
    return user


def tell_owner_address_has_an_account(owner: User, *, changing: bool) -> None:
    """Someone asked for the owner's address for another account (signing up,
    or changing an account's address to it): the answer on their page is
    what it would be for a free address, and the owner hears why nothing
    happened, with the way in if it was them."""
    queue_email(to=owner.email, subject=_l("An account already uses this email address"),
                template="address_has_an_account", changing=changing,
                sign_in_link=url_for("core.sign_in", _external=True),
                reset_link=url_for("core.forgot_password", _external=True))


def create_user(*, email: str, name: str, password: str, roles=(), actor=None) -> User:
    """Create a confirmed account from the command line or the demo seed."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise EmailAlreadyRegistered(f"An account already uses {email}.")
    user = User(name=name.strip(), email=email, password_hash=hash_password(password), email_confirmed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    audit.record("account.created", actor=actor, subject=user, details={"via": "command line"})
    email_confirmed.send(user)  # whoever made it vouches for the address
    for role in roles:
        grant_role(user, role, actor=actor)
    return user


# A real hash to check against when the email is unknown, so a wrong email
# takes as long as a wrong password and timing reveals no accounts.
_dummy_hash_cache: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hash_cache:
        _dummy_hash_cache[method] = generate_password_hash("not-a-real-password", method=method)
    return _dummy_hash_cache[method]


def check_password_again(user: User, password: str, *, doing: str, field: str = "password",
                         message: str = _l("Your password is not correct")) -> None:
    """The signed-in person's password, asked again before `doing` what only
    the account's owner may (changing its address or password, deleting it).
    A wrong one is refused and kept in the audit log as a wrong password at
    sign-in is (a sign-in record, kept as long), so the caller commits the
    refusal (call_service's `refusal_is_kept`); the pages are rate-limited
    per account like signing in (core.views.account)."""
    if not check_password_hash(user.password_hash, password):
        audit.record("sign_in.password_refused", subject=user, details={"reason": "wrong password", "doing": doing})
        raise WrongPassword(message, field=field)


def authenticate(*, email: str, password: str) -> User:
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        audit.record("sign_in.failed", details={"reason": "unknown account"})
        raise SignInFailed(_("Enter a correct email address and password"))
    if not check_password_hash(user.password_hash, password):
        audit.record("sign_in.failed", subject=user, details={"reason": "wrong password"})
        raise SignInFailed(_("Enter a correct email address and password"))
    if not user.email_confirmed:
        audit.record("sign_in.failed", subject=user, details={"reason": "email not confirmed"})
        raise EmailNotConfirmed(_(
            "Confirm your email address before you sign in. Follow the link in the email we sent to %(address)s, "
            "or ask for a new one below.", address=user.email))
    if not user.password_hash.startswith(current_app.config["PASSWORD_HASH_METHOD"] + "$"):
        user.password_hash = hash_password(password)  # upgrade an older, weaker hash
    user.last_signed_in_at = utcnow()
    audit.record("sign_in.succeeded", actor=user, subject=user)
    return user


def end_all_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie the person holds."""
    user.session_version += 1


def confirmation_for_token(token: str) -> tuple[User, str]:
    """The account a confirmation link is for and the address it confirms,
    while the link still fits the account."""
    data = _load_token(token, _CONFIRM_SALT, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    user = db.session.get(User, data.get("user"))
    # Opened again once followed (a new address's link too, whose "from" has gone): say so, not "no longer valid".
    if user is not None and user.email == data.get("email") and user.email_confirmed:
        raise InvalidLink(_("This link has been used: %(address)s is confirmed as your email address already. "
                            "Sign in with it.", address=masked_address(user.email)))
    if user is None or user.email != data.get("from") or not hmac.compare_digest(
            str(data.get("fingerprint", "")), password_fingerprint(user)):
        raise InvalidLink(_("This link is no longer valid: the account's email address or password has changed "
                            "since we sent it. Ask for a new one."))
    return user, data["email"]


def confirm_email(token: str, *, password: str) -> User:
    """Prove the address in the link belongs to the account: the link shows
    the person reads that inbox, the password that the account is theirs (so
    someone who signs up with another person's address gains nothing when
    that person clicks the link). A link for a new address makes the change."""
    user, email = confirmation_for_token(token)
    if not check_password_hash(user.password_hash, password):
        audit.record("email.confirmation_refused", subject=user, details={"reason": "wrong password"})
        raise WrongPassword(_("Enter the password of the account this email address is for"), field="password")
    if email != user.email:
        _change_email(user, email)
    elif user.email_confirmed:
        return user
    _mark_confirmed(user)
    return user


def _mark_confirmed(user: User) -> None:
    user.email_confirmed_at = utcnow()
    audit.record("email.confirmed", actor=user, subject=user, details={"email": user.email})
    email_confirmed.send(user)


def _change_email(user: User, email: str) -> None:
    owner = proven_holder_of(email, reason="unconfirmed, holding an address another account proved from its inbox")
    if owner is not None and owner is not user:
        raise InvalidLink(_("Another account now uses this email address, so it cannot be yours as well."))
    old_email = user.email
    user.email = email
    end_all_sessions(user)  # as a password change does: the browser that confirmed it stays signed in (the view)
    db.session.flush()
    audit.record("profile.email_changed", actor=user, subject=user, details={"from": old_email, "to": email})
    undo = _serializer(_UNDO_EMAIL_CHANGE_SALT).dumps({"user": user.id, "since": account_since(user),
                                                       "from": old_email, "to": email})
    queue_email(to=old_email, subject=_l("Your email address has been changed"), template="email_changed",
                user=user, new_email=email, days=current_app.config["EMAIL_CHANGE_UNDO_MAX_AGE"] // 86400,
                link=url_for("core.undo_email_change", token=undo, _external=True))


def proven_holder_of(email: str, *, reason: str) -> User | None:
    """The account using an address someone has just proved is theirs, if it
    has proved the address too. One that signed up with it and never confirmed
    it is nobody's yet and cannot stand between the owner and their address:
    it is deleted, with an audit entry saying why."""
    holder = find_user_by_email(email)
    if holder is None or holder.email_confirmed:
        return holder
    audit.record("account.deleted", subject=holder, details={"reason": reason})
    db.session.delete(holder)
    db.session.flush()
    return None


def request_email_change(*, actor: User, new_email: str, password: str) -> str:
    """Send a confirmation link to the new address; nothing changes until it
    is followed. Returns the normalised new address. An address another
    account uses gets no link but an email saying so, and the person asking
    is answered as for any other address: the page does not say which
    addresses have accounts."""
    check_password_again(actor, password, doing="change email address")
    email = normalise_email(new_email)
    if email == actor.email:
        raise EmailAlreadyRegistered(_("This is already your email address"), field="email")
    # A sign-up nobody proved is no owner: following the link takes the address (proven_holder_of).
    owner = confirmed_account_with_email(email)
    if owner is not None:
        tell_owner_address_has_an_account(owner, changing=True)
    else:
        send_email_confirmation(actor, email)
    # The same entry either way: the person's own record ("your data") shows its name, not its details.
    audit.record("profile.email_change_requested", actor=actor, subject=actor, details={} if owner is None else {
        "outcome": "another account uses the address: its owner was told, and no link was sent"})
    return email


def user_for_undo_token(token: str) -> tuple[User, str]:
    """The account an undo link is for and the address it gives back."""
    data = _load_token(token, _UNDO_EMAIL_CHANGE_SALT, current_app.config["EMAIL_CHANGE_UNDO_MAX_AGE"])
    user = db.session.get(User, data.get("user"))
    if user is None or account_since(user) != data.get("since"):  # deleted, its id perhaps another's now
        raise InvalidLink(NOT_A_LINK)
    if user.email == data.get("from"):  # opened again once it has done its work
        raise InvalidLink(_("This link has been used: the account's email address is %(address)s again.",
                            address=masked_address(user.email)))
    if user.email != data.get("to"):
        raise InvalidLink(_("This link is no longer valid: the account's email address has changed again since. "
                            "Contact %(address)s if you need help.", address=current_app.config["CONTACT_EMAIL"]))
    return user, data["from"]


def undo_email_change(token: str) -> User:
    """The old address says the change was not theirs: give the address back,
    sign out every device and void the password (whoever changed the address
    knew it), then send a link to choose a new one."""
    user, old_email = user_for_undo_token(token)
    if proven_holder_of(old_email, reason="unconfirmed, holding an address its owner took back") is not None:
        raise InvalidLink(_("Another account now uses %(old_address)s. Contact %(address)s and we will sort it out.",
                            old_address=old_email, address=current_app.config["CONTACT_EMAIL"]))
    changed_to = user.email
    user.email = old_email
    user.email_confirmed_at = utcnow()  # the link came to this address
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    end_all_sessions(user)
    db.session.flush()
    audit.record("profile.email_change_undone", subject=user, details={"from": changed_to, "to": old_email})
    queue_email(to=old_email, subject=_l("Choose a new password"), template="reset_password", user=user,
                link=url_for("core.reset_password", token=password_reset_token(user), _external=True),
                minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60, after_undo=True)
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists. Says nothing either way."""
    user = find_user_by_email(email)
    if user is None:
        return
    queue_email(
        to=user.email,
        subject=_l("Reset your password"),
        template="reset_password",
        user=user,
        link=url_for("core.reset_password", token=password_reset_token(user), _external=True),
        minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
    )
    audit.record("password.reset_requested", subject=user)


def user_for_reset_token(token: str) -> User:
    data = _load_token(token, _RESET_SALT, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = db.session.get(User, data.get("user"))
    if user is None or user.email != data.get("email") or not hmac.compare_digest(
        str(data.get("fingerprint", "")), password_fingerprint(user)
    ):
        raise InvalidLink(_("This link has already been used. Ask for a new one if you still need to reset your "
                            "password."))
    return user


def reset_password(token: str, *, password: str, name: str | None = None) -> User:
    """`name`: the person's own, asked for when the account never confirmed
    its address (whoever made it chose the name it has, perhaps not them)."""
    user = user_for_reset_token(token)
    if not user.email_confirmed:
        if not (name or "").strip():
            raise DomainError(_("Enter your full name"), field="name")
        user.name = name.strip()
        user.language = current_language().code
    check_password_strength(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    # Following the emailed link proves the person controls the address,
    # and they now hold the password too.
    if not user.email_confirmed:
        _mark_confirmed(user)
    end_all_sessions(user)
    audit.record("password.reset", actor=user, subject=user)
    queue_email(to=user.email, subject=_l("Your password has been changed"), template="password_changed", user=user)
    return user


def change_password(*, actor: User, current_password: str, new_password: str) -> None:
    check_password_again(actor, current_password, doing="change password", field="current_password",
                         message=_l("Your current password is not correct"))
    check_password_strength(new_password, email=actor.email, name=actor.name, field="new_password")
    actor.password_hash = hash_password(new_password)
    end_all_sessions(actor)
    audit.record("password.changed", actor=actor, subject=actor)
    queue_email(to=actor.email, subject=_l("Your password has been changed"), template="password_changed",
                user=actor)


def update_name(*, actor: User, name: str) -> None:
    actor.name = name.strip()
    audit.record("profile.updated", actor=actor, subject=actor)


def choose_language(user: User, code: str, *, only_if_none_chosen: bool = False) -> None:
    """The language `user`'s pages and emails are written in (core/i18n.py); with
    `only_if_none_chosen`, only for an account that has none yet."""
    if not (only_if_none_chosen and user.language) and known(code):
        user.language = code


def grant_role(user: User, role: SiteRole, *, actor) -> None:
    if user.has_role(role):
        return
    if role in KEPT_APART and any(user.has_role(other) for other in KEPT_APART - {role}):
        raise RolesKeptApart(KEPT_APART_MESSAGE)
    user.role_grants.append(RoleGrant(role=role, granted_by_id=getattr(actor, "id", None)))
    db.session.flush()
    audit.record("role.granted", actor=actor, subject=user, details={"role": role.value})
    # Imported here: core.accounts.second_factor builds on this module.
    from core.accounts import second_factor
    second_factor.seat_granted(user, actor=actor)


def remove_role(user: User, role: SiteRole, *, actor) -> None:
    grant = next((g for g in user.role_grants if g.role == role), None)
    if grant is None:
        return
    if role == SiteRole.ADMIN and admin_count() <= 1:
        raise LastAdmin("There must always be at least one admin. Make someone else an admin first.")
    user.role_grants.remove(grant)
    db.session.flush()
    audit.record("role.removed", actor=actor, subject=user, details={"role": role.value})


def set_site_roles(user: User, roles: set[SiteRole], *, actor) -> None:
    """The roles the admin's form gives `user`, under the account's lock and
    from its roles as they are now: two admins at once must not leave one
    account with roles kept apart (KEPT_APART)."""
    if KEPT_APART <= roles:
        raise RolesKeptApart(KEPT_APART_MESSAGE)
    lock_row(db.session, User, user.id)
    db.session.refresh(user)
    for role in SiteRole:
        if role not in roles:
            remove_role(user, role, actor=actor)
    for role in SiteRole:
        if role in roles:
            grant_role(user, role, actor=actor)


def admin_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(RoleGrant).where(RoleGrant.role == SiteRole.ADMIN)
    )


def _load_token(token: str, salt: str, max_age: int) -> dict:
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidLink(_("This link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise InvalidLink(NOT_A_LINK) from None
    if not isinstance(data, dict):
        raise InvalidLink(NOT_A_LINK)
    return data
