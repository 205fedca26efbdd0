"""The awards in a real browser: a guest nominates (with the live word
count), confirms by the emailed link, and an administrator screens the
nomination; a judge declares a conflict on one nomination and scores
another; every awards page so far passes axe."""
import uuid

from playwright.sync_api import expect
from sqlalchemy import select

from awards.models import Nomination, NominationStatus, NomineeKind, PanelMember, Score, ScoreSheet
from core.database import utcnow
from core.extensions import db
from core.accounts.models import User
from tests.awards.factories import CategoryFactory, CycleFactory
from tests.e2e.conftest import check_accessibility, latest_link, sign_in_with


def test_a_guest_nominates_and_an_administrator_screens(browser, site):
    with site.app.app_context():
        cycle = CycleFactory(name=f"Community Cohesion Awards {uuid.uuid4().hex[:6]}")
        category = CategoryFactory(cycle=cycle, name="Young Cohesion Champion", min_age=11, max_age=25)
        CategoryFactory(cycle=cycle, name="Unsung Hero")
        db.session.commit()
        cycle_id, cycle_name, category_id = cycle.id, cycle.name, category.id
    guest_email = f"pat-{uuid.uuid4().hex[:6]}@example.org"

    guest = browser.new_context(base_url=site.url, viewport={"width": 390, "height": 844}).new_page()
    guest.goto("/awards")
    check_accessibility(guest)
    guest.get_by_role("link", name=cycle_name).click()
    check_accessibility(guest)
    guest.get_by_role("link", name="Young Cohesion Champion").click()
    check_accessibility(guest)
    guest.get_by_role("link", name="Make a nomination").click()
    guest.get_by_label("Your full name").fill("Pat Neighbour")
    guest.get_by_label("Your email address").fill(guest_email)
    guest.get_by_label("How do you know the nominee?").fill("Neighbour")
    guest.get_by_label("Nominee's name").fill("Amira Hussain")
    guest.get_by_label("Town or area").fill("Corby")
    guest.get_by_label("Nominee's age").fill("30")
    done = guest.get_by_label("What has the nominee done?")
    done.fill(" ".join(["word"] * 22))
    # The design system's live count: its visible message (the screen readers' copy says the same once its
    # pause is over, so matching the text alone found one element or two, by timing).
    expect(guest.locator(".govuk-character-count__status", has_text="You have 2 words too many")).to_be_visible()
    done.fill("Started a homework club for children of five faiths.")
    guest.get_by_label("What difference has it made?").fill("Their parents now plan the summer trip together.")
    guest.get_by_label("Yes, and they agree to be contacted").check()
    guest.get_by_role("button", name="Send nomination").click()
    expect(guest.locator(".govuk-error-summary")).to_contain_text("is for people aged 11 to 25, and the nominee is 30")
    expect(guest.locator(".govuk-error-summary")).to_contain_text("Tick the box to agree")
    check_accessibility(guest)
    guest.get_by_label("Nominee's age").fill("17")
    guest.get_by_label("I agree to the partnership keeping this nomination").check()
    guest.get_by_role("button", name="Send nomination").press("Enter")
    expect(guest.get_by_role("heading", name="Check your email")).to_be_visible()
    check_accessibility(guest)
    guest.goto(latest_link(site.mail_dir, guest_email, "/awards/nominations/link/"))
    check_accessibility(guest)
    guest.get_by_role("button", name="Confirm my nomination").click()
    expect(guest.get_by_text("your nomination is confirmed")).to_be_visible()

    admin = browser.new_context(base_url=site.url).new_page()
    sign_in_with(admin, "admin@example.org")
    admin.goto("/manage/awards")
    check_accessibility(admin)
    admin.get_by_role("link", name=cycle_name).click()
    check_accessibility(admin)
    admin.get_by_role("link", name="Screen nominations").click()
    check_accessibility(admin)
    admin.get_by_role("link", name="Amira Hussain").click()
    check_accessibility(admin)
    admin.get_by_role("button", name="Eligible", exact=True).click()
    expect(admin.get_by_text("Amira Hussain: eligible in Young Cohesion Champion.")).to_be_visible()
    admin.goto(f"/manage/awards/categories/{category_id}/edit")
    check_accessibility(admin)
    admin.goto(f"/manage/awards/{cycle_id}/edit")
    check_accessibility(admin)
    # On a phone the categories table scrolls in its own box: the hidden text of its
    # links ("Panel for ...") once escaped the box and widened the page.
    admin.set_viewport_size({"width": 390, "height": 844})
    admin.goto(f"/manage/awards/{cycle_id}")
    assert admin.evaluate("document.documentElement.scrollWidth") <= 390
    guest.context.close()
    admin.context.close()


