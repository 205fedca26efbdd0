"""Account rules: signing up, signing in, confirming email, resetting and
changing passwords, editing a profile, and granting site roles.

Functions flush but never commit; the caller owns the transaction.
"""
import hashlib
import hmac

from blinker import Namespace
from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from core import audit
from core.database import utcnow
from core.email import queue_email
from core.errors import DomainError, InvalidLink
from core.extensions import db
from core.models import RoleGrant, SiteRole, User

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
# zxcvbn scores 0-4; 0 and 1 are guessable within about a million tries.
PASSWORD_MIN_SCORE = 2

_CONFIRM_SALT = "confirm-email"
_RESET_SALT = "reset-password"


class EmailAlreadyRegistered(DomainError):
    field = "email"


class WeakPassword(DomainError):
    field = "password"


class SignInFailed(DomainError):
    field = "email"


class WrongPassword(DomainError):
    field = "current_password"


# Sent inside the transaction that confirms an address, for packages that
# hold something for the owner of an address (an award panel seat, say).
email_confirmed = Namespace().signal("email-confirmed")


class LastAdmin(DomainError):
    field = "roles"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_strength(password: str, *, email: str = "", name: str = "", field: str = "password") -> None:
    """Refuse passwords that are common or built from the person's own details."""
    result = zxcvbn(password[:PASSWORD_MAX_LENGTH], user_inputs=[email, name, *email.split("@")])
    if result["score"] < PASSWORD_MIN_SCORE:
        hint = result["feedback"].get("warning") or "It is too easy to guess"
        raise WeakPassword(
            f"Choose a password that is harder to guess. {hint.rstrip('.')}. "
            "Try three or more random words.",
            field=field,
        )


NOT_A_LINK = "This link is not valid. Check you copied the whole link from the email."


def link_token(salt: str, data) -> str:
    """A signed token for an emailed link that does not expire by time: it
    stops working when what it names changes (the loader checks that)."""
    return URLSafeSerializer(current_app.secret_key, salt=salt).dumps(data)


def link_token_data(salt: str, token: str, *, invalid: str = NOT_A_LINK):
    """What a `link_token` holds; InvalidLink when it was not made here or was altered."""
    try:
        return URLSafeSerializer(current_app.secret_key, salt=salt).loads(token)
    except BadSignature:
        raise InvalidLink(invalid) from None


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=salt)


def _password_fingerprint(user: User) -> str:
    # Changes whenever the password does, so a reset link works only once.
    return hmac.new(
        current_app.secret_key.encode(), user.password_hash.encode(), hashlib.sha256
    ).hexdigest()[:32]


def email_confirmation_token(user: User) -> str:
    return _serializer(_CONFIRM_SALT).dumps({"user": user.id, "email": user.email})


def password_reset_token(user: User) -> str:
    return _serializer(_RESET_SALT).dumps({"user": user.id, "fingerprint": _password_fingerprint(user)})


def send_email_confirmation(user: User) -> None:
    queue_email(
        to=user.email,
        subject="Confirm your email address",
        template="confirm_email",
        user=user,
        link=url_for("core.confirm_email", token=email_confirmation_token(user), _external=True),
        hours=current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 3600,
    )


