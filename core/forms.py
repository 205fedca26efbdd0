"""The form fields every package shares (dates, times, names, email
addresses, text), the CSRF-only button form, and the one way a view runs a
service for a form (`call_service`, `press_button`, `show_domain_error`).
Forms check shape (present, length, format); the services check meaning
(taken, guessable, allowed). Account forms are core.accounts.forms; the
equality questions are core.equality.forms."""
import re
import unicodedata
from datetime import time

from flask import abort, flash, redirect, render_template
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount, GovCheckboxInput, GovDateInput, GovFileInput, GovSelect, GovSubmitInput, GovTextInput,
)
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from jinja2.utils import LRUCache
from markupsafe import Markup
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from core.errors import DomainError
from core.extensions import db
from core.i18n import _, _l, current_language
from core.models import EMAIL_MAX_LENGTH


def optional_choice() -> Optional:
    """For a choice field that may be left empty. Unlike Optional(), a value of
    spaces is not "empty": it must be one of the choices like anything else
    (Optional() would wave it through, and clear the invalid-choice error)."""
    return Optional(strip_whitespace=False)


# Unicode's controls of direction (embeddings, overrides, isolates): typed into a name, they turn the
# text after it around on an organiser's page or in an email ("Mo <U+202E>nimdA" reads "Admin oM").
# The marks (U+200E, U+200F) and the joiners Urdu and the Indic scripts need are left alone.
DIRECTION_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_control_characters(value: str, *, allow: str = "") -> bool:
    """The rule NoControlCharacters applies (and spreadsheet imports, core/imports.py, to every text cell)."""
    return any((unicodedata.category(ch) == "Cc" or ch in DIRECTION_CONTROLS) and ch not in allow for ch in value)


class NoControlCharacters:
    """Refuse invisible control characters (NUL and friends), which no one
    types on purpose and PostgreSQL cannot store in text, and the controls
    of text direction, which reorder what follows them."""

    def __init__(self, allow: str = ""):
        self.allow = allow

    def __call__(self, form, field):
        if has_control_characters(field.data or "", allow=self.allow):
            raise ValidationError(_("%(label)s must not include invisible control characters", label=field.label.text))


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
            raise ValidationError(_("%(label)s must not include a web address", label=field.label.text))

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
                raise ValueError(_("Enter %(label)s as a time, like 18:30 or 6:30pm", label=self.label.text.lower()))
            self.data = parsed

    def _value(self):
        if isinstance(self.data, time):
            return self.data.strftime("%H:%M")
        return super()._value()


class WholeNumberField(IntegerField):
    """A whole number, refusing "ten" or "2.5" in plain words beside the
    field (GOV.UK's "... must be a whole number") rather than the form
    library's "Not a valid integer value."; what was typed is kept."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("%(label)s must be a whole number, like 12", label=self.label.text)) from None


EARLIEST_YEAR, LATEST_YEAR = 1900, 2100


class DayMonthYearField(DateField):
    """The GOV.UK date input: day, month and year boxes. Only years from
    EARLIEST_YEAR to LATEST_YEAR: every date here is someone's birth or a
    day this partnership works, and a year like 1 or 9999 is a slip or an
    attack that would overflow the date arithmetic behind the form."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, *, example: str = "27 3 2027", **kwargs):
        """`example`: a date of the kind asked for, for the message when it is not one (a birth is past)."""
        super().__init__(label, validators, format="%d %m %Y", **kwargs)
        self.example = example

    def process_formdata(self, valuelist):
        if not valuelist:
            self.raw_data = None  # not submitted at all: show empty boxes
            return
        if len(valuelist) != 3:
            self.raw_data = (list(valuelist) + ["", "", ""])[:3]
            raise ValueError(self._not_a_date())
        missing = [part for part, value in zip(("day", "month", "year"), valuelist) if not str(value).strip()]
        if missing and len(missing) < 3:
            raise ValueError(_MUST_INCLUDE[tuple(missing)](self.label.text))
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self._not_a_date()) from None
        if not EARLIEST_YEAR <= self.data.year <= LATEST_YEAR:
            self.data = None
            raise ValueError(_("%(label)s must be a date between %(earliest)d and %(latest)d", label=self.label.text,
                               earliest=EARLIEST_YEAR, latest=LATEST_YEAR))

    def validate(self, form, extra_validators=()):
        # Optional() reads only the day box: a date with the day left out but a month or year typed would
        # pass as no date at all, its message dropped. Anything typed that is not a date is an error.
        if self.process_errors and self.raw_data and any(str(value).strip() for value in self.raw_data):
            self.errors = list(self.process_errors)
            return False
        return super().validate(form, extra_validators)

    def _not_a_date(self) -> str:
        return _("%(label)s must be a real date, like %(example)s", label=self.label.text, example=self.example)


