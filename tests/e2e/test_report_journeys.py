"""Equality monitoring and reports in a real browser: a member answers the
questions by keyboard alone; an admin and an equality monitor read the
reports, and the admin uploads a baseline. Every page is checked with axe-core."""
from playwright.sync_api import expect

from core import progress
from core.accounts import services
from core.extensions import db
from seed.reports import seed_demo_reports
from tests.e2e.conftest import check_accessibility, sign_in_with


def test_a_member_answers_the_equality_questions_by_keyboard(page, site):
    sign_in_with(page, "second@example.org")
    page.get_by_role("link", name="Your equality monitoring answers").click()
    expect(page.get_by_text("special category data")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="I agree, continue to the questions").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="About you")).to_be_visible()
    check_accessibility(page)

    # A postcode that is not a district: the message is beside the box and in the summary.
    page.get_by_label("The first half of your postcode").fill("NN1 4AB")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("first half of your postcode")
    check_accessibility(page)

    page.get_by_role("radio", name="25 to 34").focus()
    page.keyboard.press("Space")
    page.get_by_role("radio", name="Asian or Asian British").focus()
    page.keyboard.press("Space")
    page.get_by_role("radio", name="Yes", exact=True).first.focus()
    page.keyboard.press("Space")
    page.get_by_label("The first half of your postcode").fill("nn3")
    page.get_by_role("button", name="Save and continue").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="A little more about you")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("radio", name="Pakistani").focus()
    page.keyboard.press("Space")
    page.get_by_role("radio", name="Yes, a little").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save and continue").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Two more questions")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("radio", name="Prefer not to say").first.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_text("Your answers have been saved")).to_be_visible()
    expect(page.get_by_text("Asian or Asian British: Pakistani")).to_be_visible()
    expect(page.get_by_text("NN3")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("button", name="Delete my answers").click()
    expect(page.get_by_text("Your answers have been deleted")).to_be_visible()
    expect(page.get_by_role("button", name="I agree, continue to the questions")).to_be_visible()


def test_an_admin_and_an_equality_monitor_read_the_reports(page, site, tmp_path):
    """The admin sees head counts and response rates, and why there are no
    breakdowns; the equality monitor sees the breakdowns."""
    with site.app.app_context():
        seed_demo_reports(services.find_user_by_email("organiser@example.org"),
                          services.find_user_by_email("admin@example.org"))
    sign_in_with(page, "admin@example.org")
    page.get_by_role("link", name="Reports").first.click()
    expect(page.get_by_role("heading", name="Diversity reports")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Standing conference: spring review").click()
    expect(page.get_by_role("heading", name="Key findings")).to_be_visible()
    expect(page.get_by_text("equality monitoring team").first).to_be_visible()
    expect(page.locator("svg.app-chart")).to_have_count(0)
    check_accessibility(page)
    page.get_by_role("link", name="How these figures are made and protected").first.click()
    expect(page.get_by_role("heading", name="Every count of answers carries a little noise")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in_with(page, "monitor@example.org")
    page.goto("/reports")
    page.get_by_role("link", name="Standing conference: spring review").click()
    expect(page.locator("svg.app-chart").first).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="All reports").click()
    page.get_by_role("link", name="All events").click()
    page.get_by_text("Change the dates or the baseline").click()
    page.get_by_role("group", name="From").get_by_label("Day").fill("40")
    page.get_by_role("group", name="From").get_by_label("Month").fill("1")
    page.get_by_role("group", name="From").get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Show the report").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("From must be a real date")
    check_accessibility(page)
    page.get_by_role("link", name="Registered, did not come").first.click()
    expect(page.get_by_role("heading", name="At events")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="PDF report").click()  # drawn by the worker: its job's page offers it
    expect(page.get_by_role("status")).to_have_text("Finished. The file is ready to download.")
    expect(page.get_by_text("You can leave this page")).to_be_hidden()
    check_accessibility(page)
    page.reload()  # the page as it is drawn now says what the script said when it finished
    expect(page.get_by_role("status")).to_have_text("Finished. The file is ready to download.")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download diversity-report").click()
    assert download.value.suggested_filename.endswith(".pdf")

    page.goto("/reports")
    page.get_by_role("link", name="Progress report for").first.click()
    check_accessibility(page)  # asking for it: the worker prepares it
    page.get_by_role("button", name="Prepare the progress report for").click()
    expect(page.get_by_role("status")).to_have_text("Finished. The file is ready to download.")
    page.get_by_role("link", name="Go back to where you started this").click()
    expect(page.get_by_role("heading", name="Activity by cohesion priority")).to_be_visible()
    expect(page.get_by_text("Prepared for you on")).to_be_visible()
    check_accessibility(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the progress report (PDF)").click()
    assert download.value.suggested_filename.startswith("progress-report-")
    page.get_by_role("button", name="Sign out").click()

    sign_in_with(page, "admin@example.org")
    page.goto("/admin/open-data")
    check_accessibility(page)
    page.get_by_role("button", name="Publish").first.click()  # the demo published the last quarter
    expect(page.get_by_text("cannot be changed")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("are published as open data")).to_be_visible()
    page.get_by_role("link", name="Open data", exact=True).click()
    expect(page.get_by_role("link", name="(CSV)")).to_have_count(2)
    check_accessibility(page)

    page.goto("/admin/baselines")
    check_accessibility(page)
    bad = tmp_path / "baseline.csv"
    bad.write_text("area,characteristic,category,percent,source\nTestshire,sex,Female,51,S\nTestshire,sex,Male,9,S\n")
    page.get_by_label("Name").fill("Testshire")
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Upload baseline").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("the shares add up to 60, not about 100")
    check_accessibility(page)


def test_a_jobs_page_stops_asking_and_says_so_when_its_reader_is_signed_out(browser, page, site):
    """Signed out in another tab, the page's questions are answered by the
    sign-in page: it says what to do instead of asking forever. Without
    script, the page says to reload it."""
    with site.app.app_context():
        owner = services.find_user_by_email("member@example.org")
        job_id = progress.start_job(owner_id=owner.id, title="A report never queued", back_url="/reports",
                                    makes_file=True).id  # so it stays "being drawn"
        db.session.commit()
    sign_in_with(page, "member@example.org")
    without_script = browser.new_context(base_url=site.url, java_script_enabled=False,
                                         storage_state=page.context.storage_state())
    plain = without_script.new_page()
    plain.goto(f"/jobs/{job_id}")
    expect(plain.get_by_text("Reload this page to see how far it has got.")).to_be_visible()
    without_script.close()

    page.goto(f"/jobs/{job_id}")
    expect(page.locator(".app-without-script")).to_be_hidden()
    asked = []
    page.on("request", lambda request: asked.append(request.url) if request.url.endswith("/progress") else None)
    page.wait_for_timeout(2500)
    assert asked  # it asks while the job runs
    other = page.context.new_page()
    other.goto("/account")
    other.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("Sign in again, then reload this page")
    check_accessibility(page)
    asked_then = len(asked)
    page.wait_for_timeout(4500)  # two more turns of asking, had it not stopped
    assert len(asked) == asked_then
