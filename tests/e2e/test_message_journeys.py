"""Messages to an event's people in a real browser: an organiser writes,
previews (on a desktop and on a phone), sends and follows its progress; a
recipient opens the unsubscribe link from the email on a phone and
confirms. Every page is checked with axe-core."""
import uuid

from playwright.sync_api import expect
from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from tests.e2e.conftest import check_accessibility, latest_link, sign_in_with
from tests.events.factories import EventFactory, RegistrationFactory


def test_an_organiser_writes_previews_and_sends_and_a_recipient_unsubscribes(browser, site):
    title = f"Street party {uuid.uuid4().hex[:6]}"
    guest_email = f"neighbour-{uuid.uuid4().hex[:6]}@example.org"
    with site.app.app_context():
        organiser = db.session.scalar(select(User).where(User.email == "organiser@example.org"))
        event = EventFactory(title=title, organisers=[organiser], contact_email="party@example.org")
        RegistrationFactory(event=event, name="Nia Neighbour", email=guest_email, contact_consent=True)
        RegistrationFactory(event=event, name="Quiet Neighbour", email=f"quiet-{guest_email}")
        event_id = event.id

    page = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900}).new_page()
    sign_in_with(page, "organiser@example.org")
    page.goto(f"/manage/events/{event_id}")
    page.get_by_role("link", name="Write to the people booked, waiting or who came").click()
    check_accessibility(page)
    page.get_by_role("button", name="Preview the message").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a subject")
    check_accessibility(page)
    page.get_by_label("Subject").fill("Next year's party")
    page.get_by_label("Message", exact=True).fill("Save the date: it is in June.\n\nTell your neighbours.")
    page.get_by_label("People with a place booked").check()
    page.get_by_role("button", name="Preview the message").click()
    expect(page.get_by_text("1 person gets this email.")).to_be_visible()
    expect(page.locator("#left-out")).to_contain_text("did not agree to hear from the partnership")
    check_accessibility(page)
    page.set_viewport_size({"width": 390, "height": 844})
    check_accessibility(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing wider than a phone
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Send it to 1 person").click()
    expect(page.get_by_text("The message is on its way to 1 person.")).to_be_visible()
    expect(page.locator("progress")).to_have_attribute("value", "1")  # the sending's own page
    check_accessibility(page)
    page.goto(f"/manage/events/{event_id}")
    page.get_by_role("link", name="Next year's party").click()
    expect(page.get_by_text("Tell your neighbours.")).to_be_visible()
    check_accessibility(page)
    page.context.close()

    reader = browser.new_context(base_url=site.url, viewport={"width": 390, "height": 844}).new_page()
    reader.goto(latest_link(site.mail_dir, guest_email, "/unsubscribe/"))
    expect(reader.get_by_role("heading", name="Stop these emails")).to_be_visible()
    check_accessibility(reader)
    reader.get_by_role("button", name="Stop these emails").click()
    expect(reader.get_by_role("heading", name="You have stopped these emails")).to_be_visible()
    expect(reader.get_by_text("We will no longer send messages from the partnership")).to_be_visible()
    check_accessibility(reader)
    reader.set_viewport_size({"width": 1280, "height": 900})
    check_accessibility(reader)
    reader.context.close()
