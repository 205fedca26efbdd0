"""An email address is the key to what is held under it: an account reaches
guest bookings, nominations, panel and coordinator seats, DBS records and
equality answers only once it has proven it owns the address, and emailed
links stop working when the address or password they were made for changes.

Each test here is an attack that worked before: a stranger signs up with
someone else's address and reads or deletes what that person left as a guest,
takes a judging seat, or hijacks an account through a reset link.
"""
import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from awards import judging, nominating
from awards.models import PanelMember
from core.equality import services as equality
from core.accounts import services
from core.privacy import erasure, your_data
from core.models import OutboxMessage
from core.accounts.models import User
from core.database import utcnow, write_lock
from core.errors import InvalidLink
from core.extensions import db
from events.services.calendars import renew_calendar_link
from events.services.registration import book_for, confirm_guest_email, register, registration_for, registrations_of
from events.models import Registration, RegistrationStatus
from forums.services import coordinators as forum_coordinators
from forums.services.errors import ForumRuleBroken
from tests.awards.factories import CategoryFactory
from tests.awards.test_services import complete
from tests.conftest import sign_in_through_the_forms, submit
from tests.events.factories import EventFactory
from tests.factories import PASSWORD, UserFactory
from tests.forums.factories import ForumFactory

GUEST = "sam.guest@example.org"


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def guest_leaves_things_under_their_address():
    """A guest books with access needs, nominates someone with a phone number
    and answers the equality questions through their emailed link."""
    event = EventFactory()
    registration = register(event, name="Sam Guest", email=GUEST,
                            access_needs="Wheelchair user; epilepsy")
    category = CategoryFactory()
    nomination = nominating.nominate(category, complete(category, nominator_email=GUEST,
                                                        nominee_phone="07700 900123"), user=None, submit=True)
    equality.give_consent(equality.person_key(None, GUEST))
    equality.save_answers(equality.person_key(None, GUEST), {"religion": "muslim"})
    db.session.commit()
    return registration, nomination


def test_an_unconfirmed_sign_up_with_a_guests_address_reaches_nothing_of_theirs(ctx):
    registration, nomination = guest_leaves_things_under_their_address()
    stranger = services.sign_up(name="Stranger", email=GUEST, password="lantern orchard velvet")
    db.session.commit()
    with pytest.raises(services.EmailNotConfirmed):
        services.authenticate(email=GUEST, password="lantern orchard velvet")
    assert registration.user_id is None and nomination.nominator_id is None
    assert equality.answers_of(equality.person_key(stranger)) is None


def test_your_data_and_erasure_never_match_by_address(ctx):
    """An account that owns an address does not get a stranger's booking made
    later under that address without proof, and deleting it leaves that booking be."""
    owner = UserFactory(email=GUEST)
    event = EventFactory()
    someone_else = register(event, name="Not Sam", email=GUEST, access_needs="Hearing loop")
    db.session.commit()
    everything = json.dumps(your_data.as_json(your_data.about(owner), made_at=utcnow()))
    assert "Hearing loop" not in everything
    erasure.delete_account(owner, password=PASSWORD)
    db.session.commit()
    kept = db.session.get(Registration, someone_else.id)
    assert kept.status == RegistrationStatus.CONFIRMED and kept.access_needs == "Hearing loop"


def test_confirming_the_address_links_what_was_left_under_it(ctx):
    registration, nomination = guest_leaves_things_under_their_address()
    category = CategoryFactory()
    judging.appoint_judge(category, GUEST, actor=UserFactory(roles=["awards_administrator"]))
    user = services.sign_up(name="Sam Guest", email=GUEST, password="lantern orchard velvet")
    seat = db.session.scalar(select(PanelMember).where(PanelMember.email == GUEST))
    assert seat.user_id is None
    services.confirm_email(services.email_confirmation_token(user), password="lantern orchard velvet")
    db.session.commit()
    assert registration.user_id == user.id and nomination.nominator_id == user.id
    assert seat.user_id == user.id and judging.is_judge_of(user, category.id)
    assert equality.answers_of(equality.person_key(user)).religion == "muslim"


