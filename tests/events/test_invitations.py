"""Invitation-only events, and organisers booking a named person in (from
the places held back or the open ones)."""
import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from core.database import write_lock
from core.errors import InvalidLink
from core.extensions import db
from core.models import OutboxMessage
from core.accounts.models import ProvenAddress, User
from events.services.errors import AlreadyRegistered, NotEnoughPlaces, NotOpenToYou
from events.services.invitations import invitation_for_token, invitation_link, invite
from events.services.places import places_left
from events.services.registration import book_for, cancel_registration, register, registration_for
from events.models import Audience, EventInvitation, Registration, RegistrationStatus
from tests.conftest import sign_in, submit
from tests.events.factories import EventFactory, RegistrationFactory
from tests.events.test_concurrency import all_at_once
from tests.factories import UserFactory
from tests.http_client import HttpClient
from tests.live_server import live_server


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def mail_to(address):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                              .order_by(OutboxMessage.id)).all()


def invite_one(event, email, organiser):
    return invite(event, [("Amina Khan", email)], actor=organiser).invited[0]


def test_an_invitation_only_event_admits_only_the_invited(ctx):
    organiser = UserFactory()
    event = EventFactory(audience=Audience.INVITATION, instant_guest_places=False)
    with pytest.raises(NotOpenToYou, match="by invitation only"):
        register(event, name="Uninvited", email="someone@example.org")
    invitation = invite_one(event, "Amina@Example.org", organiser)
    [email] = mail_to("amina@example.org")
    token = re.search(r"invitation=(\S+)", email.body).group(1)
    assert email.subject == f"You're invited: {event.title}"
    assert invitation_for_token(token, event) == invitation

    with pytest.raises(NotOpenToYou, match="address your invitation was sent to") as refused:
        register(event, name="Amina", email="other@example.org", invitation=invitation)
    assert refused.value.field == "email"
    registration = register(event, name="Amina", email="amina@example.org", invitation=invitation)
    # The invitation reached their inbox, so no further email check is needed.
    assert registration.status == RegistrationStatus.CONFIRMED
    assert invitation.registration == registration and invitation.is_used

    with pytest.raises(AlreadyRegistered, match="already been used"):
        register(event, user=UserFactory(), invitation=invitation)


def test_a_forwarded_invitation_is_no_ticket_for_another_account(ctx):
    """Found by attacking: any signed-in account could register with an
    invitation sent to someone else, and the invitee was then told it had
    been used. Only an account holding the invited address may use it."""
    event = EventFactory(audience=Audience.INVITATION)
    invitation = invite_one(event, "amina@example.org", UserFactory())
    with pytest.raises(NotOpenToYou, match="sent to a•••@example.org, which is not an address of your account"):
        register(event, user=UserFactory(email="someone.else@example.org"), invitation=invitation)
    assert not invitation.is_used
    moved_on = UserFactory(email="amina.now@example.org")  # proved the invited address before moving to another
    db.session.add(ProvenAddress(user_id=moved_on.id, email="amina@example.org"))
    assert register(event, user=moved_on, invitation=invitation).status == RegistrationStatus.CONFIRMED


def test_an_invitation_can_be_used_again_after_its_registration_is_cancelled(ctx):
    event = EventFactory(audience=Audience.INVITATION)
    invitation = invite_one(event, "amina@example.org", UserFactory())
    first = register(event, user=UserFactory(email="amina@example.org"), invitation=invitation)
    cancel_registration(first, actor=None)
    assert not invitation.is_used
    again = register(event, name="Amina", email="amina@example.org", invitation=invitation)
    assert again.status == RegistrationStatus.CONFIRMED


def test_people_already_invited_are_not_emailed_twice(ctx):
    organiser = UserFactory()
    event = EventFactory()
    invite_one(event, "amina@example.org", organiser)
    result = invite(event, [("", "AMINA@example.org"), ("Ben", "ben@example.org"),
                            ("Ben again", "ben@example.org")], actor=organiser)
    assert [i.email for i in result.invited] == ["ben@example.org"]
    # Ben twice in one list is one person, invited now: not "already invited".
    assert result.already_invited == ["amina@example.org"]
    assert len(mail_to("amina@example.org")) == 1 and len(mail_to("ben@example.org")) == 1


