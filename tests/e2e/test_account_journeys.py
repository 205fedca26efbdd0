"""A new person's journeys through accounts, in a real browser, with every
page checked by axe-core and sign-in done by keyboard alone."""
import re
import uuid

from playwright.sync_api import expect

from flask import render_template
from tests.e2e.conftest import ACCOUNT_URL, PASSWORD, check_accessibility, latest_link, sign_in_with

NEW_PASSWORD = "granite meadow compass"


def unique_email(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.org"


def test_sign_up_confirm_sign_out_reset_and_sign_in(page, site):
    email = unique_email("grace")
    page.goto("/")
    check_accessibility(page)
    page.get_by_role("link", name="Create an account").first.click()
    expect(page).to_have_title("Create an account - Shared Future")
    check_accessibility(page)

    page.get_by_role("button", name="Create account").click()  # nothing filled in
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your full name")
    expect(page).to_have_title("Error: Create an account - Shared Future")
    check_accessibility(page)

    page.get_by_label("Full name").fill("Grace Okafor")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create a password").fill("lantern orchard velvet")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    check_accessibility(page)

    page.goto("/sign-in")  # not until the address is confirmed
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill("lantern orchard velvet")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Confirm your email address before you sign in")
    check_accessibility(page)

    page.goto(latest_link(site.mail_dir, email, "/confirm-email/"))
    check_accessibility(page)
    page.get_by_role("button", name="Confirm email address").click()  # the password is asked for
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the password of your account")
    check_accessibility(page)
    page.get_by_label("Your password").fill("lantern orchard velvet")
    page.get_by_role("button", name="Confirm email address").click()
    expect(page.get_by_text(f"{email} is confirmed as your email address")).to_be_visible()
    sign_in_with(page, email, "lantern orchard velvet")

    new_email = unique_email("grace-new")
    page.get_by_role("link", name="Change email address").click()
    check_accessibility(page)
    page.get_by_label("New email address").fill(new_email)
    page.get_by_label("Your password").fill("lantern orchard velvet")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text(f"We have sent a link to {new_email}")).to_be_visible()
    page.goto(latest_link(site.mail_dir, new_email, "/confirm-email/"))
    page.get_by_label("Your password").fill("lantern orchard velvet")
    page.get_by_role("button", name="Confirm email address").click()
    expect(page.get_by_text(f"{new_email} is confirmed as your email address")).to_be_visible()
    page.goto(latest_link(site.mail_dir, email, "/account/email/undo/"))  # the old address is told, with a way back
    expect(page.get_by_role("heading", name="Change your email address back")).to_be_visible()
    check_accessibility(page)
    page.goto("/account")
    email = new_email

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have been signed out")).to_be_visible()
    check_accessibility(page)

    page.goto("/sign-in")
    check_accessibility(page)
    page.get_by_role("link", name="I have forgotten my password").click()
    check_accessibility(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    check_accessibility(page)

    page.goto(latest_link(site.mail_dir, email, "/reset-password/"))
    check_accessibility(page)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save new password").click()
    expect(page.get_by_text("Your password has been reset")).to_be_visible()

    sign_in_with(page, email, NEW_PASSWORD)
    expect(page.get_by_text(email)).to_be_visible()


PHONE = {"width": 390, "height": 844}


def fits_the_screen(page) -> None:
    """Nothing on the page is wider than the phone: no sideways scrolling."""
    page.wait_for_load_state("load")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px screen"


def test_long_email_addresses_and_the_cookies_table_fit_a_phone(browser, site):
    """With a 33-character address, the banners and the error summary that
    quote it made pages 431-437px wide on a 390px phone, and the cookies
    table was 431px wide (its Expires column off the screen)."""
    page = browser.new_context(base_url=site.url, viewport=PHONE).new_page()
    email = f"amaraokafornwo{uuid.uuid4().hex[:7]}@example.org"  # 33 characters, no hyphen to break at
    assert len(email) == 33
    page.goto("/cookies")
    fits_the_screen(page)
    page.goto("/sign-up")
    page.get_by_label("Full name").fill("Amara Okafor")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create a password").fill("lantern orchard velvet")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    fits_the_screen(page)

    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill("lantern orchard velvet")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(f"the email we sent to {email}")
    fits_the_screen(page)

    page.goto(latest_link(site.mail_dir, email, "/confirm-email/"))
    fits_the_screen(page)
    page.get_by_label("Your password").fill("lantern orchard velvet")
    page.get_by_role("button", name="Confirm email address").click()
    expect(page.get_by_text(f"{email} is confirmed as your email address")).to_be_visible()
    fits_the_screen(page)

    sign_in_with(page, email, "lantern orchard velvet")
    fits_the_screen(page)
    new_email = f"amaraokafornwo{uuid.uuid4().hex[:7]}@example.org"
    page.get_by_role("link", name="Change email address").click()
    page.get_by_label("New email address").fill(new_email)
    page.get_by_label("Your password").fill("lantern orchard velvet")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text(f"We have sent a link to {new_email}")).to_be_visible()
    fits_the_screen(page)
    page.goto("/cookies")
    fits_the_screen(page)
    page.context.close()


