"""Hostile dates in a report's filters (issue 18): a year like 1 or 9999,
or boxes sent twice, were a 500 on every report page and download (the day
after 31 12 9999 does not exist). Years run 1900 to 2100 on every date
input (core.forms.DayMonthYearField), with a message beside the field.
And the baseline filter: a number too big for the database, or digits
other than 0 to 9, were a 500 too; a baseline that cannot be one is the
census, as one that does not exist is."""
import re
from datetime import date
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.extensions import db
from core.accounts.models import User
from events.models import Event, EventSeries
from reports import services
from tests.awards.factories import CycleFactory
from tests.conftest import sign_in
from tests.events.factories import PriorityFactory
from tests.forums.factories import ForumFactory
from tests.reports.fixtures import build_small_world, drawn_pdf

ATTACK = "starts=1&starts=1&starts=9999&ends=31&ends=12&ends=9999"


@pytest.fixture
def report_urls(app):
    """Every report page and download, for an object of each kind."""
    with app.app_context():
        world = build_small_world()
        event = db.session.get(Event, world["a"])
        event.series = EventSeries(rrule="FREQ=MONTHLY;COUNT=3")
        forum, cycle, priority = ForumFactory(), CycleFactory(), PriorityFactory()
        db.session.commit()
        scopes = ["/reports/all", f"/reports/event/{event.id}", f"/reports/series/{event.series_id}",
                  f"/reports/forum/{forum.id}", f"/reports/cycle/{cycle.id}", f"/reports/priority/{priority.id}"]
    return [url + suffix for url in scopes for suffix in ("", "/report.csv", "/report.pdf")]


def fetch(client, url: str):
    """A page or the CSV as a GET; the PDF as the page's button asks for it."""
    if "/report.pdf" in url:
        page, _, query = url.partition("?")
        return drawn_pdf(client, page.removesuffix("/report.pdf") + "?" + query)
    return client.get(url)


@pytest.fixture
def admin(app, make_user):
    client = app.test_client()
    sign_in(client, make_user(roles=["admin"]))
    return client


def error_beside(page: str, field: str) -> str:
    found = re.search(rf'<p id="{field}-error" class="govuk-error-message">(.*?)</p>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split()) if found else ""


def answers_as_it_should(response, url: str, *, dates_accepted: bool) -> bool:
    """A page is a report (perhaps with a message beside the dates); a file
    (CSV or PDF) is made only for dates the page accepts, else refused with
    400 rather than made for every date (found attacking it). Never a 500."""
    if "/report." in url and not dates_accepted:
        return response.status_code == 400
    return response.status_code == 200


def test_the_reported_attack_is_a_report_with_the_message_beside_the_dates(admin, report_urls):
    for url in report_urls:
        assert answers_as_it_should(fetch(admin, f"{url}?{ATTACK}"), url, dates_accepted=False), url
    page = admin.get(f"/reports/all?{ATTACK}").get_data(as_text=True)
    assert error_beside(page, "starts") == "Error: From must be a date between 1900 and 2100"
    assert error_beside(page, "ends") == "Error: To must be a date between 1900 and 2100"
    assert 'value="9999"' in page  # kept for correcting


def test_an_organiser_sees_the_same_for_their_event(app, make_user, report_urls):
    organiser = make_user(roles=["organiser"])
    event_url = next(url for url in report_urls if url.startswith("/reports/event/"))
    with app.app_context():
        event = db.session.get(Event, int(event_url.split("/")[3]))
        event.organisers.append(db.session.get(User, organiser.id))
        db.session.commit()
    client = app.test_client()
    sign_in(client, organiser)
    for suffix in ("", "/report.csv", "/report.pdf"):
        url = f"{event_url}{suffix}"
        assert answers_as_it_should(fetch(client, f"{url}?{ATTACK}"), url, dates_accepted=False)


def test_the_first_and_last_years_allowed_still_filter(admin):
    page = admin.get("/reports/all?starts=1&starts=1&starts=1900&ends=31&ends=12&ends=2100").get_data(as_text=True)
    assert "1 January 1900 to 31 December 2100" in page and 'id="ends-error"' not in page


def test_the_service_takes_the_first_and_last_days_there_are(app):
    with app.app_context():
        build_small_world()
        everything = set(db.session.scalars(services.Scope("all").event_ids()))
        assert len(everything) == 3
        assert set(db.session.scalars(services.Scope("all", starts=date.min, ends=date.max).event_ids())) == everything


HOSTILE_PART = st.one_of(st.integers(-10**6, 10**20).map(str), st.sampled_from(
    ["", "0", "00", "-1", "1e9", "٣", "x", " 1", "2026\x00", "１２"]))
DATE_PARTS = st.one_of(
    st.tuples(st.sampled_from(["31", "1", "29", "30", "0", "32"]), st.sampled_from(["12", "1", "2", "13"]),
              st.sampled_from(["9999", "0001", "1", "1899", "1900", "2100", "2101", "10000", "0"])).map(list),
    st.lists(HOSTILE_PART, max_size=4))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(url_number=st.integers(0, 17).filter(lambda n: n % 3 != 2), starts=DATE_PARTS, ends=DATE_PARTS)
@example(url_number=0, starts=["1", "1", "9999"], ends=["31", "12", "9999"])  # the reported attack
@example(url_number=2, starts=["1", "1", "0001"], ends=["31", "12", "9999"])
def test_no_hostile_date_in_any_report_url_is_a_500(admin, report_urls, url_number, starts, ends):
    """Every report page and the CSV (the PDF reads the same filters, and is
    tried by the examples: drawing one each time is slow), with day, month and year boxes of any
    value, sent any number of times: a report (perhaps with a message), or for a file with dates the
    page refuses, a 400; never a 500."""
    query = urlencode([("starts", part) for part in starts] + [("ends", part) for part in ends])
    url = report_urls[url_number]
    page = admin.get(f"{url.split('/report.')[0]}?{query}")
    accepted = 'class="govuk-error-message"' not in page.get_data(as_text=True)
    assert page.status_code == 200
    assert answers_as_it_should(fetch(admin, f"{url}?{query}"), url, dates_accepted=accepted), (url, query)


# On PostgreSQL only the numbers beyond its integers: the rest never leave Python.
@pytest.mark.postgresql_sample.with_args(lambda params: len(params["baseline"]) > 9)
@pytest.mark.parametrize("baseline", ["99999999999999999999", str(2**63), str(2**31), "0", "-1", "²", "١", "１"])
def test_a_baseline_no_id_can_be_is_the_census_on_every_report_url(admin, report_urls, baseline):
    """Reproduced: ?baseline=99999999999999999999 (an OverflowError) and
    ?baseline=² (str.isdigit() passes it, int() does not) were 500s."""
    for url in report_urls:
        response = fetch(admin, f"{url}?baseline={quote(baseline)}")
        assert response.status_code == 200, (url, baseline)
    assert "Census 2021" in admin.get(f"/reports/all?baseline={quote(baseline)}").get_data(as_text=True)
