"""Signing up, in and out: the account's email address confirmed, a
forgotten password reset, the partnership's OpenID Connect provider, and the
limits on guessing a password. What comes after the password for those who
need a second factor is sign_in_code."""
import hmac
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from core import i18n, spam
from core.accounts import oidc, second_factor, services
from core.accounts.forms import (
    ConfirmEmailForm,
    ForgotPasswordForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    SignInForm,
    SignUpForm,
)
from core.accounts.models import User
from core.errors import DomainError
from core.extensions import db, limiter
from core.forms import EmptyForm, call_service
from core.i18n import _
from core.views import bp
from core.views.emailed_links import from_emailed_link


def _sign_in_account_key() -> str:
    return "account:" + services.normalise_email(request.form.get("email", ""))[:254]


# After a successful sign-in, a browser keeps a signed note of the account
# (not a way in: it only lifts the per-account limit). Someone guessing the
# password from elsewhere then slows only their own attempts: the owner, on a
# device they have signed in from before, is never locked out by them.
# The note is dated and names the password it was earned with, both checked
# here rather than trusted to the browser: it lapses after KNOWN_DEVICE_DAYS
# (each sign-in writes a new one), and a changed or reset password voids every
# note, so a stolen one stops helping once the owner changes their password.
KNOWN_DEVICE_COOKIE = "known_device"
KNOWN_DEVICE_SALT = "known-device"
KNOWN_DEVICE_DAYS = 365


def _known_device_notes() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=KNOWN_DEVICE_SALT)


def _on_a_known_device() -> bool:
    token = request.cookies.get(KNOWN_DEVICE_COOKIE)
    if not token:
        return False
    try:
        known = _known_device_notes().loads(token, max_age=KNOWN_DEVICE_DAYS * 24 * 3600)
    except BadSignature:  # altered, made elsewhere, or expired (SignatureExpired is one)
        return False
    user = services.find_user_by_email(request.form.get("email", ""))
    return (user is not None and isinstance(known, dict) and known.get("user") == user.id
            and hmac.compare_digest(str(known.get("password", "")), services.password_fingerprint(user)))


def _remember_device(response, user: User) -> None:
    note = _known_device_notes().dumps({"user": user.id, "password": services.password_fingerprint(user)})
    response.set_cookie(KNOWN_DEVICE_COOKIE, note,
                        max_age=KNOWN_DEVICE_DAYS * 24 * 3600, secure=current_app.config["SESSION_COOKIE_SECURE"],
                        httponly=True, samesite="Lax")


def attempt_failed(response) -> bool:
    """A refused attempt, for the limits that count failures. The right
    password on an account not yet confirmed is not one: counting it would
    lock the person out just as they confirm."""
    return response.status_code != 302 and not g.get("password_was_right")


def _confirmation_key() -> str:
    return "confirm-email:" + request.view_args.get("token", "")[:200]


def safe_next(target: str | None) -> str:
    """Where to go after signing in: `target` only when it is a path on this
    site as a browser will read it (browsers drop tabs and newlines anywhere
    in a URL and read a backslash as a slash, so `/<tab>/evil.example` and
    `/\\evil.example` are another site), otherwise the account page. Control
    characters and spaces are refused outright: a real path has them encoded."""
    if target and target.isprintable() and not any(character.isspace() for character in target):
        as_read = target.replace("\\", "/")
        if target.startswith("/") and not as_read.startswith("//"):
            try:
                parts = urlsplit(as_read)
            except ValueError:  # e.g. a host that is not one under NFKC
                parts = None
            if parts is not None and not parts.scheme and not parts.netloc:
                return target
    return url_for("core.account")


def start_session(user: User, *, remember: bool = False) -> None:
    session.clear()  # a fresh session on every sign-in
    login_user(user, remember=remember)


def end_session() -> None:
    """Sign out on this device and forget everything the session held."""
    logout_user()
    session.clear()


# --- signing up and in -----------------------------------------------------

# Where someone who signed up on their way somewhere goes once they have confirmed (on this browser).
AFTER_CONFIRMING_KEY = "after_confirming"

