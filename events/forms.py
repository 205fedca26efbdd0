"""Forms for scheduling events, registering and checking in."""
import re
from datetime import time
from email.utils import getaddresses

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount, GovCheckboxesInput, GovCheckboxInput, GovFileInput, GovRadioInput, GovSelect,
    GovSubmitInput, GovTextArea, GovTextInput,
)
from wtforms import (
    BooleanField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField,
    SubmitField, TextAreaField,
)
from wtforms.widgets import HiddenInput
from wtforms.validators import (
    URL, DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation, ValidationError,
)

from core.database import in_london, london_datetime
from core.formatting import format_day_date
from core.i18n import DEFAULT as DEFAULT_LANGUAGE, LANGUAGES, _l
from core.forms import (
    DayMonthYearField, NoControlCharacters, NoLinks, TimeField, email_field, optional_choice, optional_long_text,
    required_text, WholeNumberField,
)
from core.accounts.models import NAME_MAX_LENGTH
from core.accounts.services import normalise_email
from events.models import (
    SURVEY_ANSWER_MAX_LENGTH, SURVEY_QUESTIONS, AccessRequestKind, Audience, EventKind, MessageAudience, QuestionKind,
)
from events.queries import EventSearch
from events.recurrence import PATTERNS, Recurrence
from events.services.access_requests import AccessChoices
from events.services.programme import SessionDetails
from events.services.scheduling import EventDetails
from events.services.translations import EventText

SERIES_SCOPE_HINT = (
    "Only what you change here is copied to the other dates: each keeps everything else of its own. A new time "
    "moves each date by the same amount of clock time from where it is now, so a date moved on its own keeps its "
    "own day. Cancelled and postponed dates, and dates that have taken place, are left as they are.")


def series_scope_choices(event, dates_from_here: int, all_dates: int) -> list[tuple[str, str]]:
    """The radios for a date of a series: this one, it and the ones after, all."""
    day = format_day_date(event.starts_at)
    return [("this", f"This date only ({day})"),
            ("following", f"This and following dates ({dates_from_here} dates from {day})"),
            ("all", f"All dates in the series ({all_dates} dates)")]


