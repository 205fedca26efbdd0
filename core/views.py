"""Routes for the site's own pages, accounts and administration."""
import hmac
import json
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import text

from core.equality import services as equality
from core import home_page, page_cache, queries, spam
from core.accounts import oidc, permissions, safeguarding, second_factor, services
from core.accounts import queries as account_queries
from core.database import utcnow
from core.errors import DomainError, InvalidLink
from core.extensions import db, limiter, login_manager
from core.privacy import erasure, retention
from core.privacy import your_data as personal_data  # the view below is your_data
from core.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    CodeOrPasswordForm,
    ConfirmEmailForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    ProfileForm,
    RecoveryCodeForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    SecondFactorCodeForm,
    SetUpSecondFactorForm,
    SignInForm,
    SignUpForm,
    SiteRolesForm,
    UserSearchForm,
)
from core.forms import EmptyForm, call_service, press_button, show_domain_error
from core.equality.forms import EqualityAdultQuestionsForm, EqualityFollowUpForm, EqualityQuestionsForm
from core.accounts.models import SiteRole, User
from core.numbers import page_number

bp = Blueprint("core", __name__)

PAGE_SIZE = 50


def from_emailed_link(load, *args):
    """What an emailed link names (`load(*args)`), or the page explaining
    what is wrong with the link."""
    try:
        return load(*args)
    except InvalidLink as error:
        abort(Response(render_template("core/link_problem.html", message=error.message), status=400))


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


def _failed(response) -> bool:
    """A refused attempt, for the limits that count failures. The right
    password on an account not yet confirmed is not one: counting it would
    lock the person out just as they confirm."""
    return response.status_code != 302 and not g.get("password_was_right")


def _confirmation_key() -> str:
    return "confirm-email:" + request.view_args.get("token", "")[:200]


def _safe_next(target: str | None) -> str:
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


def _start_session(user: User, *, remember: bool = False) -> None:
    session.clear()  # a fresh session on every sign-in
    login_user(user, remember=remember)


def _end_session() -> None:
    """Sign out on this device and forget everything the session held."""
    logout_user()
    session.clear()


# --- public pages ----------------------------------------------------------


@bp.get("/")
@page_cache.for_visitors
def home():
    """The introduction, then each domain's section (core/home_page.py): what is on
    next, the forums and this year's awards."""
    now = utcnow()
    sections = list(home_page.sections)
    variables = {}
    for section in sections:
        variables.update(section.variables(now))
    return render_template("core/home.html", sections=sections, **variables)


@bp.get("/accessibility")
def accessibility():
    return render_template("core/accessibility.html")


@bp.get("/privacy")
def privacy():
    return render_template("core/privacy.html", retention_lines=retention.notice_lines())


