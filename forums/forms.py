"""Forms for forums: setting one up, applying, coordinators' decisions, a
parent or carer's consent, meetings and their papers, actions,
announcements and invitations."""
from datetime import timedelta

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount, GovCheckboxInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput,
)
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from core.forms import (
    DayMonthYearField, NoControlCharacters, TimeField, email_field, optional_choice, optional_long_text, optional_text,
    required_text, WholeNumberField,
)
from core.accounts.models import NAME_MAX_LENGTH
from core.database import london_datetime
from core.i18n import _, _l
from events.recurrence import PATTERNS, Recurrence
from forums.meetings import MeetingDetails
from forums.models import ActionStatus, Faith, ForumKind, MembershipRole, MembershipStatus
from forums.services.applying import Application
from forums.services.coordinators import ForumDetails
from forums.services.translations import ForumText
from forums.services.memberships import LAPSED

EXPIRING_SOON = timedelta(days=60)


class ForumForm(FlaskForm):
    name = required_text("Name", 150, "Enter the forum's name")
    kind = RadioField("Kind of forum", choices=[(k.value, k.label) for k in ForumKind], widget=GovRadioInput(),
                      validators=[InputRequired("Choose the kind of forum")],
                      invalid_choice_message="Choose the kind of forum")
    purpose = required_text("Purpose", 300, "Enter what the forum is for",
                            description="One sentence, shown in the list of forums")
    area = required_text("Area covered", 150, "Enter the area the forum covers",
                         description="For example: the whole county, or Kettering and Corby")
    public_text = optional_long_text("About the forum", 5000,
                                     "Shown to everyone on its page. You can use **bold**, lists and links.")
    open_to_apply = RadioField("How people join", default="open", widget=GovRadioInput(), choices=[
        ("open", "Anyone signed in can apply"), ("invitation", "By invitation of the coordinators")],
        validators=[InputRequired("Choose how people join")],
        invalid_choice_message="Choose how people join from the list")
    min_age = WholeNumberField("Youngest age", default=11, widget=GovTextInput(), validators=[
        Optional(), NumberRange(min=5, max=30, message="Youngest age must be between 5 and 30")],
        description="Youth forums only")
    max_age = WholeNumberField("Oldest age", default=18, widget=GovTextInput(), validators=[
        Optional(), NumberRange(min=5, max=30, message="Oldest age must be between 5 and 30")],
        description="Youth forums only. Up to 25 for young people with special educational needs")
    faith_cap = WholeNumberField("Most members for any one faith community", widget=GovTextInput(), validators=[
        Optional(), NumberRange(min=1, max=50, message="Enter a number from 1 to 50, or leave it empty")],
        description="Interfaith forums only. Leave empty for no limit")
    contact_email = email_field(
        "Contact email (optional)", "Replies to the forum's emails go here, and the forum's page shows it. "
        "Leave empty to use the partnership's address", missing=None, public_contact=True)
    submit = SubmitField("Save forum", widget=GovSubmitInput())

    def details(self) -> ForumDetails:
        return ForumDetails(name=self.name.data, kind=ForumKind(self.kind.data), purpose=self.purpose.data,
                            area=self.area.data, public_text=self.public_text.data or "",
                            open_to_apply=self.open_to_apply.data == "open", min_age=self.min_age.data,
                            max_age=self.max_age.data, faith_cap=self.faith_cap.data,
                            contact_email=self.contact_email.data or "")


class ForumVersionForm(FlaskForm):
    """A forum's purpose and public text in another language, held to the
    English ones' limits (core.content_languages)."""
    purpose = StringField(_l("Purpose"), widget=GovTextInput(), validators=[
        DataRequired(_l("Enter what the forum is for")),
        Length(max=300, message=_l("Purpose must be 300 characters or fewer")), NoControlCharacters()])
    public_text = TextAreaField(
        _l("About the forum (optional)"), widget=GovCharacterCount(), validators=[
            Optional(), Length(max=5000, message=_l("About the forum must be 5000 characters or fewer")),
            NoControlCharacters(allow="\r\n\t")],
        description=_l("You can use **bold**, lists and links. Left empty, the English text is shown."))
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())

    def text(self) -> ForumText:
        return ForumText(purpose=self.purpose.data, public_text=self.public_text.data or "")