def test_sign_in_by_keyboard_alone(page):
    page.goto("/sign-in")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")  # skip link moves focus past the header

    def tab_to(selector, limit=15):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"could not reach {selector} with Tab")

    tab_to("#email")
    page.keyboard.type("member@example.org")
    tab_to("#password")
    page.keyboard.type(PASSWORD)
    tab_to("button[type=submit], input[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(ACCOUNT_URL)
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()


def test_account_pages_pass_axe(page):
    sign_in_with(page, "member@example.org")
    for path in ["/account", "/account/profile", "/account/password"]:
        page.goto(path)
        check_accessibility(page)
    page.goto("/account/password")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_accessibility(page)
    response = page.goto("/admin/users")
    assert response.status == 403
    check_accessibility(page)


def test_admin_pages_pass_axe_and_roles_can_be_changed(page):
    sign_in_with(page, "admin@example.org")
    page.goto("/admin/users")
    check_accessibility(page)
    page.get_by_role("link", name="Mo Member").click()
    check_accessibility(page)
    page.get_by_label("Organiser").check()
    page.get_by_role("button", name="Save roles").click()
    expect(page.get_by_text("Roles for Mo Member have been saved")).to_be_visible()
    expect(page.get_by_label("Organiser")).to_be_checked()
    page.goto("/admin/audit")
    newest, granted = page.locator("tbody tr").nth(0), page.locator("tbody tr").nth(1)  # newest first
    # Mo has no authenticator app yet, so every session Mo had ended with the grant.
    expect(newest).to_contain_text("second_factor.sessions_ended")
    expect(granted).to_contain_text("Ada Admin")
    expect(granted).to_contain_text("role.granted")
    expect(granted).to_contain_text("role: organiser")
    check_accessibility(page)


def test_public_and_error_pages_pass_axe(page, site):
    for path in ["/accessibility", "/privacy", "/cookies"]:
        page.goto(path)
        check_accessibility(page)
    assert page.goto("/no-such-page").status == 404
    check_accessibility(page)
    assert page.goto("/reset-password/forged").status == 400
    check_accessibility(page)

    email = unique_email("target")
    for _ in range(6):  # the per-account limit is 5 failures in 5 minutes
        page.goto("/sign-in")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password", exact=True).fill("wrong password")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Too many attempts")).to_be_visible()
    check_accessibility(page)

    # The 500 page cannot be reached on purpose; serve the real template,
    # rendered by the app, with the real stylesheet.
    with site.app.test_request_context():
        html = render_template("errors/500.html")
    page.route("**/server-error-preview", lambda route: route.fulfill(status=500, body=html,
                                                                      content_type="text/html"))
    page.goto("/server-error-preview")
    expect(page.get_by_role("heading", name="Sorry, there is a problem with the service")).to_be_visible()
    check_accessibility(page)


def test_the_accessibility_check_itself_catches_problems(page):
    """Guards the guard: a page with an unlabelled input and an image with
    no alt text must fail the same check every page above passes."""
    page.goto("/")
    page.evaluate("""() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend', '<input type="text"><img src="/static/images/favicon.svg">');
    }""")
    try:
        check_accessibility(page)
    except AssertionError as failure:
        assert "label" in str(failure) and "image-alt" in str(failure)
    else:
        raise AssertionError("axe reported no violations on a page with known ones")


def test_see_download_and_delete_your_own_data_by_keyboard(page, site):
    email = unique_email("dara")
    page.goto("/sign-up")
    page.get_by_label("Full name").fill("Dara Quinn")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create a password").fill("lantern orchard velvet")
    page.get_by_role("button", name="Create account").click()
    page.goto(latest_link(site.mail_dir, email, "/confirm-email/"))
    page.get_by_label("Your password").fill("lantern orchard velvet")
    page.get_by_role("button", name="Confirm email address").click()
    sign_in_with(page, email, "lantern orchard velvet")

    page.get_by_role("link", name="See everything we hold about you").click()
    expect(page.get_by_role("heading", name="Your data", exact=True)).to_be_visible()
    expect(page.get_by_text("Dara Quinn")).to_be_visible()
    check_accessibility(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your data (JSON file)").click()
    assert "Dara Quinn" in download.value.path().read_text()

    page.goto("/account")
    page.get_by_role("link", name="Delete your account").click()
    expect(page.get_by_text("You cannot undo this.")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Delete my account").focus()
    page.keyboard.press("Enter")  # no password given
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    check_accessibility(page)
    page.get_by_label("Your password").focus()
    page.keyboard.type("lantern orchard velvet")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your account has been deleted")).to_be_visible()
    check_accessibility(page)
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/sign-in"))
