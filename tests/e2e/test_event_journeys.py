"""Events in a real browser: an organiser schedules and publishes, a guest
registers and confirms, a member is waitlisted then promoted, and check-in
works on a phone. Every page is checked with axe-core."""
import re
import uuid
from datetime import date, timedelta

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from core.accounts.models import User
from events.models import SessionSignup
from tests.e2e.conftest import check_accessibility, latest_link, sign_in_with
from tests.events.factories import EventFactory, RegistrationFactory, SessionFactory


def create_and_publish(page, title, capacity="1"):
    day = date.today() + timedelta(days=30)
    page.goto("/manage/events")
    check_accessibility(page)
    page.get_by_role("button", name="Create an event").click()
    check_accessibility(page)
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Summary").fill("Neighbours of every background share a meal")
    page.get_by_label("Community event").check()
    for prefix in ("start_date", "end_date"):
        page.locator(f"#{prefix}-day").fill(str(day.day))
        page.locator(f"#{prefix}-month").fill(str(day.month))
        page.locator(f"#{prefix}-year").fill(str(day.year))
    page.get_by_label("Start time").fill("18:30")
    page.get_by_label("End time").fill("17:00")  # before the start: must be refused
    page.get_by_label("Venue").select_option(label="Guildhall, NN1 1DE")
    page.get_by_label("Places", exact=True).fill(capacity)
    page.get_by_role("button", name="Save event").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The end must be after the start")
    check_accessibility(page)
    expect(page.get_by_label("Title", exact=True)).to_have_value(title)
    page.get_by_label("End time").fill("20:30")
    page.get_by_role("button", name="Save event").click()
    expect(page.get_by_text("saved as a draft")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("The event is published")).to_be_visible()
    return re.search(r"/manage/events/(\d+)", page.url).group(1)


def test_organiser_publishes_and_a_guest_registers_and_confirms(browser, site):
    organiser = browser.new_context(base_url=site.url).new_page()
    sign_in_with(organiser, "organiser@example.org")
    title = f"Supper club {uuid.uuid4().hex[:6]}"
    event_id = create_and_publish(organiser, title, capacity="10")

    guest = browser.new_context(base_url=site.url).new_page()
    guest.goto("/events")
    check_accessibility(guest)
    guest.get_by_role("link", name=title).click()
    check_accessibility(guest)
    guest.get_by_role("button", name="Register").click()
    check_accessibility(guest)
    email = f"guest-{uuid.uuid4().hex[:6]}@example.org"
    guest.get_by_label("Full name").fill("Hana Guest")
    guest.get_by_label("Email address").fill(email)
    guest.get_by_label("Other access needs (optional)").fill("Hearing loop please")
    guest.get_by_role("button", name="Register").click()
    expect(guest.get_by_role("heading", name="Check your email")).to_be_visible()
    check_accessibility(guest)

    guest.goto(latest_link(site.mail_dir, email, "/confirm"))
    check_accessibility(guest)
    guest.get_by_role("button", name="Confirm my place").click()
    expect(guest.get_by_text("Booked")).to_be_visible()
    check_accessibility(guest)

    organiser.goto(f"/manage/events/{event_id}")
    expect(organiser.get_by_role("cell", name="Hearing loop please")).to_be_visible()
    check_accessibility(organiser)
    organiser.context.close()
    guest.context.close()