@bp.get("/cookies")
def cookies():
    return render_template("core/cookies.html")


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Liveness: the process answers. It asks nothing else, so an outage of
    the database or Redis does not get healthy workers restarted."""
    return {"status": "ok"}, 200


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """Readiness, for the load balancer: 200 only when what requests need
    answers (the database, and Redis where rate limits are kept there);
    otherwise 503, saying which did not."""
    checks = {"database": _database_answers()}
    if current_app.config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        checks["redis"] = limiter.storage.check()
    body = {name: "ok" if answered else "unreachable" for name, answered in checks.items()}
    ready = all(checks.values())
    return {"status": "ok" if ready else "unavailable", **body}, 200 if ready else 503


def _database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return False
    return True


# --- signing up and in -----------------------------------------------------

@bp.route("/sign-up", methods=["GET", "POST"])
@spam.public_form(email_field="email")
def sign_up():
    """Create an account. It cannot be used until its address is confirmed,
    so sign-up does not sign anyone in."""
    if current_user.is_authenticated:
        return redirect(url_for("core.account"))
    form = SignUpForm()
    if form.validate_on_submit():
        done, user = call_service(form, lambda: services.sign_up(
            name=form.name.data, email=form.email.data, password=form.password.data))
        if done:
            return render_template("core/check_your_email.html", email=user.email, form=ResendConfirmationForm(
                email=user.email))
    return render_template("core/sign_up.html", form=form), 200


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_sign_in_account_key, deduct_when=_failed, exempt_when=_on_a_known_device)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("core.account"))
    form, resend = SignInForm(), None
    if form.validate_on_submit():
        try:
            user = services.authenticate(email=form.email.data, password=form.password.data)
        except DomainError as error:
            db.session.commit()  # keep the failed-attempt audit entry
            show_domain_error(form, error)
            if isinstance(error, services.EmailNotConfirmed):
                g.password_was_right = True
                resend = ResendConfirmationForm(email=form.email.data)
        else:
            db.session.commit()
            return _after_password(user, remember=form.remember.data, next_page=request.args.get("next"))
    return render_template("core/sign_in.html", form=form, resend=resend)


@bp.post("/sign-out")
@login_required
def sign_out():
    user = db.session.get(User, current_user.id)
    services.end_all_sessions(user)
    db.session.commit()
    _end_session()
    flash("You have been signed out on all your devices.", "success")
    return redirect(url_for("core.home"))


@bp.route("/confirm-email/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_confirmation_key, deduct_when=_failed)
def confirm_email(token):
    """The emailed link, and the account's password: together they prove the
    address is the account holder's."""
    user, email = from_emailed_link(services.confirmation_for_token, token)
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        try:
            services.confirm_email(token, password=form.password.data)
        except services.WrongPassword as error:
            db.session.commit()  # keep the refused attempt in the audit log
            show_domain_error(form, error)
        except InvalidLink as error:
            db.session.rollback()
            return render_template("core/link_problem.html", message=error.message), 400
        else:
            db.session.commit()
            flash(f"{email} is confirmed as your email address.", "success")
            return redirect(url_for("core.account") if current_user.is_authenticated else url_for("core.sign_in"))
    return render_template("core/confirm_email.html", form=form, email=email)


