"""The equality questions' forms: every question may be skipped and offers
"Prefer not to say"; the follow-up page asks only what applies."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import Length, Optional, Regexp

from core.equality import services as equality
from core.forms import optional_choice
from core.i18n import _, _l


def _equality_question(characteristic: equality.Characteristic) -> RadioField:
    """Every question may be skipped, and every one offers "Prefer not to say"."""
    return RadioField(
        characteristic.question, widget=GovRadioInput(), validators=[optional_choice()],
        choices=[*characteristic.categories, (equality.PREFER_NOT_TO_SAY, equality.PREFER_NOT_TO_SAY_LABEL)],
        invalid_choice_message=_l("Select an answer to “%(question)s” from the list", question=characteristic.question))


class EqualityQuestionsForm(FlaskForm):
    age_band = _equality_question(equality.AGE_BAND)
    ethnic_group = _equality_question(equality.ETHNIC_GROUP)
    religion = _equality_question(equality.RELIGION)
    sex = _equality_question(equality.SEX)
    disability = _equality_question(equality.DISABILITY)
    postcode_district = StringField(
        _l("The first half of your postcode (optional)"), description=_l("For example, NN1 or NN16"),
        widget=GovTextInput(), filters=[lambda value: value.strip().upper() if value else value],
        validators=[Optional(), Length(max=4, message=_l("Enter only the first half of your postcode, like NN1")),
                    Regexp(equality.POSTCODE_DISTRICT_PATTERN,
                           message=_l("Enter the first half of your postcode, like NN1 or NN16"))],
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    submit = SubmitField(_l("Save and continue"), widget=GovSubmitInput())


class EqualityFollowUpForm(FlaskForm):
    """Questions that depend on the first page's answers; the view removes
    those that do not apply and offers only the chosen group's backgrounds."""
    ethnic_background = RadioField(widget=GovRadioInput(), validators=[optional_choice()],
                                   invalid_choice_message=_l("Select an ethnic background from the list"))
    disability_impact = _equality_question(equality.DISABILITY_IMPACT)
    submit = SubmitField(_l("Save and continue"), widget=GovSubmitInput())

    def for_answers(self, response) -> "EqualityFollowUpForm":
        asked = equality.follow_up_questions(response)
        if "ethnic_background" in asked:
            group = equality.ETHNIC_GROUP.label_of(response.ethnic_group)
            self.ethnic_background.label.text = _("Which of these best describes your %(group)s background?",
                                                  group=group)
            self.ethnic_background.choices = [*equality.ETHNIC_BACKGROUNDS[response.ethnic_group],
                                              (equality.PREFER_NOT_TO_SAY, equality.PREFER_NOT_TO_SAY_LABEL)]
        else:
            del self.ethnic_background
        if "disability_impact" not in asked:
            del self.disability_impact
        return self


class EqualityAdultQuestionsForm(FlaskForm):
    gender_identity = _equality_question(equality.GENDER_IDENTITY)
    sexual_orientation = _equality_question(equality.SEXUAL_ORIENTATION)
    submit = SubmitField(_l("Save answers"), widget=GovSubmitInput())