@bp.route("/sign-up", methods=["GET", "POST"])
@spam.public_form(email_field="email")
def sign_up():
    """Create an account. It cannot be used until its address is confirmed,
    so sign-up does not sign anyone in."""
    if current_user.is_authenticated:
        return redirect(url_for("core.account"))
    form = SignUpForm()
    if form.validate_on_submit():
        # The same page whether the address was free or its owner was emailed instead (services.sign_up).
        done, _unused = call_service(form, lambda: services.sign_up(
            name=form.name.data, email=form.email.data, password=form.password.data))
        if done:
            email = services.normalise_email(form.email.data)
            if request.args.get("next"):  # where they were going (an invitation, say), once they have confirmed
                session[AFTER_CONFIRMING_KEY] = safe_next(request.args["next"])
            return render_template("core/check_your_email.html", email=email, form=ResendConfirmationForm(
                email=email))
    return render_template("core/sign_up.html", form=form), 200


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_IP"], methods=["POST"], deduct_when=attempt_failed)
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_sign_in_account_key, deduct_when=attempt_failed, exempt_when=_on_a_known_device)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("core.account"))
    form, resend = SignInForm(), None
    if form.validate_on_submit():
        done, user = call_service(form, lambda: _authenticate(form), refusal_is_kept=True)
        if done:
            return _after_password(user, remember=form.remember.data, next_page=request.args.get("next"))
        if g.get("password_was_right"):
            resend = ResendConfirmationForm(email=form.email.data)
    return render_template("core/sign_in.html", form=form, resend=resend)


def _authenticate(form: SignInForm) -> User:
    """The password checked; the right one on an account not yet confirmed
    is noted in `g`, for attempt_failed and the offer of a new link."""
    try:
        return services.authenticate(email=form.email.data, password=form.password.data)
    except services.EmailNotConfirmed:
        g.password_was_right = True
        raise


@bp.post("/sign-out")
@login_required
def sign_out():
    user = db.session.get(User, current_user.id)
    call_service(EmptyForm(), lambda: services.end_all_sessions(user))  # never refused
    end_session()
    flash(_("You have been signed out on all your devices."), "success")
    response = redirect(url_for("core.home"))
    if i18n.known(user.language):  # signed out, this browser goes on in the account's language
        i18n.remember_in_cookie(response, user.language)
    return response


@bp.route("/confirm-email/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_IP"], methods=["POST"], deduct_when=attempt_failed)
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_confirmation_key, deduct_when=attempt_failed)
def confirm_email(token):
    """The emailed link, and the account's password: together they prove the
    address is the account holder's."""
    user, email = from_emailed_link(services.confirmation_for_token, token, account_link=True)
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        # Asked before: a new address ends every session, this browser's too until it is started again below.
        signed_in_here = current_user.is_authenticated and current_user.id == user.id
        # A wrong password is kept in the audit log; a link that stops fitting as it is
        # used (another account took the address since) is the link's page, saving nothing.
        done, _unused = call_service(form, lambda: from_emailed_link(
            services.confirm_email, token, password=form.password.data, account_link=True), refusal_is_kept=True)
        if done:
            if signed_in_here:
                start_session(user)  # a new address signs out every other device, not this one (a new session)
            flash(_("%(address)s is confirmed as your email address.", address=email), "success")
            if current_user.is_authenticated:  # here before, and so again now, or signed in as someone else
                return redirect(url_for("core.account"))
            return redirect(url_for("core.sign_in", next=session.pop(AFTER_CONFIRMING_KEY, None)))
    return render_template("core/confirm_email.html", form=form, email=email)


@bp.post("/confirm-email/resend")
@spam.public_form(email_field="email")
def resend_confirmation():
    form = ResendConfirmationForm()
    if form.validate_on_submit():
        done, _unused = call_service(form, lambda: services.resend_email_confirmation(form.email.data))
        if done:
            return render_template("core/check_your_email.html", email=services.normalise_email(form.email.data),
                                   form=ResendConfirmationForm(formdata=None, email=form.email.data))
    return render_template("core/check_your_email.html", email=None, form=form), 400


