"""Access requests in a real browser, by keyboard alone: a guest asks for a
BSL interpreter and a Polish interpreter (the language box is revealed under
its checkbox, and asked for when left empty), and the organiser sees them
counted. Every page is checked with axe-core."""
import re
import uuid

from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from core.accounts.models import User
from tests.e2e.conftest import check_accessibility, sign_in_with
from tests.events.factories import EventFactory


def test_a_guest_asks_for_interpreters_by_keyboard_and_the_organiser_sees_them_counted(browser, site):
    title = f"Neighbours' supper {uuid.uuid4().hex[:6]}"
    with site.app.app_context():
        organiser = db.session.scalar(select(User).where(User.email == "organiser@example.org"))
        event_id = EventFactory(title=title, capacity=20, organisers=[organiser]).id
        db.session.commit()

    guest = browser.new_context(base_url=site.url).new_page()
    guest.bring_to_front()  # focus is checked: the page must be the browser's active one
    guest.goto(f"/events/{event_id}/register")
    check_accessibility(guest)
    language = guest.get_by_label("Which language or languages?")
    expect(language).to_be_hidden()
    guest.get_by_label("Full name").focus()
    guest.keyboard.type("Ola Nowak")
    guest.keyboard.press("Tab")
    guest.keyboard.type(f"ola-{uuid.uuid4().hex[:6]}@example.org")
    guest.keyboard.press("Tab")
    expect(guest.get_by_label("British Sign Language (BSL) interpreter")).to_be_focused()
    guest.keyboard.press("Space")
    guest.keyboard.press("Tab")
    expect(guest.get_by_label("Interpreter for a spoken language")).to_be_focused()
    guest.keyboard.press("Space")
    expect(language).to_be_visible()  # revealed under its checkbox
    check_accessibility(guest)
    guest.keyboard.press("Tab")
    expect(language).to_be_focused()
    guest.keyboard.press("Enter")  # sent without a language

    summary = guest.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the language you need an interpreter for")
    expect(summary).to_be_focused()
    expect(guest.locator("#interpreter_languages-error")).to_contain_text(
        "Enter the language you need an interpreter for")
    expect(guest.get_by_label("British Sign Language (BSL) interpreter")).to_be_checked()
    expect(guest.get_by_label("Full name")).to_have_value("Ola Nowak")
    check_accessibility(guest)
    guest.keyboard.press("Tab")
    guest.keyboard.press("Enter")  # the summary's link to the box
    expect(language).to_be_focused()
    guest.keyboard.type("Polish")
    guest.keyboard.press("Enter")
    expect(guest.get_by_role("heading", name="Check your email")).to_be_visible()
    check_accessibility(guest)
    guest.context.close()

    organiser_page = browser.new_context(base_url=site.url).new_page()
    sign_in_with(organiser_page, "organiser@example.org")
    organiser_page.goto(f"/manage/events/{event_id}")
    counts = organiser_page.locator("table.app-access-counts")
    for request in ("British Sign Language (BSL) interpreter", "Interpreter for Polish"):
        row = counts.get_by_role("row", name=re.compile(re.escape(request)))
        expect(row.get_by_role("cell").first).to_have_text("1")  # booked
        expect(row.get_by_role("cell").last).to_have_text("0")  # waiting
    expect(organiser_page.get_by_role("cell", name="British Sign Language (BSL) interpreter; Interpreter for "
                                                   "Polish")).to_be_visible()
    check_accessibility(organiser_page)
    organiser_page.context.close()