# What a date typed in part lacks, as the GOV.UK date input pattern says it.
_MUST_INCLUDE = {
    ("day",): lambda label: _("%(label)s must include a day", label=label),
    ("month",): lambda label: _("%(label)s must include a month", label=label),
    ("year",): lambda label: _("%(label)s must include a year", label=label),
    ("day", "month"): lambda label: _("%(label)s must include a day and month", label=label),
    ("day", "year"): lambda label: _("%(label)s must include a day and year", label=label),
    ("month", "year"): lambda label: _("%(label)s must include a month and year", label=label),
}


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


def too_long(label, max_length: int):
    """The message for text longer than `max_length`, in the language of
    the page it is shown on (`label` may be a lazy string too)."""
    return _l("%(label)s must be %(max)d characters or fewer", label=label, max=max_length)


def required_text(label, max_length, message, *, person_name=False, **kwargs) -> StringField:
    """`person_name`: someone's name, which emails may quote (no web addresses).
    Only spaces is no answer: it gets `message`, as an empty field does."""
    return StringField(label, widget=GovTextInput(), filters=[_stripped], validators=[
        DataRequired(message), Length(max=max_length, message=too_long(label, max_length)),
        NoControlCharacters(), *([NoLinks()] if person_name else [])], **kwargs)


def optional_text(label, max_length, description=None, *, person_name=False, **kwargs) -> StringField:
    return StringField(label, description=description, widget=GovTextInput(), validators=[
        Optional(), Length(max=max_length, message=too_long(label, max_length)),
        NoControlCharacters(), *([NoLinks()] if person_name else [])], **kwargs)


def optional_long_text(label, max_length, description=None) -> TextAreaField:
    return TextAreaField(label, description=description, widget=GovCharacterCount(), validators=[
        Optional(), Length(max=max_length, message=too_long(label, max_length)),
        NoControlCharacters(allow="\r\n\t")])


class PlainContactAddress:
    """An address the site shows everyone as a `mailto:` link and puts in
    the Reply-To of its emails (an event's or a forum's contact). RFC 5322
    allows far more than anyone replies to: `x?cc=someone@example.org` is
    valid, and is a link that adds a copy and a subject for whoever clicks;
    `rené@exämple.org` becomes an encoded header nobody can reply to. So only
    ASCII, and before the @ only letters, numbers and . _ % + -. People's own
    addresses (signing up, booking) are not held to this."""

    _LOCAL = re.compile(r"[A-Za-z0-9._%+-]+")
    _DOMAIN = re.compile(r"[A-Za-z0-9.-]+")

    def __call__(self, form, field):
        if field.errors or not field.data:  # not an address at all: the format message says so already
            return
        local, _at, domain = field.data.strip().rpartition("@")
        if not self._LOCAL.fullmatch(local):
            raise ValidationError(_("Enter an email address with only the letters a to z, numbers and . _ + - "
                                    "before the @"))
        if not self._DOMAIN.fullmatch(domain):
            raise ValidationError(_("Enter an email address with only the letters a to z, numbers, dots and hyphens "
                                    "after the @"))


