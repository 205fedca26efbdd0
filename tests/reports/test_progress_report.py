"""The progress report is prepared by the worker (reports.drawing): its page
shows what was last prepared for its reader, with a PDF of the same figures;
a second press joins the job already preparing it; what was prepared is its
reader's only, while their role still lets them see it."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import delete

from core import jobs
from core.accounts.models import RoleGrant, SiteRole, User
from core.database import utcnow, write_lock
from core.extensions import db
from core.models import BackgroundJob
from core.privacy import retention
from reports import baselines, drawing, services
from events.models import event_priorities
from tests.events.factories import PriorityFactory
from tests.conftest import csrf_token, made_once, restore_rows, sign_in, submit
from tests.events.test_pdf import pdf_text
from tests.reports.fixtures import build_crowd, prepared_progress, settled_day


@pytest.fixture(scope="module")
def made_crowd(shared_app):
    return made_once(shared_app, build_crowd)


@pytest.fixture
def crowd(app, made_crowd):
    restore_rows(app, made_crowd[1])
    return made_crowd[0]


def reader(app, make_user, *roles):
    client = app.test_client()
    user = make_user(roles=list(roles))
    sign_in(client, user)
    return client, user


def prepare(client, year: int):
    """Press "Prepare the progress report" on the year's page."""
    return submit(client, f"/reports/progress/{year}/prepare", form_url=f"/reports/progress/{year}")


def year_of_crowd(app) -> int:
    with app.app_context():
        return settled_day().year


def test_the_page_and_its_pdf_carry_the_same_figures(app, make_user, crowd):
    client, _ = reader(app, make_user, "equality_monitor")
    year = year_of_crowd(app)
    page, pdf = prepared_progress(client, year)
    assert "Prepare it again with the figures as they are now" in page
    ethnic_groups = page.split("Ethnic group: people who came")[1].split("</table>")[0]
    shown = dict(re.findall(r'govuk-table__header">([^<]+)</th>\s*<td[^>]*>([^<]+)</td>', ethnic_groups))
    _, text = pdf_text(pdf.data)
    assert f"progress report {year}" in text
    counted = {label: count for label, count in shown.items() if count.isdigit()}
    assert len(counted) >= 2  # the crowd's breakdowns are published: the same counts, noise and all, in both
    flowing = " ".join(text.split())  # a long category wraps in its cell
    for label, count in counted.items():
        assert f"{label} {count} " in flowing
    # Found walking it: the PDF said neither what each table is compared with nor why a row is not compared.
    assert "Population: " in flowing and "Source: " in flowing
    assert "Not compared: too few people" in page and "Not compared: too few people" in flowing


def test_a_second_press_while_it_is_prepared_joins_the_same_job(app, make_user, crowd, monkeypatch):
    """A confirm clicked twice, or in two tabs: one build, not two."""
    monkeypatch.setattr(jobs, "queue_after_commit", lambda *args: None)  # the worker has not got to it yet
    client, user = reader(app, make_user, "admin")
    year = year_of_crowd(app)
    first = prepare(client, year)
    second = prepare(client, year)
    assert first.headers["Location"] == second.headers["Location"]
    page = client.get(f"/reports/progress/{year}").get_data(as_text=True)
    assert "It is being prepared" in page and "See how far it has got" in page
    assert "Prepare the progress report" not in page  # nothing to press twice
    with app.app_context():
        assert db.session.query(BackgroundJob).filter_by(owner_id=user.id).count() == 1


def test_a_job_that_should_have_finished_is_not_joined(app, make_user, crowd, monkeypatch):
    """Found attacking it: a job whose worker died blocked the year for half
    an hour, every press joining it. One older than a build takes at most is
    not waited for: the page offers the button again, which starts anew."""
    monkeypatch.setattr(jobs, "queue_after_commit", lambda *args: None)
    client, user = reader(app, make_user, "admin")
    year = year_of_crowd(app)
    lost = prepare(client, year).headers["Location"]
    with app.app_context():
        db.session.query(BackgroundJob).filter_by(owner_id=user.id).update(
            {"created_at": utcnow() - drawing.PROGRESS_TAKES_AT_MOST - timedelta(minutes=1)})
        db.session.commit()
    assert "Prepare the progress report" in client.get(f"/reports/progress/{year}").get_data(as_text=True)
    assert prepare(client, year).headers["Location"] != lost


