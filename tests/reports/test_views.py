"""Report pages, downloads and baseline uploads: who sees which scope, what
the figures look like in HTML, CSV and PDF, and bad files refused."""
import csv
import io
import re

import pytest

from core.extensions import db
from core.models import User
from events.models import Event, EventSeries
from forums.models import ForumCoordinator
from tests.awards.factories import CycleFactory
from tests.conftest import sign_in, submit
from tests.events.factories import PriorityFactory
from tests.events.test_pdf import pdf_text
from tests.forums.factories import ForumFactory
from tests.reports.fixtures import build_small_world

SMALL = re.compile(r"^[1-4]$")


@pytest.fixture
def world(app):
    with app.app_context():
        return build_small_world()


def admin_client(app, make_user):
    client = app.test_client()
    sign_in(client, make_user(roles=["admin"]))
    return client


def test_each_person_sees_the_reports_for_their_own_scopes(app, client, make_user, world):
    organiser, coordinator = make_user(roles=["organiser"]), make_user()
    with app.app_context():
        event = db.session.get(Event, world["a"])
        event.organisers.append(db.session.get(User, organiser.id))
        event.series = EventSeries(rrule="FREQ=MONTHLY;COUNT=3")
        forum, other_forum = ForumFactory(), ForumFactory()
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        cycle, priority = CycleFactory(), PriorityFactory()
        db.session.commit()
        forum_id, other_forum_id, cycle_id, priority_id = forum.id, other_forum.id, cycle.id, priority.id
        series_id = event.series_id

    sign_in(client, organiser)
    assert client.get(f"/reports/event/{world['a']}").status_code == 200
    assert client.get(f"/reports/event/{world['b']}").status_code == 403  # not theirs
    assert "Event A, every date" in client.get(f"/reports/series/{series_id}").get_data(as_text=True)
    assert client.get(f"/reports/series/{series_id + 1}").status_code == 404
    for path in ("/reports/all", f"/reports/priority/{priority_id}", f"/reports/forum/{forum_id}",
                 f"/reports/cycle/{cycle_id}", f"/reports/event/{world['b']}/report.pdf"):
        assert client.get(path).status_code == 403, path
    assert "Event A" in client.get("/reports").get_data(as_text=True)

    other = app.test_client()
    sign_in(other, coordinator)
    assert other.get(f"/reports/forum/{forum_id}").status_code == 200
    assert other.get(f"/reports/forum/{other_forum_id}").status_code == 403
    assert other.get("/reports/forum/999999").status_code == 404

    awards = app.test_client()
    sign_in(awards, make_user(roles=["awards_administrator"]))
    assert awards.get(f"/reports/cycle/{cycle_id}").status_code == 200
    assert awards.get(f"/reports/event/{world['a']}").status_code == 403


def test_a_report_page_shows_suppressed_counts_a_chart_and_the_baseline_source(app, make_user, world):
    page = admin_client(app, make_user).get("/reports/all").get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page  # the chart, drawn on the server
    assert "ONS Census 2021" in page and "There is no population baseline for sex" in page
    assert "&lt;5" in page and "[c]" in page
    # Every count of people in every table (numbers of events are not people: they are marked apart).
    cells = re.findall(r'govuk-table__cell--numeric">([^<]*)<', page)
    assert len(cells) > 100 and not any(SMALL.match(cell.strip()) for cell in cells)
    assert "so that no one can be picked out" in page


def test_with_every_count_shown_the_page_highlights_who_is_under_and_over_represented(app, make_user, world):
    app.config["REPORT_SUPPRESSION_THRESHOLD"] = 1
    page = admin_client(app, make_user).get("/reports/all").get_data(as_text=True)
    assert "Over-represented</strong> 1.54" in page  # 1 of 7 Asian, against 9.3% of the population
    assert "Under-represented" in page
    no_shows = admin_client(app, make_user).get("/reports/all?view=no_show").get_data(as_text=True)
    assert "Registered, did not come" in no_shows