def email_field(label=_l("Email address"), hint=None, missing=_l("Enter your email address"), *,
                public_contact=False) -> StringField:
    """An email address; with `missing=None` it may be left empty.
    `public_contact`: an event's or forum's contact (see PlainContactAddress)."""
    return StringField(
        label,
        description=hint,
        widget=GovTextInput(),
        validators=[
            InputRequired(missing) if missing else Optional(),
            Length(max=EMAIL_MAX_LENGTH, message=_l("Email address must be %(max)d characters or fewer",
                                                    max=EMAIL_MAX_LENGTH)),
            NoControlCharacters(),
            Email(_l("Enter an email address in the correct format, like name@example.com")),
            PlainContactAddress() if public_contact else MailableAddress(),  # the first is stricter still
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false", "type": "email"},
    )


def mail_can_reach(address: str) -> bool:
    """Whether an email can be addressed to it here: the mail library writes
    letters beyond ASCII before the @ (paweł@...) in a form no mail server
    delivers, so such an address is refused where it is typed, saying so,
    rather than kept for emails that never arrive. A domain's own letters are fine."""
    return address.rpartition("@")[0].isascii()


class MailableAddress:
    def __call__(self, form, field):
        if field.data and not mail_can_reach(field.data.strip()):
            raise ValidationError(_("We cannot send email to an address with letters like ł or é before the @ yet. "
                                    "Use another address."))


class EmptyForm(FlaskForm):
    """A CSRF-protected button, for actions that change something."""

    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


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


def press_button(form: FlaskForm, action, message, back: str):
    """A one-button POST (withdraw, remove, renew...): check the form's token,
    apply the rule, say what happened, and go back. `message` is the text to
    show, or a function of what the service returned that gives it (or None,
    where the page gone back to says it already)."""
    if not form.validate_on_submit():
        abort(400)
    done, result = call_service(form, action)
    if done:
        said = message(result) if callable(message) else message
        if said:
            flash(said, "success")
    return redirect(back)


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's message beside its field, or at the top of the page
    when it belongs to no field on this form."""
    for each in getattr(error, "errors", [error]):
        field = getattr(form, each.field, None) if each.field else None
        if field is None:
            flash(each.message, "refused")  # the banner takes focus, as an error summary does
        else:
            field.errors = [*field.errors, each.message]


_RENDERED_FIELDS = LRUCache(512)


def rendered_fields(form, template: str, **context) -> Markup:
    """A form's fields as `template` draws them, remembered by all the HTML
    depends on: the language, each field's submitted text, errors and
    choices, and the few plain values in `context` the template also reads.
    The design system's macros cost more than the rest of a list page, and a
    filter form (or a page's empty form) is drawn the same way for the same
    input again and again. Nothing here comes from the database, so no worker
    can show stale HTML; the form token is never among the fields drawn."""
    key = (template, current_language().code, tuple(sorted(context.items())), tuple(
        (field.name, tuple(field.raw_data or ()), tuple(field.errors), tuple(getattr(field, "choices", None) or ()))
        for field in form))
    html = _RENDERED_FIELDS.get(key)
    if html is None:
        html = _RENDERED_FIELDS[key] = Markup(render_template(template, form=form, **context))
    return html


# --- spreadsheet import (core/imports.py, core/views/imports.py): staff pages, in English ---------------------

class UploadSpreadsheetForm(FlaskForm):
    spreadsheet = FileField("Spreadsheet", widget=GovFileInput(),
                            description="A CSV or Excel (.xlsx) file up to 5 MB, with a row of headings and then one "
                                        "row for each person.")
    submit = SubmitField("Upload and continue", widget=GovSubmitInput())

    def validate_spreadsheet(self, field):
        if not getattr(field.data, "filename", ""):
            raise ValidationError("Choose a spreadsheet to upload")


class RunImportForm(FlaskForm):
    email_people = BooleanField("Email the people imported", widget=GovCheckboxInput())
    submit = SubmitField("Import", widget=GovSubmitInput())


def column_matching_form(kind, headers: list[str], chosen: dict[str, int], formdata=None, needed=()) -> FlaskForm:
    """One select per column the kind takes, each offering the file's headings;
    `needed`: the columns this forum or event needs besides the kind's required ones."""
    choices = [("", "Not in the spreadsheet")] + [
        (str(index), f"Column {_column_letter(index)}: {heading}" if heading else f"Column {_column_letter(index)}")
        for index, heading in enumerate(headers)]

    class ColumnMatching(FlaskForm):
        submit = SubmitField("Continue to check the rows", widget=GovSubmitInput())

    for column in kind.columns:
        required = column.required or column.name in needed
        setattr(ColumnMatching, column.name, SelectField(
            column.label + ("" if required else " (optional)"), choices=choices, widget=GovSelect(),
            default=str(chosen[column.name]) if column.name in chosen else "",
            description=column.hint or None,
            validators=[InputRequired(f"Choose the column that holds {column.label.lower()}")] if required
            else [Optional()],
            invalid_choice_message="Choose a column from the list"))
    return ColumnMatching(formdata=formdata) if formdata is not None else ColumnMatching()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