def test_a_press_that_joins_the_running_job_costs_none_of_the_hourly_allowance(app, make_user, crowd, monkeypatch):
    """Found attacking it: double presses used up the 20 an hour without starting anything."""
    monkeypatch.setattr(jobs, "queue_after_commit", lambda *args: None)
    app.config["REPORT_PDF_LIMIT_PER_ACCOUNT"] = "2 per hour"
    client, _ = reader(app, make_user, "admin")
    year = year_of_crowd(app)
    statuses = [prepare(client, year).status_code for _ in range(4)]  # one job, joined three times
    assert statuses == [302] * 4
    assert [prepare(client, year - n).status_code for n in (1, 2)] == [302, 429]


def test_signing_out_and_in_again_does_not_start_a_new_allowance(app, make_user, crowd, monkeypatch):
    """Found attacking it: the allowance was counted per session version, which
    signing out everywhere moves on, so signing in again gave a new 20 an hour."""
    monkeypatch.setattr(jobs, "queue_after_commit", lambda *args: None)
    app.config["REPORT_PDF_LIMIT_PER_ACCOUNT"] = "1 per hour"
    client, user = reader(app, make_user, "admin")
    year = year_of_crowd(app)
    assert prepare(client, year).status_code == 302
    with app.app_context():
        before = db.session.get(User, user.id).session_version
    assert client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account")}).status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).session_version != before  # the session it had is over
    sign_in(client, user)
    assert prepare(client, year - 1).status_code == 429


def test_what_was_prepared_is_its_readers_alone(app, make_user, crowd):
    mine, _ = reader(app, make_user, "admin")
    year = year_of_crowd(app)
    prepared_progress(mine, year)
    theirs, _ = reader(app, make_user, "admin")
    page = theirs.get(f"/reports/progress/{year}").get_data(as_text=True)
    assert "Prepare the progress report" in page and "Year on year" not in page


def test_a_page_with_breakdowns_goes_when_the_role_that_showed_them_does(app, make_user, crowd):
    """Prepared for an equality monitor who is now an admin: an admin sees no
    breakdowns, so the page prepared with them is no longer shown."""
    client, user = reader(app, make_user, "equality_monitor")
    year = year_of_crowd(app)
    page, _ = prepared_progress(client, year)
    assert "Compared with the population" in page  # breakdowns, prepared for a monitor
    with app.app_context():
        db.session.execute(delete(RoleGrant).where(RoleGrant.user_id == user.id))
        db.session.add(RoleGrant(user_id=user.id, role=SiteRole.ADMIN))
        db.session.commit()
    page = client.get(f"/reports/progress/{year}").get_data(as_text=True)
    assert "Prepare the progress report" in page and "Compared with the population" not in page


