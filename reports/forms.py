"""Report filters (a GET form: it changes nothing) and baseline uploads."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField
from wtforms.validators import Optional

from core.forms import DayMonthYearField, optional_choice, required_text


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: choosing what to see changes nothing

    starts = DayMonthYearField("From", description="For example, 1 4 2026", validators=[Optional()])
    ends = DayMonthYearField("To", description="For example, 31 3 2027", validators=[Optional()])
    baseline = SelectField("Compare with", widget=GovSelect(), default="census", validators=[optional_choice()],
                           validate_choice=False)
    submit = SubmitField("Show the report", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.starts.data and self.ends.data and self.ends.data < self.starts.data:
            self.ends.errors.append("The end date must be on or after the start date")
            return False
        return valid


class BaselineUploadForm(FlaskForm):
    name = required_text("Name", 150, "Enter a name for the baseline",
                         description="For example: County mid-year estimates 2025")
    file = FileField("CSV file", widget=GovFileInput(), validators=[FileRequired("Choose a CSV file to upload")],
                     description="Columns: area, characteristic, category, percent, source. Up to 256 KB.")
    submit = SubmitField("Upload baseline", widget=GovSubmitInput())
