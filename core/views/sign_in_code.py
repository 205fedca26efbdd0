"""The second step of signing in: a code from an authenticator app or a
recovery code, or setting up an app for someone who needs one and has none;
and the set-up page the account's second-factor settings share."""
from flask import current_app, flash, g, redirect, render_template, url_for
from flask_login import current_user

from core.accounts import second_factor
from core.accounts.forms import RecoveryCodeForm, SecondFactorCodeForm, SetUpSecondFactorForm
from core.accounts.models import User
from core.extensions import limiter
from core.forms import call_service
from core.i18n import _, ngettext
from core.views import bp
from core.views.sign_in import attempt_failed, finish_sign_in, safe_next


def _code_refused(response) -> bool:
    """Only a wrong code counts: a finished set-up answers 200 (the recovery
    codes are shown at once, never kept in a cookie for a redirect), so it
    says so in `g`."""
    return attempt_failed(response) and not g.get("code_accepted", False)


def limit_codes_per_account(*, key_func, deduct_when):
    """The one count of wrong codes per account (SECOND_FACTOR_LIMIT_PER_ACCOUNT),
    shared by every page that takes a code for it: the app-code, recovery-code
    and set-up pages at sign-in, and the account pages that ask for a code
    again. `key_func` names the account (second_factor.code_limit_key)."""
    return limiter.shared_limit(lambda: current_app.config["SECOND_FACTOR_LIMIT_PER_ACCOUNT"], "second-factor",
                                key_func=key_func, methods=["POST"], deduct_when=deduct_when)


def _code_limits(view):
    """Code entry is limited like the password (failures only), per IP and
    per account, shared by the app-code, recovery-code and set-up pages."""
    view = limit_codes_per_account(key_func=second_factor.pending_account_key, deduct_when=_code_refused)(view)
    return limiter.shared_limit(lambda: current_app.config["SECOND_FACTOR_LIMIT_PER_IP"], "second-factor-ip",
                                methods=["POST"], deduct_when=_code_refused)(view)


def _no_sign_in_held():
    """Nothing waits for a code here: signed in already, or the held sign-in lapsed."""
    if current_user.is_authenticated:
        return redirect(url_for("core.account"))
    flash(_("Your sign-in timed out before the code was entered. Sign in again."), "info")
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
        done, _unused = call_service(form, lambda: second_factor.check_code(pending.user, form.code.data),
                               refusal_is_kept=True)
        if done:
            return finish_sign_in(pending.user, remember=pending.remember, next_page=pending.next_page,
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
            response = finish_sign_in(pending.user, remember=pending.remember, next_page=pending.next_page)
            flash(ngettext("You have %(num)d recovery code left. You can make new ones from your account page.",
                           "You have %(num)d recovery codes left. You can make new ones from your account page.",
                           left), "info")  # in the new session
            return response
    return render_template("core/sign_in_recovery_code.html", form=form)


def set_up_page(user: User, form: SetUpSecondFactorForm, *, done, back: str):
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
    return set_up_page(pending.user, SetUpSecondFactorForm(), back=url_for("core.sign_in"), done=lambda codes: (
        finish_sign_in(pending.user, remember=pending.remember, next_page=pending.next_page, page=lambda: (
            render_template("core/recovery_codes.html", codes=codes, onward=safe_next(pending.next_page),
                            set_up=True)))))
