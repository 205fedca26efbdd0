"""Forms for the awards: cycles, categories with their questions and rubric,
nominating, and screening. They check shape; the rules (awards.cycle_setup,
awards.nominating, awards.screening) check meaning (windows, limits, who may
nominate whom)."""
from datetime import time

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount, GovCheckboxInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from awards.models import ConflictKind, NominationStatus, NomineeKind, Outcome
from awards.cycle_setup import CategoryDetails, CycleDetails
from awards.nominating import MAX_REFEREES, SELF_NOMINATION, NominationDetails
from awards.translations import CategoryText
from core.database import in_london, london_datetime
from core.forms import (
    DayMonthYearField, NoControlCharacters, email_field, optional_choice, optional_long_text, optional_text,
    required_text, WholeNumberField,
)
from core.accounts.models import NAME_MAX_LENGTH
from core.i18n import _, _l, ngettext

MORNING, MIDNIGHT = time(9, 0), time(23, 59, 59)


def _date(label, hint):
    return DayMonthYearField(label, validators=[InputRequired(f"Enter the date {label.lower()}")], description=hint)


class CycleForm(FlaskForm):
    name = required_text("Name", 150, "Enter the cycle's name",
                         description="For example: Community Cohesion Awards 2027")
    introduction = optional_long_text("Introduction (optional)", 5000,
                                      "Shown on the cycle's page. You can use **bold**, lists and links.")
    nominations_open = _date("Nominations open", "From 9am that day")
    nominations_close = _date("Nominations close", "At the end of that day")
    judging_opens = _date("Judging opens", "From 9am that day")
    judging_closes = _date("Judging closes", "At the end of that day")
    announce = _date("Winners announced", "From 9am that day")
    ceremony_id = SelectField("Awards ceremony (optional)", coerce=int, widget=GovSelect(),
                              validators=[optional_choice()],
                              invalid_choice_message="Choose the ceremony from the list")
    blind_judging = BooleanField("Judges do not see who made each nomination", widget=GovCheckboxInput())
    hide_nominee_contacts = BooleanField("Judges do not see nominees' contact details", default=True,
                                         widget=GovCheckboxInput())
    show_other_scores = BooleanField("Judges see each other's scores for a nomination once they have submitted "
                                     "their own", widget=GovCheckboxInput())
    normalise_after = WholeNumberField("Normalise scores once every judge has scored at least", default=3,
                                   widget=GovTextInput(), description="Nominations each. Fewer than that and the "
                                                                      "raw scores are used",
                                   validators=[InputRequired("Enter how many nominations each judge must score"),
                                               NumberRange(min=2, max=50, message="Enter a number from 2 to 50")])
    submit = SubmitField("Save cycle", widget=GovSubmitInput())

    def details(self) -> CycleDetails:
        return CycleDetails(
            name=self.name.data, introduction=self.introduction.data or "",
            nominations_open_at=london_datetime(self.nominations_open.data, MORNING),
            nominations_close_at=london_datetime(self.nominations_close.data, MIDNIGHT),
            judging_opens_at=london_datetime(self.judging_opens.data, MORNING),
            judging_closes_at=london_datetime(self.judging_closes.data, MIDNIGHT),
            announce_at=london_datetime(self.announce.data, MORNING),
            ceremony_id=self.ceremony_id.data or None, blind_judging=self.blind_judging.data,
            hide_nominee_contacts=self.hide_nominee_contacts.data, show_other_scores=self.show_other_scores.data,
            normalise_after=self.normalise_after.data)

    @classmethod
    def for_cycle(cls, cycle):
        return cls(obj=cycle, nominations_open=in_london(cycle.nominations_open_at).date(),
                   nominations_close=in_london(cycle.nominations_close_at).date(),
                   judging_opens=in_london(cycle.judging_opens_at).date(),
                   judging_closes=in_london(cycle.judging_closes_at).date(),
                   announce=in_london(cycle.announce_at).date(), ceremony_id=cycle.ceremony_id or 0)