def test_member_is_waitlisted_then_promoted_after_a_cancellation(browser, site):
    organiser = browser.new_context(base_url=site.url).new_page()
    sign_in_with(organiser, "organiser@example.org")
    title = f"Small walk {uuid.uuid4().hex[:6]}"
    event_id = create_and_publish(organiser, title, capacity="1")

    first = browser.new_context(base_url=site.url).new_page()
    sign_in_with(first, "member@example.org")
    first.goto(f"/events/{event_id}/register")
    first.get_by_role("button", name="Register").click()
    expect(first.get_by_text("You're booked")).to_be_visible()
    check_accessibility(first)

    second = browser.new_context(base_url=site.url).new_page()
    sign_in_with(second, "second@example.org")
    second.goto(f"/events/{event_id}")
    second.get_by_role("button", name="Join the waiting list").click()
    second.get_by_role("button", name="Join the waiting list").click()
    expect(second.get_by_text("You're on the waiting list")).to_be_visible()
    second.goto("/my-events")
    expect(second.get_by_text("Number 1 in the queue")).to_be_visible()
    check_accessibility(second)

    first.goto("/my-events")
    check_accessibility(first)
    first.get_by_role("button", name=f"Cancel registration for {title}").click()
    expect(first.get_by_role("heading", name=f"Cancel your place at {title}?")).to_be_visible()
    expect(first.get_by_text("1 person is waiting for a place: it will be offered to them")).to_be_visible()
    check_accessibility(first)
    first.get_by_role("button", name="Cancel my place").click()
    expect(first.get_by_text("has been cancelled")).to_be_visible()

    second.goto(latest_link(site.mail_dir, "second@example.org", "/registrations/"))
    check_accessibility(second)
    second.get_by_role("button", name="Accept the place").click()
    expect(second.get_by_text("You're booked. We have emailed you the details.")).to_be_visible()
    for page in (organiser, first, second):
        page.context.close()


def test_check_in_on_a_phone(browser, site):
    organiser = browser.new_context(base_url=site.url).new_page()
    sign_in_with(organiser, "organiser@example.org")
    title = f"Phone check-in {uuid.uuid4().hex[:6]}"
    event_id = create_and_publish(organiser, title, capacity="5")
    attendee = browser.new_context(base_url=site.url).new_page()
    sign_in_with(attendee, "member@example.org")
    attendee.goto(f"/events/{event_id}/register")
    attendee.get_by_role("button", name="Register").click()
    attendee.context.close()
    organiser.context.close()

    phone = browser.new_context(base_url=site.url, viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True)
    page = phone.new_page()
    sign_in_with(page, "organiser@example.org")
    page.goto(f"/manage/events/{event_id}/check-in")
    check_accessibility(page)
    page.get_by_label("Search by name").fill("Mo")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Check in Mo Member").tap()
    expect(page.get_by_text("Mo Member is checked in")).to_be_visible()
    page.get_by_label("Walk-in's name").fill("Walk-in visitor")
    page.get_by_role("button", name="Add walk-in").tap()
    expect(page.get_by_text("Walk-in visitor added as a walk-in")).to_be_visible()
    expect(page.locator(".app-counts")).to_contain_text("Here2")
    check_accessibility(page)
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()


def test_programme_venues_and_series_pages_pass_axe(browser, site):
    page = browser.new_context(base_url=site.url).new_page()
    sign_in_with(page, "organiser@example.org")
    title = f"Conference {uuid.uuid4().hex[:6]}"
    event_id = create_and_publish(page, title, capacity="50")
    page.goto(f"/manage/events/{event_id}/programme")
    check_accessibility(page)
    page.get_by_role("button", name="Add a session").click()
    check_accessibility(page)
    page.get_by_label("Session title").fill("Opening plenary")
    page.get_by_label("Starts at").fill("18:30")
    page.get_by_label("Ends at").fill("18:00")
    page.get_by_role("button", name="Save session").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The session must end after it starts")
    check_accessibility(page)
    page.get_by_label("Ends at").fill("19:30")
    page.get_by_label("Places (optional)").fill("20")
    page.get_by_role("button", name="Save session").click()
    expect(page.get_by_text("Opening plenary is in the programme")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Remove Opening plenary").click()  # asks first; Cancel keeps it
    expect(page.get_by_text("Nobody has chosen this session yet, so nobody will be emailed")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("link", name="Opening plenary")).to_be_visible()

    page.goto(f"/manage/events/{event_id}/questions")
    check_accessibility(page)
    page.get_by_label("Question", exact=True).fill("Which language would you like materials in?")
    page.get_by_label("Choose one from a list").check()
    page.get_by_label("Answers to choose from").fill("English\nPolski\nPunjabi")
    page.get_by_label("People must answer").check()
    page.get_by_role("button", name="Add question").click()
    expect(page.get_by_text("The question has been added")).to_be_visible()
    check_accessibility(page)

    page.goto(f"/events/{event_id}/register")
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Answer the question")
    check_accessibility(page)
    page.get_by_label("Polski").check()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("You're booked")).to_be_visible()
    page.goto("/my-events")
    page.get_by_role("link", name=f"See your registration for {title}").click()
    page.get_by_role("button", name="Choose Opening plenary").click()
    expect(page.get_by_text("You are signed up for Opening plenary")).to_be_visible()
    check_accessibility(page)

    page.goto(f"/events/{event_id}")
    expect(page.get_by_role("heading", name="Programme")).to_be_visible()
    check_accessibility(page)
    page.goto(f"/manage/events/{event_id}/status")
    check_accessibility(page)
    page.goto("/manage/venues")
    check_accessibility(page)
    page.get_by_role("button", name="Add a venue").click()
    check_accessibility(page)
    page.get_by_role("button", name="Save venue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the venue's name")
    check_accessibility(page)
    page.context.close()


