"""The signed-in person's account: the account page, their data, their name,
email address and password, deleting the account, and their second-factor
settings (setting up an app, new recovery codes, turning it off)."""
import json

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

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
from core.forms import EmptyForm, call_service
from core.privacy import erasure
from core.privacy import your_data as personal_data  # the view below is your_data
from core.views import bp
from core.views.emailed_links import from_emailed_link
from core.views.sign_in import end_session, start_session
from core.views.sign_in_code import set_up_page


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
            end_session()
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
            start_session(current_user)  # this device stays signed in; others are signed out
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
            end_session()
            flash("Your account has been deleted, with everything that said who you are.", "success")
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