class CategoryForm(FlaskForm):
    name = required_text("Name", 150, "Enter the category's name")
    description = optional_long_text("What the award is for", 3000, "You can use **bold**, lists and links.")
    eligibility = optional_long_text("Who can be nominated", 3000, "For example: people who live, work or study "
                                                                   "in the county")
    nominee_kind = RadioField("Who is nominated", widget=GovRadioInput(), default=NomineeKind.INDIVIDUAL.value,
                              choices=[(k.value, k.label) for k in NomineeKind],
                              validators=[InputRequired("Choose who is nominated")],
                              invalid_choice_message="Choose who is nominated from the list")
    self_nomination = BooleanField("People can nominate themselves (or their own group)", widget=GovCheckboxInput())
    min_age = WholeNumberField("Youngest age (optional)", widget=GovTextInput(), validators=[
        Optional(), NumberRange(min=0, max=120, message="Youngest age must be between 0 and 120")],
        description="People only. Their age on the day nominations close")
    max_age = WholeNumberField("Oldest age (optional)", widget=GovTextInput(), validators=[
        Optional(), NumberRange(min=0, max=120, message="Oldest age must be between 0 and 120")])
    scale_max = WholeNumberField("Judges score each criterion from 1 to", default=5, widget=GovTextInput(), validators=[
        InputRequired("Enter the top of the scoring scale"),
        NumberRange(min=2, max=10, message="The top of the scale must be between 2 and 10")])
    submit = SubmitField("Save category", widget=GovSubmitInput())

    def details(self) -> CategoryDetails:
        return CategoryDetails(name=self.name.data, nominee_kind=NomineeKind(self.nominee_kind.data),
                               description=self.description.data or "", eligibility=self.eligibility.data or "",
                               self_nomination=self.self_nomination.data, min_age=self.min_age.data,
                               max_age=self.max_age.data, scale_max=self.scale_max.data)


class CategoryVersionForm(FlaskForm):
    """A category's name, description and eligibility in another language,
    held to the English ones' limits (core.content_languages)."""
    name = StringField(_l("Name"), widget=GovTextInput(), validators=[
        DataRequired(_l("Enter the category's name")),
        Length(max=150, message=_l("Name must be 150 characters or fewer")), NoControlCharacters()])
    description = TextAreaField(
        _l("What the award is for (optional)"), widget=GovCharacterCount(), validators=[
            Optional(), Length(max=3000, message=_l("What the award is for must be 3000 characters or fewer")),
            NoControlCharacters(allow="\r\n\t")],
        description=_l("You can use **bold**, lists and links. Left empty, the English text is shown."))
    eligibility = TextAreaField(
        _l("Who can be nominated (optional)"), widget=GovCharacterCount(), validators=[
            Optional(), Length(max=3000, message=_l("Who can be nominated must be 3000 characters or fewer")),
            NoControlCharacters(allow="\r\n\t")],
        description=_l("Left empty, the English text is shown."))
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())

    def text(self) -> CategoryText:
        return CategoryText(name=self.name.data, description=self.description.data or "",
                            eligibility=self.eligibility.data or "")


class QuestionForm(FlaskForm):
    text = required_text("Question", 300, "Enter the question")
    word_limit = WholeNumberField("Word limit", default=300, widget=GovTextInput(), validators=[
        InputRequired("Enter the word limit"), NumberRange(min=10, max=2000, message="Between 10 and 2000 words")])
    submit = SubmitField("Add question", widget=GovSubmitInput())


class CriterionForm(FlaskForm):
    name = required_text("Criterion", 150, "Enter the criterion")
    guidance = optional_long_text("What low, middling and high scores look like (optional)", 2000)
    weight = WholeNumberField("Weight", default=1, widget=GovTextInput(), description="How much it counts: 1 to 10",
                          validators=[InputRequired("Enter the weight"),
                                      NumberRange(min=1, max=10, message="The weight must be between 1 and 10")])
    submit = SubmitField("Add criterion", widget=GovSubmitInput())


class CopyCategoriesForm(FlaskForm):
    source_id = SelectField("Copy categories from", coerce=int, widget=GovSelect(),
                            validators=[InputRequired("Choose a cycle")],
                            invalid_choice_message="Choose a cycle from the list")
    submit = SubmitField("Copy categories", widget=GovSubmitInput())


class ExclusionForm(FlaskForm):
    name = required_text("Name", 150, "Enter the person's or group's name")
    reason = required_text("Why they cannot win", 300, "Enter the reason",
                           description="For example: partnership staff, or won this category last year")
    submit = SubmitField("Add to the list", widget=GovSubmitInput())


def _words(label, limit, hint=None):
    return TextAreaField(label, description=hint, widget=GovCharacterCount(), validators=[
        Optional(), Length(max=limit * 12, message=_l("%(label)s is far too long", label=label)),
        NoControlCharacters(allow="\r\n\t")])


