"""Organisers' extra registration questions."""
from sqlalchemy import select

from core.extensions import db
from core.accounts.models import User
from events.models import EventQuestion, Registration
from tests.conftest import sign_in, submit
from tests.events.factories import EventFactory


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
