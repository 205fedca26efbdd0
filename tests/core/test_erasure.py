"""Deleting an account: the person's details go; attendance totals, the
waiting list's order and the awards record stay true."""
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import func, select

from core.database import utcnow, write_lock
from core.extensions import db
from core.models import AuditEntry, OutboxMessage
from core.equality.models import EqualityResponse
from core.accounts.models import SiteRole, User
from events.models import Attendance, Registration, RegistrationAccessRequest, RegistrationAnswer, RegistrationStatus
from awards import judging
from awards.models import Nomination, NominationStatus
from forums.models import Apology, Membership
from tests.awards.factories import CategoryFactory, CycleFactory
from tests.conftest import sign_in, submit
from core.accounts.queries import recent_history_of_account
from core.privacy import erasure, your_data
from tests.core.test_personal_data import a_full_life, nomination_by
from tests.events.factories import EventFactory, RegistrationFactory

WAITING = "waiting@example.org"


def with_a_place_someone_waits_for(app, member):
    with app.app_context():
        person = db.session.get(User, member.id)
        full = EventFactory(title="Full workshop", capacity=1)
        RegistrationFactory(event=full, user=person, name=person.name, email=person.email)
        RegistrationFactory(event=full, email=WAITING, status=RegistrationStatus.WAITLISTED, confirmed_at=None,
                            waitlisted_at=utcnow())
        past = EventFactory(title="Last year's fair", starts_at=utcnow() - timedelta(days=300))
        came = RegistrationFactory(event=past, user=person, name=person.name, email=person.email)
        db.session.add(Attendance(event_id=past.id, registration_id=came.id))
        draft = nomination_by(CategoryFactory(), name=person.name, email=person.email, nominee="Mr Draft",
                              user=person)
        draft.status = NominationStatus.DRAFT
        db.session.add(OutboxMessage(recipient=person.email, subject="Your booking", body="Hello Amira"))
        db.session.add(OutboxMessage(recipient="someone@example.org", subject="Their booking", body="Hello"))
        db.session.commit()


def delete(client, password):
    return submit(client, "/account/delete", {"password": password})


def test_deleting_an_account_removes_the_person_and_keeps_honest_totals(app, client, make_user):
    member = a_full_life(app, make_user)
    with_a_place_someone_waits_for(app, member)
    with app.app_context():
        came_before = db.session.scalar(select(func.count()).select_from(Attendance))
        keys_before = db.session.scalar(select(func.count(func.distinct(Registration.person_key))))
    sign_in(client, member)

    response = delete(client, member.password)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Your account has been deleted" in client.get("/").get_data(as_text=True)
    assert client.get("/account").status_code == 302  # signed out

    with app.app_context():
        assert db.session.get(User, member.id) is None
        theirs = db.session.scalars(select(Registration).where(Registration.person_key.like("erased:%"))).all()
        assert len(theirs) == 4  # three as a member, one as a guest with the same address
        assert {(r.name, r.email, r.access_needs, r.user_id) for r in theirs} == {("Deleted account", "", "", None)}
        assert len({r.person_key for r in theirs}) == 1  # still one person to "came before?"
        for table in (RegistrationAnswer, RegistrationAccessRequest):
            assert db.session.scalar(select(func.count()).select_from(table).where(
                table.registration_id.in_([r.id for r in theirs]))) == 0
        # The place they held went to the person waiting; totals did not move.
        assert db.session.scalar(select(Registration.status).where(Registration.email == WAITING)) == \
            RegistrationStatus.OFFERED
        assert db.session.scalar(select(func.count()).select_from(Attendance)) == came_before
        # Her bookings as a member and as a guest now count as the one person they were.
        assert db.session.scalar(select(func.count(func.distinct(Registration.person_key)))) == keys_before - 1
        # Equality answers: theirs gone, the stranger's kept.
        assert db.session.scalar(select(func.count()).select_from(EqualityResponse)) == 1
        # The nomination they sent stays, without them; the draft does not.
        nominations = {n.nominee_name: n for n in db.session.scalars(select(Nomination))}
        assert set(nominations) == {"Mrs Patel", "Mr Jones"}
        kept = nominations["Mrs Patel"]
        assert (kept.nominator_id, kept.nominator_name, kept.nominator_email) == (None, "Deleted account", "")
        assert nominations["Mr Jones"].nominator_name == "Oskar Nowak"
        assert db.session.scalars(select(Membership)).all() == [] and db.session.scalars(select(Apology)).all() == []
        assert [m.recipient for m in db.session.scalars(select(OutboxMessage))
                if m.recipient.lower() == "amira@example.org"] == []
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.recipient == "someone@example.org")) == 1
        their_entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "account.updated")).all()
        assert [(e.actor_id, e.ip_address) for e in their_entries] == [(None, None)]


def test_a_wrong_password_says_so_beside_the_field_and_changes_nothing(app, client, make_user):
    member = a_full_life(app, make_user)
    sign_in(client, member)
    page = delete(client, "not my password").get_data(as_text=True)
    assert "govuk-error-summary" in page and "Your password is not correct" in page
    assert 'id="password-error"' in page
    with app.app_context():
        assert db.session.get(User, member.id) is not None
        assert db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.user_id == member.id)) == 2  # hers, and the guest booking she claimed
    assert delete(client, "").status_code == 200  # an empty box is asked for again, not a 500


