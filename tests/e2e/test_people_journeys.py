"""An admin finds a guest booking left under an address a member's account
has proven, previews the merge, merges, and sees the result; every page
checked by axe-core, at 1280 px and on a 390 px phone."""
import re

from playwright.sync_api import expect

from core.accounts import services
from core.equality import services as equality
from core.extensions import db
from events.models import EventStatus
from tests.e2e.conftest import PASSWORD, check_accessibility, sign_in_with
from tests.e2e.test_account_journeys import PHONE, fits_the_screen
from tests.events.factories import EventFactory, RegistrationFactory


def _a_member_who_booked_as_a_guest_before(site) -> int:
    with site.app.test_request_context():
        account = services.create_user(email="priya.shah@example.org", name="Priya Shah", password=PASSWORD)
        event = EventFactory(title="Faith walk", status=EventStatus.DRAFT, organisers=[])
        RegistrationFactory(event=event, name="Priya Shah", email="Priya.Shah@Example.org",
                            person_key="guest:Priya.Shah@Example.org")
        equality.give_consent("guest:Priya.Shah@Example.org")
        db.session.commit()
        return account.id


def test_admin_finds_a_pair_previews_and_merges_it(browser, site, page):
    account_id = _a_member_who_booked_as_a_guest_before(site)
    sign_in_with(page, "admin@example.org")
    page.goto("/admin/users")
    page.get_by_role("link", name="Likely duplicate people").click()
    row = page.locator("tbody tr", has_text="Priya Shah")
    expect(row).to_contain_text("Guest records under an address this account has proven")
    expect(row).to_contain_text("Priya.Shah@Example.org")
    check_accessibility(page)

    phone = browser.new_context(base_url=site.url, viewport=PHONE).new_page()
    phone.context.add_cookies(page.context.cookies())
    phone.goto(page.url)
    fits_the_screen(phone)
    check_accessibility(phone)

    row.get_by_role("link", name=re.compile("Preview merge")).click()
    expect(page.get_by_role("heading", name="Merge two records")).to_be_visible()
    expect(page.get_by_text("Registration: Faith walk: moves (Booked)")).to_be_visible()
    expect(page.get_by_text("Equality monitoring answers: one set kept")).to_be_visible()
    check_accessibility(page)
    phone.goto(page.url)
    fits_the_screen(phone)
    check_accessibility(phone)
    phone.context.close()

    page.get_by_role("button", name="Merge these records").click()
    page.wait_for_url(re.compile(rf"/admin/users/{account_id}$"))
    expect(page.get_by_text("Merged. The guest's records now belong to Priya Shah.")).to_be_visible()
    check_accessibility(page)
    page.goto("/admin/people/duplicates")
    expect(page.locator("tbody tr", has_text="Priya Shah")).to_have_count(0)
