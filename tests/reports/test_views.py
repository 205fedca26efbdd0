"""Report pages, downloads and baseline uploads: who sees which scope, what
the figures look like in HTML, CSV and PDF, and bad files refused."""
import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import delete

from awards.models import AwardCycle
from core.database import utcnow
from core.extensions import db
from core.accounts.models import User
from events.models import Event, EventSeries
from forums.models import ForumCoordinator
from tests.awards.factories import CycleFactory
from tests.conftest import made_once, restore_rows, sign_in, submit
from tests.events.factories import PriorityFactory
from tests.events.test_pdf import pdf_text
from tests.forums.factories import ForumFactory
from tests.reports.fixtures import build_crowd, build_small_world, drawn_pdf, prepared_progress

SMALL = re.compile(r"^[1-4]$")


# Each world is made once per database and restored as rows before each test that asks for it.
@pytest.fixture(scope="module")
def made_world(shared_app):
    return made_once(shared_app, build_small_world)


@pytest.fixture(scope="module")
def made_crowd(shared_app):
    return made_once(shared_app, build_crowd)


@pytest.fixture
def world(app, made_world):
    restore_rows(app, made_world[1])
    return made_world[0]


@pytest.fixture
def crowd(app, made_crowd):
    restore_rows(app, made_crowd[1])
    return made_crowd[0]


def admin_client(app, make_user):
    client = app.test_client()
    sign_in(client, make_user(roles=["admin"]))
    return client


def monitor_client(app, make_user, roles=("equality_monitor",)):
    client = app.test_client()
    sign_in(client, make_user(roles=list(roles)))
    return client


def answer_cells(page: str) -> list[str]:
    """The counts in the tables of people's answers (not head counts)."""
    return [cell.strip() for table in re.findall(r'<table class="govuk-table app-report-table">(.*?)</table>', page,
                                                 re.S)
            for cell in re.findall(r'govuk-table__cell--numeric">([^<]*)<', table)]


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
                 f"/reports/cycle/{cycle_id}", f"/reports/event/{world['b']}/report.csv"):
        assert client.get(path).status_code == 403, path
    assert submit(client, f"/reports/event/{world['b']}/report.pdf", form_url="/reports").status_code == 403
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


def test_a_report_page_shows_perturbed_suppressed_counts_a_chart_and_the_baseline_source(app, make_user, crowd):
    page = monitor_client(app, make_user).get("/reports/all").get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page  # the chart, drawn on the server
    assert "ONS Census 2021" in page and "There is no population baseline for sex" in page
    cells = answer_cells(page)
    assert len(cells) > 100 and "&lt;5" in cells and not any(SMALL.match(cell) for cell in cells)
    assert "so that no one can be picked out" in page and 'href="/reports/methodology"' in page


def test_each_table_that_scrolls_on_a_report_page_is_a_region_of_its_own_name(app, make_user, crowd):
    """Screen-reader users move between regions by name: two alike are one too many (axe: landmark-unique)."""
    page = monitor_client(app, make_user).get("/reports/all").get_data(as_text=True)
    names = re.findall(r'role="region" aria-label="([^"]*)"', page)
    assert len(names) > 3 and len(set(names)) == len(names)


def test_under_representation_is_called_only_on_enough_people(app, make_user, crowd):
    """The crowd's ethnic groups are drawn evenly, so White people (82% of the
    county) are far under their share: that is said. Groups too small in the
    county for anyone to be expected are not compared at all."""
    page = monitor_client(app, make_user).get("/reports/all").get_data(as_text=True)
    assert "Under-represented</strong>" in page and "(95%:" in page
    assert "Not compared: too few people" in page
    no_shows = monitor_client(app, make_user).get("/reports/all?view=no_show").get_data(as_text=True)
    assert "Registered, did not come" in no_shows


