"""Forums in a real browser: a member applies and the coordinator approves;
a young person's parent consents through the emailed link; every forums page
passes axe."""
import uuid
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select, update

from core.extensions import db
from core.accounts.models import User
from core.database import utcnow
from forums.models import ForumCoordinator, ForumKind, Membership
from tests.e2e.conftest import check_accessibility, latest_link, sign_in_with
from tests.forums.factories import ForumFactory


def test_apply_approve_and_the_directory(browser, site):
    name = f"Interfaith forum {uuid.uuid4().hex[:6]}"
    with site.app.app_context():
        forum_id = ForumFactory(name=name, faith_cap=2).id
    member = browser.new_context(base_url=site.url).new_page()
    sign_in_with(member, "member@example.org")
    member.goto("/forums")
    check_accessibility(member)
    member.get_by_role("link", name=name).click()
    check_accessibility(member)
    member.get_by_role("link", name="Apply to join").click()
    member.get_by_role("button", name="Apply to join").click()
    expect(member.locator(".govuk-error-summary")).to_contain_text("Tell the coordinators why you want to join")
    check_accessibility(member)
    member.get_by_label("Why do you want to join?").fill("To bring my community's voice")
    member.get_by_label("Faith community you represent").select_option("buddhist")
    member.get_by_role("button", name="Apply to join").press("Enter")
    expect(member.get_by_text("The coordinators will look at your application")).to_be_visible()

    admin = browser.new_context(base_url=site.url).new_page()
    sign_in_with(admin, "admin@example.org")
    admin.goto(f"/forums/{forum_id}/manage")
    check_accessibility(admin)
    admin.get_by_role("link", name="Mo Member").click()
    check_accessibility(admin)
    admin.get_by_label("Role in the forum").select_option("secretary")
    admin.get_by_role("button", name="Approve").click()
    expect(admin.get_by_text("Mo Member: active, secretary.")).to_be_visible()
    admin.get_by_role("link", name="Mo Member").click()
    admin.get_by_role("button", name="Suspend").click()  # asked first, on a page of its own
    expect(admin.get_by_role("heading", name="Suspend Mo Member?")).to_be_visible()
    check_accessibility(admin)
    admin.get_by_role("link", name="Cancel").click()
    expect(admin.get_by_role("heading", name="Mo Member")).to_be_visible()
    with site.app.app_context():  # a colleague changes their term meanwhile
        db.session.execute(update(Membership).where(Membership.forum_id == forum_id).values(
            term_ends_on=date(date.today().year + 2, 1, 31), updated_at=utcnow()))
        db.session.commit()
    admin.get_by_role("button", name="Save role and term").click()
    refused = admin.get_by_role("alert")  # refused: read out and focused, as a form's errors are
    expect(refused).to_contain_text("This membership changed a moment ago")
    expect(refused).to_be_focused()
    check_accessibility(admin)
    admin.goto(f"/admin/forums/{forum_id}/edit")
    check_accessibility(admin)
    admin.goto("/admin/safeguarding")
    check_accessibility(admin)

    member.goto(f"/forums/{forum_id}/members")
    expect(member.get_by_role("cell", name="Secretary")).to_be_visible()
    check_accessibility(member)
    member.set_viewport_size({"width": 320, "height": 700})  # the directory scrolls in its own box
    member.reload()
    assert member.evaluate("document.documentElement.scrollWidth") <= 320
    member.context.close()
    admin.context.close()


def test_a_young_persons_parent_consents_by_the_emailed_link(browser, site):
    with site.app.app_context():
        second = db.session.scalar(select(User).where(User.email == "second@example.org"))
        forum = ForumFactory(name=f"Youth forum {uuid.uuid4().hex[:6]}", kind=ForumKind.YOUTH, min_age=11,
                             max_age=18)
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=second.id))
        db.session.commit()
        forum_id = forum.id
    parent_email = f"carer-{uuid.uuid4().hex[:6]}@example.org"
    page = browser.new_context(base_url=site.url, viewport={"width": 390, "height": 844}).new_page()
    sign_in_with(page, "member@example.org")
    page.goto(f"/forums/{forum_id}/apply")
    page.get_by_label("Why do you want to join?").fill("I want a say")
    born = date.today().replace(year=date.today().year - 14)
    page.get_by_label("Day").fill(str(born.day))
    page.get_by_label("Month").fill(str(born.month))
    page.get_by_label("Year").fill(str(born.year))
    page.get_by_label("Parent or carer's full name").fill("Sam Carer")
    page.get_by_label("Parent or carer's email address").fill(parent_email)
    page.get_by_role("button", name="Apply to join").click()
    expect(page.get_by_text("We have asked your parent or carer to agree")).to_be_visible()
    check_accessibility(page)

    parent = browser.new_context(base_url=site.url).new_page()
    parent.goto(latest_link(site.mail_dir, parent_email, "/forums/consent/"))
    check_accessibility(parent)
    parent.get_by_role("button", name="Give consent").click()
    expect(parent.locator(".govuk-error-summary")).to_contain_text("Tick the box to agree")
    parent.get_by_label("I agree to them joining the forum").check()
    parent.get_by_role("button", name="Give consent").click()
    expect(parent.get_by_role("heading", name="You have agreed")).to_be_visible()
    check_accessibility(parent)
    page.context.close()
    parent.context.close()
