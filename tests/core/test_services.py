"""Account rules, exercised without HTTP."""
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from core.accounts import services
from core.database import utcnow, write_lock
from core.extensions import db
from core.models import AuditEntry, OutboxMessage
from core.accounts.models import SiteRole, User
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def actions():
    return [entry.action for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_sign_up_stores_a_lower_case_email_a_hash_and_queues_a_confirmation(ctx):
    user = services.sign_up(name=" Priya Shah ", email=" Priya.Shah@Example.ORG ", password="lantern orchard velvet")
    db.session.commit()
    assert user.email == "priya.shah@example.org"
    assert user.name == "Priya Shah"
    assert user.password_hash != "lantern orchard velvet"
    assert check_password_hash(user.password_hash, "lantern orchard velvet")
    assert not user.email_confirmed
    message = db.session.scalar(select(OutboxMessage))
    assert message.recipient == "priya.shah@example.org"
    assert "/confirm-email/" in message.body
    assert actions() == ["account.created"]


def test_sign_up_with_an_address_already_used_whatever_its_case_makes_nothing_and_tells_its_owner(ctx):
    owner = UserFactory(email="sam@example.org")
    password_hash = owner.password_hash
    assert services.sign_up(name="Sam", email="SAM@example.org", password="lantern orchard velvet") is None
    db.session.commit()
    assert db.session.scalars(select(User)).all() == [owner] and owner.password_hash == password_hash
    message = db.session.scalar(select(OutboxMessage))
    assert message.recipient == "sam@example.org" and "/confirm-email/" not in message.body
    assert actions() == ["account.sign_up_refused"]


@pytest.mark.parametrize("password", ["password1", "qwertyuiop", "12345678", "priyashah1"])
def test_common_or_personal_passwords_are_refused(ctx, password):
    with pytest.raises(services.WeakPassword):
        services.sign_up(name="Priya Shah", email="priyashah@example.org", password=password)
    assert db.session.scalar(select(User)) is None


def test_the_default_password_hash_meets_owasp_minimums(app):
    from core.config import Config

    method = Config(app.instance_path).PASSWORD_HASH_METHOD
    algorithm, digest, iterations = method.split(":")
    assert (algorithm, digest) == ("pbkdf2", "sha256") and int(iterations) >= 600_000


def test_authenticate_accepts_the_right_password_only_and_audits_both(ctx):
    user = UserFactory(email="ali@example.org")
    with pytest.raises(services.SignInFailed):
        services.authenticate(email="ali@example.org", password="wrong password")
    with pytest.raises(services.SignInFailed) as unknown:
        services.authenticate(email="nobody@example.org", password=PASSWORD)
    assert services.authenticate(email="ALI@example.org", password=PASSWORD) == user
    assert unknown.value.message == "Enter a correct email address and password"
    assert actions() == ["sign_in.failed", "sign_in.failed", "sign_in.succeeded"]
    assert user.last_signed_in_at is not None


def test_a_weaker_stored_hash_is_upgraded_on_sign_in(app):
    with app.test_request_context():
        app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:2000"
        user = UserFactory()
        assert user.password_hash.startswith("pbkdf2:sha256:1000$")
        services.authenticate(email=user.email, password=PASSWORD)
        assert user.password_hash.startswith("pbkdf2:sha256:2000$")


def test_confirmation_needs_the_link_and_the_accounts_password(ctx):
    user = UserFactory(email_confirmed_at=None)
    token = services.email_confirmation_token(user)
    with pytest.raises(services.WrongPassword):
        services.confirm_email(token, password="whoever clicked the link")
    assert not user.email_confirmed
    assert services.confirm_email(token, password=PASSWORD).email_confirmed


def test_a_confirmation_link_dies_when_the_address_or_password_changes(ctx):
    user = UserFactory(email_confirmed_at=None)
    token = services.email_confirmation_token(user)
    user.email = "changed@example.org"
    with pytest.raises(services.InvalidLink):
        services.confirm_email(token, password=PASSWORD)
    user.email = user.email.replace("changed", "back")
    token = services.email_confirmation_token(user)
    user.password_hash = services.hash_password("granite meadow compass")
    with pytest.raises(services.InvalidLink):
        services.confirm_email(token, password="granite meadow compass")
    assert not user.email_confirmed


def test_reset_link_works_once_then_is_refused(ctx):
    user = UserFactory()
    token = services.password_reset_token(user)
    version = user.session_version
    services.reset_password(token, password="granite meadow compass")
    assert check_password_hash(user.password_hash, "granite meadow compass")
    assert user.session_version == version + 1
    with pytest.raises(services.InvalidLink, match="already been used"):
        services.reset_password(token, password="another river lamp")


def test_reset_link_expires(app):
    with app.test_request_context():
        user = UserFactory()
        token = services.password_reset_token(user)
        app.config["PASSWORD_RESET_MAX_AGE"] = -1
        with pytest.raises(services.InvalidLink, match="expired"):
            services.user_for_reset_token(token)


def test_a_forged_or_cross_purpose_token_is_refused(ctx):
    user = UserFactory()
    confirm_token = services.email_confirmation_token(user)
    with pytest.raises(services.InvalidLink):
        services.user_for_reset_token(confirm_token)
    with pytest.raises(services.InvalidLink):
        services.user_for_reset_token(confirm_token[:-4] + "AAAA")


def test_reset_request_for_an_unknown_email_sends_nothing(ctx):
    services.request_password_reset("nobody@example.org")
    assert db.session.scalar(select(OutboxMessage)) is None


def test_change_password_needs_the_current_one_and_ends_other_sessions(ctx):
    user = UserFactory()
    version = user.session_version
    with pytest.raises(services.WrongPassword):
        services.change_password(actor=user, current_password="not it", new_password="granite meadow compass")
    services.change_password(actor=user, current_password=PASSWORD, new_password="granite meadow compass")
    assert user.session_version == version + 1
    assert check_password_hash(user.password_hash, "granite meadow compass")


def test_changing_email_to_another_accounts_address_sends_no_link_and_tells_that_address(ctx):
    """Answered as for any address (the page must not say which have accounts):
    no link is made, and the address's owner is told why nothing happened."""
    UserFactory(email="taken@example.org")
    user = UserFactory(email="mine@example.org")
    assert services.request_email_change(actor=user, new_email="TAKEN@example.org",
                                         password=PASSWORD) == "taken@example.org"
    assert user.email == "mine@example.org"
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.recipient == "taken@example.org" and "/confirm-email/" not in message.body
    assert actions() == ["profile.email_change_requested"]  # as for a free address, in the person's own record


def test_roles_are_granted_and_removed_with_an_audit_trail(ctx):
    with write_lock(every_transaction=True):  # as the admin's form: roles are set under the account's lock
        admin = UserFactory(roles=["admin"])
        user = UserFactory()
        services.set_site_roles(user, {SiteRole.ORGANISER, SiteRole.AWARDS_ADMINISTRATOR}, actor=admin)
        assert user.site_roles == {SiteRole.ORGANISER, SiteRole.AWARDS_ADMINISTRATOR}
        services.set_site_roles(user, {SiteRole.ORGANISER}, actor=admin)
        assert user.site_roles == {SiteRole.ORGANISER}
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("role.%"))).all()
    assert [(e.action, e.details["role"], e.actor_id) for e in entries] == [
        ("role.granted", "organiser", admin.id),
        ("role.granted", "awards_administrator", admin.id),
        ("role.removed", "awards_administrator", admin.id),
    ]


def test_the_last_admin_cannot_be_removed(ctx):
    admin = UserFactory(roles=["admin"])
    with pytest.raises(services.LastAdmin):
        services.remove_role(admin, SiteRole.ADMIN, actor=admin)
    assert admin.has_role(SiteRole.ADMIN)


def test_timestamps_come_back_timezone_aware(ctx):
    user = UserFactory()
    db.session.expire_all()
    assert db.session.get(User, user.id).created_at.tzinfo is not None
    assert abs(db.session.get(User, user.id).created_at - utcnow()) < timedelta(minutes=1)