def test_a_judge_seat_for_an_unconfirmed_account_waits_for_confirmation(ctx):
    squatter = UserFactory(email="jo.judge@example.org", email_confirmed_at=None)
    category = CategoryFactory()
    seat = judging.appoint_judge(category, "jo.judge@example.org", actor=UserFactory(roles=["awards_administrator"]))
    assert seat.user_id is None
    assert db.session.scalar(select(PanelMember.id).where(PanelMember.user_id == squatter.id)) is None


def test_coordinator_seats_and_dbs_records_need_a_confirmed_account(ctx):
    UserFactory(email="coordinator@example.org", email_confirmed_at=None)
    admin = UserFactory(roles=["admin"])
    with pytest.raises(ForumRuleBroken, match="confirm their email address"):
        forum_coordinators.account_with_email("coordinator@example.org")
    confirmed = UserFactory(email="real@example.org")
    forum = ForumFactory()
    forum_coordinators.grant_coordinator(forum, forum_coordinators.account_with_email("REAL@example.org"), actor=admin)
    assert forum_coordinators.is_coordinator(confirmed, forum.id)


def test_an_organisers_booking_is_linked_only_to_a_confirmed_account(ctx):
    unconfirmed = UserFactory(email="new@example.org", email_confirmed_at=None)
    confirmed = UserFactory(email="known@example.org")
    organiser = UserFactory(roles=["organiser"])
    event = EventFactory()
    first = book_for(event, name="New", email="new@example.org", tickets=1, from_held_back=False,
                     actor=organiser)
    second = book_for(event, name="Known", email="known@example.org", tickets=1,
                      from_held_back=False, actor=organiser)
    assert first.user_id is None and second.user_id == confirmed.id
    assert db.session.scalar(select(Registration.id).where(Registration.user_id == unconfirmed.id)) is None


def test_a_reset_link_dies_when_the_address_changes(ctx):
    user = UserFactory(email="victim@example.org")
    reset = services.password_reset_token(user)
    services.request_email_change(actor=user, new_email="attacker@example.org", password=PASSWORD)
    change = services.email_confirmation_token(user, "attacker@example.org")
    services.confirm_email(change, password=PASSWORD)
    with pytest.raises(InvalidLink):
        services.reset_password(reset, password="granite meadow compass")


def test_changing_the_address_needs_the_password(ctx):
    user = UserFactory(email="mine@example.org")
    with pytest.raises(services.WrongPassword):
        services.request_email_change(actor=user, new_email="other@example.org", password="guess")
    assert user.email == "mine@example.org"


def test_the_old_address_can_undo_a_change_for_a_week(app, ctx):
    user = UserFactory(email="old@example.org")
    version = user.session_version
    services.confirm_email(services.email_confirmation_token(user, "new@example.org"), password=PASSWORD)
    assert user.session_version == version + 1  # the change signs every session out (the view keeps its own)
    [notice] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "old@example.org")).all()
    token = notice.body.split("/account/email/undo/")[1].split()[0]
    services.undo_email_change(token)
    assert user.email == "old@example.org" and user.session_version == version + 2
    with pytest.raises(services.SignInFailed):  # whoever changed it knew the password: it is void now
        services.authenticate(email="old@example.org", password=PASSWORD)
    # Works once; opened again, it says it did its work (found walking it: it said the address had changed again).
    with pytest.raises(InvalidLink, match="has been used: the account's email address is o•••@example.org again"):
        services.undo_email_change(token)


def test_a_confirmation_link_opened_again_says_it_has_been_used(app, ctx):
    user = UserFactory(email="old@example.org")
    token = services.email_confirmation_token(user, "new@example.org")
    services.confirm_email(token, password=PASSWORD)
    with pytest.raises(InvalidLink, match="has been used: n•••@example.org is confirmed"):
        services.confirm_email(token, password=PASSWORD)