@bp.post("/confirm-email/resend")
@spam.public_form(email_field="email")
def resend_confirmation():
    form = ResendConfirmationForm()
    if form.validate_on_submit():
        services.resend_email_confirmation(form.email.data)
        db.session.commit()
        return render_template("core/check_your_email.html", email=services.normalise_email(form.email.data),
                               form=ResendConfirmationForm(formdata=None, email=form.email.data))
    return render_template("core/check_your_email.html", email=None, form=form), 400


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PUBLIC_FORM_LIMIT_PER_IP"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("core/reset_sent.html", email=form.email.data.strip())
    return render_template("core/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        services.user_for_reset_token(token)
    except services.InvalidLink as error:
        return render_template("core/link_problem.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: services.reset_password(token, password=form.password.data))
        if done:
            _end_session()
            flash("Your password has been reset. Sign in with your new password.", "success")
            return redirect(url_for("core.sign_in"))
    return render_template("core/reset_password.html", form=form)


# --- the second step of signing in: a code -----------------------------------
# After the password (or the OpenID Connect provider), anyone who has a
# second factor, or needs one (core.accounts.second_factor.needs_second_factor), is not
# signed in: the sign-in is held in this browser's session for a few minutes
# while they enter a code, or set up an app if they have none yet.

REMEMBER_BROWSER_COOKIE = "second_factor_browser"


def _after_password(user: User, *, remember: bool, next_page: str | None, second_factor_done: bool = False):
    """Sign in, or hold the sign-in until the code step."""
    if (second_factor_done or not second_factor.asked_at_sign_in(user)
            or second_factor.browser_remembered(user, request.cookies.get(REMEMBER_BROWSER_COOKIE))):
        return _finish_sign_in(user, remember=remember, next_page=next_page)
    second_factor.hold_sign_in(user, remember=remember, next_page=next_page)
    return redirect(url_for("core.sign_in_code" if second_factor.has_second_factor(user) else "core.sign_in_set_up"))


def _finish_sign_in(user: User, *, remember: bool, next_page: str | None, remember_browser: bool = False,
                    page=None):
    """A fresh signed-in session, then where they were going (or `page()`)."""
    _start_session(user, remember=remember)
    response = current_app.make_response(page()) if page else redirect(_safe_next(next_page))
    _remember_device(response, user)
    if remember_browser:
        response.set_cookie(REMEMBER_BROWSER_COOKIE, second_factor.remember_browser_token(user),
                            max_age=second_factor.REMEMBER_BROWSER_DAYS * 24 * 3600,
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
    return response


def _code_refused(response) -> bool:
    """Only a wrong code counts: a finished set-up answers 200 (the recovery
    codes are shown at once, never kept in a cookie for a redirect), so it
    says so in `g`."""
    return _failed(response) and not g.get("code_accepted", False)


def _code_limits(view):
    """Code entry is limited like the password (failures only), per IP and
    per account, shared by the app-code, recovery-code and set-up pages."""
    view = limiter.shared_limit(lambda: current_app.config["SECOND_FACTOR_LIMIT_PER_ACCOUNT"], "second-factor",
                                key_func=second_factor.pending_account_key, methods=["POST"],
                                deduct_when=_code_refused)(view)
    return limiter.shared_limit(lambda: current_app.config["SECOND_FACTOR_LIMIT_PER_IP"], "second-factor-ip",
                                methods=["POST"], deduct_when=_code_refused)(view)


def _no_sign_in_held():
    """Nothing waits for a code here: signed in already, or the held sign-in lapsed."""
    if current_user.is_authenticated:
        return redirect(url_for("core.account"))
    flash("Your sign-in timed out before the code was entered. Sign in again.", "info")
    return redirect(url_for("core.sign_in"))


def _held_sign_in():
    """The sign-in waiting for its code, or None (already signed in, or
    nothing held here, or it has lapsed)."""
    return None if current_user.is_authenticated else second_factor.pending_sign_in()


@bp.route("/sign-in/code", methods=["GET", "POST"])
@_code_limits
def sign_in_code():
    pending = _held_sign_in()
    if pending is None:
        return _no_sign_in_held()
    if not second_factor.has_second_factor(pending.user):
        return redirect(url_for("core.sign_in_set_up"))
    form = SecondFactorCodeForm()
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: second_factor.check_code(pending.user, form.code.data),
                               refusal_is_kept=True)
        if done:
            return _finish_sign_in(pending.user, remember=pending.remember, next_page=pending.next_page,
                                   remember_browser=form.remember_browser.data)
    return render_template("core/sign_in_code.html", form=form)


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
@_code_limits
def sign_in_recovery_code():
    pending = _held_sign_in()
    if pending is None or not second_factor.has_second_factor(pending.user):
        return redirect(url_for("core.sign_in_code"))
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        done, left = call_service(form, lambda: second_factor.use_recovery_code(pending.user, form.code.data),
                                  refusal_is_kept=True)
        if done:
            response = _finish_sign_in(pending.user, remember=pending.remember, next_page=pending.next_page)
            flash(f"You have {left} recovery code{'' if left == 1 else 's'} left. "  # in the new session
                  "You can make new ones from your account page.", "info")
            return response
    return render_template("core/sign_in_recovery_code.html", form=form)


def _set_up_page(user: User, form: SetUpSecondFactorForm, *, done, back: str):
    """Show a new secret (second_factor.secret_being_set_up) and turn the
    second factor on with it; `done(codes)` draws what comes after."""
    secret = second_factor.secret_being_set_up(user)
    if form.validate_on_submit():
        finished, codes = call_service(form, lambda: second_factor.set_up(user, secret=secret, code=form.code.data))
        if finished:
            second_factor.forget_secret_being_set_up()
            g.code_accepted = True  # the recovery codes page answers 200: not a wrong code (_code_refused)
            return done(codes)
    return render_template("core/set_up_second_factor.html", form=form, qr_code=second_factor.qr_code(user, secret),
                           secret=second_factor.secret_for_typing(secret), required=second_factor.needs_second_factor(user),
                           back=back)


@bp.route("/sign-in/set-up-code", methods=["GET", "POST"])
@_code_limits
def sign_in_set_up():
    pending = _held_sign_in()
    if pending is None:
        return _no_sign_in_held()
    if second_factor.has_second_factor(pending.user):
        return redirect(url_for("core.sign_in_code"))
    return _set_up_page(pending.user, SetUpSecondFactorForm(), back=url_for("core.sign_in"), done=lambda codes: (
        _finish_sign_in(pending.user, remember=pending.remember, next_page=pending.next_page, page=lambda: (
            render_template("core/recovery_codes.html", codes=codes, onward=_safe_next(pending.next_page),
                            set_up=True)))))


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
    try:
        claims = oidc.claims_from_provider()
        user = oidc.sign_in(claims)
    except DomainError as error:
        db.session.commit()  # keep the refusal in the audit log
        return render_template("core/oidc_problem.html", message=error.message), 400
    db.session.commit()
    return _after_password(user, remember=False, next_page=session.pop(OIDC_NEXT_KEY, None),
                           second_factor_done=oidc.passed_second_factor(claims))


# --- the signed-in person's account -----------------------------------------

@bp.get("/account")
@login_required
def account():
    return render_template("core/account.html", form=EmptyForm(),
                           second_factor_required=second_factor.needs_second_factor(current_user))


@bp.get("/account/your-data")
@login_required
def your_data():
    return render_template("core/your_data.html", sections=personal_data.about(current_user),
                           readable=personal_data.readable)


@bp.get("/account/your-data.json")
@login_required
def your_data_download():
    made_at = utcnow()
    body = json.dumps(personal_data.as_json(personal_data.about(current_user), made_at=made_at), indent=2,
                      ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="your-data-{made_at:%Y-%m-%d}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: services.update_name(actor=current_user, name=form.name.data))
        if done:
            flash("Your name has been saved.", "success")
            return redirect(url_for("core.account"))
    return render_template("core/edit_profile.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        done, email = call_service(form, lambda: services.request_email_change(
            actor=current_user, new_email=form.email.data, password=form.password.data))
        if done:
            flash(f"We have sent a link to {email}. Your email address changes when you follow it. Until then "
                  f"we keep using {current_user.email}.", "success")
            return redirect(url_for("core.account"))
    return render_template("core/change_email.html", form=form)


@bp.route("/account/email/undo/<token>", methods=["GET", "POST"])
def undo_email_change(token):
    """The link sent to the old address when the address changes."""
    user, old_email = from_emailed_link(services.user_for_undo_token, token)
    form = EmptyForm()
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: services.undo_email_change(token))
        if done:
            _end_session()
            flash(f"Your email address is {old_email} again and every device has been signed out. We have sent "
                  "a link there to choose a new password.", "success")
            return redirect(url_for("core.sign_in"))
    return render_template("core/undo_email_change.html", form=form, old_email=old_email, new_email=user.email)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: services.change_password(
            actor=current_user, current_password=form.current_password.data, new_password=form.new_password.data))
        if done:
            _start_session(current_user)  # this device stays signed in; others are signed out
            flash("Your password has been changed. You have been signed out on your other devices.", "success")
            return redirect(url_for("core.account"))
    return render_template("core/change_password.html", form=form)


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: erasure.delete_account(current_user, password=form.password.data))
        if done:
            _end_session()
            flash("Your account has been deleted, with everything that said who you are.", "success")
            return redirect(url_for("core.home"))
    return render_template("core/delete_account.html", form=form, waiting=erasure.reasons_to_wait(current_user))


