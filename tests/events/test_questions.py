"""Organisers' extra registration questions."""
import pytest
from sqlalchemy import func, select

from core.database import write_lock
from core.extensions import db
from core.accounts.models import User
from events.models import EventQuestion, QuestionKind, Registration, RegistrationAnswer
from events.services import questions as registration_questions
from events.services.errors import EventRuleBroken
from tests.conftest import sign_in, submit
from tests.events.factories import EventFactory, RegistrationFactory


def text_of(response):
    return response.get_data(as_text=True)


def test_organiser_adds_questions_and_registrants_answer_them(app, client, make_user):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        event_id = EventFactory(organisers=[db.session.get(User, organiser.id)]).id
    sign_in(client, organiser)
    url = f"/manage/events/{event_id}/questions"
    one_option = submit(client, url, {"label": "Which workshop?", "kind": "choice", "options": "Only one"})
    assert "Give between 2 and 20 answers to choose from" in text_of(one_option)
    submit(client, url, {"label": "Which workshop?", "kind": "choice", "options": "Faith\nYouth\n", "required": "y"})
    submit(client, url, {"label": "Need a lift from the station?", "kind": "yes_no"})
    submit(client, url, {"label": "Anything else?", "kind": "text"})
    with app.app_context():
        ids = {q.label: q.id for q in db.session.scalars(select(EventQuestion))}

    guest = app.test_client()
    form = text_of(guest.get(f"/events/{event_id}/register"))
    assert "Which workshop?" in form and "Need a lift from the station? (optional)" in form
    missing = submit(guest, f"/events/{event_id}/register", {"name": "Zara", "email": "zara@example.org"})
    assert "Answer the question: Which workshop?" in text_of(missing)
    assert f'href="#question_{ids["Which workshop?"]}"' in text_of(missing)
    invented = submit(guest, f"/events/{event_id}/register", {
        "name": "Zara", "email": "zara@example.org", f"question_{ids['Which workshop?']}": "Cooking"})
    assert "Choose an answer from the list" in text_of(invented)
    with app.app_context():
        assert db.session.scalar(select(Registration)) is None
    submit(guest, f"/events/{event_id}/register", {
        "name": "Zara", "email": "zara@example.org", f"question_{ids['Which workshop?']}": "Youth",
        f"question_{ids['Need a lift from the station?']}": "Yes"})
    csv = client.get(f"/manage/events/{event_id}/registrations.csv").get_data().decode("utf-8-sig")
    header, row = csv.splitlines()[:2]
    assert header.endswith("Which workshop?,Need a lift from the station?,Anything else?")
    assert row.endswith("Youth,Yes,")


def answered_question(app, organiser, answers: int):
    """An event of `organiser`'s asking "Which workshop interests you?", answered by `answers` people."""
    with app.app_context():
        event = EventFactory(organisers=[db.session.get(User, organiser.id)])
        question = EventQuestion(event_id=event.id, label="Which workshop interests you?", kind=QuestionKind.TEXT)
        db.session.add(question)
        db.session.flush()
        for _ in range(answers):
            RegistrationFactory(event=event, answers=[RegistrationAnswer(question_id=question.id, value="Youth")])
        db.session.commit()
        return event.id, question.id


def answers_to(app, question_id):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(RegistrationAnswer)
                                 .where(RegistrationAnswer.question_id == question_id))


def test_removing_a_question_people_have_answered_asks_first_and_says_their_answers_go(app, client, make_user):
    """Found walking the site: Remove deleted the question and everyone's
    answers to it without a word, where removing a session asks first."""
    organiser = make_user(roles=["organiser"])
    event_id, question_id = answered_question(app, organiser, answers=2)
    sign_in(client, organiser)
    page = f"/manage/events/{event_id}/questions"
    asking, removing = f"{page}/{question_id}/remove", f"{page}/{question_id}/delete"
    assert f'<a href="{asking}"' in text_of(client.get(page))  # a link to a page that asks, not a button that removes
    asked = text_of(client.get(asking))
    assert "Remove the question “Which workshop interests you?”?" in asked
    assert "2 people have answered it. Their answers are deleted with the question" in asked
    assert answers_to(app, question_id) == 2  # asking changes nothing
    unasked = submit(client, removing, form_url=page)  # the list's old button: removes nothing, asks
    assert unasked.status_code == 302 and unasked.location == asking and answers_to(app, question_id) == 2
    removed = submit(client, removing, {"answers": "2"}, form_url=asking, follow_redirects=True)
    assert "The question has been removed, with the 2 answers to it." in text_of(removed)
    assert "Which workshop interests you?" not in text_of(removed) and answers_to(app, question_id) == 0
    with app.app_context():
        assert db.session.get(EventQuestion, question_id) is None


def test_a_question_answered_since_the_page_was_shown_is_not_removed(app, client, make_user):
    organiser = make_user(roles=["organiser"])
    event_id, question_id = answered_question(app, organiser, answers=1)
    sign_in(client, organiser)
    asking = f"/manage/events/{event_id}/questions/{question_id}/remove"
    assert "1 person has answered it. Their answer is deleted" in text_of(client.get(asking))
    with app.app_context():
        RegistrationFactory(event_id=event_id, answers=[RegistrationAnswer(question_id=question_id, value="Faith")])
        db.session.commit()
    refused = submit(client, f"/manage/events/{event_id}/questions/{question_id}/delete", {"answers": "1"},
                     form_url=asking, follow_redirects=True)
    assert "more people have answered this question" in text_of(refused)
    assert "2 people have answered it" in text_of(refused) and answers_to(app, question_id) == 2


def test_a_question_nobody_has_answered_is_removed_at_once(app, client, make_user):
    organiser = make_user(roles=["organiser"])
    event_id, question_id = answered_question(app, organiser, answers=0)
    sign_in(client, organiser)
    page = f"/manage/events/{event_id}/questions"
    removed = submit(client, f"{page}/{question_id}/delete", form_url=page, follow_redirects=True)
    assert "The question has been removed." in text_of(removed)
    with app.app_context():
        assert db.session.get(EventQuestion, question_id) is None


def test_a_question_goes_only_with_the_answers_the_organiser_was_told_of(app, make_user):
    organiser = make_user(roles=["organiser"])
    _, question_id = answered_question(app, organiser, answers=2)
    with app.test_request_context(), write_lock(every_transaction=True):
        question, actor = db.session.get(EventQuestion, question_id), db.session.get(User, organiser.id)
        for told in (0, 1):
            with pytest.raises(EventRuleBroken, match="more people have answered this question"):
                registration_questions.delete_question(question, answers_seen=told, actor=actor)
        assert registration_questions.answer_count(question) == 2
        assert registration_questions.delete_question(question, answers_seen=2, actor=actor) == 2
        assert db.session.get(EventQuestion, question_id) is None
        assert not db.session.scalars(select(RegistrationAnswer)
                                      .where(RegistrationAnswer.question_id == question_id)).all()
