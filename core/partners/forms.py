"""Forms for partner organisations (staff screens: English, unmarked), and
the select other packages put on their linking screens (`PartnerPickForm`)."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import URL, InputRequired, Length, Optional

from core.forms import NoControlCharacters, email_field, optional_choice, optional_long_text, optional_text, required_text
from core.accounts.models import NAME_MAX_LENGTH
from core.extensions import db
from core.partners.models import PARTNER_NAME_MAX_LENGTH, PartnerKind, PartnerOrganisation
from core.partners.queries import partner_choices
from core.partners.services import ContactDetails, PartnerDetails


class PartnerForm(FlaskForm):
    name = required_text("Name of the organisation", PARTNER_NAME_MAX_LENGTH, "Enter the organisation's name")
    kind = RadioField("Kind of organisation", description="What it mainly is", choices=[(kind.value, kind.label) for kind in PartnerKind],
                      widget=GovRadioInput(), validators=[InputRequired("Choose the kind of organisation")])
    area = optional_text("Area (optional)", 150, "The town or part of the county it works in, for example Corby")
    website = StringField("Website (optional)", widget=GovTextInput(), validators=[
        Optional(), Length(max=300, message="Website must be 300 characters or fewer"),
        URL(message="Enter the website in full, starting with https://")])
    notes = optional_long_text("Notes (optional)", 2000, "For staff only: how the partnership works with them")
    submit = SubmitField("Save partner", widget=GovSubmitInput())

    def details(self) -> PartnerDetails:
        return PartnerDetails(name=self.name.data, kind=PartnerKind(self.kind.data), area=self.area.data or "",
                              website=self.website.data or "", notes=self.notes.data or "")


class PartnerSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("Search by name or area", widget=GovTextInput(), validators=[
        Optional(), Length(max=100, message="Search must be 100 characters or fewer"), NoControlCharacters()])
    kind = SelectField("Kind", widget=GovSelect(), validators=[optional_choice()],
                       choices=[("", "Any kind"), *((kind.value, kind.label) for kind in PartnerKind)],
                       invalid_choice_message="Choose a kind from the list")


class ContactForm(FlaskForm):
    name = required_text("Name", NAME_MAX_LENGTH, "Enter the contact's name", person_name=True)
    role = optional_text("Role or title (optional)", 150, "For example, Imam, headteacher or secretary")
    email = email_field("Email address (optional)", missing=None)
    phone = optional_text("Phone number (optional)", 30, render_kw={"autocomplete": "off"})
    may_contact = BooleanField("They have agreed that we may contact them about the partnership's work",
                               widget=GovCheckboxInput())
    submit = SubmitField("Save contact", widget=GovSubmitInput())

    def details(self) -> ContactDetails:
        return ContactDetails(name=self.name.data, role=self.role.data or "", email=self.email.data or "",
                              phone=self.phone.data or "", may_contact=bool(self.may_contact.data))


class PartnerPickForm(FlaskForm):
    """One partner from the list, or none (0): a forum member's organisation, a nomination's."""

    partner_id = SelectField("Partner organisation", coerce=int, widget=GovSelect(), validators=[optional_choice()],
                             invalid_choice_message="Choose a partner from the list")
    submit = SubmitField("Save partner organisation", widget=GovSubmitInput())

    def __init__(self, *args, first: str = "None", **kwargs):
        super().__init__(*args, **kwargs)
        self.partner_id.choices = partner_choices(first)

    def chosen(self) -> PartnerOrganisation | None:
        return db.session.get(PartnerOrganisation, self.partner_id.data) if self.partner_id.data else None

    def require_one(self, message: str) -> PartnerOrganisation | None:
        """The partner chosen, or None with `message` beside the select."""
        partner = self.chosen()
        if partner is None:
            self.partner_id.errors = [*self.partner_id.errors, message]
        return partner