class EventForm(FlaskForm):
    title = required_text("Title", 150, "Enter a title")
    summary = required_text("Summary", 300, "Enter a one-sentence summary",
                             description="One sentence, shown in event lists")
    description = TextAreaField(
        "Description", description="Paragraphs, **bold**, lists starting with - and links are kept",
        widget=GovCharacterCount(),
        validators=[Optional(), Length(max=10000, message="Description must be 10000 characters or fewer"),
                    NoControlCharacters(allow="\r\n\t")])
    kind = RadioField("Kind of event", choices=[(k.value, k.label) for k in EventKind], widget=GovRadioInput(),
                      validators=[InputRequired("Choose the kind of event")],
                      invalid_choice_message="Choose the kind of event from the list")
    audience = RadioField("Who can come", choices=[(a.value, a.label) for a in Audience if a != Audience.FORUM_MEMBERS],
                          default=Audience.PUBLIC.value, widget=GovRadioInput(),
                          validators=[InputRequired("Choose who can come")],
                          invalid_choice_message="Choose who can come from the list")
    start_date = DayMonthYearField("Start date", validators=[InputRequired("Enter the start date")])
    start_time = TimeField("Start time", description="For example, 18:30 or 6:30pm",
                           validators=[InputRequired("Enter the start time")])
    end_date = DayMonthYearField("End date", validators=[InputRequired("Enter the end date")])
    end_time = TimeField("End time", description="For example, 20:30 or 8:30pm",
                         validators=[InputRequired("Enter the end time")])
    venue_id = SelectField("Venue", coerce=int, widget=GovSelect(), validators=[optional_choice()],
                           invalid_choice_message="Choose a venue from the list")
    online_url = StringField("Online joining link", description="Leave empty if the event is only in person",
                             widget=GovTextInput(), validators=[
                                 Optional(), Length(max=500, message="Online joining link must be 500 characters or fewer"),
                                 URL(message="Enter the link in full, starting with https://")])
    contact_email = email_field("Contact email for questions",
                                "Replies to the event's emails go here, and the event's page shows it",
                                "Enter a contact email address", public_contact=True)
    capacity = WholeNumberField("Places", description="Leave empty for no limit", widget=GovTextInput(),
                            validators=[Optional(), NumberRange(min=1, max=100000,
                                                                message="Places must be between 1 and 100000")])
    max_tickets = WholeNumberField("Most places one person can book", default=1, widget=GovTextInput(),
                               description="More than 1 lets families and groups book together",
                               validators=[InputRequired("Enter how many places one person can book"),
                                           NumberRange(min=1, max=50, message="Must be between 1 and 50")])
    reserved_places = WholeNumberField(
        "Places held back (optional)", default=0, widget=GovTextInput(),
        description="Not offered to the public, for example kept for a forum's members. Lower it later to "
                    "release them to the waiting list.",
        validators=[Optional(), NumberRange(min=0, max=100000, message="Enter 0 or more")])
    closes_date = DayMonthYearField("Registration closes on", validators=[Optional()],
                                    description="Leave empty to keep registration open until the event starts")
    closes_time = TimeField("Registration closes at", validators=[Optional()])
    allow_guests = BooleanField("People can register without an account", default=True,
                                widget=GovCheckboxInput())
    instant_guest_places = BooleanField("Guests get their place straight away, without confirming their email",
                                        widget=GovCheckboxInput())
    repeats = RadioField("Does it repeat?", widget=GovRadioInput(), default="",
                         choices=[("", "No, it happens once")] + list(PATTERNS.items()),
                         validators=[optional_choice()],
                         invalid_choice_message="Choose how often it repeats from the list")
    repeat_until = DayMonthYearField("Last date it repeats", validators=[Optional()],
                                     description="Each date becomes its own event that people book separately")
    priorities = SelectMultipleField("Cohesion priorities this event serves", coerce=int,
                                     widget=GovCheckboxesInput(), validators=[optional_choice()],
                                     invalid_choice_message="Choose priorities from the list")
    picture = FileField("Picture (optional)", widget=GovFileInput(),
                      description="A JPG, PNG or WebP, at least 300 pixels wide and smaller than 5MB. Shown on the "
                                  "event page.")
    image_alt = StringField("Describe the picture", widget=GovTextInput(),
                            description="For people who cannot see it, for example: Neighbours sharing food at "
                                        "long tables on the green",
                            validators=[Optional(), Length(max=250, message="The description must be 250 characters "
                                                                            "or fewer"), NoControlCharacters()])
    remove_image = BooleanField("Remove the picture", widget=GovCheckboxInput())
    # Only on a date of a series (the view sets the choices, which name the dates).
    scope = RadioField("Which dates should this change?", widget=GovRadioInput(), choices=[],
                       description=SERIES_SCOPE_HINT, validators=[InputRequired("Choose which dates to change")],
                       invalid_choice_message="Choose which dates to change from the list")
    submit = SubmitField("Save event", widget=GovSubmitInput())

    def details(self) -> EventDetails:
        closes = None
        if self.closes_date.data:
            closes = london_datetime(self.closes_date.data, self.closes_time.data or time(23, 59))
        return EventDetails(
            title=self.title.data.strip(), summary=self.summary.data.strip(),
            description=(self.description.data or "").strip(), kind=EventKind(self.kind.data),
            audience=Audience(self.audience.data),
            starts_at=london_datetime(self.start_date.data, self.start_time.data),
            ends_at=london_datetime(self.end_date.data, self.end_time.data),
            venue_id=self.venue_id.data or None, online_url=(self.online_url.data or "").strip() or None,
            contact_email=self.contact_email.data, capacity=self.capacity.data,
            max_tickets=self.max_tickets.data, reserved_places=self.reserved_places.data or 0,
            registration_closes_at=closes,
            allow_guests=self.allow_guests.data, instant_guest_places=self.instant_guest_places.data,
            priority_ids=list(self.priorities.data or []),
            recurrence=self._recurrence(),
            image_upload=self.picture.data.stream if self.picture.data else None,
            image_alt=self.image_alt.data or "", remove_image="remove_image" in self and self.remove_image.data,
        )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if "repeats" in self and self.repeats.data and not self.repeat_until.data and not self.repeat_until.errors:
            self.repeat_until.errors = ["Enter the last date it repeats"]
            valid = False
        return valid

    def _recurrence(self) -> Recurrence | None:
        if "repeats" not in self or not self.repeats.data:
            return None
        return Recurrence(self.repeats.data, self.repeat_until.data)

    @classmethod
    def for_event(cls, event):
        starts, ends = in_london(event.starts_at), in_london(event.ends_at)
        closes = in_london(event.registration_closes_at) if event.registration_closes_at else None
        form = cls(
            obj=event, start_date=starts.date(), start_time=starts.time(), end_date=ends.date(), end_time=ends.time(),
            closes_date=closes.date() if closes else None, closes_time=closes.time() if closes else None,
        )
        # The event's own attributes win over keyword arguments, so set the ones whose form shape differs.
        form.kind.data, form.audience.data = event.kind.value, event.audience.value
        form.venue_id.data, form.priorities.data = event.venue_id or 0, [p.id for p in event.priorities]
        return form