def test_a_member_keeps_a_draft_in_my_nominations(browser, site):
    with site.app.app_context():
        category = CategoryFactory(cycle=CycleFactory(name=f"Awards {uuid.uuid4().hex[:6]}"), name="Unsung Hero")
        db.session.commit()
        category_id = category.id
    member = browser.new_context(base_url=site.url).new_page()
    sign_in_with(member, "member@example.org")
    member.goto(f"/awards/categories/{category_id}/nominate")
    check_accessibility(member)
    member.get_by_label("Nominee's name").fill("Grace Okafor")
    member.get_by_role("button", name="Save as draft").click()
    expect(member.get_by_text("Your draft is saved")).to_be_visible()
    check_accessibility(member)
    member.get_by_role("link", name="Continue the nomination of Grace Okafor").click()
    expect(member.get_by_label("Nominee's name")).to_have_value("Grace Okafor")
    member.goto("/my-nominations")
    member.get_by_role("link", name="Withdraw the nomination of Grace Okafor").click()
    expect(member.get_by_role("heading", name="Withdraw your nomination of Grace Okafor?")).to_be_visible()
    check_accessibility(member)
    member.get_by_role("link", name="Cancel").click()
    expect(member.get_by_role("heading", name="My nominations")).to_be_visible()
    member.get_by_role("link", name="Withdraw the nomination of Grace Okafor").click()
    member.get_by_role("button", name="Withdraw the nomination").click()
    expect(member.get_by_text("Your nomination of Grace Okafor has been withdrawn.")).to_be_visible()
    member.context.close()