def test_the_csv_is_tidy_perturbed_suppressed_and_has_the_reach(app, make_user, crowd):
    response = monitor_client(app, make_user).get("/reports/all/report.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset once, not twice
    assert response.headers["Content-Disposition"].startswith('attachment; filename="diversity-report-all-')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert {"period", "scope", "people", "characteristic", "category", "count"} <= set(rows[0])
    answers = [row for row in rows if row["characteristic"] not in ("Head count", "Reach", "Method")]
    assert not any(SMALL.match(row["count"]) for row in answers)
    assert any(row["baseline_source"].startswith("ONS Census 2021") for row in rows)
    reach = {row["category"]: row["count"] for row in rows if row["characteristic"] == "Reach"}
    assert reach["Different people who came"] == "60"
    assert int(reach["Came for the first time"]) + int(reach["Had come before"]) + \
        int(reach["Walk-ins and extra people on a booking"]) == 60


def test_a_reports_csv_is_dated_to_the_end_of_what_it_counts(app, make_user, crowd):
    """Found walking it: the file name and period said "to today" while the
    figures were counted to the end of the last settled quarter."""
    client = monitor_client(app, make_user)
    page = " ".join(client.get("/reports/all").get_data(as_text=True).split())
    response = client.get("/reports/all/report.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    [period] = {row["period"] for row in rows}
    ends = date.fromisoformat(period.split("/")[1])
    assert f"Counts events up to {ends.day} {ends:%B %Y}." in page
    assert f'-to-{ends.isoformat()}.csv"' in response.headers["Content-Disposition"]


def test_one_events_csv_is_dated_that_day(app, make_user, crowd):
    with app.app_context():
        day = db.session.get(Event, crowd["first"]).starts_at
    response = monitor_client(app, make_user).get(f"/reports/event/{crowd['first']}/report.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert {row["period"] for row in rows} == {day.date().isoformat()}


def test_the_pdf_has_the_key_figures_as_text_and_no_small_counts(app, make_user, crowd):
    response = drawn_pdf(monitor_client(app, make_user), "/reports/all")
    assert response.mimetype == "application/pdf"
    _, text = pdf_text(response.data)
    assert "Key findings" in text and "60 people came to 2 events" in text
    assert "Method" in text and "ONS Census 2021" in text and "Reach" in text
    # Each table row reads "<category>", then its count, on the next line: no count from 1 to 4 is printed.
    labels = ["White", "Asian or Asian British", "Prefer not to say", "Not answered", "Christian", "Muslim"]
    counts = [count for label in labels
              for count in re.findall(rf"^{re.escape(label)}\n(\S+)\n", text, flags=re.MULTILINE)]
    assert len(counts) > 8 and not any(SMALL.match(count) for count in counts)


def test_the_page_csv_and_pdf_print_the_same_figures(app, make_user, crowd):
    client = monitor_client(app, make_user)
    page = client.get("/reports/all").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(client.get("/reports/all/report.csv").get_data(as_text=True)
                                           .lstrip("\ufeff"))))
    _, text = pdf_text(drawn_pdf(client, "/reports/all").data)
    white_in_csv = next(row["count"] for row in rows if row["people"] == "Came" and row["characteristic"] ==
                        "Ethnic group" and row["category"] == "White")
    white_on_page = re.search(r'id="events-ethnic_group".*?White</th>\s*<td[^>]*>([^<]*)<', page, re.S).group(1)
    white_in_pdf = re.search(r"^Ethnic group\n.*?^White\n(\S+)\n", text, re.S | re.M).group(1)
    assert white_in_csv == white_on_page.strip() == white_in_pdf.replace("&lt;", "<")
    # Found walking it: the PDF printed the county's population shares to a whole percent, so groups of 0.1
    # to 0.4% read "0%"; it prints each to a tenth, as the page does.
    populations = set(re.findall(r">(\d+\.\d%)<", page))
    assert "0.4%" in populations or "0.1%" in populations
    assert populations <= set(re.findall(r"\d+\.\d%", text))


def test_who_sees_breakdowns(app, make_user, crowd):
    """Organisers and admins see head counts and response rates; equality
    monitors see breakdowns, except of an event they run."""
    organiser, plain_organiser = make_user(roles=["organiser", "equality_monitor"]), make_user(roles=["organiser"])
    with app.app_context():
        first, second = db.session.get(Event, crowd["first"]), db.session.get(Event, crowd["second"])
        first.organisers.append(db.session.get(User, organiser.id))
        second.organisers.append(db.session.get(User, plain_organiser.id))
        db.session.commit()
    admin = monitor_client(app, make_user, ("admin",))
    plain = app.test_client()
    sign_in(plain, plain_organiser)
    for client, url in ((admin, "/reports/all"), (plain, f"/reports/event/{crowd['second']}")):
        page = client.get(url).get_data(as_text=True)
        assert "equality monitoring team" in page and "app-report-table" not in page, url
        assert "Answered the equality questions" in page
        csv_text = client.get(f"{url}/report.csv").get_data(as_text=True)
        assert "Ethnic group" not in csv_text and "Head count" in csv_text
    runs_it = app.test_client()
    sign_in(runs_it, organiser)
    own = runs_it.get(f"/reports/event/{crowd['first']}").get_data(as_text=True)
    assert "You can change the records this report counts" in own and "app-report-table" not in own
    assert "app-report-table" in runs_it.get(f"/reports/event/{crowd['second']}").get_data(as_text=True)
    # Found by an attacker: all events (or a priority) holding an event the monitor runs is theirs too.
    everything = runs_it.get("/reports/all").get_data(as_text=True)
    assert "You can change the records this report counts" in everything and "app-report-table" not in everything


def test_a_small_event_is_not_broken_down_and_says_why(app, make_user, world):
    page = monitor_client(app, make_user).get(f"/reports/event/{world['a']}").get_data(as_text=True)
    # Eight answered, and all events count one more (person 10, at B): either reason is true.
    assert "Fewer than 10 people here answered the equality questions" in page or \
        "comparing the two could single them out" in page
    assert "app-report-table" not in page


def test_the_methodology_page_is_public_and_prints_the_noise_table(client):
    page = client.get("/reports/methodology").get_data(as_text=True)
    assert "cell key method" in page and "50.0%" in page and "+2" in page
    assert "figures split by people's answers are shown only after that" in " ".join(page.replace("&#39;", "'").split())


def test_the_methodology_page_writes_its_numbers_as_the_readers_language_does(app, client):
    app.config["ATTENDANCE_SETTLES_AFTER_DAYS"] = 1
    polish = client.get("/reports/methodology", headers={"Accept-Language": "pl"}).get_data(as_text=True)
    assert "50,0%" in polish and "9,8%" in polish and "0,8" in polish and "1,25" in polish
    english = client.get("/reports/methodology").get_data(as_text=True)
    assert "settles 1 day after it ends" in english and "9.8%" in english and "below 0.8 or above 1.25" in english


def test_bad_dates_are_shown_beside_the_field_and_the_report_still_shows(app, make_user, world):
    response = admin_client(app, make_user).get("/reports/all?starts=40&starts=13&starts=2026")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "From must be a real date" in page and "Key findings" in page
    response = admin_client(app, make_user).get(
        "/reports/all?starts=1&starts=6&starts=2026&ends=1&ends=1&ends=2026")
    assert "The end date must be on or after the start date" in response.get_data(as_text=True)


def test_a_file_asked_for_with_dates_that_are_not_dates_is_refused_not_made_for_every_date(app, make_user, world):
    """Found attacking it: a CSV for 29 February 2026 came back as the report on everything. The page
    with those dates shows the report on everything, and its files are that report's."""
    client = admin_client(app, make_user)
    page = client.get("/reports/all?ends=29&ends=2&ends=2026").get_data(as_text=True)
    assert "To must be a real date" in page
    assert 'href="/reports/all/report.csv"' in page and 'action="/reports/all/report.pdf"' in page
    assert client.get("/reports/all/report.csv?ends=29&ends=2&ends=2026").status_code == 400
    assert submit(client, "/reports/all/report.pdf?ends=29&ends=2&ends=2026",
                  form_url="/reports/all?ends=29&ends=2&ends=2026").status_code == 400
    assert client.get("/reports/all/report.csv?ends=28&ends=2&ends=2026").status_code == 200


def test_an_admin_who_was_made_a_monitor_before_the_two_were_kept_apart_sees_no_breakdowns(app, make_user, crowd):
    """An admin can change any record a report counts (found by attacking
    it: an admin granted themselves monitoring and looked before and after)."""
    page = monitor_client(app, make_user, ("admin", "equality_monitor")).get("/reports/all").get_data(as_text=True)
    assert "Admins can change any record a report counts" in page and answer_cells(page) == []
    assert answer_cells(monitor_client(app, make_user).get("/reports/all").get_data(as_text=True))


GOOD_BASELINE = ("area,characteristic,category,percent,source\n"
                 "Testshire,sex,Female,51,Test survey\nTestshire,sex,Male,49,Test survey\n")


def test_an_admin_uploads_a_baseline_and_a_monitor_compares_with_it(app, make_user, crowd):
    response = submit(admin_client(app, make_user), "/admin/baselines", {
        "name": "Testshire survey", "file": (io.BytesIO(GOOD_BASELINE.encode()), "baseline.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    client = monitor_client(app, make_user)
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
    asking = client.get(f"/reports/progress/{year}").get_data(as_text=True)
    assert f"Prepare the progress report for {year}" in asking and "Year on year" not in asking
    page, pdf = prepared_progress(client, year)
    assert "Tackling inequalities" in page and "Youth Forum" in page and "Year on year" in page
    assert "Standing conference" in page and "Prepared for you on" in page
    cells = re.findall(r'govuk-table__cell--numeric">([^<]*)<', page)
    assert cells and not any(SMALL.match(cell.strip()) for cell in cells)
    assert 'href="/reports/priority/' in page  # its links are paths on this site, though drawn outside a request
    _, text = pdf_text(pdf.data)
    assert f"Standing conference progress report {year}" in text and "Tackling inequalities" in text
    assert client.get("/reports/progress/1999").status_code == 404


def test_a_drawn_pdf_is_its_owners_only_while_their_role_lets_them_see_it(app, make_user, crowd):
    """Found by attacking it: a PDF with breakdowns stayed downloadable after
    the equality monitoring role was taken away."""
    from core.accounts.models import RoleGrant, SiteRole
    monitor = make_user(roles=["equality_monitor"])
    client = app.test_client()
    sign_in(client, monitor)
    asked = submit(client, "/reports/all/report.pdf", form_url="/reports/all")
    file_url = asked.headers["Location"] + "/file"
    assert client.get(file_url).mimetype == "application/pdf"
    with app.app_context():
        db.session.execute(delete(RoleGrant).where(RoleGrant.user_id == monitor.id,
                                                   RoleGrant.role == SiteRole.EQUALITY_MONITOR))
        db.session.commit()
    assert client.get(file_url).status_code == 403


def test_pdf_requests_are_limited_per_account_and_refusals_cost_nothing(app, make_user, crowd):
    """Found by attacking it: 300 PDF requests in 30 s queued 300 jobs."""
    app.config["REPORT_PDF_LIMIT_PER_ACCOUNT"] = "2 per hour"
    client = monitor_client(app, make_user)
    assert client.post("/reports/all/report.pdf").status_code == 400  # no form token: refused, not counted
    statuses = [submit(client, "/reports/all/report.pdf", form_url="/reports/all").status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    other = monitor_client(app, make_user)
    assert submit(other, "/reports/all/report.pdf", form_url="/reports/all").status_code == 302  # per account


def test_a_pdf_asked_for_with_a_huge_query_string_goes_back_to_the_plain_report(app, make_user, crowd):
    """Found by attacking it: the way back was kept whole, past its column's 500 characters."""
    client = monitor_client(app, make_user)
    asked = submit(client, "/reports/all/report.pdf?pad=" + "A" * 3000, form_url="/reports/all")
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert 'href="/reports/all"' in page


def test_a_pdf_is_drawn_while_someone_else_writes(app, make_user, crowd, monkeypatch):
    """Found by attacking it on SQLite: the worker's job read, someone else
    wrote, and its own write could not take the lock, leaving the job "being drawn"."""
    from sqlalchemy import text
    from core import progress
    from reports import drawing, services
    named = drawing.report_file_name

    def name_while_another_writes(*args, **kwargs):
        db.session.execute(text("SELECT count(*) FROM users"))  # the job's reads, in its transaction
        with db.engine.begin() as other:  # another request's write, committed meanwhile
            other.execute(text("UPDATE users SET name = name || '.'"))
        return named(*args, **kwargs)
    monkeypatch.setattr(drawing, "report_file_name", name_while_another_writes)
    reader = make_user(roles=["equality_monitor"])
    with app.test_request_context():
        job = progress.start_job(owner_id=reader.id, title="All events", back_url="/", makes_file=True)
        db.session.commit()
        order = drawing.order_for(services.Scope("all"), "census", breakdowns_withheld=None, reader_id=reader.id)
        job_id = job.id
    with app.test_request_context():  # as the worker runs it: a context of its own
        drawing.draw(job_id, order)
        assert db.session.get(progress.BackgroundJob, job_id).file_name.endswith(".pdf")


def test_a_cycles_breakdowns_wait_for_its_winners_to_be_announced(app, make_user):
    """A code lead from attacking: a cycle's nominators and nominees change a
    nomination at a time, and the differencing check never looked at them, so
    two reports a day apart could show which answers one new person gave."""
    with app.app_context():
        cycle_id = CycleFactory().id
    monitor = monitor_client(app, make_user)
    waiting = "breakdowns are shown once its winners are announced"
    assert waiting in " ".join(monitor.get(f"/reports/cycle/{cycle_id}").get_data(as_text=True).split())
    with app.app_context():
        db.session.get(AwardCycle, cycle_id).results_published_at = utcnow()
        db.session.commit()
    assert waiting not in " ".join(monitor.get(f"/reports/cycle/{cycle_id}").get_data(as_text=True).split())