class SessionForm(FlaskForm):
    title = required_text("Session title", 150, "Enter the session's title")
    description = optional_long_text("What it is about (optional)", 2000)
    start_date = DayMonthYearField("Date", validators=[InputRequired("Enter the date")])
    start_time = TimeField("Starts at", description="For example, 10:30 or 10:30am",
                           validators=[InputRequired("Enter the start time")])
    end_time = TimeField("Ends at", description="For example, 11:45 or 11:45am",
                         validators=[InputRequired("Enter the end time")])
    room = StringField("Room (optional)", widget=GovTextInput(), validators=[
        Optional(), Length(max=100, message="Room must be 100 characters or fewer"), NoControlCharacters()])
    speakers = StringField("Speakers (optional)", widget=GovTextInput(), validators=[
        Optional(), Length(max=300, message="Speakers must be 300 characters or fewer"), NoControlCharacters()])
    capacity = WholeNumberField("Places (optional)", description="Leave empty if anyone at the event can come without signing up",
                            widget=GovTextInput(), validators=[Optional(), NumberRange(
                                min=1, max=10000, message="Places must be between 1 and 10000")])
    submit = SubmitField("Save session", widget=GovSubmitInput())

    def details(self) -> SessionDetails:
        return SessionDetails(
            title=self.title.data.strip(), description=(self.description.data or "").strip(),
            starts_at=london_datetime(self.start_date.data, self.start_time.data),
            ends_at=london_datetime(self.start_date.data, self.end_time.data),
            room=(self.room.data or "").strip(), speakers=(self.speakers.data or "").strip(),
            capacity=self.capacity.data)

    @classmethod
    def for_session(cls, session):
        starts, ends = in_london(session.starts_at), in_london(session.ends_at)
        return cls(obj=session, start_date=starts.date(), start_time=starts.time(), end_time=ends.time())


class PriorityForm(FlaskForm):
    name = required_text("Name", 100, "Enter the priority's name")
    submit = SubmitField("Save priority", widget=GovSubmitInput())


_POSITION = re.compile(r"\s*\(?\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*\)?\s*")


