"""The standing conference's programme: sessions, sign-up, clashes and capacity."""
import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from core.database import london_datetime, utcnow, write_lock
from core.extensions import db
from core.formatting import format_date_time_range, format_time_range
from core.models import OutboxMessage
from events.services.errors import EventRuleBroken, RegistrationClosed, SessionClash
from events.services.programme import (
    SessionDetails, delete_session, join_session, leave_session, programme, save_session, session_queue_positions,
    session_signup_counts, sessions_chosen,
)
from events.services.registration import cancel_registration
from events.services.registration_links import registration_token
from events.services.scheduling import cancel_event
from events.models import ProgrammeSession, RegistrationStatus, SessionSignup
from tests.conftest import sign_in, submit
from tests.events.factories import EventFactory, RegistrationFactory, SessionFactory
from tests.events.test_concurrency import all_at_once, link_job
from tests.live_server import live_server


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def test_clashing_sessions_are_refused_with_the_reason(ctx):
    event = EventFactory()
    morning = SessionFactory(event=event, title="Faith and food", starts_at=event.starts_at,
                             ends_at=event.starts_at + timedelta(hours=1))
    overlapping = SessionFactory(event=event, title="Young voices", starts_at=event.starts_at + timedelta(minutes=30),
                                 ends_at=event.starts_at + timedelta(hours=1, minutes=30))
    after = SessionFactory(event=event, title="Closing", starts_at=overlapping.ends_at,
                           ends_at=overlapping.ends_at + timedelta(minutes=30))
    registration = RegistrationFactory(event=event)
    join_session(registration, morning)
    with pytest.raises(SessionClash, match=re.escape(
            f"Young voices clashes with Faith and food ({format_time_range(morning.starts_at, morning.ends_at)})")):
        join_session(registration, overlapping)
    join_session(registration, after)  # back to back is not a clash
    leave_session(registration, morning)
    join_session(registration, overlapping)
    assert {s.title for s in sessions_chosen(registration)} == {"Young voices", "Closing"}


def test_unbooked_people_cannot_choose_sessions(ctx):
    event = EventFactory()
    waiting = RegistrationFactory(event=event, status=RegistrationStatus.WAITLISTED, confirmed_at=None)
    with pytest.raises(EventRuleBroken, match="once your place at the event is booked"):
        join_session(waiting, SessionFactory(event=event))


def _titles(sessions):
    return {session.title for session in sessions}


def mail_to(address):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                              .order_by(OutboxMessage.id)).all()


def test_a_full_session_queues_people_and_a_freed_place_goes_to_the_first(ctx):
    event = EventFactory()
    session = SessionFactory(event=event, capacity=1, title="Faith and food")
    holder, first, second = (RegistrationFactory(event=event) for _ in range(3))
    assert not join_session(holder, session).waiting
    assert join_session(first, session).waiting
    assert join_session(second, session).waiting
    assert session_queue_positions(second) == {session.id: 2}
    assert session_signup_counts([session.id]) == {session.id: 1}
    assert session_signup_counts([session.id], waiting=True) == {session.id: 2}

    leave_session(holder, session)
    assert _titles(sessions_chosen(first)) == {"Faith and food"}
    assert session_queue_positions(second) == {session.id: 1}
    assert [m.subject for m in mail_to(first.email)] == ["You have a place: Faith and food"]
    assert mail_to(second.email) == []


def test_a_place_coming_free_moves_a_waiting_person_out_of_the_clashing_session(ctx):
    event = EventFactory()
    popular = SessionFactory(event=event, capacity=1, title="Young voices")
    fallback = SessionFactory(event=event, capacity=1, title="Walking tour")  # same time
    holder, mover, next_in_line = (RegistrationFactory(event=event) for _ in range(3))
    join_session(holder, popular)
    join_session(mover, fallback)
    join_session(mover, popular)  # full, so waiting: allowed although it clashes
    join_session(next_in_line, fallback)

    cancel_registration(holder, actor=None)

    assert _titles(sessions_chosen(mover)) == {"Young voices"}
    assert _titles(sessions_chosen(next_in_line)) == {"Walking tour"}
    [moved] = mail_to(mover.email)
    assert moved.subject == "You have a place: Young voices" and 'taken you out of "Walking tour"' in moved.body


