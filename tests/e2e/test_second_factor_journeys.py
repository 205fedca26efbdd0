"""A staff member's second factor in a real browser: set up at the first
sign-in, then a code at every sign-in; every new page checked by axe-core."""
import re
import uuid

import pyotp
from playwright.sync_api import expect

from core.accounts import second_factor, services
from core.extensions import db
from core.accounts.models import SiteRole
from tests.e2e.conftest import ACCOUNT_URL, PASSWORD, check_accessibility, enter_code, set_up_app, sign_in_with
from tests.factories import TOTP_SECRET


def test_a_new_organiser_sets_up_an_app_signs_out_and_signs_in_with_a_code(page, site):
    email = f"olive-{uuid.uuid4().hex[:8]}@example.org"
    with site.app.app_context():
        services.create_user(email=email, name="Olive Organiser", password=PASSWORD, roles=[SiteRole.ORGANISER])
        db.session.commit()

    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/sign-in/set-up-code$"))
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    check_accessibility(page)

    page.get_by_role("button", name="Turn on").click()  # no code typed
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page.locator("#code-error")).to_contain_text("Enter the 6-digit code")
    check_accessibility(page)

    secret = set_up_app(page)
    assert len(page.locator("ul.govuk-list code").all()) == 10
    check_accessibility(page)
    page.get_by_role("link", name="I have saved my codes: continue").click()
    expect(page).to_have_url(ACCOUNT_URL)
    expect(page.get_by_text("You sign in with your password and a code from your authenticator app")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("button", name="Sign out").click()
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/sign-in/code$"))
    code_box = page.get_by_label("Code from your authenticator app")
    expect(code_box).to_have_attribute("autocomplete", "one-time-code")
    expect(code_box).to_have_attribute("inputmode", "numeric")
    check_accessibility(page)

    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    code_box.fill(wrong)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page.locator("#code-error")).to_contain_text("The code is not correct")
    check_accessibility(page)
    assert page.goto("/manage/events").url.split("?")[0].endswith("/sign-in")  # still not signed in

    page.goto("/sign-in/recovery-code")
    expect(page.get_by_role("heading", name="Use a recovery code")).to_be_visible()
    check_accessibility(page)
    page.goto("/sign-in/code")
    enter_code(page, email)
    expect(page).to_have_url(ACCOUNT_URL)
    assert page.goto("/manage/events").status == 200

    page.goto("/account/sign-in-codes/recovery-codes")
    check_accessibility(page)
    page.goto("/account/sign-in-codes/turn-off")
    expect(page.get_by_text("You cannot turn this off")).to_be_visible()
    check_accessibility(page)


def test_an_admin_resets_someones_app_from_their_page(browser, site):
    email = f"omar-{uuid.uuid4().hex[:8]}@example.org"
    with site.app.app_context():
        person = services.create_user(email=email, name="Omar Organiser", password=PASSWORD,
                                      roles=[SiteRole.ORGANISER])
        second_factor.set_up_without_code(person, secret=TOTP_SECRET)
        db.session.commit()
        person_id = person.id
    context = browser.new_context(base_url=site.url)
    page = context.new_page()
    sign_in_with(page, "admin@example.org")
    page.goto(f"/admin/users/{person_id}")
    check_accessibility(page)
    page.get_by_role("button", name="Reset their authenticator app").click()
    expect(page.get_by_text("Omar Organiser's authenticator app has been reset")).to_be_visible()
    expect(page.get_by_text("Not set up yet: needed at their next sign-in")).to_be_visible()
    check_accessibility(page)
    context.close()