@bp.route("/account/sign-in-codes", methods=["GET", "POST"])
@login_required
def set_up_second_factor():
    if second_factor.has_second_factor(current_user):
        return redirect(url_for("core.account"))
    return _set_up_page(current_user, SetUpSecondFactorForm(), back=url_for("core.account"), done=lambda codes: (
        render_template("core/recovery_codes.html", codes=codes, onward=url_for("core.account"), set_up=True)))


@bp.route("/account/sign-in-codes/recovery-codes", methods=["GET", "POST"])
@login_required
def new_recovery_codes():
    if not second_factor.has_second_factor(current_user):
        return redirect(url_for("core.account"))
    form = CodeOrPasswordForm()
    if form.validate_on_submit():
        done, codes = call_service(form, lambda: second_factor.new_recovery_codes(
            current_user, code_or_password=form.code_or_password.data))
        if done:
            return render_template("core/recovery_codes.html", codes=codes, onward=url_for("core.account"))
    return render_template("core/new_recovery_codes.html", form=form,
                           left=second_factor.recovery_codes_left(current_user))


@bp.route("/account/sign-in-codes/turn-off", methods=["GET", "POST"])
@login_required
def turn_off_second_factor():
    if not second_factor.has_second_factor(current_user):
        return redirect(url_for("core.account"))
    form = CodeOrPasswordForm()
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: second_factor.turn_off(
            current_user, code_or_password=form.code_or_password.data))
        if done:
            flash("You no longer need a code to sign in.", "success")
            return redirect(url_for("core.account"))
    return render_template("core/turn_off_second_factor.html", form=form,
                           required=second_factor.needs_second_factor(current_user))


