"""Right-to-left pages (Urdu), in a real browser at a phone's width and a
desktop's: GOV.UK Frontend draws from the left, static/src/_rtl.scss mirrors
it. On every page each element's margins, paddings, borders, floats, text
alignment and offsets are the mirror image of what the same page has left to
right; nothing is wider than the screen; axe-core finds nothing. Then the
pieces people would notice: radios' and checkboxes' boxes on the right of
their labels, the back link's arrow on the right pointing right, the error
bar beside a field on the right, the details' triangle pointing left.

Selectors are the design system's classes, not the words on the page, which
are being translated into Urdu."""
import uuid

import pytest
from core.accounts import services
from core.extensions import db
from core.i18n import COOKIE
from tests.e2e.conftest import PASSWORD, check_accessibility, sign_in_with
from tests.events.factories import EventFactory
from tests.forums.factories import ForumFactory

# For every element (and its ::before and ::after), its computed box with the
# page left to right and then right to left; the elements whose RTL box is not
# the LTR box mirrored. Rotated pseudo-elements (the chevrons and the tick) are
# mirrored by their rotation, checked separately below. An element with a
# `dir` of its own (a language's name in the menu) keeps its direction.
MIRROR_PROBLEMS = """() => {
  const html = document.documentElement;
  const pseudos = ["", "::before", "::after"];
  const elements = [...document.querySelectorAll("body *")].filter(el =>
    el.closest("[dir]") === html && !el.classList.contains("govuk-visually-hidden"));
  const sides = {left: "right", right: "left"};
  const physical = value => ({start: html.dir === "rtl" ? "right" : "left", end: html.dir === "rtl" ? "left" : "right",
                              "inline-start": html.dir === "rtl" ? "right" : "left",
                              "inline-end": html.dir === "rtl" ? "left" : "right"})[value] || value;
  const read = () => elements.map(el => pseudos.map(pseudo => {
    const s = getComputedStyle(el, pseudo || null);
    if (pseudo && (s.content === "none" || s.content === "normal")) return null;
    return {margin: [s.marginLeft, s.marginRight], padding: [s.paddingLeft, s.paddingRight],
            border: [s.borderLeftWidth, s.borderRightWidth], colour: [s.borderLeftColor, s.borderRightColor],
            inset: [s.left, s.right], float: physical(s.float), align: physical(s.textAlign),
            positioned: s.position === "absolute" || s.position === "relative", rotated: s.transform !== "none"};
  }));
  const original = html.dir;
  html.dir = "ltr"; const ltr = read();
  html.dir = "rtl"; const rtl = read();
  html.dir = original;
  const problems = [];
  elements.forEach((el, i) => pseudos.forEach((pseudo, j) => {
    const a = ltr[i][j], b = rtl[i][j];
    if (!a || !b) return;
    const wrong = [];
    const swapped = (name) => a[name][0] === b[name][1] && a[name][1] === b[name][0];
    if (!swapped("margin")) wrong.push("margin " + a.margin + " / " + b.margin);
    if (!swapped("padding")) wrong.push("padding " + a.padding + " / " + b.padding);
    if (!a.rotated && !swapped("border")) wrong.push("border " + a.border + " / " + b.border);
    if (!a.rotated && ((parseFloat(a.border[0]) && a.colour[0] !== b.colour[1])
                       || (parseFloat(a.border[1]) && a.colour[1] !== b.colour[0]))) wrong.push("border colour");
    if ((sides[a.float] || a.float) !== b.float) wrong.push("float " + a.float + " / " + b.float);
    if ((sides[a.align] || a.align) !== b.align) wrong.push("text-align " + a.align + " / " + b.align);
    if (a.positioned && !swapped("inset")) wrong.push("left/right " + a.inset + " / " + b.inset);
    if (wrong.length) problems.push(el.tagName.toLowerCase() + "." + [...el.classList].join(".") + pseudo + ": "
                                    + wrong.join("; "));
  }));
  return [...new Set(problems)];
}"""

RECT = "el => { const r = el.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top}; }"
# An element's ::before: where it is on the screen (placed within the element,
# or within its parent for a radio's or checkbox's label), and how it is drawn.
BEFORE = """(el, inParent) => {
  const s = getComputedStyle(el, "::before"), r = (inParent ? el.parentElement : el).getBoundingClientRect();
  return {left: r.left + parseFloat(s.left), transform: s.transform, clipPath: s.clipPath,
          borderLeft: s.borderLeftWidth, borderRight: s.borderRightWidth};
}"""


@pytest.fixture(scope="module")
def places(site):
    """An event and a forum to look at, and a person of our own for each width (their consent to the
    equality questions is given)."""
    suffix = uuid.uuid4().hex[:6]
    with site.app.app_context():
        event = EventFactory(title=f"Belonging {suffix}")
        forum = ForumFactory(name=f"Faith leaders {suffix}")
        emails = {width: f"rtl-{width}-{suffix}@example.org" for width in (390, 1280)}
        for email in emails.values():
            services.create_user(email=email, name="Rahim Reader", password=PASSWORD)
        db.session.commit()
        return {"event": event.id, "forum": forum.id, "emails": emails}


def in_urdu(page):
    page.context.add_cookies([{"name": COOKIE, "value": "ur", "url": page.url}])


def check_page(page, width):
    """What every right-to-left page must be: marked, mirrored, no wider than the screen, accessible."""
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.dir") == "rtl", page.url
    assert page.evaluate(MIRROR_PROBLEMS) == [], page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    # The service's name is on the right; the language menu to its left, or below it on a phone.
    brand = page.locator(".govuk-generic-header__homepage-link").evaluate(RECT)
    menu = page.locator(".app-language-menu__list").evaluate(RECT)
    container = page.locator(".govuk-generic-header__container").evaluate(RECT)
    assert brand["right"] == pytest.approx(container["right"], abs=1)
    assert menu["right"] <= brand["left"] or menu["top"] > brand["top"]
    check_accessibility(page)


