"""Outcome surveys: who is emailed one (once, in their language), the emailed
link (altered, used, expired), answering, and that an answer cannot be
traced back to the person who gave it."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.database import utcnow
from core.extensions import db
from core.models import OutboxMessage
from events.models import Attendance, EventStatus, SurveyAnswer, SurveyInvitation
from events.services.surveys import send_surveys
from forums.models import ForumKind
from tests.conftest import error_summary, sign_in, submit
from tests.events.factories import EventFactory, RegistrationFactory
from tests.forums.factories import ForumFactory, MembershipFactory

LINK = re.compile(r"https?://[^/\s]+(/survey/[\w-]+)")


def ended_event(**fields):
    return EventFactory(starts_at=utcnow() - timedelta(hours=5), ends_at=utcnow() - timedelta(hours=3), **fields)


def came(event, **fields):
    """Booked before the event and checked in at it."""
    fields.setdefault("created_at", event.starts_at - timedelta(days=3))
    registration = RegistrationFactory(event=event, **fields)
    db.session.add(Attendance(event_id=event.id, registration_id=registration.id))
    db.session.flush()
    return registration


def surveyed() -> dict[str, str]:
    """Each address emailed a survey, and the subject it was sent."""
    return {message.recipient: message.subject for message in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.contains("How was")
                                    | OutboxMessage.subject.contains("Jak")
                                    | OutboxMessage.subject.contains("کیسا")))}


def a_link(app, *, language=None) -> str:
    """A survey link as emailed to someone who came (the path)."""
    with app.test_request_context():
        event = ended_event(title="Iftar")
        came(event, email="came@example.org", language=language)
        send_surveys()
        db.session.commit()
        body = db.session.scalar(select(OutboxMessage.body))
    return LINK.search(body).group(1)


def test_everyone_who_came_is_emailed_once_and_nobody_else(app):
    with app.test_request_context():
        event = ended_event(title="Iftar")
        came(event, email="came@example.org")
        RegistrationFactory(event=event, email="stayed-away@example.org")
        db.session.add(Attendance(event_id=event.id, walk_in_name="Chris"))
        came(ended_event(status=EventStatus.CANCELLED), email="cancelled@example.org")
        came(ended_event(surveys_on=False), email="turned-off@example.org")
        came(EventFactory(), email="not-yet@example.org")
        came(EventFactory(starts_at=utcnow() - timedelta(days=40), ends_at=utcnow() - timedelta(days=39)),
             email="long-ago@example.org")
        assert send_surveys() == 1
        assert send_surveys() == 0  # the hourly job again: nobody twice
        db.session.commit()
        assert surveyed() == {"came@example.org": "How was Iftar?"}
        invitation = db.session.scalar(select(SurveyInvitation))
        assert not invitation.answered and invitation.expires_at > utcnow() + timedelta(days=13)


def test_a_check_in_recorded_after_the_first_sending_is_surveyed_too(app):
    with app.test_request_context():
        event = ended_event()
        came(event, email="first@example.org")
        send_surveys()
        came(event, email="later@example.org")
        assert send_surveys() == 1
        assert set(surveyed()) == {"first@example.org", "later@example.org"}


def test_young_members_protected_by_safeguarding_are_not_surveyed(app):
    with app.test_request_context():
        youth = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=18)
        young = MembershipFactory(forum=youth, date_of_birth=date.today() - timedelta(days=15 * 366)).user
        event = ended_event()
        came(event, user=young, email=young.email, name=young.name)
        came(event, email="adult@example.org")
        assert send_surveys() == 1
        assert set(surveyed()) == {"adult@example.org"}


def test_the_survey_is_written_in_the_language_they_booked_in(app):
    with app.test_request_context():
        event = ended_event(title="Iftar")
        came(event, email="pl@example.org", language="pl")
        came(event, email="ur@example.org", language="ur")
        send_surveys()
        sent = {invitation.registration.email: invitation.language
                for invitation in db.session.scalars(select(SurveyInvitation))}
        assert sent == {"pl@example.org": "pl", "ur@example.org": "ur"}
        subjects = surveyed()
        assert subjects["pl@example.org"] != "How was Iftar?" and "Iftar" in subjects["pl@example.org"]
        assert subjects["ur@example.org"] != "How was Iftar?" and "Iftar" in subjects["ur@example.org"]


def test_no_column_of_an_answer_leads_back_to_the_person():
    columns = {column.name: column for column in SurveyAnswer.__table__.columns}
    assert set(columns) == {"id", "event_id", "overall", "met_someone", "get_on_well", "influence", "anything_else"}
    assert {key.column.table.name for key in SurveyAnswer.__table__.foreign_keys} == {"events"}
    assert not {key.column.table.name for key in SurveyInvitation.__table__.foreign_keys} & {"survey_answers"}


def test_nothing_kept_says_when_someone_answered_so_no_day_matches_an_answer_to_a_person(app):
    """Issue 24: the invitation's day answered and the answer's day matched one person to their answer."""
    path = a_link(app)
    assert submit(app.test_client(), path, {"overall": "poor"}).status_code == 302
    with app.app_context():
        invitation = {column.name: column for column in SurveyInvitation.__table__.columns}
        answer = {column.name: column for column in SurveyAnswer.__table__.columns}
        assert type(invitation["answered"].type).__name__ == "Boolean"
        timed = {name for name, column in {**invitation, **answer}.items()
                 if "date" in repr(column.type).lower()}
        assert timed == {"sent_at", "expires_at"}  # the sending's, the same for everyone sent at once
        assert db.session.scalar(select(SurveyInvitation.answered)) is True


def test_answering_keeps_the_answers_apart_from_the_person_and_uses_up_the_link(app):
    path = a_link(app)
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and "How was the event?" in page.get_data(as_text=True)
    assert "with no record of when you answered" in page.get_data(as_text=True)
    sent = submit(client, path, {"overall": "very_good", "met_someone": "yes", "get_on_well": "tend_to_agree",
                                 "anything_else": "More of these, please"})
    assert sent.status_code == 302 and "/survey/thanks" in sent.location
    assert "Thank you for your answers" in client.get(sent.location).get_data(as_text=True)
    with app.app_context():
        answer = db.session.scalar(select(SurveyAnswer))
        assert (answer.overall, answer.met_someone, answer.get_on_well, answer.influence) == (
            "very_good", "yes", "tend_to_agree", None)
        assert len(answer.id) == 32 and not answer.id.isdigit()
        assert db.session.scalar(select(SurveyInvitation.answered)) is True
    again = client.get(path)
    assert again.status_code == 400 and "already answered this survey" in again.get_data(as_text=True)
    # Its help is about the survey's link, not an account's.
    assert "password reset" not in again.get_data(as_text=True)
    assert "If you need a new link, write to the partnership" in again.get_data(as_text=True)


def test_every_question_may_be_left_unanswered(app):
    path = a_link(app)
    client = app.test_client()
    assert submit(client, path, {}).status_code == 302
    with app.app_context():
        answer = db.session.scalar(select(SurveyAnswer))
        assert (answer.overall, answer.get_on_well, answer.anything_else) == (None, None, "")


def test_an_answer_not_on_the_list_is_refused_beside_its_question_and_the_rest_kept(app):
    path = a_link(app)
    client = app.test_client()
    refused = submit(client, path, {"overall": "dreadful", "anything_else": "Lovely tea"})
    assert refused.status_code == 200
    assert error_summary(refused) == [("#overall", "Choose an answer from the list")]
    assert "Lovely tea" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(SurveyAnswer)) is None
        assert db.session.scalar(select(SurveyInvitation.answered)) is False


def test_a_second_answer_sent_at_once_through_one_link_is_refused(app):
    path = a_link(app)
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).get_data(as_text=True))
    data = {"csrf_token": token.group(1), "overall": "good"}
    assert client.post(path, data=data).status_code == 302
    assert client.post(path, data=data).status_code == 400  # the page's form, sent again
    with app.app_context():
        assert len(db.session.scalars(select(SurveyAnswer)).all()) == 1


@pytest.mark.parametrize("altered", ["x", "not-a-token", "A" * 43])
def test_an_altered_link_shows_nothing_of_anyone(app, altered):
    a_link(app)
    page = app.test_client().get(f"/survey/{altered}")
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "Iftar" not in text and "not valid" in text


def test_an_expired_link_says_the_survey_has_closed(app):
    path = a_link(app)
    with app.app_context():
        invitation = db.session.scalar(select(SurveyInvitation))
        invitation.sent_at, invitation.expires_at = utcnow() - timedelta(days=20), utcnow() - timedelta(minutes=1)
        db.session.commit()
    page = app.test_client().get(path)
    assert page.status_code == 400 and "This survey has closed" in page.get_data(as_text=True)


def test_the_page_is_in_the_language_of_the_email_unless_the_browser_chose_one(app):
    path = a_link(app, language="pl")
    client = app.test_client()
    assert 'lang="pl"' in client.get(path).get_data(as_text=True)
    client.set_cookie("language", "en")
    assert 'lang="en-GB"' in client.get(path).get_data(as_text=True)


def test_an_organiser_turns_the_survey_off_and_nobody_is_emailed(app, make_user):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        from core.accounts.models import User
        event = ended_event(organisers=[db.session.get(User, organiser.id)])
        came(event, email="came@example.org")
        db.session.commit()
        event_id = event.id
    client = app.test_client()
    sign_in(client, organiser)
    page = f"/manage/events/{event_id}"
    assert "Turn the survey off" in client.get(page).get_data(as_text=True)
    turned = submit(client, f"/manage/events/{event_id}/surveys/off", form_url=page, follow_redirects=True)
    assert "The outcome survey is off" in turned.get_data(as_text=True)
    with app.test_request_context():
        assert send_surveys() == 0
    assert "Turn the survey on" in client.get(page).get_data(as_text=True)



def test_a_member_sees_the_surveys_sent_to_them_in_their_data_and_old_ones_are_removed(app, make_user):
    from core.accounts.models import User
    from core.privacy.retention import apply
    member = make_user(name="Ben Carter")
    with app.test_request_context():
        account = db.session.get(User, member.id)
        came(ended_event(title="Iftar"), user=account, email=account.email, name=account.name)
        send_surveys()
        db.session.commit()
    client = app.test_client()
    sign_in(client, member)
    text = client.get("/account/your-data").get_data(as_text=True)
    assert ">Outcome surveys emailed to you</h2>" in text and "Iftar" in text
    with app.test_request_context():
        apply(utcnow() + timedelta(days=200))
        assert db.session.scalar(select(SurveyInvitation)) is None


def test_the_number_answered_is_shown_only_once_the_survey_has_closed(app, make_user):
    """Issue 24: a live "M answered" told an organiser watching it when a given person answered."""
    organiser = make_user(roles=["organiser"])
    path = a_link(app)
    assert submit(app.test_client(), path, {"overall": "poor"}).status_code == 302
    with app.app_context():
        event_id = db.session.scalar(select(SurveyInvitation.event_id))
    client = app.test_client()
    sign_in(client, organiser)
    with app.app_context():
        from core.accounts.models import User
        from events.models import Event
        event = db.session.get(Event, event_id)
        event.organisers.append(db.session.get(User, organiser.id))
        db.session.commit()
    for page in (f"/manage/events/{event_id}", f"/reports/event/{event_id}/survey"):
        text = client.get(page).get_data(as_text=True)
        assert "1 sent" in text and "answered" in text and "1 answered" not in text and "0 answered" not in text
        assert "appear after that date if at least 10 people" in text
    with app.app_context():
        event = db.session.get(Event, event_id)
        event.starts_at, event.ends_at = event.starts_at - timedelta(days=40), event.ends_at - timedelta(days=40)
        db.session.commit()
    for page in (f"/manage/events/{event_id}", f"/reports/event/{event_id}/survey"):
        assert "1 sent, 1 answered" in client.get(page).get_data(as_text=True)


def test_only_people_checked_in_on_a_confirmed_booking_made_before_the_event_are_surveyed(app, make_user):
    """Issue 24: an organiser imported 25 addresses they control as past attendees, answered with a known
    spread, and read one real person's answer off the results. Imported attendance and bookings never
    confirmed get no survey."""
    from events.imports import _apply as import_past_attendance
    from events.models import Registration, RegistrationStatus
    from core.accounts.models import User
    organiser = make_user(roles=["organiser"])
    with app.test_request_context():
        event = ended_event(organisers=[db.session.get(User, organiser.id)])
        came(event, email="real@example.org")
        came(event, email="unconfirmed@example.org", status=RegistrationStatus.PENDING, confirmed_at=None)
        rows = [{"name": f"Sock {n}", "email": f"sock{n}@example.org", "people": 1,
                 "checked_in_at": event.starts_at} for n in range(3)]
        import_past_attendance(event, rows, actor=db.session.get(User, organiser.id), email_people=False)
        assert db.session.scalar(select(func.count(Registration.id)).join(Attendance)) == 5
        assert send_surveys() == 1
        assert set(surveyed()) == {"real@example.org"}