def test_a_build_that_fails_says_so_and_offers_it_again(app, make_user, crowd, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")
    monkeypatch.setattr(drawing, "build_progress", broken)
    client, _ = reader(app, make_user, "admin")
    year = year_of_crowd(app)
    job_page = client.get(prepare(client, year).headers["Location"]).get_data(as_text=True)
    assert "The report could not be drawn" in job_page
    assert "Prepare the progress report" in client.get(f"/reports/progress/{year}").get_data(as_text=True)


def test_prepared_by_a_worker_outside_any_request_its_links_are_paths(app, make_user, crowd):
    _, user = reader(app, make_user, "admin")
    year = year_of_crowd(app)
    with app.app_context(), write_lock():
        job, started = drawing.prepare_progress_later(year, breakdowns_withheld="Admins see totals",
                                                      reader_id=user.id, back_url=f"/reports/progress/{year}")
        assert started
        db.session.commit()
        job_id, order = job.id, {"year": year, "breakdowns_withheld": "Admins see totals", "reader_id": user.id}
    with app.app_context():  # as the worker runs it: no request at all
        drawing.prepare_progress(job_id, order)
        page = db.session.get(BackgroundJob, job_id).page
    assert 'href="/reports/methodology"' in page and "://" not in page


def test_retention_deletes_a_prepared_page_with_its_file(app, make_user, crowd):
    client, user = reader(app, make_user, "admin")
    year = year_of_crowd(app)
    prepared_progress(client, year)
    with app.app_context(), write_lock(every_transaction=True):
        retention.apply(utcnow() + timedelta(days=8))
        job = db.session.query(BackgroundJob).filter_by(owner_id=user.id).one()
        assert job.page is None and job.file is None
    assert "Prepare the progress report" in client.get(f"/reports/progress/{year}").get_data(as_text=True)


def test_a_headline_build_has_the_full_builds_year_on_year_figures(app, make_user, crowd):
    """What a trend row shows (events, different people, who answered,
    mixing) is the same whether the year is built in full or for its headline."""
    year = year_of_crowd(app)
    scope = services.Scope("all", None, date(year, 1, 1), date(year, 12, 31))
    with app.test_request_context():
        full, headline = (services.build(scope, "Year", baselines.shipped(), headline=flag) for flag in (False, True))
        assert len(full.events) == len(headline.events) == 2
        assert full.reach.people == headline.reach.people == 60
        assert full.groups[-1].response_rate("came") == headline.groups[-1].response_rate("came")
        assert full.everything.mean_index("ethnic_group") == headline.everything.mean_index("ethnic_group")
        assert headline.reach.first_time is None and full.reach.first_time == 60


def test_a_last_attempt_that_did_not_finish_is_said_on_the_page(app, make_user, crowd, monkeypatch):
    """Found walking it: a failed preparation was said only on the job's
    page; the report's page showed the older version as if nothing had happened."""
    client, _ = reader(app, make_user, "admin")
    year = year_of_crowd(app)
    prepared_progress(client, year)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")
    monkeypatch.setattr(drawing, "build_progress", broken)
    prepare(client, year)
    page = client.get(f"/reports/progress/{year}").get_data(as_text=True)
    assert "Your last attempt, asked for on" in page and "did not finish" in page
    assert "Prepared for you on" in page  # the last one that did is still shown


def test_the_page_has_the_key_findings_and_the_pdf_says_hidden_figures_as_the_page_does(app, make_user, crowd):
    """Found walking it: the PDF had key findings the page lacked, and left
    blank the figures the page calls hidden or not shown."""
    with app.app_context():
        priority = PriorityFactory(name="Bringing people together")
        db.session.execute(event_priorities.insert().values(event_id=crowd["first"], priority_id=priority.id))
        db.session.commit()
    client, _ = reader(app, make_user, "admin")  # an admin: mixing indices are hidden
    page, pdf = prepared_progress(client, year_of_crowd(app))
    assert "Key findings" in page and "60 people came to 2 events" in page
    _, text = pdf_text(pdf.data)
    assert "60 people came to 2 events" in text
    assert "Hidden" in page and "Hidden" in text
    none_yet = "No events counted in the last 5 years"
    assert none_yet in page and none_yet in text


def test_a_job_whose_file_is_no_longer_its_owners_says_so_without_a_link(app, make_user, crowd):
    """Found walking it: after losing the role, the job's page still offered
    a download that answered 403."""
    client, user = reader(app, make_user, "equality_monitor")
    year = year_of_crowd(app)
    job_url = prepare(client, year).headers["Location"]
    with app.app_context():
        db.session.execute(delete(RoleGrant).where(RoleGrant.user_id == user.id))
        db.session.add(RoleGrant(user_id=user.id, role=SiteRole.ADMIN))
        db.session.commit()
    for url in (job_url, "/jobs"):
        page = client.get(url).get_data(as_text=True)
        assert "no longer yours to download" in page and "ready to download" not in page, url
    assert 'data-job-file hidden' in client.get(job_url).get_data(as_text=True)
    assert client.get(job_url + "/progress").get_json()["file"] is None


def test_a_job_overtaken_by_a_newer_press_is_not_drawn_when_its_turn_comes(app, make_user, crowd, monkeypatch):
    """Found attacking it: a job only waiting behind others was taken for lost
    after 10 minutes, and both it and the newer one were drawn."""
    monkeypatch.setattr(jobs, "queue_after_commit", lambda *args: None)  # the worker is busy elsewhere
    client, user = reader(app, make_user, "admin")
    year = year_of_crowd(app)
    waiting = int(prepare(client, year).headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        db.session.get(BackgroundJob, waiting).created_at = utcnow() - drawing.PROGRESS_TAKES_AT_MOST * 2
        db.session.commit()
    page = client.get(f"/reports/progress/{year}").get_data(as_text=True)
    assert "has not finished: it may be waiting behind other work" in page
    newer = int(prepare(client, year).headers["Location"].rsplit("/", 1)[1])
    order = {"year": year, "breakdowns_withheld": "Admins see totals", "reader_id": user.id}
    with app.app_context():
        drawing.prepare_progress(waiting, order)  # its turn comes
        drawing.prepare_progress(newer, order)
        old, new = db.session.get(BackgroundJob, waiting), db.session.get(BackgroundJob, newer)
        assert old.error == "A newer one was asked for, so this one was not drawn." and old.file is None
        assert new.page is not None and new.error is None
