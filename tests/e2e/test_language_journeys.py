"""The public journeys in Polish and in Urdu, in a real browser, by keyboard,
with axe on every page: a visitor chooses Polski from the language links and
registers for an event as a guest (the email in Polish too); a member
chooses اردو, which their account keeps, and applies to join a forum on a
phone, the page right to left."""
import uuid

from playwright.sync_api import expect

from core.accounts import services
from core.i18n import _, in_language
from forums.models import ForumCoordinator
from tests.e2e.conftest import PASSWORD, check_accessibility, latest_link, sign_in_with
from tests.e2e.test_event_journeys import create_and_publish
from tests.forums.factories import ForumFactory


def said_in(site, language: str, text: str, **variables) -> str:
    """What the site says for `text` in `language`, from its own catalogue."""
    with site.app.test_request_context(), in_language(language):
        translated = _(text, **variables)
    assert translated != text % variables if variables else translated != text, f"{text!r} has no {language}"
    return translated


def choose_by_keyboard(page, name: str, role: str = "link") -> None:
    """Move to the language in the menu with Tab, as a keyboard user does, and press Enter."""
    target = page.get_by_role(role, name=name, exact=True)
    page.keyboard.press("Tab")  # into the page: the skip link first
    for _tab in range(12):
        if target.evaluate("element => element === document.activeElement"):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError(f"{name} cannot be reached by Tab")
    # Found walking it: the links showed the browser's own focus ring, not GOV.UK's yellow.
    assert target.evaluate("element => getComputedStyle(element).backgroundColor") == "rgb(255, 221, 0)"
    page.keyboard.press("Enter")


def test_a_visitor_reads_and_registers_in_polish(browser, site):
    organiser = browser.new_context(base_url=site.url).new_page()
    sign_in_with(organiser, "organiser@example.org")
    title = f"Kolacja {uuid.uuid4().hex[:6]}"
    create_and_publish(organiser, title, capacity="10")
    organiser.context.close()

    guest = browser.new_context(base_url=site.url).new_page()
    guest.goto("/events")
    choose_by_keyboard(guest, "Polski")
    expect(guest.locator("html")).to_have_attribute("lang", "pl")
    expect(guest.get_by_role("heading", level=1)).to_have_text(said_in(site, "pl", "Events"))
    check_accessibility(guest)
    guest.get_by_role("link", name=title).click()
    check_accessibility(guest)
    guest.get_by_role("button", name=said_in(site, "pl", "Register")).click()
    check_accessibility(guest)
    email = f"gosc-{uuid.uuid4().hex[:6]}@example.org"
    guest.get_by_label(said_in(site, "pl", "Full name")).fill("Łucja Wiśniewska")
    guest.get_by_label(said_in(site, "pl", "Email address")).fill(email)
    guest.get_by_role("button", name=said_in(site, "pl", "Register")).press("Enter")
    expect(guest.get_by_role("heading", name=said_in(site, "pl", "Check your email"))).to_be_visible()
    check_accessibility(guest)

    # The email is in the language they registered in.
    mail = next(message.read_text() for message in sorted(site.mail_dir.glob("*.log"),
                                                           key=lambda each: each.stat().st_mtime, reverse=True)
                if f"To: {email}" in message.read_text())
    assert said_in(site, "pl", "If you did not register, you can ignore this email.") in mail
    guest.goto(latest_link(site.mail_dir, email, "/confirm"))
    expect(guest.locator("html")).to_have_attribute("lang", "pl")
    check_accessibility(guest)
    guest.get_by_role("button", name=said_in(site, "pl", "Confirm my place")).press("Enter")
    expect(guest.get_by_role("heading", level=1)).to_have_text(title)
    expect(guest.get_by_text(said_in(site, "pl", "Booked"), exact=True).first).to_be_visible()
    check_accessibility(guest)
    guest.context.close()


def test_a_member_chooses_urdu_and_applies_to_a_forum_on_a_phone(browser, site):
    email = f"rukn-{uuid.uuid4().hex[:6]}@example.org"
    name = f"Interfaith forum {uuid.uuid4().hex[:6]}"
    with site.app.app_context():
        from core.extensions import db
        services.create_user(email=email, name="Ayesha Khan", password=PASSWORD)
        forum = ForumFactory(name=name, faith_cap=2)
        coordinator = services.create_user(email=f"co-{uuid.uuid4().hex[:6]}@example.org", name="Co Ordinator",
                                           password=PASSWORD)
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        db.session.commit()
        forum_id = forum.id

    member = browser.new_context(base_url=site.url, viewport={"width": 390, "height": 844}).new_page()
    sign_in_with(member, email)
    choose_by_keyboard(member, "اردو", role="button")
    expect(member.locator("html")).to_have_attribute("dir", "rtl")
    expect(member.locator("html")).to_have_attribute("lang", "ur")
    check_accessibility(member)
    assert member.evaluate("document.documentElement.scrollWidth") <= 390

    # The account keeps the choice: a new browser, signed in, is in Urdu straight away.
    member.context.close()
    member = browser.new_context(base_url=site.url, viewport={"width": 390, "height": 844}).new_page()
    member.goto("/sign-in")
    member.get_by_label("Email address").fill(email)
    member.get_by_label("Password", exact=True).fill(PASSWORD)
    member.get_by_role("button", name="Sign in").click()
    expect(member.locator("html")).to_have_attribute("lang", "ur")

    member.goto(f"/forums/{forum_id}")
    check_accessibility(member)
    member.get_by_role("link", name=said_in(site, "ur", "Apply to join")).click()
    check_accessibility(member)
    apply = member.get_by_role("button", name=said_in(site, "ur", "Apply to join"))
    apply.press("Enter")
    expect(member.locator(".govuk-error-summary")).to_contain_text(
        said_in(site, "ur", "Tell the coordinators why you want to join"))
    check_accessibility(member)
    member.get_by_label(said_in(site, "ur", "Why do you want to join?")).fill("اپنی برادری کی آواز لانے کے لیے")
    member.get_by_label(said_in(site, "ur", "Faith community you represent")).select_option("muslim")
    member.get_by_role("button", name=said_in(site, "ur", "Apply to join")).press("Enter")
    expect(member.get_by_text(said_in(
        site, "ur", "Thank you. The coordinators will look at your application and email you."))).to_be_visible()
    check_accessibility(member)
    assert member.evaluate("document.documentElement.scrollWidth") <= 390
    member.context.close()