def test_an_invitation_for_one_event_does_not_open_another(ctx):
    invitation = invite_one(EventFactory(), "amina@example.org", UserFactory())
    other = EventFactory(audience=Audience.INVITATION)
    with pytest.raises(NotOpenToYou, match="another event"):
        register(other, name="Amina", email="amina@example.org", invitation=invitation)
    with pytest.raises(InvalidLink):
        invitation_for_token(invitation_link(invitation).rsplit("=", 1)[1], other)


def test_an_organiser_books_someone_into_the_places_held_back(ctx):
    organiser = UserFactory()
    event = EventFactory(capacity=10, reserved_places=3)
    for _ in range(7):
        RegistrationFactory(event=event)
    assert places_left(event) == 0
    with pytest.raises(NotEnoughPlaces, match="No open places are left") as refused:
        book_for(event, name="Rev. Patel", email="patel@example.org", tickets=1, from_held_back=False,
                 actor=organiser)
    assert refused.value.field == "tickets"
    with pytest.raises(NotEnoughPlaces, match="Only 3 places are held back"):
        book_for(event, name="Rev. Patel", email="patel@example.org", tickets=4, from_held_back=True,
                 actor=organiser)

    booking = book_for(event, name="Rev. Patel", email="Patel@example.org", tickets=2,
                       from_held_back=True, actor=organiser, access_needs="Hearing loop")
    assert booking.status == RegistrationStatus.CONFIRMED and booking.access_needs == "Hearing loop"
    assert event.reserved_places == 1 and places_left(event) == 0
    [email] = mail_to("patel@example.org")
    assert email.subject == f"You're booked: {event.title}" and email.attachments[0]["filename"].endswith(".ics")
    with pytest.raises(AlreadyRegistered, match="already registered"):
        book_for(event, name="Rev. Patel", email="patel@example.org", tickets=1, from_held_back=True,
                 actor=organiser)


def test_a_booking_for_someone_with_an_account_shows_in_their_my_events(ctx):
    member = UserFactory(email="member@example.org", name="Mo Member")
    event = EventFactory()
    booking = book_for(event, name="Typed name", email="member@example.org", tickets=1,
                       from_held_back=False, actor=UserFactory())
    # Linked to the account, under the name the organiser typed: typing an address tells them nothing
    assert booking.user_id == member.id and booking.name == "Typed name"
    assert registration_for(event, member) == booking


def test_organiser_invites_people_and_the_invited_guest_registers(app, client, make_user, outbox):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        event_id = EventFactory(organisers=[db.session.get(User, organiser.id)], audience=Audience.INVITATION,
                                instant_guest_places=False).id
    sign_in(client, organiser)
    url = f"/manage/events/{event_id}/invitations"
    typed = "Amina Khan <amina@example.org>\nnot-an-address\nben@example.org"
    refused = submit(client, url, {"people": typed}).get_data(as_text=True)
    assert "Check these email addresses: not-an-address" in refused and "Amina Khan &lt;amina@example.org&gt;" in refused
    with app.app_context():
        assert db.session.scalars(select(EventInvitation)).all() == []

    response = submit(client, url, {"people": "Amina Khan <amina@example.org>\n\nben@example.org"},
                      follow_redirects=True)
    page = response.get_data(as_text=True)  # the sending's own page, as the worker sends them
    assert "2 invitations on their way." in page and "2 of 2 emails sent." in page
    page = client.get(url).get_data(as_text=True)
    assert "Amina Khan" in page and "Not yet" in page

    link = re.search(r"http://localhost(/events/\d+/register\?invitation=\S+)", next(
        m for m in outbox if m.to == ["amina@example.org"]).body).group(1)
    guest = app.test_client()
    opened = guest.get(link).get_data(as_text=True)  # whoever holds a forwarded link does not learn the address
    assert "register with a•••@example.org" in opened and "amina@example.org" not in opened
    registered = submit(guest, link, {"name": "Amina Khan", "email": "amina@example.org"})
    assert "We have sent the details to amina@example.org" in registered.get_data(as_text=True)
    assert "Booked" in client.get(url).get_data(as_text=True)

    uninvited = app.test_client()
    page = submit(uninvited, f"/events/{event_id}/register", {"name": "Gatecrasher", "email": "g@example.org"})
    assert "by invitation only" in page.get_data(as_text=True)
    assert guest.get(f"/events/{event_id}/register?invitation=forged").status_code == 400
    with app.app_context():
        assert [r.email for r in db.session.scalars(select(Registration))] == ["amina@example.org"]


