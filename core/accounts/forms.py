"""Forms for accounts and their administration: signing up and in, the
second factor, one's profile, email address and password, and site roles."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput, GovCheckboxInput, GovPasswordInput, GovSubmitInput, GovTextInput,
)
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from core.accounts.models import NAME_MAX_LENGTH, SiteRole
from core.accounts.services import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from core.forms import NoControlCharacters, NoLinks, email_field
from core.i18n import _l
from core.models import EMAIL_MAX_LENGTH


def _name_field():
    return StringField(
        _l("Full name"),
        widget=GovTextInput(),
        validators=[
            InputRequired(_l("Enter your full name")),
            Length(max=NAME_MAX_LENGTH, message=_l("Full name must be %(max)d characters or fewer", max=NAME_MAX_LENGTH)),
            NoControlCharacters(),
            NoLinks(),
        ],
        render_kw={"autocomplete": "name", "spellcheck": "false"},
    )


def _new_password_field(label=_l("Create a password"), required_message=_l("Enter a password")):
    return PasswordField(
        label,
        description=_l("Use %(min)d or more characters. Three random words work well.", min=PASSWORD_MIN_LENGTH),
        widget=GovPasswordInput(),
        validators=[
            InputRequired(required_message),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=PASSWORD_MAX_LENGTH,
                message=_l("Password must be between %(min)d and %(max)d characters", min=PASSWORD_MIN_LENGTH,
                           max=PASSWORD_MAX_LENGTH),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class SignUpForm(FlaskForm):
    name = _name_field()
    email = email_field(hint=_l("We will send you an email to confirm it"))
    password = _new_password_field()
    submit = SubmitField(_l("Create account"), widget=GovSubmitInput())


class SignInForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        widget=GovPasswordInput(),
        validators=[
            InputRequired(_l("Enter your password")),
            Length(max=PASSWORD_MAX_LENGTH, message=_l("Enter a correct email address and password")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device for 14 days"), widget=GovCheckboxInput())
    submit = SubmitField(_l("Sign in"), widget=GovSubmitInput())


class ForgotPasswordForm(FlaskForm):
    email = email_field()
    submit = SubmitField(_l("Send reset link"), widget=GovSubmitInput())


class ResetPasswordForm(FlaskForm):
    name = _name_field()
    password = _new_password_field(label=_l("New password"), required_message=_l("Enter a new password"))
    submit = SubmitField(_l("Save new password"), widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        widget=GovPasswordInput(),
        validators=[InputRequired(_l("Enter your current password")), Length(max=PASSWORD_MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password_field(label=_l("New password"), required_message=_l("Enter a new password"))
    submit = SubmitField(_l("Change password"), widget=GovSubmitInput())


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        widget=GovPasswordInput(),
        validators=[InputRequired(_l("Enter your password to delete your account")), Length(max=PASSWORD_MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Delete my account"), widget=GovSubmitInput())


def _current_password_field(label=_l("Your password"), missing=_l("Enter your password")):
    return PasswordField(label, widget=GovPasswordInput(),
                         validators=[InputRequired(missing), Length(max=PASSWORD_MAX_LENGTH)],
                         render_kw={"autocomplete": "current-password"})


class ProfileForm(FlaskForm):
    name = _name_field()
    submit = SubmitField(_l("Save changes"), widget=GovSubmitInput())


class ChangeEmailForm(FlaskForm):
    email = email_field(label=_l("New email address"), hint=_l("We will send a link to it. Your address changes when "
                                                               "you follow that link."),
                        missing=_l("Enter your new email address"))
    password = _current_password_field()
    submit = SubmitField(_l("Send the link"), widget=GovSubmitInput())


class ConfirmEmailForm(FlaskForm):
    password = _current_password_field(missing=_l("Enter the password of your account"))
    submit = SubmitField(_l("Confirm email address"), widget=GovSubmitInput())


class ResendConfirmationForm(FlaskForm):
    email = email_field()
    submit = SubmitField(_l("Send the link again"), widget=GovSubmitInput())


class SiteRolesForm(FlaskForm):
    roles = SelectMultipleField(
        "Site roles",
        choices=[(role.value, role.label) for role in SiteRole],
        widget=GovCheckboxesInput(),
        # No optional_choice(): it would clear the invalid-choice error for an empty value. None ticked is fine.
        invalid_choice_message="Select site roles from the list",
    )
    submit = SubmitField("Save roles", widget=GovSubmitInput())


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(
        "Search by name or full email address",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=EMAIL_MAX_LENGTH, message="Search must be 254 characters or fewer"),
                    NoControlCharacters()],
    )


def _authenticator_code_field():
    return StringField(
        _l("Code from your authenticator app"),
        description=_l("The 6-digit code the app shows now, like 123456"),
        widget=GovTextInput(),
        validators=[InputRequired(_l("Enter the 6-digit code from your authenticator app")),
                    Regexp(r"^\s*(\d\s*){6}$", message=_l("Enter the code as 6 digits, like 123456"))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )


class SecondFactorCodeForm(FlaskForm):
    code = _authenticator_code_field()
    remember_browser = BooleanField(_l("Do not ask for a code on this browser for 30 days"), widget=GovCheckboxInput(),
                                    description=_l("Only on a device that you alone use"))
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class RecoveryCodeForm(FlaskForm):
    code = StringField(
        _l("Recovery code"),
        description=_l("One of the codes you saved when you set up your authenticator app, like abcd-efgh-jkmn"),
        widget=GovTextInput(),
        validators=[InputRequired(_l("Enter one of your recovery codes")),
                    Length(max=40, message=_l("Enter a recovery code, like abcd-efgh-jkmn")), NoControlCharacters()],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class SetUpSecondFactorForm(FlaskForm):
    code = _authenticator_code_field()
    submit = SubmitField(_l("Turn on"), widget=GovSubmitInput())


class CodeOrPasswordForm(FlaskForm):
    """Proof it is still the person before a change to their second factor."""

    code_or_password = PasswordField(
        _l("A code from your authenticator app, or your password"),
        widget=GovPasswordInput(),
        validators=[InputRequired(_l("Enter a code from your authenticator app, or your password")),
                    Length(max=PASSWORD_MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())