def test_an_undo_link_from_a_deleted_account_does_nothing_to_the_next_account_given_its_id(app, ctx, database_url):
    """Found by attacking: on SQLite the next account takes a deleted newest account's id, and the undo link
    named only the id and the address changed to, so it gave the newcomer's account to the old address."""
    leaving = UserFactory(email="first@example.org")
    services.confirm_email(services.email_confirmation_token(leaving, "shared@example.org"), password=PASSWORD)
    notice = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "first@example.org"))
    token = notice.body.split("/account/email/undo/")[1].split()[0]
    leaving_id = leaving.id
    erasure.delete_account(leaving, password=PASSWORD)
    db.session.commit()
    newcomer = UserFactory(email="shared@example.org")
    if database_url == "sqlite":
        assert newcomer.id == leaving_id  # the id came round again: the case this guards
    with pytest.raises(InvalidLink):
        services.undo_email_change(token)
    assert newcomer.email == "shared@example.org"


def test_an_undo_link_expires(app, ctx):
    user = UserFactory(email="old@example.org")
    services.confirm_email(services.email_confirmation_token(user, "new@example.org"), password=PASSWORD)
    notice = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "old@example.org"))
    token = notice.body.split("/account/email/undo/")[1].split()[0]
    app.config["EMAIL_CHANGE_UNDO_MAX_AGE"] = -1
    with pytest.raises(InvalidLink, match="expired"):
        services.undo_email_change(token)
    assert user.email == "new@example.org"


def test_an_unconfirmed_accounts_old_session_counts_as_a_visitor(app, client, make_user, outbox):
    """Sessions or keep-me-signed-in cookies an account holds from before it
    lost (or never had) a confirmed address give it nothing: here it tries to
    make the app email a parent, which needs a member."""
    user = make_user()
    sign_in_through_the_forms(client, user)
    with app.app_context():
        db.session.get(User, user.id).email_confirmed_at = None
        forum = ForumFactory(min_age=11, max_age=18)
        forum_id = forum.id
        db.session.commit()
    assert client.get("/account").location.startswith("/sign-in")
    assert client.get("/account/your-data.json").location.startswith("/sign-in")
    fifteen = date.today().replace(year=date.today().year - 15)
    response = submit(client, f"/forums/{forum_id}/apply", {
        "reason": "To meet people", "date_of_birth-day": fifteen.day, "date_of_birth-month": fifteen.month,
        "date_of_birth-year": fifteen.year, "parent_name": "A Parent", "parent_email": "parent@example.org"},
        form_url="/sign-in")
    assert response.status_code == 302 and response.location.startswith("/sign-in")
    assert outbox == []


def test_the_confirmation_link_clicked_by_the_addresses_owner_does_not_confirm_a_strangers_account(client, app):
    """The stranger signs up with the victim's address; the victim clicks the
    link in the email that arrives. Without the stranger's password nothing happens."""
    submit(client, "/sign-up", {"name": "Stranger", "email": GUEST, "password": "lantern orchard velvet"})
    with app.test_request_context():
        token = services.email_confirmation_token(db.session.scalar(select(User)))
    page = client.get(f"/confirm-email/{token}").get_data(as_text=True)
    assert "Enter your password to confirm" in page
    assert GUEST not in page and f"{GUEST[0]}•••@{GUEST.split('@')[1]}" in page  # masked for whoever holds the link
    submit(client, f"/confirm-email/{token}", {"password": ""})
    with app.app_context():
        assert not db.session.scalar(select(User)).email_confirmed


def test_a_link_to_an_address_another_account_took_since_explains_itself_and_changes_nothing(client, app, make_user):
    """Between asking for the change and following the link, someone else
    signed up with the new address: the link's page says why, and nothing changes."""
    user = make_user(email="mine@example.org")
    with app.test_request_context():
        token = services.email_confirmation_token(db.session.get(User, user.id), "taken@example.org")
        UserFactory(email="taken@example.org")
        db.session.commit()
    response = submit(client, f"/confirm-email/{token}", {"password": PASSWORD})
    assert response.status_code == 400
    assert "Another account now uses this email address" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user.id).email == "mine@example.org"