def test_organiser_books_someone_in_from_the_manage_pages(app, client, make_user, outbox):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        event_id = EventFactory(organisers=[db.session.get(User, organiser.id)], capacity=5, reserved_places=2).id
    sign_in(client, organiser)
    url = f"/manage/events/{event_id}/book"
    refused = submit(client, url, {"name": "Rev. Patel", "email": "patel@example.org", "tickets": "3",
                                   "from_held_back": "y", "access_needs": "Hearing loop"})
    page = refused.get_data(as_text=True)
    assert "Only 2 places are held back" in page and "Hearing loop" in page
    done = submit(client, url, {"name": "Rev. Patel", "email": "patel@example.org", "tickets": "2",
                                "from_held_back": "y"}, follow_redirects=True)
    assert "Rev. Patel is booked in" in done.get_data(as_text=True)
    assert [m.subject for m in outbox if m.to == ["patel@example.org"]][0].startswith("You're booked")
    with app.app_context():
        from events.models import Event
        assert db.session.get(Event, event_id).reserved_places == 0


def test_an_organiser_says_which_language_a_guest_they_book_in_reads(app, client, make_user, outbox):
    """Found attacking staff screens in English: a guest an organiser booked in
    was recorded in the language of the organiser's screen, so every email
    they got after was English. The organiser says which language they read."""
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        event_id = EventFactory(organisers=[db.session.get(User, organiser.id)], capacity=5).id
    sign_in(client, organiser)
    url = f"/manage/events/{event_id}/book"
    assert 'lang="pl"' in client.get(url).get_data(as_text=True)  # "Polski", marked as Polish
    submit(client, url, {"name": "Gość Kowalski", "email": "gosc@example.org", "tickets": "1", "language": "pl"})
    with app.app_context():
        assert db.session.scalar(select(Registration.language).where(Registration.email == "gosc@example.org")) == "pl"
    subject = [m.subject for m in outbox if m.to == ["gosc@example.org"]][0]
    assert not subject.startswith("You're booked")  # written in Polish


def test_the_counts_in_booking_and_inviting_messages_read_as_english(app, client, make_user):
    """"Only 1 open places are left." and "1 invitations sent." (found walking the site)."""
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        event_id = EventFactory(organisers=[db.session.get(User, organiser.id)], capacity=3, reserved_places=2,
                                max_tickets=4).id
    sign_in(client, organiser)
    refused = submit(client, f"/manage/events/{event_id}/book",
                     {"name": "Rev. Patel", "email": "patel@example.org", "tickets": "2"}).get_data(as_text=True)
    assert "Only 1 open place is left." in refused and "places are left" not in refused
    refused = submit(client, f"/manage/events/{event_id}/book", {
        "name": "Rev. Patel", "email": "patel@example.org", "tickets": "3", "from_held_back": "y"}).get_data(as_text=True)
    assert "Only 2 places are held back" in refused
    sent = submit(client, f"/manage/events/{event_id}/invitations", {"people": "amina@example.org"},
                  follow_redirects=True).get_data(as_text=True)
    assert "1 invitation on its way." in sent and "1 invitations" not in sent and "1 emails" not in sent


def test_a_triple_clicked_send_invites_each_person_once(app, database_url, make_user):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        event_id = EventFactory(organisers=[db.session.get(User, organiser.id)]).id
    path = f"/manage/events/{event_id}/invitations"
    with live_server(database_url) as base_url:
        client = HttpClient(base_url)
        client.sign_in(organiser.email, organiser.password)
        token = client.csrf_token(path)
        same_form = (lambda: None, lambda _: client.post(path, {"people": "amina@example.org"}, token))
        results = all_at_once([same_form, same_form, same_form])
    assert [status for status, _ in results] == [302, 302, 302]
    with app.app_context():
        assert [i.email for i in db.session.scalars(select(EventInvitation))] == ["amina@example.org"]


