from seed.reports import seed_demo_reports
from tests.e2e.conftest import sign_in_with

OUT = "/tmp/jobui_aside"


def test_screens(browser, site):
    with site.app.app_context():
        from core.extensions import db
        seed_demo_reports()
        db.session.commit()
    for width in (1280, 390):
        context = browser.new_context(base_url=site.url, viewport={"width": width, "height": 900})
        page = context.new_page()
        sign_in_with(page, "monitor@example.org")
        page.goto("/reports/all")
        page.screenshot(path=f"{OUT}/report_{width}.png")
        page.get_by_role("button", name="PDF report").focus()
        page.locator("button:has-text('PDF report')").screenshot(path=f"{OUT}/pdf_focus_{width}.png")
        page.get_by_role("button", name="PDF report").hover()
        page.get_by_role("link", name="Figures as CSV").locator("..").locator("..").screenshot(path=f"{OUT}/download_hover_{width}.png")
        context.close()
    context = browser.new_context(base_url=site.url, viewport={"width": 320, "height": 700})
    page = context.new_page()
    page.goto("/no-such-page")
    page.screenshot(path=f"{OUT}/error_320.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()