@bp.route("/forgot-password", methods=["GET", "POST"])
@spam.public_form(email_field="email")  # per address too: from many addresses, one inbox could be flooded
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        done, _unused = call_service(form, lambda: services.request_password_reset(form.email.data))
        if done:
            return render_template("core/reset_sent.html", email=form.email.data.strip())
    return render_template("core/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    user = from_emailed_link(services.user_for_reset_token, token, account_link=True)
    form = ResetPasswordForm()
    if user.email_confirmed:
        del form.name  # asked only of an account nobody has proven yet: see services.reset_password
    if form.validate_on_submit():
        done, _unused = call_service(form, lambda: services.reset_password(
            token, password=form.password.data, name=form.name.data if "name" in form else None))
        if done:
            end_session()
            flash(_("Your password has been reset. Sign in with your new password."), "success")
            return redirect(url_for("core.sign_in"))
    return render_template("core/reset_password.html", form=form)


# --- after the password: signed in, or held for the second step ------------
# After the password (or the OpenID Connect provider), anyone who has a
# second factor, or needs one (core.accounts.second_factor.needs_second_factor), is not
# signed in: the sign-in is held in this browser's session for a few minutes
# while they enter a code, or set up an app if they have none yet (sign_in_code).

REMEMBER_BROWSER_COOKIE = "second_factor_browser"


def _after_password(user: User, *, remember: bool, next_page: str | None, second_factor_done: bool = False):
    """Sign in, or hold the sign-in until the code step."""
    if (second_factor_done or not second_factor.asked_at_sign_in(user)
            or second_factor.browser_remembered(user, request.cookies.get(REMEMBER_BROWSER_COOKIE))):
        return finish_sign_in(user, remember=remember, next_page=next_page)
    second_factor.hold_sign_in(user, remember=remember, next_page=next_page)
    return redirect(url_for("core.sign_in_code" if second_factor.has_second_factor(user) else "core.sign_in_set_up"))


def finish_sign_in(user: User, *, remember: bool, next_page: str | None, remember_browser: bool = False,
                   page=None):
    """A fresh signed-in session, then where they were going (or `page()`).
    A language chosen from the menu before signing in (the cookie) becomes
    the account's; an account that never chose takes the one they were reading in."""
    chosen = i18n.known(request.cookies.get(i18n.COOKIE))
    services.choose_language(user, chosen or i18n.current_language().code, only_if_none_chosen=not chosen)
    db.session.commit()
    start_session(user, remember=remember)
    response = current_app.make_response(page()) if page else redirect(safe_next(next_page))
    _remember_device(response, user)
    if remember_browser:
        response.set_cookie(REMEMBER_BROWSER_COOKIE, second_factor.remember_browser_token(user),
                            max_age=second_factor.REMEMBER_BROWSER_DAYS * 24 * 3600,
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
    return response


# --- signing in with the partnership's OpenID Connect provider ------------------
# Off (404) unless configured. The provider's answer goes through the same
# second step as a password: staff still enter a code unless the provider
# says it asked for a second factor itself.

OIDC_NEXT_KEY = "oidc_next"


@bp.post("/sign-in/provider")
def oidc_sign_in():
    if not oidc.enabled():
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        return redirect(url_for("core.account"))
    session[OIDC_NEXT_KEY] = request.args.get("next")
    try:
        return oidc.send_to_provider(url_for("core.oidc_callback", _external=True))
    except DomainError as error:
        return render_template("core/oidc_problem.html", message=error.message), 502


@bp.get("/sign-in/provider/callback")
def oidc_callback():
    if not oidc.enabled():
        abort(404)
    # Not call_service: no form to put a refusal beside; it is a page of its own, kept in the audit log.
    try:
        claims = oidc.claims_from_provider()
        user = oidc.sign_in(claims)
    except DomainError as error:
        db.session.commit()  # keep the refusal in the audit log
        return render_template("core/oidc_problem.html", message=error.message), 400
    db.session.commit()
    return _after_password(user, remember=False, next_page=session.pop(OIDC_NEXT_KEY, None),
                           second_factor_done=oidc.passed_second_factor(claims))
