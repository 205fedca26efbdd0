"""Partner organisations in a real browser: an organiser adds a partner
with its contact, makes it a co-host of their event, and opens its
engagement page, at desktop and phone widths. Every page is checked with axe-core."""
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from core.accounts.models import User
from tests.e2e.conftest import check_accessibility, sign_in_with
from tests.events.factories import EventFactory

PHONE = {"width": 390, "height": 844}


def test_an_organiser_adds_a_partner_makes_it_co_host_and_reads_its_engagement(page, site):
    with site.app.app_context():
        organiser = db.session.scalar(select(User).where(User.email == "organiser@example.org"))
        event_id = EventFactory(title="Open doors at the gurdwara", organisers=[organiser]).id
        db.session.commit()
    sign_in_with(page, "organiser@example.org")

    page.goto(f"/manage/events/{event_id}")
    page.get_by_role("link", name="Co-hosts").click()
    expect(page.get_by_role("heading", name="Co-hosts")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Add a partner organisation").click()
    page.get_by_role("button", name="Save partner").click()  # nothing filled in
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the organisation's name")
    check_accessibility(page)
    page.get_by_label("Name of the organisation").fill("Guru Nanak Gurdwara")
    page.get_by_role("radio", name="Faith group").check()
    page.get_by_label("Area (optional)").fill("Northampton")
    page.get_by_role("button", name="Save partner").click()

    # Back on the event's co-hosts, where the new partner can be chosen.
    expect(page.get_by_text("Guru Nanak Gurdwara has been added. You can choose it now.")).to_be_visible()
    page.get_by_label("Partner organisation").select_option(label="Guru Nanak Gurdwara")
    page.get_by_role("button", name="Add co-host").click()
    expect(page.get_by_text("Guru Nanak Gurdwara is now a co-host of Open doors at the gurdwara.")).to_be_visible()
    check_accessibility(page)

    page.goto(f"/events/{event_id}")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Guru Nanak Gurdwara")
    page.goto("/partners")
    page.get_by_role("link", name="Guru Nanak Gurdwara").click()
    page.get_by_role("link", name="Add a contact").click()
    page.get_by_label("Name", exact=True).fill("Harjit Singh")
    page.get_by_label("Phone number (optional)").fill("01604 000102")
    page.get_by_label("They have agreed that we may contact them about the partnership's work").check()
    page.get_by_role("button", name="Save contact").click()
    expect(page.get_by_text("Harjit Singh has been saved as a contact at Guru Nanak Gurdwara.")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="See its engagement over time").click()
    expect(page.get_by_role("heading", name="Guru Nanak Gurdwara: engagement over time")).to_be_visible()
    expect(page.get_by_text("1 event to come, none held yet.")).to_be_visible()
    check_accessibility(page)
    for width_page in ("/partners", f"/manage/events/{event_id}/co-hosts"):
        page.set_viewport_size(PHONE)
        page.goto(width_page)
        check_accessibility(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