def test_picture_invitations_and_booking_someone_in(browser, site, tmp_path):
    page = browser.new_context(base_url=site.url).new_page()
    sign_in_with(page, "organiser@example.org")
    title = f"Leaders' breakfast {uuid.uuid4().hex[:6]}"
    event_id = create_and_publish(page, title, capacity="10")

    picture = tmp_path / "breakfast.png"
    Image.new("RGB", (800, 400), "teal").save(picture)
    page.goto(f"/manage/events/{event_id}/edit")
    page.get_by_label("Invited people only").check()
    page.get_by_label("Places held back (optional)").fill("2")
    page.get_by_label("Picture (optional)").set_input_files(picture)
    page.get_by_role("button", name="Save event").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Describe the picture")
    check_accessibility(page)
    page.get_by_label("Picture (optional)").set_input_files(picture)
    page.get_by_label("Describe the picture").fill("Faith leaders around a breakfast table")
    page.get_by_role("button", name="Save event").click()
    expect(page.get_by_text("The event has been saved")).to_be_visible()

    page.get_by_role("link", name="Invitations").click()
    check_accessibility(page)
    page.get_by_label("Who to invite").fill("Rabbi Miriam Cohen <miriam@example.org>\nnot an address")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Check these email addresses: not an address")
    check_accessibility(page)
    page.get_by_label("Who to invite").fill("Rabbi Miriam Cohen <miriam@example.org>")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("1 invitation on its way")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Finished. 1 of 1 email sent.")  # the sending's own page
    expect(page.get_by_role("heading", level=1)).to_contain_text("1 invitation to")
    check_accessibility(page)

    page.goto(f"/manage/events/{event_id}")
    page.get_by_role("link", name="Book someone in").click()
    check_accessibility(page)
    page.get_by_label("Full name").fill("Chief Inspector Sam Reid")
    page.get_by_label("Email address").fill("sam.reid@example.org")
    page.get_by_label("Use places held back").check()
    page.get_by_role("button", name="Book them in").click()
    expect(page.get_by_text("Chief Inspector Sam Reid is booked in")).to_be_visible()

    guest = browser.new_context(base_url=site.url).new_page()
    guest.goto(f"/events/{event_id}")
    expect(guest.get_by_role("img", name="Faith leaders around a breakfast table")).to_be_visible()
    expect(guest.get_by_text("This event is by invitation")).to_be_visible()
    check_accessibility(guest)
    guest.goto(latest_link(site.mail_dir, "miriam@example.org", "invitation="))
    # The page names the invited address masked and does not fill it in: a forwarded link would show it.
    expect(guest.get_by_text("register with m•••@example.org")).to_be_visible()
    expect(guest.get_by_label("Email address")).to_have_value("")
    check_accessibility(guest)
    guest.get_by_label("Full name").fill("Rabbi Miriam Cohen")
    guest.get_by_label("Email address").fill("miriam@example.org")
    guest.get_by_role("button", name="Register").click()
    expect(guest.get_by_text("You're booked")).to_be_visible()
    page.context.close()
    guest.context.close()


