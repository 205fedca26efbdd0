"""The signed-in person's account: the account page, their data, their name,
email address and password, deleting the account, and their second-factor
settings (setting up an app, new recovery codes, turning it off); and the
limits on the password or a code asked again on those pages."""
import json

from flask import Response, current_app, flash, g, redirect, render_template, url_for
from flask_login import current_user, login_required

from core import unsubscribes
from core.accounts import second_factor, services
from core.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    CodeOrPasswordForm,
    DeleteAccountForm,
    ProfileForm,
    SetUpSecondFactorForm,
)
from core.database import utcnow
from core.extensions import limiter
from core.formatting import masked_address
from core.forms import EmptyForm, call_service
from core.i18n import _
from core.privacy import erasure
from core.privacy import your_data as personal_data  # the view below is your_data
from core.views import bp
from core.views.emailed_links import from_emailed_link
from core.views.sign_in import end_session, start_session
from core.views.sign_in_code import limit_codes_per_account, set_up_page


# --- the password or a code, asked again -----------------------------------------------
# A page that asks for the password again is a way to guess it, for whoever holds a
# session (a browser left signed in, a stolen cookie): limited per account as signing
# in is, and each wrong answer kept in the audit log as signing in keeps it. Only a
# wrong answer counts: a new password too easy to guess, or recovery codes shown (a
# 200), do not. The pages share one count of wrong passwords per account; those that
# also take a code count against the account's codes too, with the code step of
# signing in (sign_in_code.limit_codes_per_account).

def _signed_out() -> bool:
    return not current_user.is_authenticated


def _account_id():
    return getattr(current_user, "id", None)


def _answer_refused(response) -> bool:
    return bool(g.get("answer_refused"))


def _password_limit(view):
    return limiter.shared_limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"], "account-password",
                                key_func=lambda: f"account-password:{_account_id()}", methods=["POST"],
                                deduct_when=_answer_refused, exempt_when=_signed_out)(view)


def _code_limit(view):
    return limit_codes_per_account(key_func=lambda: second_factor.code_limit_key(_account_id()),
                                   deduct_when=_answer_refused)(view)


def _call_asking_again(form, action):
    """call_service for a change that asks for the password (or a code)
    again: a wrong answer is kept in the audit log and noted for the limits."""
    def checked():
        try:
            return action()
        except (services.WrongPassword, second_factor.WrongCode):
            g.answer_refused = True
            raise
    return call_service(form, checked, refusal_is_kept=True)


@bp.get("/account")
@login_required
def account():
    stopped = [(scope, unsubscribes.describe(scope)) for scope in unsubscribes.scopes_stopped(current_user.email)]
    return render_template("core/account.html", form=EmptyForm(),
                           second_factor_required=second_factor.needs_second_factor(current_user),
                           stopped=[(scope, what) for scope, what in stopped if what])


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
    return response


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        done, _unused = call_service(form, lambda: services.update_name(actor=current_user, name=form.name.data))
        if done:
            flash(_("Your name has been saved."), "success")
            return redirect(url_for("core.account"))
    return render_template("core/edit_profile.html", form=form)


def _link_sent(response) -> bool:
    return response.status_code == 302


@bp.route("/account/email", methods=["GET", "POST"])
@_password_limit
@limiter.limit(lambda: current_app.config["EMAIL_CHANGE_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=lambda: f"email-change:{_account_id()}", deduct_when=_link_sent,
               exempt_when=_signed_out)
@login_required
def change_email():
    """Each request sends an email (a link, or to an address that has an
    account, a note saying so): limited per account as well."""
    form = ChangeEmailForm()
    if form.validate_on_submit():
        done, email = _call_asking_again(form, lambda: services.request_email_change(
            actor=current_user, new_email=form.email.data, password=form.password.data))
        if done:
            flash(_("We have sent a link to %(new_address)s. Your email address changes when you follow it. Until then "
                    "we keep using %(address)s.", new_address=email, address=current_user.email), "success")
            return redirect(url_for("core.account"))
    return render_template("core/change_email.html", form=form)


@bp.route("/account/email/undo/<token>", methods=["GET", "POST"])
def undo_email_change(token):
    """The link sent to the old address when the address changes."""
    user, old_email = from_emailed_link(services.user_for_undo_token, token, account_link=True)
    form = EmptyForm()
    if form.validate_on_submit():
        done, _unused = call_service(form, lambda: services.undo_email_change(token))
        if done:
            end_session()
            flash(_("Your email address is %(address)s again and every device has been signed out. We have sent "
                    "a link there to choose a new password.", address=masked_address(old_email)), "success")
            return redirect(url_for("core.sign_in"))
    # Masked: the page is for whoever holds the link, which may have been forwarded.
    return render_template("core/undo_email_change.html", form=form, old_email=masked_address(old_email),
                           new_email=masked_address(user.email))


@bp.route("/account/password", methods=["GET", "POST"])
@_password_limit
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        done, _unused = _call_asking_again(form, lambda: services.change_password(
            actor=current_user, current_password=form.current_password.data, new_password=form.new_password.data))
        if done:
            # The account itself, not the current_user proxy: Flask-Login keeps what it is given as the request's user.
            start_session(current_user._get_current_object())  # this device stays signed in; others are signed out
            flash(_("Your password has been changed. You have been signed out on your other devices."), "success")
            return redirect(url_for("core.account"))
    return render_template("core/change_password.html", form=form)


@bp.route("/account/delete", methods=["GET", "POST"])
@_password_limit
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        done, _unused = _call_asking_again(form, lambda: erasure.delete_account(current_user, password=form.password.data))
        if done:
            end_session()
            flash(_("Your account has been deleted, with everything that said who you are."), "success")
            return redirect(url_for("core.home"))
    return render_template("core/delete_account.html", form=form, waiting=erasure.reasons_to_wait(current_user))


@bp.route("/account/sign-in-codes", methods=["GET", "POST"])
@login_required
def set_up_second_factor():
    if second_factor.has_second_factor(current_user):
        return redirect(url_for("core.account"))
    return set_up_page(current_user, SetUpSecondFactorForm(), back=url_for("core.account"), done=lambda codes: (
        render_template("core/recovery_codes.html", codes=codes, onward=url_for("core.account"), set_up=True)))


@bp.route("/account/sign-in-codes/recovery-codes", methods=["GET", "POST"])
@_password_limit
@_code_limit
@login_required
def new_recovery_codes():
    if not second_factor.has_second_factor(current_user):
        return redirect(url_for("core.account"))
    form = CodeOrPasswordForm()
    if form.validate_on_submit():
        done, codes = _call_asking_again(form, lambda: second_factor.new_recovery_codes(
            current_user, code_or_password=form.code_or_password.data))
        if done:
            return render_template("core/recovery_codes.html", codes=codes, onward=url_for("core.account"))
    return render_template("core/new_recovery_codes.html", form=form,
                           left=second_factor.recovery_codes_left(current_user))


@bp.route("/account/sign-in-codes/turn-off", methods=["GET", "POST"])
@_password_limit
@_code_limit
@login_required
def turn_off_second_factor():
    if not second_factor.has_second_factor(current_user):
        return redirect(url_for("core.account"))
    form = CodeOrPasswordForm()
    if form.validate_on_submit():
        done, _unused = _call_asking_again(form, lambda: second_factor.turn_off(
            current_user, code_or_password=form.code_or_password.data))
        if done:
            flash(_("You no longer need a code to sign in."), "success")
            return redirect(url_for("core.account"))
    return render_template("core/turn_off_second_factor.html", form=form,
                           required=second_factor.needs_second_factor(current_user))
