"""The outcome survey in a real browser: someone who came opens the emailed
link on a phone, answers by keyboard alone and sees the thanks; the
organiser sees the results once the survey has closed with enough answers.
Every page is checked with axe-core, at 390 and 1280 px."""
import re
import secrets
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from core.accounts import services
from core.database import utcnow
from core.extensions import db
from core.models import OutboxMessage
from events.models import Attendance, Event, EventKind, EventStatus, Registration, RegistrationStatus, SurveyAnswer
from events.services.surveys import send_surveys
from tests.e2e.conftest import check_accessibility, sign_in_with

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


def _an_event_someone_came_to(app) -> tuple[int, str]:
    """An event that ended an hour ago, organised by the demo organiser, with one person checked in; the
    survey link emailed to them (its path: the server's address is the live server's)."""
    with app.test_request_context():
        organiser = services.find_user_by_email("organiser@example.org")
        ends = utcnow() - timedelta(hours=1)
        event = Event(title="Cook and share", summary="Bring a dish.", kind=EventKind.COMMUNITY_EVENT,
                      status=EventStatus.PUBLISHED, starts_at=ends - timedelta(hours=2), ends_at=ends,
                      online_url="https://example.org/meet", contact_email="organiser@example.org",
                      organisers=[organiser])
        registration = Registration(event=event, person_key="guest:cook@example.org", name="Chidi Cook",
                                    email="cook@example.org", status=RegistrationStatus.CONFIRMED,
                                    created_at=ends - timedelta(days=3), confirmed_at=ends - timedelta(days=3))
        db.session.add_all([event, registration])
        db.session.flush()
        db.session.add(Attendance(event_id=event.id, registration_id=registration.id))
        send_surveys()
        db.session.commit()
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "cook@example.org"))
        return event.id, re.search(r"https?://[^/\s]+(/survey/\S+)", body).group(1)


def _closed_with_enough_answers(app, event_id: int) -> None:
    """Weeks later: the survey has closed, and enough other people answered, each adding something."""
    with app.app_context():
        event = db.session.get(Event, event_id)
        event.starts_at, event.ends_at = event.starts_at - timedelta(days=40), event.ends_at - timedelta(days=40)
        for _ in range(app.config["REPORT_MINIMUM_RESPONDENTS"]):
            db.session.add(SurveyAnswer(id=secrets.token_hex(16), event_id=event_id,
                                        overall="very_good", met_someone="yes", get_on_well="tend_to_agree",
                                        anything_else="Great food"))
        db.session.commit()


def test_someone_who_came_answers_by_keyboard_and_the_organiser_sees_results(page, site):
    event_id, link = _an_event_someone_came_to(site.app)
    page.set_viewport_size(PHONE)
    page.goto(link)
    expect(page.get_by_role("heading", name="How was the event?")).to_be_visible()
    check_accessibility(page)
    for answer in ("Very good", "Yes", "Tend to agree", "Don't know"):
        page.get_by_role("radio", name=answer, exact=True).first.focus()
        page.keyboard.press("Space")
    page.get_by_label("Is there anything else you would like to tell us? (optional)").fill("Lovely evening")
    page.get_by_role("button", name="Send my answers").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Thank you for your answers")).to_be_visible()
    check_accessibility(page)

    page.goto(link)  # the link again: used
    expect(page.get_by_text("You have already answered this survey")).to_be_visible()
    check_accessibility(page)

    page.set_viewport_size(DESKTOP)
    sign_in_with(page, "organiser@example.org")
    page.goto(f"/manage/events/{event_id}")
    expect(page.get_by_text("1 sent.", exact=False)).to_be_visible()
    expect(page.get_by_text("1 answered")).to_have_count(0)
    page.get_by_role("link", name="Survey results").click()
    expect(page.get_by_text("appear after that date")).to_be_visible()
    check_accessibility(page)

    _closed_with_enough_answers(site.app, event_id)
    page.reload()
    expect(page.get_by_text("Lovely evening")).to_be_visible()
    expect(page.get_by_role("table").filter(has_text="Overall, how good was the event?")).to_contain_text("Very good")
    expect(page.get_by_text("Community Life Survey").first).to_be_visible()
    check_accessibility(page)
    page.set_viewport_size(PHONE)
    check_accessibility(page)