def test_a_member_waits_for_a_full_workshop(browser, site):
    title = f"Conference {uuid.uuid4().hex[:6]}"
    with site.app.app_context():
        member, second = (db.session.scalar(select(User).where(User.email == email))
                          for email in ("member@example.org", "second@example.org"))
        event = EventFactory(title=title, capacity=50)
        workshop = SessionFactory(event=event, title="Tackling hate together", capacity=1)
        holder = RegistrationFactory(event=event, user=second, name=second.name, email=second.email)
        RegistrationFactory(event=event, user=member, name=member.name, email=member.email)
        db.session.add(SessionSignup(session_id=workshop.id, registration_id=holder.id))
        db.session.commit()

    page = browser.new_context(base_url=site.url, viewport={"width": 390, "height": 844}).new_page()
    sign_in_with(page, "member@example.org")
    page.goto("/my-events")
    page.get_by_role("link", name=f"See your registration for {title}").click()
    page.get_by_role("button", name="Join waiting list for Tackling hate together").click()
    expect(page.get_by_text("Tackling hate together is full, so you are on its waiting list")).to_be_visible()
    expect(page.get_by_text("Waiting list, number 1")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Stop waiting for Tackling hate together").click()
    expect(page.get_by_text("You have left Tackling hate together")).to_be_visible()
    page.context.close()


def test_a_member_subscribes_to_their_own_calendar_by_keyboard(browser, site):
    title = f"Forum {uuid.uuid4().hex[:6]}"
    with site.app.app_context():
        member = db.session.scalar(select(User).where(User.email == "member@example.org"))
        RegistrationFactory(event=EventFactory(title=title), user=member, name=member.name, email=member.email)
        db.session.commit()

    page = browser.new_context(base_url=site.url, viewport={"width": 390, "height": 844}).new_page()
    page.bring_to_front()  # focus is checked: the page must be the browser's active one
    sign_in_with(page, "member@example.org")
    page.goto("/my-events")
    page.get_by_role("button", name="Get my calendar address").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your calendar address is ready")).to_be_visible()
    address = page.get_by_label("Or copy your private calendar address")
    page.bring_to_front()  # again: another test's page may have become the active one since
    address.focus()
    expect(address).to_be_focused()
    check_accessibility(page)
    feed = page.context.request.get(address.input_value())
    assert feed.status == 200 and f"SUMMARY:{title}" in feed.text()
    page.context.close()


def test_choosing_a_session_on_a_phone_shows_what_happened_on_the_screen(browser, site):
    """Issue 20, item 8: the page came back at the programme, with the message
    above the screen; and a session with no place limit had no button."""
    title = f"Conference {uuid.uuid4().hex[:6]}"
    with site.app.app_context():
        member = db.session.scalar(select(User).where(User.email == "member@example.org"))
        event = EventFactory(title=title, capacity=50)
        for n in range(6):  # a long programme, so the buttons are well below the top of a phone's screen
            SessionFactory(event=event, title=f"Talk {n}", capacity=30,
                           starts_at=event.starts_at + timedelta(minutes=10 * n),
                           ends_at=event.starts_at + timedelta(minutes=10 * n + 10))
        SessionFactory(event=event, title="Closing circle", capacity=None, starts_at=event.ends_at - timedelta(
            minutes=30), ends_at=event.ends_at)
        RegistrationFactory(event=event, user=member, name=member.name, email=member.email)
        db.session.commit()

    page = browser.new_context(base_url=site.url, viewport={"width": 390, "height": 844}, is_mobile=True,
                               has_touch=True).new_page()
    sign_in_with(page, "member@example.org")
    page.goto("/my-events")
    page.get_by_role("link", name=f"See your registration for {title}").click()
    expect(page.get_by_text("None chosen yet")).to_be_visible()
    page.get_by_role("button", name="Choose Closing circle").tap()
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("You are signed up for Closing circle")
    expect(banner).to_be_in_viewport()
    expect(page.locator("#your-sessions")).to_contain_text("Closing circle")
    check_accessibility(page)
    page.get_by_role("link", name="Choose sessions in the programme below").tap()
    page.get_by_role("button", name="Leave Closing circle").tap()
    expect(page.get_by_text("You have left Closing circle")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.context.close()