@pytest.mark.parametrize("name", ["Win a prize at http://spam.example", "See www.spam.example now",
                                  "Cheap pills spam-shop.com"])
def test_a_name_with_a_web_address_is_refused_so_no_email_carries_it(client, app, outbox, name):
    """Sign-up emails whatever address is typed, greeting nobody by name; and a
    name with a link in it is refused on every form that puts a name into an email."""
    with app.app_context():
        event_id = EventFactory().id
    for url, data in (("/sign-up", {"name": name, "email": "victim@example.org", "password": "lantern orchard velvet"}),
                      (f"/events/{event_id}/register", {"name": name, "email": "victim@example.org"})):
        page = submit(client, url, data).get_data(as_text=True)
        assert "must not include a web address" in page and 'id="name-error"' in page, url
    assert outbox == []
    submit(client, "/sign-up", {"name": "Sam", "email": "victim@example.org", "password": "lantern orchard velvet"})
    [message] = outbox
    # The link's random token may spell anything (once it held "LSamMQU"): the words must not name them.
    assert message.body.startswith("Hello,\n") and "Sam" not in re.sub(r"https?://\S+", "", message.body)


def test_after_a_change_of_address_bookings_are_emailed_to_the_new_one(ctx):
    user = UserFactory(email="old@example.org")
    event = EventFactory()
    registration = register(event, user=user)
    services.confirm_email(services.email_confirmation_token(user, "new@example.org"), password=PASSWORD)
    db.session.commit()
    assert db.session.get(Registration, registration.id).email == "new@example.org"


def test_changes_made_by_the_signed_in_person_are_on_their_own_history(client, app, make_user):
    """current_user is a proxy: the audit entry must name the User behind it,
    or an admin looking at the person's page after a takeover sees nothing."""
    user = make_user()
    sign_in_through_the_forms(client, user)
    submit(client, "/account/email", {"email": "elsewhere@example.org", "password": user.password})
    submit(client, "/account/password", {"current_password": user.password, "new_password": "granite meadow compass"})
    with app.app_context():
        from core.models import AuditEntry
        kinds = {(entry.action, entry.object_type) for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.object_id == str(user.id)))}
    assert {("profile.email_change_requested", "User"), ("password.changed", "User")} <= kinds


def test_an_unconfirmed_sign_up_cannot_block_the_owner_taking_their_address_back(ctx):
    """The attacker changes the victim's address, then signs up (unconfirmed)
    with the victim's old address: the undo link still works."""
    victim = UserFactory(email="vic@example.org")
    services.confirm_email(services.email_confirmation_token(victim, "att@example.org"), password=PASSWORD)
    notice = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "vic@example.org"))
    token = notice.body.split("/account/email/undo/")[1].split()[0]
    squatter = services.sign_up(name="Squatter", email="vic@example.org", password="lantern orchard velvet")
    squatter_id = squatter.id
    services.undo_email_change(token)
    assert victim.email == "vic@example.org" and db.session.get(User, squatter_id) is None


def test_an_unconfirmed_sign_up_cannot_block_the_owner_confirming_their_new_address(ctx):
    """The owner asks to move to a new address; a stranger then signs up with
    it and never confirms. The link the owner follows from that inbox, with
    their password, still makes the change, and the stranger's account (nobody's
    yet) goes, as it does when the old address undoes a change (found by a
    security test: "Another account now uses this email address")."""
    owner = UserFactory(email="owner@example.org")
    services.request_email_change(actor=owner, new_email="x@example.net", password=PASSWORD)
    token = services.email_confirmation_token(owner, "x@example.net")
    squatter_id = services.sign_up(name="Squatter", email="x@example.net", password="lantern orchard velvet").id
    services.confirm_email(token, password=PASSWORD)
    db.session.commit()
    assert owner.email == "x@example.net" and owner.email_confirmed
    assert db.session.get(User, squatter_id) is None


