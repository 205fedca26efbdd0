"""Translated content in a real browser (issue 23): an organiser adds a
Polish version of an event; a visitor who chooses Polski from the menu sees
it, and one who chooses Urdu sees the English marked as English. Every
page is checked with axe-core."""
import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import check_accessibility, sign_in_with
from tests.e2e.test_event_journeys import create_and_publish


def test_an_organiser_adds_a_polish_title_that_a_polish_visitor_sees(browser, site):
    organiser = browser.new_context(base_url=site.url).new_page()
    sign_in_with(organiser, "organiser@example.org")
    title = f"Supper club {uuid.uuid4().hex[:6]}"
    polish = f"Wspólna kolacja {uuid.uuid4().hex[:6]}"
    event_id = create_and_publish(organiser, title, capacity="10")

    organiser.get_by_role("link", name="Add a version in Polish").click()
    expect(organiser.get_by_role("heading", name="Version in Polish")).to_be_visible()
    expect(organiser.locator("html")).to_have_attribute("lang", "en-GB")  # the organiser's language, not the version's
    expect(organiser.get_by_label("Title")).to_have_attribute("lang", "pl")
    check_accessibility(organiser)
    organiser.get_by_label("Title").fill(polish)
    organiser.get_by_role("button", name="Save").click()  # no summary: refused, keeping the title
    expect(organiser.locator(".govuk-error-summary")).to_contain_text("Enter a one-sentence summary")
    expect(organiser.get_by_label("Title")).to_have_value(polish)
    check_accessibility(organiser)
    organiser.get_by_label("Summary").fill("Sąsiedzi różnych kultur jedzą razem")
    organiser.get_by_role("button", name="Save").click()
    expect(organiser.get_by_text("The version in Polish has been saved.")).to_be_visible()
    expect(organiser.get_by_text(polish)).to_have_attribute("lang", "pl")
    check_accessibility(organiser)

    visitor = browser.new_context(base_url=site.url).new_page()
    visitor.goto(f"/events/{event_id}")
    visitor.get_by_role("link", name="Polski").click()
    heading = visitor.get_by_role("heading", level=1)
    expect(heading).to_have_text(polish)
    assert heading.get_attribute("lang") is None  # Polish on a Polish page: the page's own lang says it
    expect(visitor.locator("html")).to_have_attribute("lang", "pl")
    check_accessibility(visitor)
    visitor.goto("/events")
    expect(visitor.get_by_role("link", name=polish)).to_be_visible()
    check_accessibility(visitor)

    visitor.goto(f"/events/{event_id}")
    visitor.locator('a[hreflang="ur"]').click()
    expect(visitor.locator("html")).to_have_attribute("dir", "rtl")
    heading = visitor.get_by_role("heading", level=1)
    expect(heading).to_have_text(title)
    expect(heading).to_have_attribute("lang", "en-GB")
    expect(heading).to_have_attribute("dir", "ltr")
    check_accessibility(visitor)
    organiser.context.close()
    visitor.context.close()