class MapPositionField(StringField):
    """Latitude and longitude in one box, as a map app copies them:
    "52.2370, -0.8946". Empty means not known."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        self.data = None
        text = valuelist[0] if valuelist else ""
        if not text.strip():
            return
        match = _POSITION.fullmatch(text)
        latitude, longitude = (float(match[1]), float(match[2])) if match else (None, None)
        if latitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValueError("Enter the map position as latitude, longitude, like 52.2370, -0.8946")
        self.data = (round(latitude, 6), round(longitude, 6))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data[0]:g}, {self.data[1]:g}" if self.data else ""


class VenueForm(FlaskForm):
    name = required_text("Name", 150, "Enter the venue's name")
    address = TextAreaField("Address", widget=GovTextArea(), validators=[
        InputRequired("Enter the address"), Length(max=500, message="Address must be 500 characters or fewer"),
        NoControlCharacters(allow="\r\n")])
    postcode = required_text("Postcode", 10, "Enter the postcode")
    directions = optional_long_text("Directions", 2000, "In plain words: buses, parking, which door to use")
    step_free = BooleanField("Step-free access", widget=GovCheckboxInput())
    hearing_loop = BooleanField("Hearing loop", widget=GovCheckboxInput())
    accessible_toilet = BooleanField("Accessible toilet", widget=GovCheckboxInput())
    parking = BooleanField("Parking", widget=GovCheckboxInput())
    quiet_room = BooleanField("Prayer or quiet room", widget=GovCheckboxInput())
    baby_changing = BooleanField("Baby changing", widget=GovCheckboxInput())
    position = MapPositionField("Map position (optional)", description=(
        "Latitude and longitude, so calendar apps can show it on a map. In Google Maps, right-click the "
        "entrance and click the numbers to copy them."))
    submit = SubmitField("Save venue", widget=GovSubmitInput())


# --- what people ask for to take part (events.services.access_requests) ---------------------------

class LanguageIfInterpreter:
    """The language box revealed under "Interpreter for a spoken language":
    needed when that is ticked, and otherwise ignored (it is hidden, so an
    error there would be out of sight)."""

    def __call__(self, form, field):
        if AccessRequestKind.SPOKEN_LANGUAGE_INTERPRETER.value not in (form.access_requests.data or ()):
            raise StopValidation()  # kept as typed, and unused (AccessChoices)
        if not (field.data or "").strip():
            raise StopValidation(_l("Enter the language you need an interpreter for"))


def access_requests_field() -> SelectMultipleField:
    return SelectMultipleField(
        _l("Do you need any of these to take part?"), widget=GovCheckboxesInput(),
        choices=[(kind.value, kind.label) for kind in AccessRequestKind],
        description=_l("Select all that apply. We use this to book interpreters and arrange the room in time. "
                       "Only the event's organisers see it."),
        invalid_choice_message=_l("Select what you need from the list"))


def interpreter_languages_field() -> StringField:
    return StringField(_l("Which language or languages?"), widget=GovTextInput(),
                       description=_l("For example, Polish. Separate more than one with commas."),
                       validators=[LanguageIfInterpreter(), Length(max=200, message=_l(
                           "Languages must be 200 characters or fewer")), NoControlCharacters()])


def other_access_needs_field() -> TextAreaField:
    return optional_long_text(_l("Other access needs (optional)"), 1000,
                              _l("Anything else that would help you take part"))


def access_choices(form) -> AccessChoices:
    """What a form with the fields above asked for."""
    return AccessChoices.from_form(form.access_requests.data, form.interpreter_languages.data)


class AccessRequestsForm(FlaskForm):
    """The holder of a booking changes what they asked for."""
    access_requests = access_requests_field()
    interpreter_languages = interpreter_languages_field()
    access_needs = other_access_needs_field()
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())


class RegistrationForm(FlaskForm):
    name = required_text(_l("Full name"), NAME_MAX_LENGTH, _l("Enter your full name"), person_name=True,
                         render_kw={"autocomplete": "name"})
    email = email_field(_l("Email address"), _l("We will send your booking details here"),
                        _l("Enter your email address"))
    tickets = WholeNumberField(_l("How many places"), default=1, widget=GovTextInput(),
                           validators=[InputRequired(_l("Enter how many places you need")),
                                       NumberRange(min=1, message=_l("Enter 1 or more"))])
    access_requests = access_requests_field()
    interpreter_languages = interpreter_languages_field()
    access_needs = other_access_needs_field()
    dietary_needs = optional_long_text(_l("Dietary needs (optional)"), 500)
    contact_consent = BooleanField(_l("Tell me about future events from the partnership"), widget=GovCheckboxInput())
    submit = SubmitField(_l("Register"), widget=GovSubmitInput())


# A yes-or-no question's answers: stored in English (the organiser reads them), shown in the reader's language.
_YES_NO = {"Yes": _l("Yes"), "No": _l("No")}


def registration_form_for(questions) -> type[RegistrationForm]:
    """The registration form with one field per organiser's question, named
    question_<id>. Required answers are checked by the service."""
    fields = {}
    for question in questions:
        label = question.label if question.required else _l("%(question)s (optional)", question=question.label)
        if question.kind == QuestionKind.TEXT:
            fields[f"question_{question.id}"] = TextAreaField(label, widget=GovTextArea(), validators=[
                Optional(), Length(max=2000, message=_l("Your answer must be 2000 characters or fewer")),
                NoControlCharacters(allow="\r\n\t")])
        else:
            fields[f"question_{question.id}"] = RadioField(
                label, choices=[(c, _YES_NO.get(c, c) if question.kind == QuestionKind.YES_NO else c)
                                for c in question.choices], widget=GovRadioInput(),
                validators=[optional_choice()],
                invalid_choice_message=_l("Choose an answer from the list"))
    return type("EventRegistrationForm", (RegistrationForm,), fields)


def question_answers(form) -> dict[int, str]:
    return {int(name.removeprefix("question_")): field.data or "" for name, field in form._fields.items()
            if name.startswith("question_")}


class QuestionForm(FlaskForm):
    label = required_text("Question", 200, "Enter the question")
    kind = RadioField("How people answer", widget=GovRadioInput(), default=QuestionKind.TEXT.value,
                      choices=[(k.value, k.label) for k in QuestionKind],
                      validators=[InputRequired("Choose how people answer")],
                      invalid_choice_message="Choose how people answer from the list")
    options = TextAreaField("Answers to choose from", widget=GovTextArea(),
                            description="Only for 'Choose one from a list': one answer a line",
                            validators=[Optional(), Length(max=2500), NoControlCharacters(allow="\r\n")])
    required = BooleanField("People must answer", widget=GovCheckboxInput())
    submit = SubmitField("Add question", widget=GovSubmitInput())


class RemoveQuestionForm(FlaskForm):
    """The button that removes a registration question. `answers`: how many
    answers the page said are deleted with it (none, on the list of questions)."""
    answers = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=0)])


class StatusChangeForm(FlaskForm):
    change = RadioField("What do you want to do?", widget=GovRadioInput(),
                        choices=[("postpone", "Postpone it: a new date will follow"),
                                 ("cancel", "Cancel it")],
                        validators=[InputRequired("Choose whether to postpone or cancel")])
    reason = TextAreaField("What to tell people", widget=GovTextArea(),
                           description="This goes in the email to everyone registered and waiting",
                           validators=[InputRequired("Enter what to tell people"),
                                       Length(max=2000, message="Must be 2000 characters or fewer"),
                                       NoControlCharacters(allow="\r\n\t")])
    submit = SubmitField("Tell everyone", widget=GovSubmitInput())


class EventVersionForm(FlaskForm):
    """An event's title, summary and description in another language, held
    to the English ones' limits (core.content_languages)."""
    title = StringField(_l("Title"), widget=GovTextInput(), validators=[
        DataRequired(_l("Enter a title")), Length(max=150, message=_l("Title must be 150 characters or fewer")),
        NoControlCharacters()])
    summary = StringField(_l("Summary"), widget=GovTextInput(), validators=[
        DataRequired(_l("Enter a one-sentence summary")),
        Length(max=300, message=_l("Summary must be 300 characters or fewer")), NoControlCharacters()])
    description = TextAreaField(
        _l("Description (optional)"), widget=GovCharacterCount(), validators=[
            Optional(), Length(max=10000, message=_l("Description must be 10000 characters or fewer")),
            NoControlCharacters(allow="\r\n\t")],
        description=_l("Paragraphs, **bold**, lists starting with - and links are kept. Left empty, the English "
                       "description is shown."))
    scope = RadioField(_l("Which dates?"), widget=GovRadioInput(), choices=[],
                       validators=[InputRequired(_l("Choose which dates"))],
                       invalid_choice_message=_l("Choose which dates from the list"))
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())

    def text(self) -> EventText:
        return EventText(title=self.title.data, summary=self.summary.data, description=self.description.data or "")