# --- equality monitoring: the person's own answers --------------------------
# Members reach these from their account; guests by the link in their emails
# (the same routes with `/guest/<token>`), which names their email address.

EQUALITY_LINK_SALT = "equality-monitoring"


def equality_link(email: str) -> str:
    """The address of a guest's own equality monitoring page, for emails."""
    token = services.link_token(EQUALITY_LINK_SALT, equality.person_key(None, email))
    return url_for("core.about_you", token=token, _external=True)


def equality_offer(user=None, email: str | None = None) -> str | None:
    """Where to offer the questions after someone takes part, or None when
    they have answered them already. Guests get an address only once they
    have shown the email is theirs (followed an emailed link)."""
    key = equality.person_key(user, email) if (user or email) else None
    if key is None or equality.answers_of(key) is not None:
        return None
    return url_for("core.about_you") if user else equality_link(email)


def _respondent(token: str | None) -> tuple[str, dict]:
    """Whose answers this request is about, and the URL arguments that keep
    the next page about the same person."""
    if token is not None:
        key = from_emailed_link(services.link_token_data, EQUALITY_LINK_SALT, token)
        if not isinstance(key, str) or not key.startswith("guest:"):
            abort(404)
        return key, {"token": token}
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    return equality.person_key(current_user), {}


@bp.get("/about-you")
@bp.get("/about-you/guest/<token>")
def about_you(token=None):
    key, link = _respondent(token)
    response = equality.answers_of(key)
    return render_template("core/equality.html", response=response, link=link, form=EmptyForm(),
                           characteristics=equality.CHARACTERISTICS, backgrounds=equality.ETHNIC_BACKGROUNDS,
                           retention_years=equality.RETENTION_YEARS, consent_version=equality.CONSENT_VERSION)


@bp.post("/about-you/consent")
@bp.post("/about-you/guest/<token>/consent")
def equality_consent(token=None):
    key, link = _respondent(token)
    if not EmptyForm().validate_on_submit():
        abort(400)
    equality.give_consent(key, user=current_user if not token else None)
    db.session.commit()
    return redirect(url_for("core.equality_questions", **link))


# The questions come in up to three pages: the main ones; a follow-up page
# for what depends on them (ethnic background, a condition's effect); the
# two 16+ questions. Each page saves, then goes to the next that applies.
EQUALITY_PAGES = ("core.equality_questions", "core.equality_follow_up", "core.equality_adult_questions")


def _equality_page(token, *, applies, form_for, save, template):
    key, link = _respondent(token)
    response = equality.answers_of(key)
    if response is None or not applies(response):
        return redirect(url_for("core.about_you", **link))
    form = form_for(response)
    if form.validate_on_submit():
        done, saved = call_service(form, lambda: save(key, form.data))
        if done:
            following = EQUALITY_PAGES[EQUALITY_PAGES.index(request.endpoint) + 1:]
            applying = {"core.equality_follow_up": equality.follow_up_questions,
                        "core.equality_adult_questions": equality.asks_adult_questions}
            for endpoint in following:
                if applying[endpoint](saved):
                    return redirect(url_for(endpoint, **link))
            flash("Thank you. Your answers have been saved.", "success")
            return redirect(url_for("core.about_you", **link))
    return render_template(template, form=form, link=link)


@bp.route("/about-you/questions", methods=["GET", "POST"])
@bp.route("/about-you/guest/<token>/questions", methods=["GET", "POST"])
def equality_questions(token=None):
    return _equality_page(token, applies=lambda response: True, save=equality.save_answers,
                          form_for=lambda response: EqualityQuestionsForm(obj=response),
                          template="core/equality_questions.html")


