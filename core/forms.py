"""Forms for accounts and administration, and the form fields every package
shares (dates, times, names, email addresses, text). They check shape
(present, length, format); the services check meaning (taken, guessable,
allowed)."""
import re
import unicodedata
from datetime import time

from flask import abort, flash, redirect, render_template
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovPasswordInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField, DateField, PasswordField, RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField,
)
from jinja2.utils import LRUCache
from markupsafe import Markup
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp, ValidationError

from core import equality
from core.errors import DomainError
from core.extensions import db
from core.models import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, SiteRole
from core.services import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH


def optional_choice() -> Optional:
    """For a choice field that may be left empty. Unlike Optional(), a value of
    spaces is not "empty": it must be one of the choices like anything else
    (Optional() would wave it through, and clear the invalid-choice error)."""
    return Optional(strip_whitespace=False)


class NoControlCharacters:
    """Refuse invisible control characters (NUL and friends), which no one
    types on purpose and PostgreSQL cannot store in text."""

    def __init__(self, allow: str = ""):
        self.allow = allow

    def __call__(self, form, field):
        value = field.data or ""
        if any(unicodedata.category(ch) == "Cc" and ch not in self.allow for ch in value):
            raise ValidationError(f"{field.label.text} must not include invisible control characters")


class NoLinks:
    """Refuse web and email addresses in a person's name. Names are put into
    emails (a confirmation to the address someone typed, a parent's consent),
    so a "name" with a link in it would make this service send someone's spam.

    What a reader could follow is refused however it is disguised: a slash or
    an @, "www", an address written with any full stop ("evil。com",
    "evil[.]com", "evil dot com"), and numbers that look like an IP address.
    A full stop is only a link when letters follow it with no space ("bit.ly",
    not "J. R. R. Tolkien"), and letters are anyone's letters, so names in
    every script, and with joiners (ZWNJ in Persian and Urdu), are untouched."""

    _BRACKETED_DOT = r"[\[({<]\s*(?:[.。]|dot)\s*[\])}>]"  # never part of a name
    _DOT = rf"(?:[.。]|\s*{_BRACKETED_DOT}\s*)"  # NFKC has already made ．｡․﹒ into . or 。
    _LINK = re.compile(
        r"[/\\⁄∕@]|www"
        rf"|\w{_DOT}[^\W\d_]{{2}}"  # a domain: bit.ly, evil。com, evil[.]com
        rf"|\d\s*{_DOT}\s*\d+\s*{_DOT}\s*\d"  # an IPv4 address: 203.0.113.5, 203 . 0 . 113 . 5
        r"|[0-9a-f]*:[0-9a-f]*:"  # an IPv6 one: 2001:db8::1
        rf"|{_BRACKETED_DOT}",
        re.IGNORECASE)
    _SPELT_DOT = re.compile(r"\w\s+(dot)\s+([^\W\d_]{2,})", re.IGNORECASE)

    def __call__(self, form, field):
        if self.is_link(field.data or ""):
            raise ValidationError(f"{field.label.text} must not include a web address")

    @classmethod
    def is_link(cls, text: str) -> bool:
        # Read as a reader sees it: fullwidth and other compatibility forms
        # folded, invisible characters (zero-width spaces, joiners) and accents
        # dropped, so "bit\u200b.ly" is still bit.ly. Only for this check: the
        # name is kept as typed.
        seen = unicodedata.normalize("NFKC", "".join(
            ch for ch in unicodedata.normalize("NFKD", text) if unicodedata.category(ch) not in ("Cf", "Mn", "Me")))
        # "evil dot com" is an address, Mary Dot Smith a name: a spelt-out dot
        # is a name only when it and the word after it are written as names are.
        return bool(cls._LINK.search(seen)) or any(
            not (dot == "Dot" and word.istitle()) for dot, word in cls._SPELT_DOT.findall(seen))


def search_words(text: str | None, max_length: int = 100) -> str:
    """What someone typed into a plain search box (not a form), without control
    characters, which PostgreSQL cannot compare with text."""
    return "".join(ch for ch in text or "" if unicodedata.category(ch) != "Cc").strip()[:max_length]