def test_the_csv_is_tidy_and_suppressed(app, make_user, world):
    response = admin_client(app, make_user).get("/reports/all/report.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert {"period", "scope", "people", "characteristic", "category", "count"} <= set(rows[0])
    asian = next(row for row in rows if row["people"] == "Came" and row["category"] == "Asian or Asian British")
    assert asian["count"] == "<5" and asian["percent_of_all"] == ""
    assert not any(SMALL.match(row["count"]) for row in rows)
    assert any(row["baseline_source"].startswith("ONS Census 2021") for row in rows)


def test_the_pdf_has_the_key_figures_as_text_and_no_small_counts(app, make_user, world):
    response = admin_client(app, make_user).get("/reports/all/report.pdf")
    assert response.mimetype == "application/pdf"
    _, text = pdf_text(response.data)
    # Events A, B and the earlier C; person 1 counted once.
    assert "Key findings" in text and "10 people came to 3 events" in text
    assert "Method" in text and "ONS Census 2021" in text
    # Each table row reads "<category>", then its count, on the next line: no count from 1 to 4 is printed.
    labels = ["White", "Asian or Asian British", "Prefer not to say", "Not answered", "Christian", "Muslim", "Female"]
    counts = [count for label in labels
              for count in re.findall(rf"^{re.escape(label)}\n(\S+)\n", text, flags=re.MULTILINE)]
    assert len(counts) > 15 and "<5" in counts and "0" in counts
    assert not any(SMALL.match(count) for count in counts)


def test_bad_dates_are_shown_beside_the_field_and_the_report_still_shows(app, make_user, world):
    response = admin_client(app, make_user).get("/reports/all?starts=40&starts=13&starts=2026")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "From must be a real date" in page and "Key findings" in page
    response = admin_client(app, make_user).get(
        "/reports/all?starts=1&starts=6&starts=2026&ends=1&ends=1&ends=2026")
    assert "The end date must be on or after the start date" in response.get_data(as_text=True)


GOOD_BASELINE = ("area,characteristic,category,percent,source\n"
                 "Testshire,sex,Female,51,Test survey\nTestshire,sex,Male,49,Test survey\n")


def test_an_admin_uploads_a_baseline_and_compares_with_it(app, make_user, world):
    client = admin_client(app, make_user)
    response = submit(client, "/admin/baselines", {
        "name": "Testshire survey", "file": (io.BytesIO(GOOD_BASELINE.encode()), "baseline.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get("/reports/all").get_data(as_text=True)
    choice = re.search(r'<option value="(\d+)">Testshire survey</option>', page).group(1)
    page = client.get(f"/reports/all?baseline={choice}").get_data(as_text=True)
    assert "Population: Testshire. Source: Test survey." in page


@pytest.mark.parametrize("content, message", [
    ("area,characteristic,category,percent,source\nTestshire,sex,Female,51,S\nTestshire,sex,Male,30,S\n",
     "Testshire, sex: the shares add up to 81, not about 100"),
    ("area,characteristic,category,percent,source\nTestshire,sex,Female,51,S\nTestshire,sex,Robot,49,S\n",
     "Line 3: “Robot” is not a category of sex"),
    ("area,characteristic,category,percent,source\nTestshire,height,Tall,100,S\n",
     "Line 2: “height” is not a characteristic we ask about"),
    ("area,characteristic,category,percent,source\nTestshire,sex,Female,lots,S\n",
     "Line 2: the percent must be a number"),
    ("name,value\nx,1\n", "Line 1: the file must have the columns"),
])
def test_a_bad_baseline_file_is_refused_with_the_line_and_reason(app, make_user, content, message):
    client = admin_client(app, make_user)
    response = submit(client, "/admin/baselines", {"name": "Bad", "file": (io.BytesIO(content.encode()), "b.csv")},
                      content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert 'value="Bad"' in page  # the name typed is kept


def test_a_baseline_file_that_is_not_utf8_is_refused(app, make_user):
    client = admin_client(app, make_user)
    content = "area,characteristic,category,percent,source\nTéstshire,sex,Female,100,S\n".encode("utf-16")
    response = submit(client, "/admin/baselines", {"name": "Bad", "file": (io.BytesIO(content), "b.csv")},
                      content_type="multipart/form-data")
    assert "The file must be a CSV saved as UTF-8 text" in response.get_data(as_text=True)


def test_the_progress_report_shows_each_priority_forum_and_award_category(app, make_user, world):
    with app.app_context():
        event = db.session.get(Event, world["a"])
        priority = PriorityFactory(name="Tackling inequalities")
        event.priorities.append(priority)
        ForumFactory(name="Youth Forum")
        db.session.commit()
        year = event.starts_at.year
    client = admin_client(app, make_user)
    page = client.get(f"/reports/progress/{year}").get_data(as_text=True)
    assert "Tackling inequalities" in page and "Youth Forum" in page and "Year on year" in page
    assert "Standing conference" in page
    cells = re.findall(r'govuk-table__cell--numeric">([^<]*)<', page)
    assert cells and not any(SMALL.match(cell.strip()) for cell in cells)
    _, text = pdf_text(client.get(f"/reports/progress/{year}/report.pdf").data)
    assert f"Standing conference progress report {year}" in text and "Tackling inequalities" in text
    assert client.get("/reports/progress/1999").status_code == 404