def sign_up(*, name: str, email: str, password: str) -> User:
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise EmailAlreadyRegistered(
            "An account already uses this email address. Sign in, or reset your password if you have forgotten it."
        )
    check_password_strength(password, email=email, name=name)
    user = User(name=name.strip(), email=email, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record("account.created", actor=user, subject=user)
    send_email_confirmation(user)
    return user


def create_user(*, email: str, name: str, password: str, roles=(), actor=None) -> User:
    """Create a confirmed account from the command line or the demo seed."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise EmailAlreadyRegistered(f"An account already uses {email}.")
    user = User(name=name.strip(), email=email, password_hash=hash_password(password), email_confirmed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    audit.record("account.created", actor=actor, subject=user, details={"via": "command line"})
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


def authenticate(*, email: str, password: str) -> User:
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        audit.record("sign_in.failed", details={"reason": "unknown account"})
        raise SignInFailed("Enter a correct email address and password")
    if not check_password_hash(user.password_hash, password):
        audit.record("sign_in.failed", subject=user, details={"reason": "wrong password"})
        raise SignInFailed("Enter a correct email address and password")
    if not user.password_hash.startswith(current_app.config["PASSWORD_HASH_METHOD"] + "$"):
        user.password_hash = hash_password(password)  # upgrade an older, weaker hash
    user.last_signed_in_at = utcnow()
    audit.record("sign_in.succeeded", actor=user, subject=user)
    return user


def end_all_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie the person holds."""
    user.session_version += 1


def confirm_email(token: str) -> User:
    data = _load_token(token, _CONFIRM_SALT, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    user = db.session.get(User, data.get("user"))
    if user is None or user.email != data.get("email"):
        raise InvalidLink("This link is not valid. It may be for an email address you have since changed.")
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        audit.record("email.confirmed", actor=user, subject=user)
        email_confirmed.send(user)
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists. Says nothing either way."""
    user = find_user_by_email(email)
    if user is None:
        return
    queue_email(
        to=user.email,
        subject="Reset your password",
        template="reset_password",
        user=user,
        link=url_for("core.reset_password", token=password_reset_token(user), _external=True),
        minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
    )
    audit.record("password.reset_requested", subject=user)


def user_for_reset_token(token: str) -> User:
    data = _load_token(token, _RESET_SALT, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = db.session.get(User, data.get("user"))
    if user is None or not hmac.compare_digest(
        str(data.get("fingerprint", "")), _password_fingerprint(user)
    ):
        raise InvalidLink("This link has already been used. Ask for a new one if you still need to reset your password.")
    return user


def reset_password(token: str, *, password: str) -> User:
    user = user_for_reset_token(token)
    check_password_strength(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    # Following the emailed link proves the person controls the address.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    end_all_sessions(user)
    audit.record("password.reset", actor=user, subject=user)
    queue_email(to=user.email, subject="Your password has been changed", template="password_changed", user=user)
    return user


def change_password(*, actor: User, current_password: str, new_password: str) -> None:
    if not check_password_hash(actor.password_hash, current_password):
        raise WrongPassword("Your current password is not correct")
    check_password_strength(new_password, email=actor.email, name=actor.name, field="new_password")
    actor.password_hash = hash_password(new_password)
    end_all_sessions(actor)
    audit.record("password.changed", actor=actor, subject=actor)
    queue_email(to=actor.email, subject="Your password has been changed", template="password_changed", user=actor)


def update_profile(*, actor: User, name: str, email: str) -> bool:
    """Save a new name and email; returns True when the email changed and
    needs confirming again."""
    email = normalise_email(email)
    old_email = actor.email
    if email != old_email:
        owner = find_user_by_email(email)
        if owner is not None:
            raise EmailAlreadyRegistered("Another account already uses this email address")
    actor.name = name.strip()
    if email == old_email:
        audit.record("profile.updated", actor=actor, subject=actor)
        return False
    actor.email = email
    actor.email_confirmed_at = None
    audit.record("profile.email_changed", actor=actor, subject=actor)
    queue_email(to=old_email, subject="Your email address has been changed", template="email_changed",
                user=actor, new_email=email)
    send_email_confirmation(actor)
    return True


def grant_role(user: User, role: SiteRole, *, actor) -> None:
    if user.has_role(role):
        return
    user.role_grants.append(RoleGrant(role=role, granted_by_id=getattr(actor, "id", None)))
    db.session.flush()
    audit.record("role.granted", actor=actor, subject=user, details={"role": role.value})


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
    for role in SiteRole:
        if role in roles:
            grant_role(user, role, actor=actor)
        else:
            remove_role(user, role, actor=actor)


def admin_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(RoleGrant).where(RoleGrant.role == SiteRole.ADMIN)
    )


def _load_token(token: str, salt: str, max_age: int) -> dict:
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidLink("This link has expired. Ask for a new one.") from None
    except BadSignature:
        raise InvalidLink(NOT_A_LINK) from None
    if not isinstance(data, dict):
        raise InvalidLink(NOT_A_LINK)
    return data