@bp.route("/about-you/follow-up", methods=["GET", "POST"])
@bp.route("/about-you/guest/<token>/follow-up", methods=["GET", "POST"])
def equality_follow_up(token=None):
    return _equality_page(token, applies=equality.follow_up_questions, save=equality.save_follow_up_answers,
                          form_for=lambda response: EqualityFollowUpForm(obj=response).for_answers(response),
                          template="core/equality_follow_up.html")


@bp.route("/about-you/more-questions", methods=["GET", "POST"])
@bp.route("/about-you/guest/<token>/more-questions", methods=["GET", "POST"])
def equality_adult_questions(token=None):
    return _equality_page(token, applies=equality.asks_adult_questions, save=equality.save_adult_answers,
                          form_for=lambda response: EqualityAdultQuestionsForm(obj=response),
                          template="core/equality_adult_questions.html")


@bp.post("/about-you/withdraw")
@bp.post("/about-you/guest/<token>/withdraw")
def equality_withdraw(token=None):
    key, link = _respondent(token)
    actor = current_user if current_user.is_authenticated and not token else None
    return press_button(EmptyForm(), lambda: equality.withdraw(key, actor=actor),
                        "Your answers have been deleted.", url_for("core.about_you", **link))


# --- administration ---------------------------------------------------------

@bp.get("/admin/users")
@safeguarding.shows_contact_details("email")
@login_required
def admin_users():
    if not permissions.can_manage_users(current_user):
        abort(403)
    form = UserSearchForm(request.args)
    query = account_queries.accounts_by_name()
    if form.validate() and form.q.data:
        words = form.q.data.strip().lower()
        # An address finds its account only whole, and only when the gate would
        # show that address to this admin: pieces of addresses, or a young
        # member's, would let the search confirm what the page hides.
        owner = services.find_user_by_email(words) if "@" in words else None
        if owner is not None and not safeguarding.may_see_contact_details(current_user, owner):
            owner = None
        query = account_queries.accounts_by_name(words, or_account=owner)
    users = db.paginate(query, page=page_number(), per_page=PAGE_SIZE, error_out=False)
    return render_template("core/admin_users.html", form=form, users=users,
                           shown=safeguarding.screen(current_user, users.items))


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@safeguarding.shows_contact_details("email")
@login_required
def admin_user(user_id):
    if not permissions.can_manage_users(current_user):
        abort(403)
    user = db.get_or_404(User, user_id)
    form = SiteRolesForm(roles=[role.value for role in user.site_roles])
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: services.set_site_roles(
            user, {SiteRole(value) for value in form.roles.data}, actor=current_user))
        if done:
            flash(f"Roles for {user.name} have been saved.", "success")
            return redirect(url_for("core.admin_user", user_id=user.id))
    history = account_queries.recent_history_of_account(user)
    return render_template("core/admin_user.html", user=user, form=form, history=history,
                           second_factor_required=second_factor.needs_second_factor(user),
                           withheld=safeguarding.screen(current_user, [user]).note(user))


@bp.post("/admin/users/<int:user_id>/reset-sign-in-codes")
@login_required
def reset_second_factor(user_id):
    if not permissions.can_manage_users(current_user):
        abort(403)
    user = db.get_or_404(User, user_id)
    return press_button(EmptyForm(), lambda: second_factor.reset(user, actor=current_user),
                        f"{user.name}'s authenticator app has been reset. They will set up a new one when they "
                        "next sign in, and we have emailed them to say so.", url_for("core.admin_user", user_id=user.id))


@bp.get("/admin/audit")
@safeguarding.shows_contact_details("email", names_people=False)
@login_required
def audit_log():
    if not permissions.can_view_audit_log(current_user):
        abort(403)
    entries = db.paginate(queries.audit_log_newest_first(), page=page_number(), per_page=PAGE_SIZE, error_out=False)
    addresses = {value.lower() for entry in entries.items for value in entry.details.values()
                 if isinstance(value, str) and "@" in value}
    people = [safeguarding.Person(None, address) for address in addresses]
    shown = safeguarding.screen(current_user, people)
    return render_template("core/audit_log.html", entries=entries,
                           withheld={person.email: shown.note(person) for person in people if not shown.shows(person)})