class NominationForm(FlaskForm):
    nominator_name = optional_text(_l("Your full name"), NAME_MAX_LENGTH, person_name=True,
                                   render_kw={"autocomplete": "name"})
    nominator_email = email_field(_l("Your email address"), _l("We send you a link to confirm, and a copy"),
                                  missing=None)
    nominator_phone = optional_text(_l("Your phone number (optional)"), 30, render_kw={"autocomplete": "tel"})
    nominating = RadioField(_l("Who are you nominating?"), default="other", widget=GovRadioInput(), choices=[
        ("other", _l("Someone else, or a group I am not part of")), ("self", _l("Myself, or a group I run"))],
        invalid_choice_message=_l("Choose who you are nominating"))
    relationship = optional_text(_l("How do you know the nominee?"), 150,
                                 _l("For example: a neighbour, or I volunteer with them"))
    nominee_name = optional_text(_l("Nominee's name"), 150, person_name=True)
    nominee_area = optional_text(_l("Town or area"), 150, _l("For example: Wellingborough"))
    nominee_email = email_field(_l("Nominee's email address (optional)"), _l("If you know it"), missing=None)
    nominee_phone = optional_text(_l("Nominee's phone number (optional)"), 30)
    nominee_age = WholeNumberField(_l("Nominee's age"), widget=GovTextInput(), validators=[
        Optional(), NumberRange(min=0, max=120, message=_l("Enter an age between 0 and 120"))])
    group_started = optional_text(_l("When the group started (optional)"), 50, _l("For example: 2019"))
    group_activity = _words(_l("What the group does"), 300)
    nominee_knows = RadioField(_l("Does the nominee know you are nominating them?"), widget=GovRadioInput(),
                               choices=[("yes", _l("Yes, and they agree to be contacted")),
                                        ("no", _l("No, they cannot be told yet"))], validators=[optional_choice()],
                               invalid_choice_message=_l("Choose yes or no"))
    nominee_not_told_reason = _words(_l("Why they cannot be told yet"), 200)
    data_consent = BooleanField(_l("I agree to the partnership keeping this nomination to run the awards, and to "
                                   "judges reading it"), widget=GovCheckboxInput())
    send = SubmitField(_l("Send nomination"), widget=GovSubmitInput())
    draft = SubmitField(_l("Save as draft"), widget=GovSubmitInput())

    def details(self) -> NominationDetails:
        return NominationDetails(
            nominator_name=(self.nominator_name.data or "") if "nominator_name" in self else "",
            nominator_email=(self.nominator_email.data or "") if "nominator_email" in self else "",
            nominator_phone=self.nominator_phone.data or "", relationship=self.relationship.data or "",
            nominating_self=self.nominating.data == "self", nominee_name=self.nominee_name.data or "",
            nominee_area=self.nominee_area.data or "", nominee_email=self.nominee_email.data or "",
            nominee_phone=self.nominee_phone.data or "",
            nominee_age=self.nominee_age.data if "nominee_age" in self else None,
            group_started=(self.group_started.data or "") if "group_started" in self else "",
            group_activity=(self.group_activity.data or "") if "group_activity" in self else "",
            answers={int(name.split("_")[1]): field.data or "" for name, field in self._fields.items()
                     if name.startswith("question_")},
            referees=[tuple(getattr(self, f"referee_{n}_{part}").data or ""
                            for part in ("name", "relationship", "statement")) for n in range(1, MAX_REFEREES + 1)],
            nominee_knows={"yes": True, "no": False}.get(self.nominee_knows.data),
            nominee_not_told_reason=self.nominee_not_told_reason.data or "", data_consent=self.data_consent.data)



def _draft_values(nomination) -> dict:
    """A saved draft, as its form's values."""
    by_self = nomination.relationship_to_nominee == SELF_NOMINATION
    values = dict(
        nominator_phone=nomination.nominator_phone, nominee_name=nomination.nominee_name,
        relationship="" if by_self else nomination.relationship_to_nominee, nominating="self" if by_self else "other",
        nominee_area=nomination.nominee_area, nominee_email=nomination.nominee_email,
        nominee_phone=nomination.nominee_phone, nominee_age=nomination.nominee_age,
        group_started=nomination.group_started, group_activity=nomination.group_activity,
        nominee_knows="yes" if nomination.nominee_knows else ("no" if nomination.nominee_not_told_reason else None),
        nominee_not_told_reason=nomination.nominee_not_told_reason, data_consent=nomination.data_consent,
        **{f"question_{answer.question_id}": answer.text for answer in nomination.answers if answer.question_id})
    for n, referee in enumerate(nomination.referees, start=1):
        values.update({f"referee_{n}_name": referee.name, f"referee_{n}_relationship": referee.relationship_to_nominee,
                       f"referee_{n}_statement": referee.statement})
    return values


def nomination_form(category, *, signed_in: bool, draft=None) -> NominationForm:
    """The nomination form for one category: its own questions (question_<id>),
    two referees, and only the boxes that apply to who is nominated and who is
    nominating. A draft being continued starts from what was saved."""
    fields = {f"question_{q.id}": _words(q.text, q.word_limit, ngettext("Up to %(num)d word", "Up to %(num)d words",
                                                                         q.word_limit))
              for q in category.questions}
    for n in range(1, MAX_REFEREES + 1):
        fields[f"referee_{n}_name"] = optional_text(_("Referee %(n)d: name", n=n), NAME_MAX_LENGTH)
        fields[f"referee_{n}_relationship"] = optional_text(_("Referee %(n)d: how they know the nominee", n=n), 150)
        fields[f"referee_{n}_statement"] = _words(_("Referee %(n)d: statement", n=n), 300,
                                                  ngettext("Up to %(num)d word", "Up to %(num)d words", 300))
    form_class = type("CategoryNominationForm", (NominationForm,), fields)
    form = form_class(**_draft_values(draft)) if draft is not None else form_class()
    unwanted = ["nominator_name", "nominator_email"] if signed_in else ["draft"]
    if category.nominee_kind == NomineeKind.GROUP or not category.has_age_limits:
        unwanted.append("nominee_age")
    if category.nominee_kind == NomineeKind.INDIVIDUAL:
        unwanted += ["group_started", "group_activity"]
    for name in unwanted:
        delattr(form, name)
    return form