def test_more_places_in_a_session_go_to_the_waiting_list(ctx):
    event = EventFactory()
    session = SessionFactory(event=event, capacity=1)
    people = [RegistrationFactory(event=event) for _ in range(3)]
    for person in people:
        join_session(person, session)
    save_session(event, session, SessionDetails(
        title=session.title, starts_at=session.starts_at, ends_at=session.ends_at, capacity=2), actor=None)
    assert [bool(sessions_chosen(person)) for person in people] == [True, True, False]


def test_sessions_must_sit_within_the_event(ctx):
    event = EventFactory()
    with pytest.raises(EventRuleBroken, match=re.escape(
            f"within the event: {format_date_time_range(event.starts_at, event.ends_at)}")):
        save_session(event, None, SessionDetails(
            title="Too late", starts_at=event.ends_at, ends_at=event.ends_at + timedelta(hours=1)), actor=None)
    assert programme(event) == []


def test_organiser_builds_the_programme_and_an_attendee_chooses_sessions(app, client, make_user, outbox):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        from core.accounts.models import User
        # Ten in the morning, so the sessions below end on the same day whatever the time now.
        start = london_datetime(date.today() + timedelta(days=7), time(10))
        event = EventFactory(organisers=[db.session.get(User, organiser.id)], title="Standing Conference",
                             starts_at=start, ends_at=start + timedelta(hours=3))
        day = event.starts_at
        event_id = event.id
    sign_in(client, organiser)
    from core.database import in_london
    local = in_london(day)
    date_parts = [str(local.day), str(local.month), str(local.year)]
    for title, start, end in (("Opening", local, local + timedelta(hours=1)),
                              ("Workshop A", local + timedelta(hours=1), local + timedelta(hours=2)),
                              ("Workshop B", local + timedelta(hours=1), local + timedelta(hours=2))):
        response = submit(client, f"/manage/events/{event_id}/programme/new", {
            "title": title, "start_date": date_parts, "start_time": start.strftime("%H:%M"),
            "end_time": end.strftime("%H:%M"), "room": "Main hall", "capacity": "20"})
        assert response.status_code == 302, response.get_data(as_text=True)
    bad = submit(client, f"/manage/events/{event_id}/programme/new", {
        "title": "Backwards", "start_date": date_parts, "start_time": "11:00", "end_time": "10:00"})
    assert "The session must end after it starts" in bad.get_data(as_text=True)
    page = app.test_client().get(f"/events/{event_id}").get_data(as_text=True)
    assert page.index("Opening") < page.index("Workshop A") and "20 of 20 places left" in page

    attendee = app.test_client()
    submit(attendee, f"/events/{event_id}/register", {"name": "Ade", "email": "ade@example.org"})
    link = re.search(r"http://localhost(/registrations/[^/\s#]+)", outbox[-1].body).group(1)
    with app.app_context():
        ids = {s.title: s.id for s in db.session.scalars(select(ProgrammeSession))}
    submit(attendee, f"{link}/sessions/{ids['Workshop A']}/join", form_url=link)
    clash = submit(attendee, f"{link}/sessions/{ids['Workshop B']}/join", form_url=link)
    assert "Workshop B clashes with Workshop A" in attendee.get(clash.location).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SessionSignup)) == 1


def test_a_session_never_takes_more_than_its_places(app, database_url):
    with app.app_context():
        event = EventFactory(capacity=50)
        session_id = SessionFactory(event=event, capacity=3).id
        registrations = [RegistrationFactory(event=event) for _ in range(12)]
        with app.test_request_context():
            tokens = [registration_token(r) for r in registrations]

    with live_server(database_url) as base_url:
        results = all_at_once([link_job(base_url, token, f"sessions/{session_id}/join", on_page=f"/registrations/{token}") for token in tokens])
    assert [status for status, _ in results] == [302] * 12
    with app.app_context():
        signups = db.session.scalars(select(SessionSignup)).all()
    assert len(signups) == 12 and sum(not signup.waiting for signup in signups) == 3