# --- pasting a list -------------------------------------------------------------------------------

@pytest.fixture
def inviting(app, client, make_user):
    """A signed-in organiser's browser and the invitations page of their event."""
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        event_id = EventFactory(organisers=[db.session.get(User, organiser.id)]).id
    sign_in(client, organiser)
    return client, f"/manage/events/{event_id}/invitations"


def invited_addresses(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(EventInvitation.email)))


def test_the_limit_counts_different_addresses_not_lines(app, inviting):
    client, url = inviting
    addresses = [f"person{n}@example.org" for n in range(196)]
    pasted = "\n".join([*addresses, addresses[0], addresses[1].upper(), f"Again <{addresses[2]}>", addresses[3]])
    sent = submit(client, url, {"people": pasted}, follow_redirects=True).get_data(as_text=True)
    assert "196 invitations on their way." in sent and "Already invited" not in sent  # repeats are one person
    assert len(invited_addresses(app)) == 196

    too_many = "\n".join(f"someone{n}@example.org" for n in range(230)) + "\nsomeone0@example.org"
    refused = submit(client, url, {"people": too_many}).get_data(as_text=True)
    assert "You pasted 230 different addresses. Invite up to 200 at a time" in refused
    assert len(invited_addresses(app)) == 196


def test_several_addresses_on_a_line_are_each_invited(app, inviting):
    """As mail programs copy them: separated by commas, or by semicolons (Outlook)."""
    client, url = inviting
    pasted = "a@example.net, b@example.net\nC Person <c@example.net>; \"Khan, Amina\" <amina@example.net>;"
    sent = submit(client, url, {"people": pasted}, follow_redirects=True).get_data(as_text=True)
    assert "4 invitations on their way." in sent
    assert invited_addresses(app) == ["a@example.net", "amina@example.net", "b@example.net", "c@example.net"]
    with app.app_context():
        assert db.session.scalar(select(EventInvitation.name).where(
            EventInvitation.email == "amina@example.net")) == "Khan, Amina"


@pytest.mark.parametrize("line", [
    "Click https://evil.example <d@example.org>", "Visit evil.example now <d@example.org>",
    "a@example.net, not an address", "Khan, Amina <amina@example.org>"])
def test_a_line_with_a_web_address_for_a_name_or_a_part_that_is_no_address_is_refused(app, inviting, line):
    client, url = inviting
    refused = submit(client, url, {"people": f"ben@example.org\n{line}"}).get_data(as_text=True)
    assert f"Check these email addresses: {escape(line)}" in refused
    assert invited_addresses(app) == []


def test_when_everyone_was_invited_before_the_page_says_so_not_that_none_are_on_their_way(app, inviting):
    client, url = inviting
    submit(client, url, {"people": "amina@example.org\nben@example.org"})
    again = submit(client, url, {"people": "Amina@example.org\nben@example.org\nben@example.org"},
                   follow_redirects=True).get_data(as_text=True)
    assert "Everyone on the list has been invited already: nobody was emailed again." in again
    assert "0 invitations" not in again and "govuk-notification-banner--success" not in again
    with app.app_context():
        assert len(mail_to("amina@example.org")) == len(mail_to("ben@example.org")) == 1


def test_sending_invitations_is_limited_per_account(app, make_user):
    """Found by attacking it: 3 x 200 fresh addresses in 3 s, and no limit but 200 a request."""
    app.config["BULK_EMAIL_LIMIT_PER_ACCOUNT"] = "1 per hour"
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        event_id = EventFactory(organisers=[db.session.get(User, organiser.id)]).id
    client = app.test_client()
    sign_in(client, organiser)
    url = f"/manage/events/{event_id}/invitations"
    assert submit(client, url, {"people": "not an address"}).status_code == 200  # refused: costs nothing
    assert submit(client, url, {"people": "a@example.net"}).status_code == 302
    assert submit(client, url, {"people": "b@example.net"}).status_code == 429