class ScreeningForm(FlaskForm):
    reason = optional_long_text("Reason it is not eligible", 2000, "Needed to rule it out. It is emailed to the "
                                                                   "nominator")
    category_id = SelectField("Move it to", coerce=int, widget=GovSelect(), validators=[optional_choice()],
                              invalid_choice_message="Choose a category from the list")


class ScreeningFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    category = SelectField("Category", coerce=int, widget=GovSelect(), validators=[optional_choice()],
                           invalid_choice_message="Choose a category from the list")
    status = SelectField("Status", widget=GovSelect(), validators=[optional_choice()], choices=[("", "Any status")] + [
        (s.value, s.label) for s in NominationStatus
        if s not in (NominationStatus.DRAFT, NominationStatus.UNCONFIRMED)],
        invalid_choice_message="Choose a status from the list")


class JudgeForm(FlaskForm):
    email = email_field("Judge's email address", "We email them. Someone without an account is asked to create "
                        "one with this address", missing="Enter the judge's email address")
    submit = SubmitField("Appoint judge", widget=GovSubmitInput())


class DeclarationForm(FlaskForm):
    kind = RadioField("Your connection to the nominee or the nominator", widget=GovRadioInput(),
                      choices=[(k.value, k.label) for k in ConflictKind],
                      validators=[InputRequired("Say whether you have a connection")],
                      invalid_choice_message="Choose from the list")
    note = optional_text("What the connection is", 300, "Needed for Other. Only the awards team see it")
    submit = SubmitField("Declare", widget=GovSubmitInput())


class RecordConflictForm(FlaskForm):
    judge_id = SelectField("Judge", coerce=int, widget=GovSelect(), validators=[
        InputRequired("Choose the judge"), NumberRange(min=1, message="Choose the judge")],  # 0 is "Choose a judge"
        invalid_choice_message="Choose a judge on this panel")
    kind = SelectField("Kind of conflict", widget=GovSelect(), choices=[
        (k.value, k.label) for k in ConflictKind if k != ConflictKind.NONE],
        invalid_choice_message="Choose the kind of conflict from the list")
    note = optional_text("What the connection is", 300)
    submit = SubmitField("Record the conflict", widget=GovSubmitInput())


class ScoreForm(FlaskForm):
    comment = optional_long_text("Comment for the panel (optional)", 3000)
    save = SubmitField("Save draft", widget=GovSubmitInput())
    send = SubmitField("Submit scores", widget=GovSubmitInput())

    def values(self) -> dict[int, int | None]:
        return {int(name.split("_")[1]): field.data for name, field in self._fields.items()
                if name.startswith("criterion_")}


def score_form(category, sheet=None) -> ScoreForm:
    """One set of radios per criterion, from 1 to the category's scale."""
    choices = [(n, str(n)) for n in range(1, category.scale_max + 1)]
    fields = {f"criterion_{c.id}": RadioField(c.name, description=c.guidance, choices=choices, coerce=int,
                                              widget=GovRadioInput(), validators=[optional_choice()],
                                              invalid_choice_message=f"Score “{c.name}” from 1 to {category.scale_max}")
              for c in category.criteria}
    form_class = type("CategoryScoreForm", (ScoreForm,), fields)
    if sheet is None:
        return form_class()
    return form_class(comment=sheet.comment, **{f"criterion_{s.criterion_id}": s.value for s in sheet.scores})


class DecisionForm(FlaskForm):
    # No default: a decision nobody chose must not be recorded as "Winner".
    outcome = RadioField("The panel's decision", widget=GovRadioInput(), choices=[(o.value, o.label) for o in Outcome],
                         validators=[InputRequired("Choose the panel's decision")],
                         invalid_choice_message="Choose the panel's decision")
    rationale = optional_long_text("Why", 3000, "The panel's reasons. They go in the published results record")
    submit = SubmitField("Record the decision", widget=GovSubmitInput())


class ReopenForm(FlaskForm):
    reason = optional_long_text("Why reopen the results", 1000, "Kept in the audit log")
    submit = SubmitField("Reopen the results", widget=GovSubmitInput())
