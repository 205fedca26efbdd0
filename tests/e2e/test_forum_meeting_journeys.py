"""Forum meetings in a real browser: a coordinator schedules a meeting,
publishes minutes and records an action, and a member reads them; a member
sees the youth forum's directory without young members' contacts; every
meetings, announcements and invitations page passes axe."""
import uuid
from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from core.database import utcnow
from core.extensions import db
from core.accounts.models import User
from events.models import Audience, EventKind
from forums.models import ForumCoordinator, ForumKind
from tests.e2e.conftest import check_accessibility, latest_link, sign_in_with
from tests.events.factories import EventFactory
from tests.factories import UserFactory
from tests.forums.factories import ForumFactory, MembershipFactory


def _forum_run_by_second_with_mo_as_member(**fields):
    coordinator = db.session.scalar(select(User).where(User.email == "second@example.org"))
    member = db.session.scalar(select(User).where(User.email == "member@example.org"))
    forum = ForumFactory(name=f"Forum {uuid.uuid4().hex[:6]}", **fields)
    db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
    MembershipFactory(forum=forum, user=member)
    return forum


def test_a_coordinator_publishes_minutes_and_a_member_reads_them(browser, site):
    with site.app.app_context():
        forum = _forum_run_by_second_with_mo_as_member()
        past = EventFactory(title="Autumn meeting", forum_id=forum.id, kind=EventKind.FORUM_MEETING,
                            audience=Audience.FORUM_MEMBERS, starts_at=utcnow() - timedelta(days=7),
                            ends_at=utcnow() - timedelta(days=7, hours=-2))
        db.session.commit()
        forum_id, past_id, forum_name = forum.id, past.id, forum.name

    coordinator = browser.new_context(base_url=site.url).new_page()
    sign_in_with(coordinator, "second@example.org")
    coordinator.goto(f"/forums/{forum_id}")
    coordinator.get_by_role("link", name="Schedule a meeting").click()
    check_accessibility(coordinator)
    coordinator.get_by_role("button", name="Schedule the meeting").click()
    expect(coordinator.locator(".govuk-error-summary")).to_contain_text("Enter the date")
    check_accessibility(coordinator)
    day = date.today() + timedelta(days=14)
    coordinator.get_by_label("Day").first.fill(str(day.day))
    coordinator.get_by_label("Month").first.fill(str(day.month))
    coordinator.get_by_label("Year").first.fill(str(day.year))
    coordinator.get_by_label("Starts at").fill("18:30")
    coordinator.get_by_label("Ends at").fill("20:00")
    coordinator.get_by_label("Venue").select_option(label="Guildhall, NN1 1DE")
    coordinator.get_by_role("button", name="Schedule the meeting").press("Enter")
    expect(coordinator.get_by_text("The meeting has been scheduled")).to_be_visible()
    check_accessibility(coordinator)

    coordinator.goto(f"/forums/{forum_id}/meetings/{past_id}")
    coordinator.get_by_label("Minutes", exact=True).fill("We agreed to hold a **shared meal** in June.")
    coordinator.get_by_role("button", name="Approve and publish the minutes").click()
    expect(coordinator.get_by_text("The minutes are approved and published to members.")).to_be_visible()
    coordinator.get_by_label("Action", exact=True).fill("Book the hall for the shared meal")
    coordinator.get_by_label("Who will do it").select_option(label="Mo Member")
    coordinator.get_by_role("button", name="Add the action").click()
    expect(coordinator.get_by_text("The action has been added.")).to_be_visible()
    check_accessibility(coordinator)
    coordinator.goto(f"/forums/{forum_id}/announcements/new")
    check_accessibility(coordinator)
    coordinator.get_by_label("Subject").fill("Minutes are up")
    coordinator.get_by_label("Message").fill("Read them on the meeting's page.")
    coordinator.get_by_role("button", name="Preview the announcement").click()
    expect(coordinator.get_by_text("1 member gets this email.")).to_be_visible()
    check_accessibility(coordinator)
    coordinator.get_by_role("button", name="Send it to 1 member").click()
    expect(coordinator.get_by_text("on its way to 1 member")).to_be_visible()
    expect(coordinator.locator("progress")).to_have_attribute("value", "1")  # the sending's own page
    check_accessibility(coordinator)
    coordinator.goto(f"/forums/{forum_id}/invitations")
    check_accessibility(coordinator)

    member = browser.new_context(base_url=site.url, viewport={"width": 390, "height": 844}).new_page()
    sign_in_with(member, "member@example.org")
    member.goto(f"/forums/{forum_id}")
    expect(member.get_by_text("Book the hall for the shared meal")).to_be_visible()
    expect(member.get_by_role("heading", name="Minutes are up")).to_be_visible()
    check_accessibility(member)
    member.get_by_role("link", name="Autumn meeting").click()
    expect(member.locator(".app-formatted strong")).to_have_text("shared meal")
    check_accessibility(member)
    member.goto(f"/forums/{forum_id}")
    member.get_by_role("link", name=f"{forum_name} meeting").click()
    member.get_by_label("Message to the coordinators (optional)").fill("Away that week")
    member.get_by_role("button", name="Send apologies").click()
    expect(member.get_by_text("Your apologies have been sent")).to_be_visible()
    check_accessibility(member)

    member.goto(latest_link(site.mail_dir, "member@example.org", "/unsubscribe/"))
    check_accessibility(member)
    member.get_by_role("button", name="Stop these emails").click()
    expect(member.get_by_text("We will no longer send announcements from")).to_be_visible()
    coordinator.context.close()
    member.context.close()


def test_a_member_sees_the_directory_but_not_young_members_contacts(browser, site):
    young_email = f"young-{uuid.uuid4().hex[:6]}@example.org"
    with site.app.app_context():
        forum = _forum_run_by_second_with_mo_as_member(kind=ForumKind.YOUTH, min_age=11, max_age=25)
        young = UserFactory(email=young_email, name="Yasmin Young")
        MembershipFactory(forum=forum, user=young, date_of_birth=date.today().replace(year=date.today().year - 14),
                          parent_name="Carer", parent_email="carer@example.org", share_email=False)
        db.session.commit()
        forum_id = forum.id
    member = browser.new_context(base_url=site.url, viewport={"width": 390, "height": 844}).new_page()
    sign_in_with(member, "member@example.org")
    member.goto(f"/forums/{forum_id}")
    member.get_by_role("link", name="See the other members").click()
    expect(member.get_by_role("cell", name="Yasmin Young")).to_be_visible()
    expect(member.get_by_text(young_email)).to_have_count(0)
    check_accessibility(member)
    member.context.close()
