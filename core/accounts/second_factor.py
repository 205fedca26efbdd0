"""The second factor: who must have one, codes from an authenticator app
(TOTP), one-time recovery codes, browsers that need not ask for 30 days,
turning it off, an admin's reset, and the sign-in held between the password
and the code.

Anyone who sees other people's data must have one (UK public-sector buyers'
Cyber Essentials asks for it): site roles here, and seats that other
packages hold (a forum's coordinators, an award panel's judges), which those
packages declare with `@holds_a_seat` so that core imports none of them.
Members may turn one on from their account page.

Functions flush but never commit; the caller owns the transaction.
"""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import pyotp
import segno
from flask import current_app, session
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, or_, select, update
from werkzeug.security import check_password_hash

from core import audit
from core.accounts import services
from core.database import utcnow
from core.email import queue_email
from core.errors import DomainError
from core.extensions import db
from core.i18n import _, _l
from core.numbers import whole_number
from core.accounts.models import RecoveryCode, User

STEP_SECONDS = 30
# A code from the step before or after the current one is accepted too: a
# phone's clock may drift, and a code typed as it changes should still work.
# Each step's code is accepted once only (User.totp_last_step).
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i or u: nothing to misread when typing a code back from paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstvwxyz23456789"
_RECOVERY_GROUPS = 3
_RECOVERY_GROUP_LENGTH = 4
REMEMBER_BROWSER_DAYS = 30
_REMEMBER_SALT = "second-factor-browser"
# How long the password step is good for while the person finds their phone.
PENDING_MINUTES = 10
_PENDING_KEY = "pending_sign_in"


class WrongCode(DomainError):
    field = "code"


class SecondFactorRule(DomainError):
    """Setting up, turning off or resetting is not possible as asked."""


# --- who must have one ---------------------------------------------------------

_seat_checks: list[Callable[[User], bool]] = []


def holds_a_seat(check: Callable[[User], bool]) -> Callable[[User], bool]:
    """Declare "does this person hold a seat here that shows them other
    people's data" for a domain package (forum coordinators, judges)."""
    _seat_checks.append(check)
    return check


def needs_second_factor(user: User) -> bool:
    """Staff: a site role, or a seat some package has declared."""
    return bool(user.role_grants) or any(check(user) for check in _seat_checks)


def has_second_factor(user: User) -> bool:
    return user.totp_secret is not None


def asked_at_sign_in(user: User) -> bool:
    return has_second_factor(user) or needs_second_factor(user)


def seat_granted(user: User, *, actor: User | None) -> None:
    """Someone was just given a site role or a seat. A session they already
    hold was signed in without a code, and would reach staff pages without
    one: without a second factor, every session (and remember-me cookie)
    they hold ends, so their next sign-in asks them to set one up."""
    if has_second_factor(user):
        return
    services.end_all_sessions(user)
    audit.record("second_factor.sessions_ended", actor=actor, subject=user,
                 details={"reason": "given a staff role or seat without a second factor"})


# --- codes from the authenticator app -----------------------------------------

def new_secret() -> str:
    return pyotp.random_base32()


def is_secret(text: str) -> bool:
    """A base32 secret of at least 80 bits, as authenticator apps take."""
    cleaned = text.replace(" ", "").upper()
    if len(cleaned) < 16:
        return False
    try:
        pyotp.TOTP(cleaned).now()
    except (ValueError, TypeError):
        return False
    return True


def secret_for_typing(secret: str) -> str:
    """The secret in groups of four, to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_code(user: User, secret: str) -> str:
    """The QR code an authenticator app scans, as an SVG data: URI (which
    the Content-Security-Policy allows for images)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["BRAND_NAME"])
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4)


def _current_step() -> int:
    return int(utcnow().timestamp()) // STEP_SECONDS


def _matching_step(secret: str, code: str, *, after: int | None) -> int | None:
    """The time step whose code this is, if it is one of those accepted now
    and later than `after`."""
    code = "".join(code.split())
    if len(code) != 6 or whole_number(code, lowest=0, highest=999_999) is None:  # 0-9 only: "١" is a digit too
        return None
    totp = pyotp.TOTP(secret)
    now = _current_step()
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _use_step(user: User, step: int) -> bool:
    """Record that this step's code has been used, unless it (or a later
    one) already was: one conditional UPDATE, so two requests racing with
    the same code cannot both win."""
    used = db.session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False)).rowcount
    if used:
        user.totp_last_step = step
    return bool(used)


def _accept_code(user: User, code: str) -> bool:
    step = _matching_step(user.totp_secret, code, after=user.totp_last_step)
    return step is not None and _use_step(user, step)


