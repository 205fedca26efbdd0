"""Every date input (core.forms.DayMonthYearField, used by events, forums,
awards and reports) takes years 1900 to 2100 only, with a message beside the
field: a year like 1 or 9999 is a slip or an attack, and near the ends of the
calendar the date arithmetic behind a form overflows (issue 18)."""
import pytest
from sqlalchemy import func, select

from core.extensions import db
from events.models import Event
from tests.conftest import sign_in, submit
from tests.events.test_views import event_form, organiser, text_of, venue_id  # noqa: F401 (fixtures)


@pytest.mark.parametrize("field", ["start_date", "end_date", "closes_date", "repeat_until"])
@pytest.mark.parametrize("year, problem", [
    ("9999", "must be a date between 1900 and 2100"), ("0001", "must be a date between 1900 and 2100"),
    ("2101", "must be a date between 1900 and 2100"), ("1899", "must be a date between 1900 and 2100"),
    ("1", "must be a real date"),  # a year of fewer than four figures never parsed
])
def test_an_event_dated_outside_1900_to_2100_is_refused_beside_the_field(client, app, organiser, venue_id, field,
                                                                           year, problem):
    sign_in(client, organiser)
    data = event_form(venue_id, **{field: ["31", "12", year]})
    if field == "repeat_until":
        data["repeats"] = "weekly"
    response = submit(client, "/manage/events/new", data)
    page = text_of(response)
    label = {"start_date": "Start date", "end_date": "End date", "closes_date": "Registration closes on",
             "repeat_until": "Last date it repeats"}[field]
    assert response.status_code == 200 and f'href="#{field}"' in page
    assert f"{label} {problem}" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == 0


@pytest.mark.parametrize("query", ["date_from=1&date_from=1&date_from=9999&date_to=31&date_to=12&date_to=9999",
                                   "date_from=31&date_from=12&date_from=0001"])
def test_the_public_event_search_explains_a_year_out_of_range(client, query):
    page = text_of(client.get(f"/events?{query}"))
    assert "must be a date between 1900 and 2100" in page


@pytest.mark.parametrize("typed, problem", [
    (["", "", "2026"], "From must include a day and month"),
    (["", "4", "2026"], "From must include a day"),
    (["1", "", ""], "From must include a month and year"),
    (["1", "4", ""], "From must include a year"),
])
def test_a_date_typed_in_part_says_what_it_lacks_and_keeps_what_was_typed(client, typed, problem):
    """Found walking the reports: a year alone in an optional date passed
    as no date at all (Optional() reads only the day box), and the report
    covered everything, saying nothing. The public event search has the
    same optional dates."""
    page = text_of(client.get("/events?" + "&".join(f"date_from={value}" for value in typed)))
    assert problem in page
    for value in typed:
        if value:
            assert f'value="{value}"' in page


def test_a_date_of_birth_that_is_no_date_is_shown_a_past_example(app, client, make_user):
    from tests.forums.factories import ForumFactory
    with app.app_context():
        forum_id = ForumFactory().id
    sign_in(client, make_user())
    page = text_of(submit(client, f"/forums/{forum_id}/apply",
                          {"reason": "Hello", "date_of_birth": ["31", "2", "2010"]}))
    assert "Date of birth must be a real date, like 27 3 2010" in page