_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\s*$", re.IGNORECASE)


def parse_time(text: str) -> time | None:
    """'18:30', '18.30', '6:30pm', '6pm' -> a time; anything else -> None."""
    match = _TIME.match(text or "")
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


class TimeField(StringField):
    widget = GovTextInput()

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data:
            parsed = parse_time(self.data)
            if parsed is None:
                raise ValueError(f"Enter {self.label.text.lower()} as a time, like 18:30 or 6:30pm")
            self.data = parsed

    def _value(self):
        if isinstance(self.data, time):
            return self.data.strftime("%H:%M")
        return super()._value()


EARLIEST_YEAR, LATEST_YEAR = 1900, 2100


class DayMonthYearField(DateField):
    """The GOV.UK date input: day, month and year boxes. Only years from
    EARLIEST_YEAR to LATEST_YEAR: every date here is someone's birth or a
    day this partnership works, and a year like 1 or 9999 is a slip or an
    attack that would overflow the date arithmetic behind the form."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            self.raw_data = None  # not submitted at all: show empty boxes
            return
        if len(valuelist) != 3:
            self.raw_data = (list(valuelist) + ["", "", ""])[:3]
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2027")
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2027") from None
        if not EARLIEST_YEAR <= self.data.year <= LATEST_YEAR:
            self.data = None
            raise ValueError(f"{self.label.text} must be a date between {EARLIEST_YEAR} and {LATEST_YEAR}")


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


def required_text(label, max_length, message, *, person_name=False, **kwargs) -> StringField:
    """`person_name`: someone's name, which emails may quote (no web addresses).
    Only spaces is no answer: it gets `message`, as an empty field does."""
    return StringField(label, widget=GovTextInput(), filters=[_stripped], validators=[
        DataRequired(message), Length(max=max_length, message=f"{label} must be {max_length} characters or fewer"),
        NoControlCharacters(), *([NoLinks()] if person_name else [])], **kwargs)


def optional_text(label, max_length, description=None, *, person_name=False, **kwargs) -> StringField:
    return StringField(label, description=description, widget=GovTextInput(), validators=[
        Optional(), Length(max=max_length, message=f"{label} must be {max_length} characters or fewer"),
        NoControlCharacters(), *([NoLinks()] if person_name else [])], **kwargs)


def optional_long_text(label, max_length, description=None) -> TextAreaField:
    return TextAreaField(label, description=description, widget=GovCharacterCount(), validators=[
        Optional(), Length(max=max_length, message=f"{label} must be {max_length} characters or fewer"),
        NoControlCharacters(allow="\r\n\t")])


def email_field(label="Email address", hint=None, missing="Enter your email address") -> StringField:
    """An email address; with `missing=None` it may be left empty."""
    return StringField(
        label,
        description=hint,
        widget=GovTextInput(),
        validators=[
            InputRequired(missing) if missing else Optional(),
            Length(max=EMAIL_MAX_LENGTH, message=f"Email address must be {EMAIL_MAX_LENGTH} characters or fewer"),
            NoControlCharacters(),
            Email("Enter an email address in the correct format, like name@example.com"),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false", "type": "email"},
    )


def _name_field():
    return StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter your full name"),
            Length(max=NAME_MAX_LENGTH, message=f"Full name must be {NAME_MAX_LENGTH} characters or fewer"),
            NoControlCharacters(),
            NoLinks(),
        ],
        render_kw={"autocomplete": "name", "spellcheck": "false"},
    )


def _new_password_field(label="Create a password", required_message="Enter a password"):
    return PasswordField(
        label,
        description=f"Use {PASSWORD_MIN_LENGTH} or more characters. Three random words work well.",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(required_message),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=PASSWORD_MAX_LENGTH,
                message=f"Password must be between {PASSWORD_MIN_LENGTH} and {PASSWORD_MAX_LENGTH} characters",
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class EmptyForm(FlaskForm):
    """A CSRF-protected button, for actions that change something."""

    submit = SubmitField("Continue", widget=GovSubmitInput())


class SignUpForm(FlaskForm):
    name = _name_field()
    email = email_field(hint="We will send you an email to confirm it")
    password = _new_password_field()
    submit = SubmitField("Create account", widget=GovSubmitInput())


class SignInForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired("Enter your password"),
            Length(max=PASSWORD_MAX_LENGTH, message="Enter a correct email address and password"),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me signed in on this device for 14 days", widget=GovCheckboxInput())
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ForgotPasswordForm(FlaskForm):
    email = email_field()
    submit = SubmitField("Send reset link", widget=GovSubmitInput())


class ResetPasswordForm(FlaskForm):
    password = _new_password_field(label="New password", required_message="Enter a new password")
    submit = SubmitField("Save new password", widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your current password"), Length(max=PASSWORD_MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password_field(label="New password", required_message="Enter a new password")
    submit = SubmitField("Change password", widget=GovSubmitInput())


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        "Your password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your password to delete your account"), Length(max=PASSWORD_MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Delete my account", widget=GovSubmitInput())


def _current_password_field(label="Your password", missing="Enter your password"):
    return PasswordField(label, widget=GovPasswordInput(),
                         validators=[InputRequired(missing), Length(max=PASSWORD_MAX_LENGTH)],
                         render_kw={"autocomplete": "current-password"})


class ProfileForm(FlaskForm):
    name = _name_field()
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class ChangeEmailForm(FlaskForm):
    email = email_field(label="New email address", hint="We will send a link to it. Your address changes when "
                        "you follow that link.", missing="Enter your new email address")
    password = _current_password_field()
    submit = SubmitField("Send the link", widget=GovSubmitInput())


class ConfirmEmailForm(FlaskForm):
    password = _current_password_field(missing="Enter the password of your account")
    submit = SubmitField("Confirm email address", widget=GovSubmitInput())


class ResendConfirmationForm(FlaskForm):
    email = email_field()
    submit = SubmitField("Send the link again", widget=GovSubmitInput())


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
        "Code from your authenticator app",
        description="The 6-digit code the app shows now, like 123456",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the 6-digit code from your authenticator app"),
                    Regexp(r"^\s*(\d\s*){6}$", message="Enter the code as 6 digits, like 123456")],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )


class SecondFactorCodeForm(FlaskForm):
    code = _authenticator_code_field()
    remember_browser = BooleanField("Do not ask for a code on this browser for 30 days", widget=GovCheckboxInput(),
                                    description="Only on a device that you alone use")
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RecoveryCodeForm(FlaskForm):
    code = StringField(
        "Recovery code",
        description="One of the codes you saved when you set up your authenticator app, like abcd-efgh-jkmn",
        widget=GovTextInput(),
        validators=[InputRequired("Enter one of your recovery codes"),
                    Length(max=40, message="Enter a recovery code, like abcd-efgh-jkmn"), NoControlCharacters()],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class SetUpSecondFactorForm(FlaskForm):
    code = _authenticator_code_field()
    submit = SubmitField("Turn on", widget=GovSubmitInput())


class CodeOrPasswordForm(FlaskForm):
    """Proof it is still the person before a change to their second factor."""

    code_or_password = PasswordField(
        "A code from your authenticator app, or your password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter a code from your authenticator app, or your password"),
                    Length(max=PASSWORD_MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


def _equality_question(characteristic: equality.Characteristic) -> RadioField:
    """Every question may be skipped, and every one offers "Prefer not to say"."""
    return RadioField(
        characteristic.question, widget=GovRadioInput(), validators=[optional_choice()],
        choices=[*characteristic.categories, (equality.PREFER_NOT_TO_SAY, "Prefer not to say")],
        invalid_choice_message=f"Select an answer to “{characteristic.question}” from the list")


class EqualityQuestionsForm(FlaskForm):
    age_band = _equality_question(equality.AGE_BAND)
    ethnic_group = _equality_question(equality.ETHNIC_GROUP)
    religion = _equality_question(equality.RELIGION)
    sex = _equality_question(equality.SEX)
    disability = _equality_question(equality.DISABILITY)
    postcode_district = StringField(
        "The first half of your postcode (optional)", description="For example, NN1 or NN16",
        widget=GovTextInput(), filters=[lambda value: value.strip().upper() if value else value],
        validators=[Optional(), Length(max=4, message="Enter only the first half of your postcode, like NN1"),
                    Regexp(equality.POSTCODE_DISTRICT_PATTERN,
                           message="Enter the first half of your postcode, like NN1 or NN16")],
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class EqualityFollowUpForm(FlaskForm):
    """Questions that depend on the first page's answers; the view removes
    those that do not apply and offers only the chosen group's backgrounds."""
    ethnic_background = RadioField(widget=GovRadioInput(), validators=[optional_choice()],
                                   invalid_choice_message="Select an ethnic background from the list")
    disability_impact = _equality_question(equality.DISABILITY_IMPACT)
    submit = SubmitField("Save and continue", widget=GovSubmitInput())

    def for_answers(self, response) -> "EqualityFollowUpForm":
        asked = equality.follow_up_questions(response)
        if "ethnic_background" in asked:
            group = equality.ETHNIC_GROUP.label_of(response.ethnic_group)
            self.ethnic_background.label.text = f"Which of these best describes your {group} background?"
            self.ethnic_background.choices = [*equality.ETHNIC_BACKGROUNDS[response.ethnic_group],
                                              (equality.PREFER_NOT_TO_SAY, "Prefer not to say")]
        else:
            del self.ethnic_background
        if "disability_impact" not in asked:
            del self.disability_impact
        return self