class ApplicationForm(FlaskForm):
    # Left empty, it is refused by the service, with whatever else the application still needs.
    reason = TextAreaField(_l("Why do you want to join?"), widget=GovTextArea(), validators=[
        Optional(), Length(max=2000, message=_l("Keep it to 2000 characters or fewer")),
        NoControlCharacters(allow="\r\n\t")])
    # Chosen when the page is drawn, so each person reads the faiths in their own language.
    faith = SelectField(_l("Faith community you represent"), widget=GovSelect(), validators=[optional_choice()],
                        choices=lambda: [("", _("Choose a faith community"))] + [(f.value, f.label) for f in Faith])
    organisation = optional_text(_l("Organisation (optional)"), 150,
                                 _l("For example, the place of worship or group you come from"))
    date_of_birth = DayMonthYearField(_l("Date of birth"), validators=[Optional()], example="27 3 2010",
                                      description=_l("For example, 27 3 2010"))
    parent_name = optional_text(_l("Parent or carer's full name"), NAME_MAX_LENGTH, person_name=True)
    parent_email = email_field(_l("Parent or carer's email address"),
                               _l("We will ask them to agree to you joining"), missing=None)
    photo_consent = BooleanField(_l("I am happy to appear in photos of the forum's meetings"),
                                 widget=GovCheckboxInput())
    share_email = BooleanField(_l("Other members may see my email address"), widget=GovCheckboxInput(),
                               description=_l("Otherwise they see only your name and role. If you are under 18, "
                                              "your email is never shared with other members."))
    submit = SubmitField(_l("Apply to join"), widget=GovSubmitInput())

    def application(self) -> Application:
        return Application(reason=self.reason.data or "", faith=Faith(self.faith.data) if self.faith.data else None,
                           organisation=self.organisation.data or "", date_of_birth=self.date_of_birth.data,
                           parent_name=self.parent_name.data or "", parent_email=self.parent_email.data or "",
                           photo_consent=self.photo_consent.data, share_email=self.share_email.data)


class DecisionForm(FlaskForm):
    role = SelectField("Role in the forum", widget=GovSelect(), default=MembershipRole.MEMBER.value,
                       choices=[(r.value, r.label) for r in MembershipRole])
    term_ends_on = DayMonthYearField("Term ends (optional)", validators=[Optional()],
                                     description="Leave empty for a year from today, renewed each year")
    reason = optional_long_text("Reason for declining", 1000, "Needed to decline. It is emailed to the applicant")
    # When the membership last changed, as the page showed it: a decision made on a page a colleague has
    # since overtaken is refused (memberships.check_unchanged).
    seen = HiddenField()


class SafeguardingForm(FlaskForm):
    email = email_field("Coordinator's email address", missing="Enter the coordinator's email address")
    checked_on = DayMonthYearField("Date of their DBS check", validators=[InputRequired("Enter the date of the check")])
    submit = SubmitField("Record the check", widget=GovSubmitInput())


class CoordinatorForm(FlaskForm):
    email = email_field("Email address of the new coordinator", "They need an account already",
                        missing="Enter the coordinator's email address")
    submit = SubmitField("Add coordinator", widget=GovSubmitInput())


class ConsentForm(FlaskForm):
    agree = BooleanField(_l("I agree to them joining the forum"), widget=GovCheckboxInput(),
                         validators=[InputRequired(_l("Tick the box to agree, or close this page if you do not"))])
    photo_consent = BooleanField(_l("They may appear in photos of the forum's meetings"), widget=GovCheckboxInput())
    submit = SubmitField(_l("Give consent"), widget=GovSubmitInput())


class MemberFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    status = SelectField("Status", widget=GovSelect(), validators=[optional_choice()],
                         choices=[("", "Any status"), (LAPSED, "Lapsed")] +
                                 [(s.value, s.label) for s in MembershipStatus])
    role = SelectField("Role", widget=GovSelect(), validators=[optional_choice()],
                       choices=[("", "Any role")] + [(r.value, r.label) for r in MembershipRole])
    faith = SelectField("Faith community", widget=GovSelect(), validators=[optional_choice()],
                        choices=[("", "Any faith community")] + [(f.value, f.label) for f in Faith])
    expiring = BooleanField("Term ends in the next 60 days", widget=GovCheckboxInput())

    def filters(self) -> dict:
        """For memberships.filtered_memberships: call after validate()."""
        return {"status": self.status.data or "",
                "role": MembershipRole(self.role.data) if self.role.data else None,
                "faith": Faith(self.faith.data) if self.faith.data else None,
                "ending_within": EXPIRING_SOON if self.expiring.data else None}



def _required_long_text(label, max_length, message, description=None) -> TextAreaField:
    return TextAreaField(label, description=description, widget=GovTextArea(), validators=[
        InputRequired(message), Length(max=max_length, message=f"{label} must be {max_length} characters or fewer"),
        NoControlCharacters(allow="\r\n\t")])