def test_an_address_held_by_an_unconfirmed_sign_up_can_be_moved_to_by_its_owner(ctx):
    """The stranger signed up first: the owner asking to move to the address
    still gets the link (not a note that an account uses it), and following it
    takes the address."""
    squatter_id = services.sign_up(name="Squatter", email="x@example.net", password="lantern orchard velvet").id
    owner = UserFactory(email="owner@example.org")
    services.request_email_change(actor=owner, new_email="x@example.net", password=PASSWORD)
    [sent] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "x@example.net",
                                                            OutboxMessage.subject.contains("new email"))).all()
    token = sent.body.split("/confirm-email/")[1].split()[0]
    services.confirm_email(token, password=PASSWORD)
    db.session.commit()
    assert owner.email == "x@example.net" and db.session.get(User, squatter_id) is None


def test_proving_an_address_someone_else_proved_before_claims_nothing_they_left_under_it(ctx):
    """What was left under an address while another account held it (a guest
    booking with access needs, a nomination with a phone number, equality
    answers) may be that person's: an account proving the address later (a
    recycled inbox, say) is not linked to it. Its own bookings are its own."""
    first = UserFactory(email=GUEST)
    services.email_confirmed.send(first)  # the first owner proved it
    registration, nomination = guest_leaves_things_under_their_address()
    services.confirm_email(services.email_confirmation_token(first, "moved@example.org"), password=PASSWORD)
    later = services.sign_up(name="Later Owner", email=GUEST, password="lantern orchard velvet")
    services.confirm_email(services.email_confirmation_token(later), password="lantern orchard velvet")
    db.session.commit()
    assert registration.user_id is None and nomination.nominator_id is None
    assert equality.answers_of(equality.person_key(later)) is None
    everything = json.dumps(your_data.as_json(your_data.about(later), made_at=utcnow()))
    assert "Wheelchair user" not in everything and "07700 900123" not in everything
    assert register(EventFactory(), user=later).user_id == later.id


def test_the_private_calendar_of_an_account_without_a_proven_address_is_nobodys(app, client):
    with app.test_request_context(), write_lock(every_transaction=True):
        user = UserFactory()
        link = renew_calendar_link(user, actor=user)
        db.session.commit()
        url, user_id = f"/calendar/personal/{link.token}.ics", user.id
    assert client.get(url).status_code == 200
    with app.app_context():
        db.session.get(User, user_id).email_confirmed_at = None
        db.session.commit()
    assert client.get(url).status_code == 404


def test_trying_to_sign_in_before_confirming_does_not_lock_the_person_out(client, app):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 5 minutes"
    submit(client, "/sign-up", {"name": "Officer", "email": "new.officer@example.org",
                                "password": "lantern orchard velvet"})
    for _ in range(5):  # the right password, before confirming: told why, not counted against them
        page = submit(client, "/sign-in", {"email": "new.officer@example.org", "password": "lantern orchard velvet"})
        assert page.status_code == 200 and "Confirm your email address before you sign in" in page.get_data(
            as_text=True)
    with app.test_request_context():
        token = services.email_confirmation_token(services.find_user_by_email("new.officer@example.org"))
    submit(client, f"/confirm-email/{token}", {"password": "lantern orchard velvet"})
    signed_in = submit(client, "/sign-in", {"email": "new.officer@example.org", "password": "lantern orchard velvet"})
    assert signed_in.status_code == 302


def test_the_confirmation_form_limits_password_guesses_like_sign_in(client, app):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 5 minutes"
    submit(client, "/sign-up", {"name": "Officer", "email": "new.officer@example.org",
                                "password": "lantern orchard velvet"})
    with app.test_request_context():
        token = services.email_confirmation_token(services.find_user_by_email("new.officer@example.org"))
    statuses = [submit(client, f"/confirm-email/{token}", {"password": f"guess {n}"}).status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    with app.app_context():
        assert not services.find_user_by_email("new.officer@example.org").email_confirmed


def test_a_lapsed_held_sign_in_says_so(client):
    response = client.get("/sign-in/code")
    assert response.location == "/sign-in"
    assert "Your sign-in timed out before the code was entered" in client.get("/sign-in").get_data(as_text=True)


def test_a_booking_email_keeps_where_and_questions_on_lines_of_their_own(ctx):
    """Found by people using it: with no joining link the venue ran into the next line ("NN1 1AAQuestions")."""
    registration = register(EventFactory(online_url=None), name="Sam", email="sam@example.org")
    body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "sam@example.org"))
    assert registration.id and "NN1 1AA\nQuestions: reply to this email, or write to events@example.org" in body