def test_a_judge_declares_a_conflict_on_one_and_scores_another(browser, site):
    with site.app.app_context():
        cycle = CycleFactory(name=f"Awards {uuid.uuid4().hex[:6]}", judging=True)
        category = CategoryFactory(cycle=cycle, name="Unsung Hero")
        judge = db.session.scalar(select(User).where(User.email == "second@example.org"))
        db.session.add(PanelMember(category_id=category.id, email=judge.email, user_id=judge.id))
        for name in ("Amira Hussain", "Grace Okafor"):
            db.session.add(Nomination(category=category, status=NominationStatus.ELIGIBLE, nominator_name="Pat",
                                      nominator_email="pat@example.org", relationship_to_nominee="Neighbour",
                                      nominee_name=name, nominee_kind=NomineeKind.INDIVIDUAL, nominee_area="Corby"))
        db.session.commit()
        category_id = category.id
    page = browser.new_context(base_url=site.url).new_page()
    sign_in_with(page, "second@example.org")
    page.goto("/judging")
    check_accessibility(page)
    page.get_by_role("link", name="Grace Okafor").click()
    check_accessibility(page)
    page.get_by_label("Close friend").check()
    page.get_by_role("button", name="Declare").click()
    expect(page.get_by_text("this nomination is not yours to judge").first).to_be_visible()
    page.goto("/judging")
    page.get_by_role("link", name="Amira Hussain").click()
    page.get_by_label("No conflict").check()
    page.get_by_role("button", name="Declare").press("Enter")
    expect(page.get_by_text("You can now read and score the nomination")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("group", name="Impact (counts 2 times)").get_by_label("4").check()
    page.get_by_role("button", name="Submit scores").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Score “Reach”")
    page.get_by_role("group", name="Reach").get_by_label("3").check()
    page.get_by_role("button", name="Submit scores").click()
    expect(page.get_by_role("heading", name="Submit your scores for Amira Hussain?")).to_be_visible()
    expect(page.get_by_text("you cannot change them")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Submit scores").click()
    expect(page.get_by_text("Your scores are submitted.")).to_be_visible()
    expect(page.get_by_text("Submitted", exact=True)).to_be_visible()  # on the judging list
    check_accessibility(page)

    admin = browser.new_context(base_url=site.url).new_page()
    sign_in_with(admin, "admin@example.org")
    admin.goto(f"/manage/awards/categories/{category_id}/results")
    expect(admin.get_by_text("Sam Second on Grace Okafor: close friend")).to_be_visible()
    check_accessibility(admin)
    admin.goto(f"/manage/awards/categories/{category_id}/panel")
    check_accessibility(admin)
    page.context.close()
    admin.context.close()


def test_the_administrator_decides_publishes_the_winners_and_prints_certificates(browser, site):
    with site.app.app_context():
        cycle = CycleFactory(name=f"Awards {uuid.uuid4().hex[:6]}", announcing=True)
        category = CategoryFactory(cycle=cycle, name="Unsung Hero")
        nomination = Nomination(category=category, status=NominationStatus.ELIGIBLE, nominator_name="Pat",
                                nominator_email="pat@example.org", relationship_to_nominee="Neighbour",
                                nominee_name="Bernadette Kelly", nominee_kind=NomineeKind.INDIVIDUAL,
                                nominee_area="Northampton")
        judge = db.session.scalar(select(User).where(User.email == "second@example.org"))
        db.session.add(nomination)
        db.session.flush()
        db.session.add(ScoreSheet(nomination_id=nomination.id, judge_id=judge.id, submitted_at=utcnow(), scores=[
            Score(criterion_id=criterion.id, value=5) for criterion in category.criteria]))
        db.session.commit()
        cycle_id, category_id, nomination_id = cycle.id, category.id, nomination.id
    admin = browser.new_context(base_url=site.url, accept_downloads=True).new_page()
    sign_in_with(admin, "admin@example.org")
    admin.goto(f"/manage/awards/nominations/{nomination_id}")
    admin.get_by_role("button", name="Record the decision").click()
    expect(admin.locator(".govuk-error-summary")).to_contain_text("Choose the panel's decision")
    admin.get_by_role("group", name="The panel's decision").get_by_label("Winner").check()
    admin.get_by_role("button", name="Record the decision").click()
    expect(admin.locator(".govuk-error-summary")).to_contain_text("Write the panel's reason")
    check_accessibility(admin)
    admin.get_by_label("Why").fill("Forty years of bringing neighbours together")
    admin.get_by_role("button", name="Record the decision").click()
    expect(admin.get_by_text("Bernadette Kelly: winner.")).to_be_visible()
    admin.goto(f"/manage/awards/{cycle_id}")
    admin.get_by_role("button", name="Publish the shortlist").click()
    expect(admin.get_by_text("The shortlist is published")).to_be_visible()
    admin.get_by_role("button", name="Publish the winners").click()
    expect(admin.get_by_text("The results are published and the decisions are locked.")).to_be_visible()
    check_accessibility(admin)
    with admin.expect_download() as download:
        admin.get_by_role("link", name="Download certificates (PDF)").click()
    assert download.value.suggested_filename == f"certificates-{cycle_id}.pdf"

    public = browser.new_context(base_url=site.url).new_page()
    public.goto(f"/awards/{cycle_id}")
    public.get_by_role("link", name="See the winners").click()
    expect(public.get_by_role("heading", name="The winners")).to_be_visible()
    expect(public.get_by_text("Bernadette Kelly, Northampton")).to_be_visible()
    check_accessibility(public)
    public.goto(f"/awards/{cycle_id}/shortlist")
    check_accessibility(public)
    public.goto(f"/awards/categories/{category_id}/nominate")
    expect(public.get_by_role("heading", name="Nominations are not open")).to_be_visible()
    check_accessibility(public)
    admin.context.close()
    public.context.close()
