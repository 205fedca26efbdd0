"""Browser tests: Python Playwright drives Debian's Chromium against a real
server process. Set E2E_REQUIRE_BROWSER=1 (CI does) to make a missing browser
fail the run instead of skipping."""
import os
import re
from pathlib import Path

import pytest
from flask_migrate import upgrade
from playwright.sync_api import expect

from core.accounts import second_factor, services
from core.extensions import db
from core.accounts.models import SiteRole
from events.services.venues import save_venue
from tests.conftest import authenticator_code, forget_used_steps_if_all_are_used, make_app
from tests.factories import TOTP_SECRET
from tests.live_server import ROOT, live_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "correct horse battery staple"
# After a redirect the browser keeps any #fragment, such as the skip link's.
ACCOUNT_URL = re.compile(r"/account(#.*)?$")


# The app of the `site` fixture, for helpers that read what the server wrote.
_SITE_APP = []

# A loaded CI machine can be slow; wait longer than Playwright's 5 s default.
expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("E2E_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """A migrated SQLite database, an admin account, and a server on it."""
    tmp = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{tmp}/e2e.db"
    app = make_app(database_url)
    with app.app_context():
        upgrade()
        admin = services.create_user(email="admin@example.org", name="Ada Admin", password=PASSWORD,
                                     roles=[SiteRole.ADMIN])
        services.create_user(email="member@example.org", name="Mo Member", password=PASSWORD)
        services.create_user(email="second@example.org", name="Sam Second", password=PASSWORD)
        organiser = services.create_user(email="organiser@example.org", name="Olu Organiser", password=PASSWORD,
                                         roles=[SiteRole.ORGANISER])
        monitor = services.create_user(email="monitor@example.org", name="Meera Monitor", password=PASSWORD,
                                       roles=[SiteRole.EQUALITY_MONITOR])
        save_venue(None, actor=organiser, name="Guildhall", address="St Giles Square", postcode="NN1 1DE",
                   step_free=True, hearing_loop=True)
        for staff in (admin, organiser, monitor):  # staff sign in with a code too (`sign_in_with` answers it)
            second_factor.set_up_without_code(staff, secret=TOTP_SECRET)
        db.session.commit()
    _SITE_APP.append(app)
    mail_dir = tmp / "outbox"
    with live_server(database_url, MAIL_BACKEND="file", MAIL_FILE_PATH=str(mail_dir)) as base_url:
        yield type("Site", (), {"url": base_url, "mail_dir": mail_dir, "app": app})


@pytest.fixture
def page(browser, site):
    context = browser.new_context(base_url=site.url)
    page = context.new_page()
    page.bring_to_front()  # the browser's active page, so keyboard focus is real (tests check it)
    yield page
    context.close()


def check_accessibility(page):
    """Run axe-core on the page as it is now; fail listing every violation."""
    # After a click that navigates, wait for the new page and its stylesheet:
    # axe on a half-loaded page reports what no one sees (unstyled links too small).
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
    ]
    assert problems == [], f"axe violations on {page.url}:\n" + "\n".join(problems)


def latest_link(mail_dir: Path, to: str, path_part: str) -> str:
    """The newest link containing `path_part` in mail to `to`, as a person
    running `make run` would read it from instance/outbox."""
    for message in sorted(mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
        text = message.read_text()
        if f"To: {to}" in text:
            links = re.findall(r"http://\S*" + re.escape(path_part) + r"\S*", text)
            if links:
                return links[-1]
    raise AssertionError(f"no mail to {to} with a {path_part} link in {mail_dir}")


def sign_in_with(page, email, password=PASSWORD):
    """Sign in through the form; for staff, the code step as their
    authenticator app would answer it."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/account(#.*)?$|/sign-in/code$|/sign-in/set-up-code$"))
    if page.url.endswith("/sign-in/code"):
        enter_code(page, email)
    elif page.url.endswith("/sign-in/set-up-code"):  # given a staff role or seat by an earlier journey
        set_up_app(page)
        page.get_by_role("link", name="I have saved my codes: continue").click()
    page.wait_for_url(ACCOUNT_URL)


def set_up_app(page) -> str:
    """Add the account to an "authenticator app" from the key on the set-up
    page and enter its first code; the app's secret."""
    secret = page.locator("#secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(authenticator_code(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    return secret


def enter_code(page, email):
    """Type what the person's authenticator app shows (its key as the server holds it)."""
    with _SITE_APP[0].app_context():
        account = services.find_user_by_email(email)
        secret, last_step = account.totp_secret, forget_used_steps_if_all_are_used(account)
    page.get_by_label("Code from your authenticator app").fill(authenticator_code(secret, after=last_step))
    page.get_by_role("button", name="Continue").click()