def box_is_right_of_label(page, kind):
    """The drawn circle or box of the first radio or checkbox is right of its label's text."""
    label = page.locator(f".govuk-{kind}__label").first
    text = label.evaluate(RECT)
    drawn = label.evaluate(BEFORE, True)
    assert drawn["left"] >= text["right"] - 1, (kind, drawn, text)


def points_right(transform: str) -> bool:
    """Whether a chevron drawn with its top and right borders, turned by `transform`, points right."""
    a, b, c, d = (float(n) for n in transform[len("matrix("):-1].split(",")[:4])
    return a - c > 0  # where the corner (1, -1) goes


@pytest.mark.parametrize("width", [390, 1280])
def test_pages_mirror_right_to_left(browser, site, places, width):
    page = browser.new_context(base_url=site.url, viewport={"width": width, "height": 900}).new_page()
    page.goto("/")
    in_urdu(page)
    event, forum = places["event"], places["forum"]
    for path in ("/", "/events", f"/events/{event}", "/sign-in", "/forums", f"/forums/{forum}", "/awards", "/cookies"):
        page.goto(path)
        check_page(page, width)

    # The event page: the details' triangle is on the right, pointing left while closed, down when open.
    page.goto(f"/events/{event}")
    summary = page.locator(".govuk-details__summary")
    triangle = summary.evaluate(BEFORE, False)
    summary_box = summary.evaluate(RECT)
    assert triangle["left"] > (summary_box["left"] + summary_box["right"]) / 2
    assert triangle["clipPath"] == "polygon(100% 0%, 0% 50%, 100% 100%)"  # its point at the left
    assert triangle["borderLeft"] == "0px" and float(triangle["borderRight"][:-2]) > 10  # drawn by its right border
    summary.click()
    opened = summary.evaluate(BEFORE, False)
    assert opened["clipPath"] == "polygon(0% 0%, 50% 100%, 100% 0%)"  # its point at the bottom
    text = page.locator(".govuk-details__text")
    assert text.evaluate("el => getComputedStyle(el).borderRightWidth") == "5px"
    assert text.evaluate("el => getComputedStyle(el).borderLeftWidth") == "0px"

    # The table on the cookies page reads from the right: its first column is the rightmost.
    page.goto("/cookies")
    first, second = (page.locator(".govuk-table__header").nth(n).evaluate(RECT) for n in (0, 1))
    assert first["left"] >= second["right"]

    # Registering: the back link's arrow is on the right and points right (back); sent empty, the
    # error bar beside each field is on the right and the error summary's list lines up with its title.
    page.goto(f"/events/{event}/register")
    back = page.locator(".govuk-back-link")
    arrow = back.evaluate(BEFORE, False)
    back_box = back.evaluate(RECT)
    assert arrow["left"] > (back_box["left"] + back_box["right"]) / 2
    assert points_right(arrow["transform"])
    box_is_right_of_label(page, "checkboxes")
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").last.click()
    check_page(page, width)
    group = page.locator(".govuk-form-group--error").first
    assert group.evaluate("el => getComputedStyle(el).borderRightWidth") == "5px"
    assert group.evaluate("el => getComputedStyle(el).borderLeftWidth") == "0px"
    title = page.locator(".govuk-error-summary__title").evaluate(RECT)
    listed = page.locator(".govuk-error-summary__list a").first.evaluate(RECT)
    assert listed["right"] == pytest.approx(title["right"], abs=1)

    page.goto("/sign-up")
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").last.click()
    check_page(page, width)

    # Signed in (through the English form), choosing Urdu from the menu: the account keeps it.
    page.context.clear_cookies()
    sign_in_with(page, places["emails"][width])
    with page.expect_navigation():
        page.get_by_role("button", name="اردو", exact=True).click()
    page.goto("/account")
    check_page(page, width)
    key, value = (page.locator(f".govuk-summary-list__{part}").first.evaluate(RECT) for part in ("key", "value"))
    if width >= 641:
        assert key["left"] >= value["right"] - 1  # the key on the right, its value to its left
    else:
        assert key["right"] == pytest.approx(value["right"], abs=1)  # one above the other, from the right

    page.goto("/about-you")
    check_page(page, width)
    page.locator("form[action$='/about-you/consent'] button").click()
    page.wait_for_url("**/about-you/questions")
    check_page(page, width)
    box_is_right_of_label(page, "radios")
    page.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_staff_screen_is_english_left_to_right_for_a_reader_in_urdu(browser, site, width):
    """Found walking the progress report: an equality monitor reading in Urdu
    got English laid out right to left, "<5" shown as "5>", and Urdu dates
    inside English sentences. Staff screens are English, wholly; the menu
    still marks Urdu as theirs and says, in Urdu, why this page is not."""
    page = browser.new_context(base_url=site.url, viewport={"width": width, "height": 900}).new_page()
    sign_in_with(page, "monitor@example.org")
    if page.locator(".app-language-menu__current").inner_text() != "اردو":  # chosen at the other width already
        with page.expect_navigation():
            page.get_by_role("button", name="اردو", exact=True).click()
    page.goto("/reports/all")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["en-GB", "ltr"]
    assert page.locator(".app-language-menu__current").inner_text() == "اردو"
    assert page.locator(".app-language-menu__staff-note").inner_text() == "عملے کے صفحات انگریزی میں ہیں۔"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    check_accessibility(page)
    page.goto("/events")  # a public page: Urdu, right to left
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.context.close()