def check_code(user: User, code: str) -> None:
    """Accept a code from the person's app, once; WrongCode otherwise (the
    refusal is audited, so the caller commits either way)."""
    if not has_second_factor(user) or not _accept_code(user, code):
        audit.record("sign_in.code_refused", subject=user)
        raise WrongCode(_("The code is not correct, or has been used already. "
                          "Enter the code your authenticator app shows now"))


# --- setting up ---------------------------------------------------------------

_SET_UP_KEY = "second_factor_set_up"


def secret_being_set_up(user: User) -> str:
    """The secret the set-up page shows, kept in this browser's session until
    the first code proves the app has it. It belongs to one account and one
    held sign-in: another account, or a new sign-in, gets a new one, so a
    secret someone else saw in this browser can never be enrolled."""
    data = session.get(_SET_UP_KEY)
    held = session.get(_PENDING_KEY)
    sign_in_id = held.get("id") if isinstance(held, dict) else None
    if (isinstance(data, dict) and data.get("user") == user.id and data.get("sign_in") == sign_in_id
            and isinstance(data.get("secret"), str) and is_secret(data["secret"])):
        return data["secret"]
    secret = new_secret()
    session[_SET_UP_KEY] = {"user": user.id, "sign_in": sign_in_id, "secret": secret}
    return secret


def forget_secret_being_set_up() -> None:
    session.pop(_SET_UP_KEY, None)


def set_up(user: User, *, secret: str, code: str, actor: User | None = None) -> list[str]:
    """Turn the second factor on with `secret`, once the first code from the
    app proves it was added. Returns new recovery codes, to show once."""
    if has_second_factor(user):
        raise SecondFactorRule(_("You have set up an authenticator app already."))
    step = _matching_step(secret, code, after=None)
    if step is None:
        raise WrongCode(_("The code is not correct. Check you added the account to your app, "
                          "then enter the code it shows now"))
    user.totp_secret = secret
    user.totp_enrolled_at = utcnow()
    user.totp_last_step = step
    codes = _replace_recovery_codes(user)
    audit.record("second_factor.set_up", actor=actor or user, subject=user, details={"via": "app"})
    # Someone who has the password could otherwise enrol their own phone
    # quietly and lock the owner out: the owner's inbox hears of it.
    queue_email(to=user.email, subject=_l("You now need a code from an authenticator app to sign in"),
                template="second_factor_on", user=user)
    return codes


def set_up_without_code(user: User, *, secret: str, actor=None) -> None:
    """For provisioning from the command line (`users create --totp-secret`),
    where whoever runs it already holds the secret."""
    if not is_secret(secret):
        raise SecondFactorRule("The TOTP secret must be base32 (letters A-Z and digits 2-7), 16 characters or more.")
    user.totp_secret = secret.replace(" ", "").upper()
    user.totp_enrolled_at = utcnow()
    user.totp_last_step = None
    audit.record("second_factor.set_up", actor=actor, subject=user, details={"via": "command line"})


# --- recovery codes -----------------------------------------------------------

def _normalised_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _recovery_hash(user: User, code: str) -> str:
    # Codes carry about 59 bits of randomness, so a fast hash is enough; the
    # account in it means one table of hashes cannot serve every account.
    return hashlib.sha256(f"{user.id}:{_normalised_recovery_code(code)}".encode()).hexdigest()


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_GROUP_LENGTH))
                      for _ in range(_RECOVERY_GROUPS)) for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all([RecoveryCode(user_id=user.id, code_hash=_recovery_hash(user, code)) for code in codes])
    db.session.flush()
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id))


def use_recovery_code(user: User, code: str) -> int:
    """Accept one of the person's recovery codes, once (it is deleted).
    Returns how many are left."""
    used = db.session.execute(delete(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _recovery_hash(user, code))).rowcount
    if not used:
        audit.record("sign_in.recovery_code_refused", subject=user)
        raise WrongCode(_("The recovery code is not correct, or has been used already"))
    left = recovery_codes_left(user)
    audit.record("sign_in.recovery_code_used", actor=user, subject=user, details={"left": left})
    return left


def _check_code_or_password(user: User, answer: str, *, doing: str) -> None:
    """Proof it is still the person, asked again inside their account. A
    wrong answer is refused and kept in the audit log as a wrong code at
    sign-in is (the caller commits the refusal); the pages are rate-limited
    per account with the codes typed at sign-in (core.views.account)."""
    if _accept_code(user, answer) or check_password_hash(user.password_hash, answer):
        return
    audit.record("sign_in.code_or_password_refused", subject=user, details={"doing": doing})
    raise WrongCode(_("Enter a code from your authenticator app, or your password, correctly"),
                    field="code_or_password")