class SeriesScopeForm(FlaskForm):
    """Publishing or unpublishing a date of a series: which dates."""
    scope = RadioField("Which dates?", widget=GovRadioInput(), choices=[],
                       validators=[InputRequired("Choose which dates")],
                       invalid_choice_message="Choose which dates from the list")
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ReopenAttendanceForm(FlaskForm):
    """An admin reopens an event's settled attendance (events/settlement.py)."""
    reason = TextAreaField("Why reopen attendance", widget=GovTextArea(),
                           description="Kept in the audit log. Say what needs to change and who asked.",
                           validators=[InputRequired("Enter why attendance is being reopened"),
                                       Length(max=1000, message="Why reopen attendance must be 1000 characters or fewer"),
                                       NoControlCharacters(allow="\r\n\t")])
    submit = SubmitField("Reopen attendance", widget=GovSubmitInput())


class WalkInForm(FlaskForm):
    walk_in_name = required_text("Walk-in's name", NAME_MAX_LENGTH, "Enter the name of the person who walked in")
    people = WholeNumberField("How many people", default=1, widget=GovTextInput(), validators=[
        InputRequired("Enter how many people"), NumberRange(min=1, max=100, message="Enter between 1 and 100")])
    submit = SubmitField("Add walk-in", widget=GovSubmitInput())


