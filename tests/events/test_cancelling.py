"""Cancelling a place asks first (issue 20, item 12): the page, which
changes nothing, says what will happen; only its button, a POST with the
form's token, cancels. From the emailed link and from My events."""
from sqlalchemy import select

from core.database import write_lock
from core.extensions import db
from events.services.programme import join_session
from events.services.registration_links import registration_token
from events.models import Registration, RegistrationStatus
from tests.conftest import sign_in, submit
from tests.events.factories import EventFactory, RegistrationFactory, SessionFactory


def _statuses(app):
    with app.app_context():
        return dict(db.session.execute(select(Registration.name, Registration.status)).all())


def test_cancelling_by_the_emailed_link_says_who_the_place_goes_to_and_only_the_button_cancels(app, client, outbox):
    with app.test_request_context(), write_lock(every_transaction=True):
        event = EventFactory(capacity=1, title="Open mosque day")
        booked = RegistrationFactory(event=event, name="Ade")
        for name in ("Bea", "Cal", "Dee"):
            RegistrationFactory(event=event, name=name, status=RegistrationStatus.WAITLISTED, confirmed_at=None,
                                waitlisted_at=booked.confirmed_at)
        join_session(booked, SessionFactory(event=event, title="Faith and food"))
        db.session.commit()
        link = f"/registrations/{registration_token(booked)}"
    page = client.get(link).get_data(as_text=True)
    assert f'href="{link}/cancel"' in page  # a link to the question, no longer a button that cancels
    page = client.get(f"{link}/cancel").get_data(as_text=True)
    assert "Cancel your place at Open mosque day?" in page
    assert "Your place will be released. 3 people are waiting for a place" in page
    assert "Faith and food" in page and "This cannot be undone" in page
    assert "We will email you to say it is done, with a calendar file" in page
    assert _statuses(app)["Ade"] == RegistrationStatus.CONFIRMED and outbox == []

    assert client.post(f"{link}/cancel", data={}).status_code == 400
    response = submit(client, f"{link}/cancel")
    assert response.status_code == 302 and response.location == link
    assert "Your registration for Open mosque day has been cancelled" in client.get(link).get_data(as_text=True)
    statuses = _statuses(app)
    assert statuses["Ade"] == RegistrationStatus.CANCELLED and statuses["Bea"] == RegistrationStatus.OFFERED


def test_leaving_a_waiting_list_says_where_the_person_stands(app, client):
    with app.test_request_context(), write_lock(every_transaction=True):
        event = EventFactory(capacity=1, title="Faith and food")
        waiting = RegistrationFactory(event=event, status=RegistrationStatus.WAITLISTED, confirmed_at=None,
                                      waitlisted_at=event.created_at)
        db.session.commit()
        link = f"/registrations/{registration_token(waiting)}/cancel"
    page = client.get(link).get_data(as_text=True)
    assert "Leave the waiting list for" in page and "number 1 in the queue" in page
    assert "govuk-button--warning" in page and page.count("Leave the waiting list") == 3  # title, heading, button
    left = submit(client, link, follow_redirects=True).get_data(as_text=True)
    assert "You have left the waiting list for Faith and food." in left and "has been cancelled" not in left


def test_cancelling_from_my_events_asks_first_and_only_for_your_own(app, client, make_user):
    member, other = make_user(), make_user()
    with app.app_context():
        from core.accounts.models import User
        event = EventFactory(title="Supper club")
        mine = RegistrationFactory(event=event, user=db.session.get(User, member.id), name="Mo")
        theirs = RegistrationFactory(event=event, user=db.session.get(User, other.id), name="Sam")
        db.session.commit()
        mine_id, theirs_id = mine.id, theirs.id
        with app.test_request_context():
            link = f"/registrations/{registration_token(mine)}/cancel"
    # By the emailed link, not signed in: the link is the member's own, so they are told too (a member
    # cancelling by link while signed out once got no email, and their calendar kept the event).
    assert "We will email you to say it is done" in app.test_client().get(link).get_data(as_text=True)
    sign_in(client, member)
    assert f'href="/my-events/{mine_id}/cancel"' in client.get("/my-events").get_data(as_text=True)
    assert client.get(f"/my-events/{theirs_id}/cancel").status_code == 404
    page = client.get(f"/my-events/{mine_id}/cancel").get_data(as_text=True)
    assert "Cancel your place at Supper club?" in page and "Anyone can then book it" in page
    assert "We will email you to say it is done" in page
    assert _statuses(app)["Mo"] == RegistrationStatus.CONFIRMED
    response = submit(client, f"/my-events/{mine_id}/cancel")
    assert response.status_code == 302 and response.location == "/my-events"
    assert _statuses(app) == {"Mo": RegistrationStatus.CANCELLED, "Sam": RegistrationStatus.CONFIRMED}


def test_a_member_who_cancels_by_the_emailed_link_signed_out_is_told_and_their_calendar_entry_removed(
        app, client, make_user, outbox):
    member = make_user()
    with app.app_context():
        from core.accounts.models import User
        event = EventFactory(title="Supper club")
        mine = RegistrationFactory(event=event, user=db.session.get(User, member.id), name="Mo", email=member.email)
        db.session.commit()
        with app.test_request_context():
            link = f"/registrations/{registration_token(mine)}/cancel"
    submit(client, link)
    assert _statuses(app)["Mo"] == RegistrationStatus.CANCELLED
    [told] = [m for m in outbox if m.to == [member.email]]
    assert told.subject == "Cancelled: your place at Supper club"
    assert any("METHOD:CANCEL" in attachment[1] for attachment in told.attachments)


def test_a_place_is_not_promised_to_one_waiting_group_it_does_not_fit(app, client):
    """Found walking the site: Gus Guest waits for 2 places and a neighbour
    turning down a 1-place offer read that the place would be offered to
    him; nothing was, as 1 place does not fit a group of 2."""
    with app.test_request_context(), write_lock(every_transaction=True):
        event = EventFactory(capacity=2, title="Street party")
        RegistrationFactory(event=event, name="Neighbour 1")
        offered = RegistrationFactory(event=event, name="Neighbour 2", status=RegistrationStatus.OFFERED,
                                      offer_expires_at=event.starts_at)
        RegistrationFactory(event=event, name="Gus Guest", tickets=2, status=RegistrationStatus.WAITLISTED,
                            confirmed_at=None, waitlisted_at=event.created_at)
        db.session.commit()
        link = f"/registrations/{registration_token(offered)}/cancel"
    page = client.get(link).get_data(as_text=True)
    assert "Turn down the place offered to you at Street party?" in page
    assert "1 person is waiting for a place: it will be offered to them if their group fits the places free." in page
    submit(client, link)
    assert _statuses(app)["Gus Guest"] == RegistrationStatus.WAITLISTED  # as the page said it might