def new_recovery_codes(user: User, *, code_or_password: str) -> list[str]:
    """Replace the person's recovery codes (the old ones stop working)."""
    if not has_second_factor(user):
        raise SecondFactorRule(_("Set up an authenticator app first."))
    _check_code_or_password(user, code_or_password, doing="replace recovery codes")
    codes = _replace_recovery_codes(user)
    audit.record("second_factor.recovery_codes_replaced", actor=user, subject=user)
    return codes


# --- turning off, and an admin's reset -----------------------------------------

def _forget(user: User) -> None:
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def turn_off(user: User, *, code_or_password: str) -> None:
    """Members only: anyone who sees other people's data must keep it."""
    if needs_second_factor(user):
        raise SecondFactorRule(_("You cannot turn this off: your roles let you see other people's details, "
                                 "so you need a code to sign in."), field="code_or_password")
    if not has_second_factor(user):
        return
    _check_code_or_password(user, code_or_password, doing="turn off the second factor")
    _forget(user)
    audit.record("second_factor.turned_off", actor=user, subject=user)
    queue_email(to=user.email, subject=_l("You no longer need a code to sign in"), template="second_factor_off",
                user=user)


def reset(user: User, *, actor: User) -> None:
    """An admin clears someone's second factor (a lost phone): they set up
    a new one at their next sign-in, every browser that skipped the code
    asks again, and every session they have ends. The person is told."""
    if user.id == actor.id:
        raise SecondFactorRule("You cannot reset your own second factor. Ask another admin.")
    if not has_second_factor(user):
        raise SecondFactorRule(f"{user.name} has no authenticator app set up.")
    _forget(user)
    services.end_all_sessions(user)
    audit.record("second_factor.reset", actor=actor, subject=user)
    queue_email(to=user.email, subject=_l("Your sign-in code has been reset"), template="second_factor_reset",
                user=user, admin=actor)


# --- browsers that need not ask for 30 days -------------------------------------

def _factor_fingerprint(user: User) -> str:
    """Changes whenever the second factor does (set up anew, reset), so a
    remembered browser is forgotten with it."""
    enrolled = user.totp_enrolled_at.isoformat() if user.totp_enrolled_at else ""
    material = f"{user.id}:{user.totp_secret}:{enrolled}"
    return hmac.new(current_app.secret_key.encode(), material.encode(), hashlib.sha256).hexdigest()[:32]


def remember_browser_token(user: User) -> str:
    until = int((utcnow() + timedelta(days=REMEMBER_BROWSER_DAYS)).timestamp())
    return URLSafeSerializer(current_app.secret_key, salt=_REMEMBER_SALT).dumps(
        {"user": user.id, "factor": _factor_fingerprint(user), "until": until})


def browser_remembered(user: User, token: str | None) -> bool:
    """True when `token` (from this browser's cookie) was given to this
    person, within 30 days, for the second factor they have now."""
    if not token or not has_second_factor(user):
        return False
    try:
        data = URLSafeSerializer(current_app.secret_key, salt=_REMEMBER_SALT).loads(token)
    except BadSignature:
        return False
    return (isinstance(data, dict) and data.get("user") == user.id
            and isinstance(data.get("until"), int) and data["until"] > utcnow().timestamp()
            and hmac.compare_digest(str(data.get("factor", "")), _factor_fingerprint(user)))


# --- the sign-in held between the password and the code ---------------------------

@dataclass
class PendingSignIn:
    user: User
    remember: bool
    next_page: str | None


def hold_sign_in(user: User, *, remember: bool, next_page: str | None) -> None:
    """Keep a password-checked sign-in in this browser's session (not
    signed in) until the code step, for a few minutes. Signing out
    everywhere or a new password (the session version) voids it."""
    forget_secret_being_set_up()
    session[_PENDING_KEY] = {"user": user.id, "version": user.session_version, "remember": bool(remember),
                             "next": next_page, "id": secrets.token_urlsafe(16),
                             "until": int((utcnow() + timedelta(minutes=PENDING_MINUTES)).timestamp())}


def pending_sign_in() -> PendingSignIn | None:
    data = session.get(_PENDING_KEY)
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("user")) if isinstance(data.get("user"), int) else None
    if (user is None or user.session_version != data.get("version")
            or not isinstance(data.get("until"), int) or data["until"] <= utcnow().timestamp()):
        session.pop(_PENDING_KEY, None)
        return None
    return PendingSignIn(user=user, remember=bool(data.get("remember")), next_page=data.get("next"))


def pending_account_key() -> str:
    """The rate limit's key for code entry: the account being signed in to."""
    data = session.get(_PENDING_KEY)
    return code_limit_key(data.get("user") if isinstance(data, dict) else None)


def code_limit_key(user_id: int | None) -> str:
    """The rate limit's key for the codes typed for an account, at sign-in or
    inside the account: one count for both."""
    return f"second-factor:{user_id}"