class ChangeWalkInForm(WalkInForm):
    """Putting right a walk-in's name or number, on its own page."""
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class BookingForm(FlaskForm):
    """An organiser books a named person in."""
    name = required_text("Full name", NAME_MAX_LENGTH, "Enter the person's full name", person_name=True)
    email = email_field("Email address", "We send their booking details and a link to view or cancel it here. "
                                          "If they have an account, the booking shows in their My events.",
                        missing="Enter their email address")
    tickets = WholeNumberField("How many places", default=1, widget=GovTextInput(), validators=[
        InputRequired("Enter how many places"), NumberRange(min=1, max=100, message="Enter between 1 and 100")])
    from_held_back = BooleanField("Use places held back", widget=GovCheckboxInput(),
                                  description="Otherwise the booking uses places open to the public")
    access_requests = access_requests_field()
    interpreter_languages = interpreter_languages_field()
    access_needs = other_access_needs_field()
    dietary_needs = optional_long_text("Dietary needs (optional)", 500)
    # Written in the organiser's screen's language (English) otherwise: a guest's emails follow their booking's.
    language = RadioField("Language for their emails", widget=GovRadioInput(), default=DEFAULT_LANGUAGE,
                          description="If they have an account, its own language is used instead",
                          choices=[(language.code, language.own_name) for language in LANGUAGES.values()])
    submit = SubmitField("Book them in", widget=GovSubmitInput())


MAX_INVITATIONS_AT_ONCE = 200


class InvitationForm(FlaskForm):
    people = TextAreaField(
        "Who to invite", widget=GovTextArea(),
        description="One email address a line. You can put a name first, like: Amina Khan <amina@example.org>",
        validators=[InputRequired("Enter at least one email address"), Length(max=40_000),
                    NoControlCharacters(allow="\r\n\t")])
    submit = SubmitField("Send invitations", widget=GovSubmitInput())

    def validate_people(self, field):
        """(name, address) for each different address (in any case) pasted,
        the first name given to it kept. A line may hold several addresses
        separated by commas or semicolons, as mail programs copy them."""
        people, problems = {}, []
        for line in (line.strip() for line in field.data.splitlines()):
            if not line:
                continue
            found = _people_on(line)
            if found is None:
                problems.append(line)
                continue
            for name, address in found:
                people.setdefault(normalise_email(address), (name, address))
        if problems:
            shown = ", ".join(problems[:3]) + (f" and {len(problems) - 3} more" if len(problems) > 3 else "")
            raise ValidationError(f"Check these email addresses: {shown}")
        if len(people) > MAX_INVITATIONS_AT_ONCE:
            raise ValidationError(f"You pasted {len(people)} different addresses. Invite up to "
                                  f"{MAX_INVITATIONS_AT_ONCE} at a time")
        self.parsed_people = list(people.values())


def _people_on(line: str) -> list[tuple[str, str]] | None:
    """The (name, address) pairs on one pasted line, or None when any of it
    is not a name and an address. Names go into the invitation email, so,
    as everywhere, one with a web address in it is refused; what the email
    parser drops as it reads (the "Click https:" of "Click https://evil.example
    <d@example.org>") is looked at too."""
    found = [(name, address) for name, address in getaddresses([line.replace(";", ",")]) if name or address]
    if not found:
        return None
    rest = line
    for name, address in found:
        rest = rest.replace(address, "", 1)
    if NoLinks.is_link(rest):
        return None
    people = []
    for name, address in found:
        try:
            address = validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError:
            return None
        if len(name) > NAME_MAX_LENGTH:
            return None
        people.append((name, address))
    return people


class EventFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Search"), widget=GovTextInput(), validators=[
        Optional(), Length(max=100, message=_l("Search must be 100 characters or fewer")), NoControlCharacters()])
    kind = SelectField(_l("Kind"), widget=GovSelect(), validators=[optional_choice()],
                       choices=[("", _l("Any kind"))] + [(k.value, k.label) for k in EventKind],
                       invalid_choice_message=_l("Choose a kind from the list"))
    priority = SelectField(_l("Cohesion priority"), widget=GovSelect(), validators=[optional_choice()],
                           invalid_choice_message=_l("Choose a priority from the list"))
    date_from = DayMonthYearField(_l("From"), validators=[Optional()])
    date_to = DayMonthYearField(_l("To"), validators=[Optional()])
    step_free = BooleanField(_l("Step-free venues only"), widget=GovCheckboxInput())

    def search(self) -> EventSearch:
        return EventSearch(text=self.q.data or "", kind=EventKind(self.kind.data) if self.kind.data else None,
                           priority_slug=self.priority.data or "", date_from=self.date_from.data,
                           date_to=self.date_to.data, step_free=bool(self.step_free.data))


class MessageForm(FlaskForm):
    """An organiser's message to the event's people: written, previewed, sent.
    The preview carries it in hidden fields with its one-time key (`draft`)."""
    subject = required_text("Subject", 150, "Enter a subject", description="For example: The room has changed")
    body = TextAreaField("Message", widget=GovTextArea(), filters=[lambda text: text.strip() if text else text],
                         description="Plain text. Leave an empty line between paragraphs. Each email starts with a "
                                     "greeting in the person's language and ends with why they get it.",
                         validators=[InputRequired("Enter the message"),
                                     Length(max=10000, message="Message must be 10000 characters or fewer"),
                                     NoControlCharacters(allow="\r\n\t")])
    audiences = SelectMultipleField(
        "Who to send it to", widget=GovCheckboxesInput(),
        choices=[(a.value, label) for a, label in (
            (MessageAudience.BOOKED, "People with a place booked"),
            (MessageAudience.WAITING, "People on the waiting list (or offered a place)"),
            (MessageAudience.CAME, "People who came (once the event has started)"))],
        validators=[InputRequired("Choose who to send the message to")],
        description="Select all that apply. Nobody gets it twice.")
    essential = RadioField(
        "Is this message essential?", widget=GovRadioInput(), default="no",
        choices=[("yes", "Yes: it is about this event (a change of room or time, what to bring). It goes to "
                         "everyone chosen."),
                 ("no", "No: it is news or an invitation. It goes only to people who agreed to hear from the "
                        "partnership, with a link to unsubscribe.")],
        validators=[InputRequired("Say whether the message is essential")])
    draft = StringField(widget=HiddenInput(), validators=[Optional()])  # checked by the send (core.drafts)
    submit = SubmitField("Preview the message", widget=GovSubmitInput())

    def chosen(self) -> list[MessageAudience]:
        return [MessageAudience(value) for value in self.audiences.data or []]

    @property
    def is_essential(self) -> bool:
        return self.essential.data == "yes"
def _survey_question(question) -> RadioField:
    return RadioField(question.text, choices=list(question.choices), widget=GovRadioInput(),
                      validators=[optional_choice()], invalid_choice_message=_l("Choose an answer from the list"))


class SurveyForm(FlaskForm):
    """The outcome survey: every question may be left unanswered."""
    overall, met_someone, get_on_well, influence = (_survey_question(question) for question in SURVEY_QUESTIONS)
    anything_else = optional_long_text(
        _l("Is there anything else you would like to tell us? (optional)"), SURVEY_ANSWER_MAX_LENGTH,
        _l("Please do not write your name or anything else that says who you are. The organisers read what "
           "you write as you wrote it, but only once the survey has closed and only if enough other people "
           "wrote something too, all together and in no particular order."))
    submit = SubmitField(_l("Send my answers"), widget=GovSubmitInput())

    def answers(self) -> dict[str, str | None]:
        return {question.key: self[question.key].data or None for question in SURVEY_QUESTIONS}