def test_places_given_up_at_once_each_go_to_one_waiting_person(app, database_url):
    with app.app_context():
        event = EventFactory(capacity=50)
        session = SessionFactory(event=event, capacity=3)
        holders = [RegistrationFactory(event=event) for _ in range(3)]
        waiting = [RegistrationFactory(event=event) for _ in range(5)]
        with app.test_request_context(), write_lock(every_transaction=True):
            for person in holders + waiting:
                join_session(person, session)
            db.session.commit()
            tokens = [registration_token(r) for r in holders]
        waiting_ids = [r.id for r in waiting]
        session_id = session.id

    with live_server(database_url) as base_url:
        results = all_at_once([link_job(base_url, token, f"sessions/{session_id}/leave", on_page=f"/registrations/{token}") for token in tokens])
    assert [status for status, _ in results] == [302] * 3
    with app.app_context():
        placed = db.session.scalars(select(SessionSignup.registration_id).where(
            SessionSignup.waiting.is_(False)).order_by(SessionSignup.registration_id)).all()
    assert placed == waiting_ids[:3]


def test_the_registration_page_offers_a_full_sessions_waiting_list(app, client):
    with app.test_request_context(), write_lock(every_transaction=True):
        event = EventFactory()
        session = SessionFactory(event=event, capacity=1, title="Young voices")
        join_session(RegistrationFactory(event=event), session)
        db.session.commit()
        link = f"/registrations/{registration_token(RegistrationFactory(event=event))}"
        session_id = session.id
    assert "Join waiting list<span class=\"govuk-visually-hidden\"> for Young voices" in client.get(link).get_data(
        as_text=True)
    response = submit(client, f"{link}/sessions/{session_id}/join", form_url=link, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Young voices is full, so you are on its waiting list" in page
    assert "Waiting list, number 1" in page
    submit(client, f"{link}/sessions/{session_id}/leave", form_url=link)
    assert "Waiting list, number" not in client.get(link).get_data(as_text=True)


# --- choosing sessions: what the person sees (issue 20, item 8) ---------------------------

def test_a_session_without_a_place_limit_can_be_chosen_from_the_registration_page(app, client):
    with app.test_request_context(), write_lock(every_transaction=True):
        event = EventFactory()
        open_to_all = SessionFactory(event=event, capacity=None, title="Welcome and tea")
        link = f"/registrations/{registration_token(RegistrationFactory(event=event))}"
        session_id = open_to_all.id
        db.session.commit()
    page = client.get(link).get_data(as_text=True)
    assert "Choose<span class=\"govuk-visually-hidden\"> Welcome and tea" in page
    response = submit(client, f"{link}/sessions/{session_id}/join", form_url=link, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "You are signed up for Welcome and tea." in page
    assert "Leave<span class=\"govuk-visually-hidden\"> Welcome and tea" in page
    with app.app_context():
        assert db.session.scalars(select(SessionSignup.waiting)).all() == [False]


def test_after_choosing_a_session_the_page_opens_where_the_banner_says_so(app, client):
    """Landing on #programme put the banner above the screen: the page opens at
    its top, the banner first, then the summary listing the person's sessions."""
    with app.test_request_context(), write_lock(every_transaction=True):
        event = EventFactory()
        talk = SessionFactory(event=event, title="Faith and food", capacity=5)
        full = SessionFactory(event=event, title="Young voices", capacity=1,
                              starts_at=talk.ends_at, ends_at=talk.ends_at + timedelta(hours=1))
        join_session(RegistrationFactory(event=event), full)
        link = f"/registrations/{registration_token(RegistrationFactory(event=event))}"
        ids = talk.id, full.id
        db.session.commit()
    assert "None chosen yet" in client.get(link).get_data(as_text=True)
    for session_id in ids:
        response = submit(client, f"{link}/sessions/{session_id}/join", form_url=link)
        assert response.status_code == 302 and response.location == link  # no #fragment: the top of the page
    page = client.get(link).get_data(as_text=True)
    banner, summary = page.index("govuk-notification-banner--success"), page.index('id="your-sessions"')
    assert banner < summary < page.index('id="programme"')
    assert "Young voices is full, so you are on its waiting list" in page[banner:summary]
    yours = page[summary:page.index("</dd>", summary)]
    assert "Faith and food" in yours and "Waiting list for Young voices, number 1" in yours
    assert 'href="#programme"' in page[summary:page.index('id="programme"')]


def test_the_booking_email_and_page_say_sessions_can_be_chosen_when_there_is_a_programme(
        app, client, make_user, outbox):
    member = make_user()
    with app.app_context():
        with_programme, without = EventFactory(title="Standing Conference"), EventFactory(title="Supper club")
        SessionFactory(event=with_programme, capacity=None, title="Opening")
        db.session.commit()
        ids = with_programme.id, without.id
    sign_in(client, member)
    pages = [submit(client, f"/events/{event_id}/register", {}).get_data(as_text=True) for event_id in ids]
    emails = [message.body for message in outbox if message.subject.startswith("You're booked")]
    assert "Choose the sessions you would like to go to" in pages[0]
    assert re.search(r'href="http://localhost/registrations/[^"#]+#programme"', pages[0])
    assert "Choose the ones you would like to go to:\nhttp://localhost/registrations/" in emails[0]
    assert "programme" not in pages[1] and "programme" not in emails[1]


def test_removing_a_session_tells_everyone_in_it_or_waiting_for_it(ctx):
    event = EventFactory()
    session = SessionFactory(event=event, capacity=1, title="Pottery")
    chose, waits, elsewhere = (RegistrationFactory(event=event) for _ in range(3))
    join_session(chose, session)
    join_session(waits, session)
    assert delete_session(session, actor=None) == 2
    assert "no longer signed up for it" in mail_to(chose.email)[0].body
    assert "no longer on its waiting list" in mail_to(waits.email)[0].body
    assert mail_to(elsewhere.email) == [] and programme(event) == []


def test_removing_a_session_asks_first_and_says_who_will_be_emailed(app, client, make_user, outbox):
    organiser = make_user(roles=["organiser"])
    with app.test_request_context(), write_lock(every_transaction=True):
        from core.accounts.models import User
        event = EventFactory(organisers=[db.session.get(User, organiser.id)])
        session = SessionFactory(event=event, capacity=2, title="Pottery")
        for _ in range(3):
            join_session(RegistrationFactory(event=event), session)
        db.session.commit()
        page_url = f"/manage/events/{event.id}/programme/{session.id}/delete"
        programme_url = f"/manage/events/{event.id}/programme"
    sign_in(client, organiser)
    assert f'href="{page_url}"' in client.get(programme_url).get_data(as_text=True)
    page = client.get(page_url).get_data(as_text=True)
    assert "Remove Pottery from the programme?" in page
    assert "2 people chose this session and 1 person is waiting for a place in it" in page
    assert "govuk-button--warning" in page and "This cannot be undone" in page
    with app.app_context():  # asking changed nothing
        assert db.session.get(ProgrammeSession, session.id) is not None and outbox == []
    assert client.post(page_url, data={}).status_code == 400  # the button needs the form's token
    response = submit(client, page_url)
    assert response.status_code == 302 and response.location == programme_url
    assert "Pottery has been taken out of the programme and the 3 people in it or waiting for it have been emailed" \
        in client.get(programme_url).get_data(as_text=True)
    assert sorted(message.subject for message in outbox) == ["Session cancelled: Pottery"] * 3


def test_a_place_given_up_at_a_cancelled_event_moves_nobody_into_its_sessions(ctx):
    event = EventFactory()
    session = SessionFactory(event=event, capacity=1, title="Pottery")
    holder, waiting = RegistrationFactory(event=event), RegistrationFactory(event=event)
    join_session(holder, session)
    join_session(waiting, session)
    cancel_event(event, actor=None, reason="The hall flooded.")
    cancel_registration(holder, actor=None)
    assert sessions_chosen(waiting) == []
    assert not [m for m in mail_to(waiting.email) if m.subject.startswith("You have a place")]


@pytest.mark.parametrize("off", ["cancelled", "over"])
def test_leaving_a_session_of_an_event_that_is_off_or_over_moves_nobody_in(ctx, off):
    """Leaving a session by the emailed link after the event was cancelled
    moved the next person waiting in, took them out of the session they had
    chosen at the same time, and emailed them "You have a place" (found by
    attacking the sessions)."""
    event = EventFactory()
    pottery = SessionFactory(event=event, capacity=1, title="Pottery")
    holder, waiting = RegistrationFactory(event=event), RegistrationFactory(event=event)
    join_session(holder, pottery)
    join_session(waiting, pottery)
    if off == "cancelled":
        cancel_event(event, actor=None, reason="The hall flooded.")
    else:
        event.starts_at, event.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
    leave_session(holder, pottery)
    assert session_queue_positions(waiting) == {pottery.id: 1}
    assert not [m for m in mail_to(waiting.email) if m.subject.startswith("You have a place")]
    with pytest.raises(RegistrationClosed):
        join_session(holder, pottery)
