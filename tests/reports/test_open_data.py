"""Open data: quarters, publishing a snapshot once, and the public file and API."""
import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.errors import DomainError
from core.extensions import db
from core.formatting import format_date
from core.accounts.models import User
from core.equality import services as equality
from reports import baselines, open_data, services
from reports.models import OpenDataRelease
from reports.open_data import Quarter
from tests.conftest import sign_in, submit
from tests.core.test_site_text_translated import translated  # noqa: F401 (a fixture)
from tests.reports.fixtures import build_crowd, settled_day


def test_quarters_know_their_days_and_names():
    assert [(q.starts_on, q.ends_on) for q in (Quarter(2026, 1), Quarter(2026, 4))] == [
        (date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 10, 1), date(2026, 12, 31))]
    assert Quarter.parse("2026-Q3") == Quarter(2026, 3)
    assert [Quarter.parse(bad) for bad in ("2026-Q5", "26-Q1", "2026Q1", "x")] == [None] * 4
    # Reproduced as 500s when published: year 0 has no dates, and "²⁰²⁶" passes str.isdigit() but not int().
    assert [Quarter.parse(bad) for bad in ("0000-Q1", "²⁰²⁶-Q1", "٢٠٢٦-Q1", "1899-Q4", "9999-Q4", " 2026-Q1")] \
        == [None] * 6
    assert [Quarter.parse(edge) for edge in ("1900-Q1", "2100-Q4")] == [Quarter(1900, 1), Quarter(2100, 4)]
    assert open_data.recent_quarters(date(2026, 11, 23))[:2] == [Quarter(2026, 3), Quarter(2026, 2)]


def test_a_quarter_is_published_once_as_a_snapshot_after_it_settles(app, make_user):
    admin = make_user(roles=["admin"])
    with app.app_context():
        build_crowd()
        quarter = Quarter.containing(settled_day().date() - timedelta(days=25))
        actor = db.session.get(User, admin.id)
        with pytest.raises(DomainError, match="has not ended yet"):
            open_data.publish(quarter, actor=actor, today=quarter.ends_on)
        with pytest.raises(DomainError, match="settles on"):  # the last events' check-ins may still change
            open_data.publish(quarter, actor=actor, today=quarter.ends_on + timedelta(days=3))
        settled = quarter.ends_on + timedelta(days=15)
        release = open_data.publish(quarter, actor=actor, today=settled)
        db.session.commit()
        came = [row for row in release.rows if row["people"] == "Came" and row["characteristic"] == "Ethnic group"]
        assert {row["category"] for row in came} >= {"White", "Asian or Asian British", "Total"}
        assert not any(re.fullmatch(r"[1-4]", row["count"]) for row in release.rows)
        # The same figures as the report on the same dates, as the page would show them.
        report = services.build(services.Scope("all", starts=quarter.starts_on, ends=quarter.ends_on), "Same",
                                baselines.shipped())
        ethnic = next(table for table in report.groups[0].tables if table.characteristic.key == "ethnic_group")
        assert {row["category"]: row["count"] for row in came} == {
            ethnic.label(row): str(ethnic.shown(row, "came")) for row in [*ethnic.rows, "total"]}
        with pytest.raises(DomainError, match="already been published"):
            open_data.publish(quarter, actor=actor, today=settled)
        db.session.rollback()
        period = quarter.period

    client = app.test_client()
    response = client.get(f"/open-data/{period}.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert response.status_code == 200 and rows[0]["period"] == period
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset once, not twice
    assert response.headers["Content-Disposition"] == f'attachment; filename="shared-future-{period}.csv"'
    assert period in client.get("/open-data").get_data(as_text=True)
    figures = client.get(f"/api/v1/open-data/{period}").get_json()
    assert figures["rows"] == [dict(row) for row in rows]
    assert client.get("/api/v1/open-data").get_json()["items"][0]["period"] == period


def test_an_admin_publishes_the_last_quarter_from_the_page(app, client, make_user):
    sign_in(client, make_user(roles=["admin"]))
    last = open_data.recent_quarters(date.today())[0]
    response = submit(client, f"/admin/open-data/{last.period}/publish")
    assert f"The figures for {last.period} are published" in client.get(response.location).get_data(as_text=True)
    again = submit(client, f"/admin/open-data/{last.period}/publish", form_url="/admin/open-data")  # an old tab
    assert "already been published" in client.get(again.location).get_data(as_text=True)
    assert client.post("/admin/open-data/2026-Q9/publish").status_code in (400, 404)
    for period in ("0000-Q1", "²⁰²⁶-Q1", "9999-Q4"):
        assert submit(client, f"/admin/open-data/{period}/publish", form_url="/admin/open-data").status_code == 404


def test_publishing_a_quarter_asks_first_and_says_it_cannot_be_changed(app, client, make_user):
    """Found using the site: the Publish button on the list published at once,
    though published figures never change. It now leads to a page that says
    what will be published, whose own button publishes."""
    sign_in(client, make_user(roles=["admin"]))
    last = open_data.recent_quarters(date.today())[0]
    question = f"/admin/open-data/{last.period}/publish"
    listing = client.get("/admin/open-data").get_data(as_text=True)
    assert f'href="{question}"' in listing and f'action="{question}"' not in listing  # the list publishes nothing
    asked = client.get(question)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and f"Publish the figures for {last.period}?" in page
    assert "cannot be changed" in page and f"{format_date(last.starts_on)} to {format_date(last.ends_on)}" in page
    assert re.search(r'<form method="post" action="' + re.escape(question) + r'"', page)
    assert 'name="csrf_token"' in page and re.search(rf">\s*Publish {last.period}\s*</button>", page)
    with app.app_context():
        assert db.session.scalar(select(func.count(OpenDataRelease.id))) == 0  # asking publishes nothing
    response = submit(client, question)
    assert f"The figures for {last.period} are published" in client.get(response.location).get_data(as_text=True)
    again = client.get(question).get_data(as_text=True)
    assert "already published" in again and "</button>" not in again.split("<main")[1]
    for period in ("2026-Q9", "0000-Q1", "²⁰²⁶-Q1", "9999-Q4", "x"):
        assert client.get(f"/admin/open-data/{period}/publish").status_code == 404, period


def test_the_page_before_publishing_says_when_a_quarter_can_be_published(app, client, make_user):
    sign_in(client, make_user(roles=["admin"]))
    this_quarter = Quarter.containing(date.today())
    page = client.get(f"/admin/open-data/{this_quarter.period}/publish").get_data(as_text=True)
    assert "has not ended yet" in page and "</button>" not in page.split("<main")[1]


def test_open_data_is_published_in_english_whatever_language_the_admin_reads(app, make_user, translated):
    """Category names are translated on pages; a published file stays in the
    words its readers and the census baselines use, and the census baseline
    file (named in English) is read the same in any language."""
    admin = make_user(roles=["admin"], language="pl")
    with app.test_request_context(headers={"Accept-Language": "pl"}):
        baselines.shipped.cache_clear()
        assert baselines.shipped().by_characteristic  # the census file's English category names, understood
        build_crowd()
        quarter = Quarter.containing(settled_day().date() - timedelta(days=25))
        actor = db.session.get(User, admin.id)
        assert str(equality.ETHNIC_GROUP.label_of("white")) != "White"  # the page's language is not English
        release = open_data.publish(quarter, actor=actor, today=quarter.ends_on + timedelta(days=15))
        came = [row for row in release.rows if row["people"] == "Came" and row["characteristic"] == "Ethnic group"]
        assert {row["category"] for row in came} >= {"White", "Asian or Asian British"}
