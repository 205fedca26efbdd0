"""The API's query parameters: their shape, checked with the same form
library as every page, so a bad value gets a message naming it."""
from wtforms import DateField, Form, IntegerField, StringField
from wtforms.validators import AnyOf, Length, NumberRange, Regexp, StopValidation

from core.forms import NoControlCharacters
from core.numbers import MAX_PAGE
from events.models import EventKind
from events.queries import EventSearch
from events.services.priorities import PRIORITY_SLUG

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
KINDS = [kind.value for kind in EventKind]


class Omittable:
    """A parameter may be left out; given empty, it is an error rather than
    a silent "any", so a broken link on a partner's site shows up."""

    field_flags = {"optional": True}

    def __call__(self, form, field):
        if not field.raw_data:
            field.errors[:] = []
            raise StopValidation()
        if field.raw_data[0] == "":
            field.errors[:] = []
            raise StopValidation(f"{field.name} is empty: leave it out instead")


class EventQuery(Form):
    """`/api/v1/events?from=2027-01-01&kind=workshop&page=2`"""

    q = StringField("q", validators=[Omittable(), Length(max=100, message="q must be 100 characters or fewer"),
                                NoControlCharacters()])
    kind = StringField(validators=[Omittable(), AnyOf(KINDS, message="kind must be one of: " + ", ".join(KINDS))])
    priority = StringField(validators=[
        Omittable(), Length(max=100, message="priority must be 100 characters or fewer"),
        Regexp(rf"^(?:{PRIORITY_SLUG.pattern})\Z", message="priority must be a priority's slug, like inter-faith-work")])
    date_from = DateField(name="from", format="%Y-%m-%d", validators=[Omittable()])
    date_to = DateField(name="to", format="%Y-%m-%d", validators=[Omittable()])
    step_free = StringField(validators=[Omittable(), AnyOf(["true", "false"],
                                                          message="step_free must be true or false")])
    page = IntegerField(validators=[Omittable(), NumberRange(
        min=1, max=MAX_PAGE, message=f"page must be a whole number from 1 to {MAX_PAGE:,}")])
    per_page = IntegerField(validators=[Omittable(), NumberRange(
        min=1, message="per_page must be a whole number, 1 or more")])

    def problems(self) -> dict[str, list[str]]:
        """The first message for each bad query parameter, keyed as the caller named it."""
        return {field.name: [_plain(field.name, field.errors[0])] for field in self if field.errors}

    def search(self) -> EventSearch:
        return EventSearch(text=self.q.data or "", kind=EventKind(self.kind.data) if self.kind.data else None,
                           priority_slug=self.priority.data or "", date_from=self.date_from.data,
                           date_to=self.date_to.data, step_free=self.step_free.data == "true", public_only=True)

    def page_number(self) -> int:
        return self.page.data or 1

    def page_size(self) -> int:
        """What was asked for, but never more than MAX_PAGE_SIZE."""
        return min(self.per_page.data or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def _plain(name: str, message: str) -> str:
    """The form library's own messages, said as this API says the rest."""
    return {"Not a valid integer value.": f"{name} must be a whole number",
            "Not a valid date value.": f"{name} must be a date written as YYYY-MM-DD"}.get(message, message)