def test_the_only_admin_and_a_judge_still_judging_are_told_to_wait(app, client, make_user):
    admin = make_user(roles=[SiteRole.ADMIN])
    sign_in(client, admin)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "You are the only admin" in page and "Delete my account" not in page
    assert "You are the only admin" in delete(client, admin.password).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin.id) is not None

    judge = make_user()
    with app.test_request_context(), write_lock(every_transaction=True):
        category = CategoryFactory(name="Young Leader", cycle=CycleFactory(judging=True))
        judging.appoint_judge(category, judge.email, actor=db.session.get(User, admin.id))
        db.session.commit()
    judge_client = app.test_client()
    sign_in(judge_client, judge)
    assert "judging panel for Young Leader" in judge_client.get("/account/delete").get_data(as_text=True)
    assert "judging panel for Young Leader" in delete(judge_client, judge.password).get_data(as_text=True)


def test_a_session_kept_from_a_deleted_account_never_signs_in_whoever_gets_its_id_next(
        app, client, make_user, database_url):
    """Found by attacking: SQLite gives a deleted newest row's id to the next row, so a copy of
    the session cookie kept from an account deleted since would sign in as whoever signed up next."""
    leaving = make_user()
    sign_in(client, leaving)
    kept = client.get_cookie("session").value
    assert delete(client, leaving.password).status_code == 302
    newcomer = make_user()
    if database_url == "sqlite":
        assert newcomer.id == leaving.id  # the id came round again: the case this guards

    thief = app.test_client()
    thief.set_cookie("session", kept)
    answer = thief.get("/account")
    assert answer.status_code == 302 and answer.location.startswith("/sign-in")


def test_the_next_account_given_a_deleted_accounts_id_is_shown_none_of_its_history(
        app, client, make_user, database_url):
    """Found by attacking: the audit log names an account by its id, so on SQLite the next account's
    Your data, and its page for admins, listed the deleted account's changes (addresses and all)."""
    leaving = make_user(email="leaving@example.org")
    sign_in(client, leaving)
    submit(client, "/account/profile", {"name": "Leaving Person"})
    assert delete(client, leaving.password).status_code == 302
    newcomer = make_user(email="newcomer@example.org")
    if database_url == "sqlite":
        assert newcomer.id == leaving.id  # the id came round again: the case this guards
    with app.app_context():
        account = db.session.get(User, newcomer.id)
        assert [entry.action for entry in recent_history_of_account(account)] == []
        listed = {section.key: section.records for section in your_data.about(account)}["audit_entries"]
    assert listed == []


def test_no_address_the_person_used_stays_in_the_audit_log_or_the_outbox(app, client, make_user):
    """Found in review: the audit log kept a deleted person's addresses in
    its details (their change of address, a forum's invitation to them), and
    the outbox kept mail to the address they had before and the consent
    request about them sent to their parent."""
    from core.accounts import services
    from core.accounts.models import ProvenAddress
    from forums.services import invitations
    from tests.forums.factories import ForumFactory
    member = make_user(email="amira.old@example.org")
    with app.test_request_context(), write_lock(every_transaction=True):
        person = db.session.get(User, member.id)
        db.session.add(ProvenAddress(user_id=person.id, email=person.email))  # as confirming at sign-up did
        forum = ForumFactory(name="Kettering Interfaith Forum")
        coordinator = make_user()
        invitations.invite(forum, "Amira.Old@example.org", actor=db.session.get(User, coordinator.id))
        invitations.invite(forum, "someone.else@example.org", actor=db.session.get(User, coordinator.id))
        services.confirm_email(services.email_confirmation_token(person, "amira.new@example.org"),
                               password=member.password)
        db.session.add(OutboxMessage(recipient="parent@example.org", subject="Consent", body="Amira applied",
                                     about_user_id=person.id))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            func.lower(OutboxMessage.recipient) == "amira.old@example.org")) == 2  # the invitation, "it changed"
    sign_in(client, SimpleNamespace(**{**vars(member), "email": "amira.new@example.org"}))
    assert delete(client, member.password).status_code == 302

    with app.app_context():
        entries = db.session.scalars(select(AuditEntry)).all()
        written = " ".join(str(entry.details) for entry in entries).lower()
        assert "amira.old" not in written and "amira.new" not in written
        assert "someone.else@example.org" in written  # another person's address is theirs to keep
        changed = [e for e in entries if e.action == "profile.email_changed"]
        assert [e.details for e in changed] == [{"from": erasure.ERASED_ADDRESS, "to": erasure.ERASED_ADDRESS}]
        invited = sorted(e.details["email"] for e in entries if e.action == "forum.invitation_sent")
        assert invited == [erasure.ERASED_ADDRESS, "someone.else@example.org"]
        left = {message.recipient for message in db.session.scalars(select(OutboxMessage))}
        assert left == {"someone.else@example.org"}