class EqualityAdultQuestionsForm(FlaskForm):
    gender_identity = _equality_question(equality.GENDER_IDENTITY)
    sexual_orientation = _equality_question(equality.SEXUAL_ORIENTATION)
    submit = SubmitField("Save answers", widget=GovSubmitInput())


def call_service(form: FlaskForm, action, *, page_shows_result: bool = False, refusal_is_kept: bool = False):
    """The one way a view runs a change: call the service for a submitted
    form; when it succeeds, commit and return (True, what it returned); when
    a rule says no, roll back, show the message beside its field (or at the
    top of the page) and return (False, None).

    `page_shows_result`: the page drawn next (not a redirect) shows what the
    call just wrote; the objects stay loaded through the commit instead of
    being read back one by one (this request's session ends with the page).
    `refusal_is_kept`: a refusal is committed rather than rolled back, for
    the services that record a refused attempt (a wrong password or code) in
    the audit log as they refuse it."""
    try:
        result = action()
    except DomainError as error:
        if refusal_is_kept:
            db.session.commit()
        else:
            db.session.rollback()
        show_domain_error(form, error)
        return False, None
    if page_shows_result:
        db.session().expire_on_commit = False
    db.session.commit()
    return True, result


def press_button(form: FlaskForm, action, message: str, back: str):
    """A one-button POST (withdraw, remove, renew...): check the form's token,
    apply the rule, say what happened, and go back."""
    if not form.validate_on_submit():
        abort(400)
    done, _ = call_service(form, action)
    if done:
        flash(message, "success")
    return redirect(back)


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's message beside its field, or at the top of the page
    when it belongs to no field on this form."""
    for each in getattr(error, "errors", [error]):
        field = getattr(form, each.field, None) if each.field else None
        if field is None:
            flash(each.message, "info")
        else:
            field.errors = [*field.errors, each.message]


_RENDERED_FIELDS = LRUCache(512)


def rendered_fields(form, template: str) -> Markup:
    """A GET filter form's fields as `template` draws them, remembered by all
    the HTML depends on: each field's submitted text, errors and choices.
    The design system's macros cost more than the rest of a list page, and a
    filter form is drawn the same way for the same input again and again.
    Nothing here comes from the database, so no worker can show stale HTML."""
    key = (template, tuple((field.name, tuple(field.raw_data or ()), tuple(field.errors),
                            tuple(getattr(field, "choices", None) or ())) for field in form))
    html = _RENDERED_FIELDS.get(key)
    if html is None:
        html = _RENDERED_FIELDS[key] = Markup(render_template(template, form=form))
    return html