class MeetingForm(FlaskForm):
    title = required_text("Title", 150, "Enter a title", description="For example: Spring meeting")
    date = DayMonthYearField("Date", validators=[InputRequired("Enter the date")],
                             description="For example, 27 3 2027")
    start_time = TimeField("Starts at", description="For example, 18:30 or 6:30pm",
                           validators=[InputRequired("Enter the start time")])
    end_time = TimeField("Ends at", description="For example, 20:30 or 8:30pm",
                         validators=[InputRequired("Enter the end time")])
    venue_id = SelectField("Venue", coerce=int, widget=GovSelect(), validators=[optional_choice()],
                           invalid_choice_message="Choose a venue from the list")
    online_url = StringField("Online joining link", description="Leave empty if the meeting is only in person",
                             widget=GovTextInput(), validators=[
                                 Optional(),
                                 Length(max=500, message="Online joining link must be 500 characters or fewer"),
                                 URL(message="Enter the link in full, starting with https://")])
    who = RadioField("Who can come", default="members", widget=GovRadioInput(), choices=[
        ("members", "Only the forum's members (the time and place are shown only to them)"),
        ("public", "Anyone (listed with the partnership's public events)")],
        validators=[InputRequired("Choose who can come")], invalid_choice_message="Choose who can come from the list")
    capacity = WholeNumberField("Places (optional)", description="Leave empty for no limit", widget=GovTextInput(),
                            validators=[Optional(), NumberRange(min=1, max=10000,
                                                                message="Places must be between 1 and 10000")])
    repeats = RadioField("Does it repeat?", widget=GovRadioInput(), default="",
                         choices=[("", "No, it happens once")] + list(PATTERNS.items()),
                         validators=[optional_choice()],
                         invalid_choice_message="Choose how often it repeats from the list")
    repeat_until = DayMonthYearField("Last date it repeats", validators=[Optional()])
    agenda = optional_long_text("Agenda (optional)", 10000,
                                "Published to members with the meeting and included in their email (for a "
                                "repeating meeting, the first date's). To draft it first, leave this empty and "
                                "write it on the meeting's page. You can use **bold**, lists and links.")
    submit = SubmitField("Schedule the meeting", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.repeats.data and not self.repeat_until.data and not self.repeat_until.errors:
            self.repeat_until.errors = ["Enter the last date it repeats"]
            valid = False
        return valid

    def details(self) -> MeetingDetails:
        return MeetingDetails(
            title=self.title.data, starts_at=london_datetime(self.date.data, self.start_time.data),
            ends_at=london_datetime(self.date.data, self.end_time.data), venue_id=self.venue_id.data or None,
            online_url=(self.online_url.data or "").strip() or None, members_only=self.who.data == "members",
            capacity=self.capacity.data, agenda=self.agenda.data or "",
            recurrence=Recurrence(self.repeats.data, self.repeat_until.data) if self.repeats.data else None)


class PapersForm(FlaskForm):
    agenda = optional_long_text("Agenda", 10000, "You can use **bold**, lists and links.")
    minutes = optional_long_text("Minutes", 30000, "Members see them once you approve them. Changing approved "
                                                   "minutes takes them back to draft until approved again.")


class ApologyForm(FlaskForm):
    note = optional_text(_l("Message to the coordinators (optional)"), 300)
    submit = SubmitField(_l("Send apologies"), widget=GovSubmitInput())


class ActionForm(FlaskForm):
    description = required_text("Action", 500, "Enter what needs doing")
    owner_id = SelectField("Who will do it", coerce=int, widget=GovSelect(),
                           validators=[InputRequired("Choose who will do it")],
                           invalid_choice_message="Choose a member or coordinator from the list")
    due_on = DayMonthYearField("Due by (optional)", validators=[Optional()], description="For example, 27 3 2027")
    submit = SubmitField("Add the action", widget=GovSubmitInput())


class ActionStatusForm(FlaskForm):
    status = SelectField("Status", widget=GovSelect(), choices=[(s.value, s.label) for s in ActionStatus],
                         invalid_choice_message="Choose a status from the list")


class AnnouncementForm(FlaskForm):
    subject = required_text("Subject", 150, "Enter a subject")
    body = _required_long_text("Message", 10000, "Enter the message",
                               "You can use **bold**, lists and links on the forum page.")
    role = SelectField("Send to", widget=GovSelect(), validators=[optional_choice()],
                       choices=[("", "All active members")] + [(r.value, f"Only those whose role is {r.label}")
                                                               for r in MembershipRole],
                       invalid_choice_message="Choose who to send it to from the list")
    essential = BooleanField("This is essential (for example, a meeting has moved): send it to members who have "
                             "turned announcements off too", widget=GovCheckboxInput())
    # The preview's one-time key (forums.services.announcements).
    draft = StringField(widget=HiddenInput(), validators=[Optional()])  # checked by the send (core.drafts)
    submit = SubmitField("Preview the announcement", widget=GovSubmitInput())


class InvitationForm(FlaskForm):
    email = email_field("Email address of the person to invite", "We email them a link to join",
                        missing="Enter the email address of the person to invite")
    submit = SubmitField("Send the invitation", widget=GovSubmitInput())