def test_a_strangers_unconfirmed_booking_under_a_members_address_does_not_block_the_member(ctx):
    """A stranger typed a member's address as a guest on an event whose guests
    confirm by email: the member was then refused ("See it in My events") and
    My events did not have it, even after they confirmed it from their inbox
    (found by attacking guest registration)."""
    member = UserFactory(email="amira@example.org")
    event = EventFactory(instant_guest_places=False, capacity=5)
    stranger = register(event, name="Probe Person", email="amira@example.org")
    assert stranger.status == RegistrationStatus.PENDING
    mine = register(event, user=member)
    assert mine.status == RegistrationStatus.CONFIRMED and mine.user_id == member.id
    assert stranger.status == RegistrationStatus.CANCELLED
    assert [r.id for r in registrations_of(event)
            if r.status != RegistrationStatus.CANCELLED] == [mine.id]


def test_a_guest_booking_confirmed_from_a_members_inbox_is_in_their_my_events(ctx):
    member = UserFactory(email="amira@example.org")
    event = EventFactory(instant_guest_places=False, capacity=5)
    guest = register(event, name="Amira K", email="amira@example.org")
    confirm_guest_email(guest)
    assert guest.status == RegistrationStatus.CONFIRMED and guest.user_id == member.id
    assert registration_for(event, member) == guest


def test_whoever_squats_an_address_does_not_name_its_owners_account(client, app, outbox):
    """Found by attacking: a stranger signed up with someone's address and
    never confirmed it; the owner, told the address had an account, reset
    its password and got in, under the name the stranger chose."""
    submit(client, "/sign-up", {"name": "Evil Squatter", "email": "dave@example.org",
                                "password": "lantern orchard velvet"})
    owner = app.test_client()
    submit(owner, "/sign-up", {"name": "Dave Owner", "email": "Dave@Example.org", "password": "granite meadow compass"})
    sent = [message for message in outbox if message.to == ["dave@example.org"]]
    assert [message.subject for message in sent] == ["Confirm your email address"] * 2  # no "has an account"
    with app.app_context():
        [account] = db.session.scalars(select(User)).all()
        assert (account.name, account.email_confirmed) == ("Dave Owner", False)
    link = "/confirm-email/" + sent[-1].body.split("/confirm-email/")[1].split()[0]
    submit(owner, link, {"password": "granite meadow compass"})
    with app.app_context():
        assert db.session.scalar(select(User.email_confirmed_at)) is not None


def test_a_reset_that_proves_an_unconfirmed_address_asks_whose_name_it_is(client, app, outbox):
    """The same squatting, reached by "forgot password" instead: following
    the link proves the inbox, and the person gives their own name."""
    submit(client, "/sign-up", {"name": "Evil Squatter", "email": "dave@example.org",
                                "password": "lantern orchard velvet"})
    submit(client, "/forgot-password", {"email": "dave@example.org"})
    [reset] = [message for message in outbox if message.subject == "Reset your password"]
    link = "/reset-password/" + reset.body.split("/reset-password/")[1].split()[0]
    page = client.get(link).get_data(as_text=True)
    assert 'name="name"' in page and "Evil Squatter" not in page
    refused = submit(client, link, {"name": "", "password": "granite meadow compass"})
    assert "Enter your full name" in refused.get_data(as_text=True)
    assert submit(client, link, {"name": "Dave Owner", "password": "granite meadow compass"}).status_code == 302
    with app.app_context():
        account = db.session.scalar(select(User))
        assert (account.name, account.email_confirmed) == ("Dave Owner", True)
