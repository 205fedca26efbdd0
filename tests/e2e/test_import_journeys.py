"""Importing in a real browser: a coordinator uploads the 500-row sample
spreadsheet, fixes a column match, checks the problems, imports (in the
background: the job page counts the rows) and downloads the rows refused;
axe on every page, at 1280 and 390 px."""
import uuid
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from forums.models import ForumCoordinator
from tests.e2e.conftest import check_accessibility, sign_in_with
from tests.forums.factories import ForumFactory

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "forum-members.xlsx"


def fits(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    check_accessibility(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_coordinator_imports_the_sample_spreadsheet(browser, site):
    name = f"Kettering Interfaith Forum {uuid.uuid4().hex[:6]}"
    with site.app.app_context():
        coordinator = db.session.scalar(select(User).where(User.email == "second@example.org"))
        forum = ForumFactory(name=name)
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        db.session.commit()
        forum_id = forum.id
    page = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900}).new_page()
    sign_in_with(page, "second@example.org")
    page.goto(f"/forums/{forum_id}")
    page.get_by_role("link", name="Import members from a spreadsheet").click()
    fits(page, 390)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a spreadsheet to upload")
    check_accessibility(page)
    page.get_by_label("Spreadsheet").set_input_files(str(SAMPLE))
    page.get_by_role("button", name="Upload and continue").click()

    expect(page.get_by_role("heading", name="Match the columns")).to_be_visible()
    check_accessibility(page)
    email = page.get_by_label("Email address", exact=True)
    expect(email).to_have_value("1")  # "E-mail", guessed
    email.select_option("")  # a wrong change, then fixed
    page.get_by_role("button", name="Continue to check the rows").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the column that holds email address")
    check_accessibility(page)
    page.get_by_label("Email address", exact=True).select_option(label="Column B: E-mail")
    page.get_by_role("button", name="Continue to check the rows").click()

    expect(page.get_by_role("heading", name="Check the rows")).to_be_visible()
    expect(page.get_by_text("Unknown faith").first).to_be_visible()
    expect(page.get_by_text("Not an email address in the right form").first).to_be_visible()
    check_accessibility(page)
    fits(page, 390)
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.get_by_label("Email the people imported")).not_to_be_checked()
    page.get_by_role("button", name="Import ").click()

    # 500 rows go to the worker (here the queue runs each job at once): its page counts the rows.
    expect(page.get_by_text("All 500 rows done.")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="See what was imported, skipped and refused").click()
    expect(page.get_by_role("heading", name="Import of forum-members.xlsx")).to_be_visible()
    check_accessibility(page)
    fits(page, 390)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the rows not imported").click()
    refused = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert refused.startswith("Row,Name,Email address") and "Why it was not imported" in refused
    assert "Unknown faith" in refused
    page.goto(f"/forums/{forum_id}/manage")
    expect(page.get_by_role("heading", name="Imported, not joined yet")).to_be_visible()
    # Hundreds of names fold away (the walk found a page 14,000 px tall), and open by keyboard.
    imported = page.locator(".govuk-details__text li").first
    expect(imported).not_to_be_visible()
    page.locator(".govuk-details__summary").focus()
    page.keyboard.press("Enter")
    expect(imported).to_be_visible()
    check_accessibility(page)
    page.context.close()


def test_a_long_or_right_to_left_heading_left_out_keeps_the_preview_on_a_phone(browser, site, tmp_path):
    """Found by attacking: a heading matched to nothing ran unbroken past a phone's screen (10,620 px
    wide), and an unclosed right-to-left override in one turned the sentence after it around."""
    with site.app.app_context():
        coordinator = db.session.scalar(select(User).where(User.email == "second@example.org"))
        forum = ForumFactory(name=f"Wellingborough Forum {uuid.uuid4().hex[:6]}")
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        db.session.commit()
        forum_id = forum.id
    spreadsheet = tmp_path / "members.csv"
    spreadsheet.write_text("Name,Email,Faith," + "Remarks" * 60 + ",\u202eNotes\n"
                           "Amina Yusuf,amina@example.org,Islam,x,y\n", encoding="utf-8")
    page = browser.new_context(base_url=site.url, viewport={"width": 390, "height": 900}).new_page()
    sign_in_with(page, "second@example.org")
    page.goto(f"/imports/forum-members/{forum_id}")
    page.get_by_label("Spreadsheet").set_input_files(str(spreadsheet))
    page.get_by_role("button", name="Upload and continue").click()
    page.get_by_role("button", name="Continue to check the rows").click()
    expect(page.get_by_role("heading", name="Check the rows")).to_be_visible()
    left_out = page.locator(".govuk-inset-text", has_text="Not imported")
    expect(left_out).to_contain_text("Remarks")
    assert left_out.locator("bdi").count() == 2  # each heading kept apart from the sentence around it
    fits(page, 390)
    page.context.close()
