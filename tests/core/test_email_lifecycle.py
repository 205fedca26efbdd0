"""The life of an account's email address as a state machine, through the
services: sign up, confirm (with the right or a wrong password), ask to
change the address, follow old and new links, undo a change from the old
address, reset the password, and guests booking under any of the addresses.

After every step: nothing held under an address is linked to an account
that has not proven it owns that address; an unconfirmed account cannot
sign in; a confirmed account's address is one it proved; and a link made
before the address or password changed no longer works."""
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from core.accounts import services
from core.database import write_lock
from core.errors import DomainError, InvalidLink
from core.extensions import db
from core.models import OutboxMessage
from core.accounts.models import User
from events.services.registration import register
from events.models import Registration
from tests.conftest import empty
from tests.events.factories import EventFactory

ADDRESSES = ["ana@example.org", "ben@example.org", "cy@example.org"]
PASSWORDS = ["lantern orchard velvet", "granite meadow compass"]
VOIDED = "voided: only a reset gets back in"


class EmailLifecycle(RuleBasedStateMachine):
    accounts = Bundle("accounts")

    def __init__(self, app):
        super().__init__()
        self.app = app
        self.context = app.test_request_context()
        self.context.push()
        self.proven: dict[int, set[str]] = {}  # account -> addresses it proved are its own
        self.passwords: dict[int, str] = {}
        self.stale_links: list[tuple[str, str]] = []  # (kind, token) made before their account changed

    def teardown(self):
        db.session.rollback()
        self.context.pop()
        empty(self.app)

    @initialize()
    def an_event(self):
        self.event_id = EventFactory(capacity=50, max_tickets=1).id

    def _commit(self):
        db.session.commit()

    @rule(target=accounts, email=st.sampled_from(ADDRESSES), password=st.sampled_from(PASSWORDS))
    def sign_up(self, email, password):
        """An address a confirmed account has makes nothing: its owner is
        emailed instead, and their account is as it was. One that only an
        unconfirmed account has is nobody's: the new sign-up takes its place."""
        owner = services.find_user_by_email(email)
        owner_id, owner_confirmed = (owner.id, owner.email_confirmed) if owner is not None else (None, False)
        owners_password = owner.password_hash if owner is not None else None
        with write_lock():
            user = services.sign_up(name="Person", email=email, password=password)
        self._commit()
        if owner_confirmed:
            assert user is None and owner.password_hash == owners_password
            assert self._last_subject_to(email) == "An account already uses this email address"
            return None
        assert user is not None and self._last_subject_to(email) == "Confirm your email address"
        if owner_id is not None and owner_id != user.id:  # gone (on SQLite its id may come round to the new one)
            assert self._user(owner_id) is None
        self.proven[user.id], self.passwords[user.id] = set(), password
        return user.id

    def _last_subject_to(self, email):
        return db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.recipient == email)
                                  .order_by(OutboxMessage.id.desc())).first()

    @rule(account=accounts, right=st.booleans())
    def confirm(self, account, right):
        user = self._user(account)
        if user is None:
            return
        token = services.email_confirmation_token(user)
        right = right and self.passwords[account] != VOIDED  # nobody knows a voided password
        already = user.email_confirmed
        try:
            services.confirm_email(token, password=self.passwords[account] if right else "a wrong guess here")
        except InvalidLink:  # a link for an address already confirmed has been used: it works once
            assert already
            db.session.rollback()
            return
        except services.WrongPassword:
            assert not right
            self._commit()
            return
        assert right
        self._commit()
        self.proven[account].add(user.email)

    @rule(account=accounts, email=st.sampled_from(ADDRESSES))
    def change_address(self, account, email):
        """Ask for a change and keep the link; following it is another step."""
        user = self._user(account)
        if user is None or not user.email_confirmed:
            return
        owner = services.find_user_by_email(email)
        try:
            new = services.request_email_change(actor=user, new_email=email, password=self.passwords[account])
        except services.EmailAlreadyRegistered:  # their own address already
            db.session.rollback()
            return
        except services.WrongPassword:
            # An undo from the old address voided the password: only a reset gets back in.
            assert self.passwords[account] == VOIDED
            self._commit()  # the refusal is kept in the audit log
            return
        self._commit()
        if owner is not None and owner.email_confirmed:  # another's proven address: they are told, no link is sent
            assert self._last_subject_to(email) == "An account already uses this email address"
            return
        self.stale_links.append(("confirm", services.email_confirmation_token(user, new)))

    @rule(data=st.data())
    def follow_a_change_link(self, data):
        if not self.stale_links:
            return
        kind, token = data.draw(st.sampled_from(self.stale_links))
        if kind != "confirm":
            return
        try:
            user, email = services.confirmation_for_token(token)
        except InvalidLink:
            return  # the account's address or password has changed since: the link is dead
        before = user.email
        try:
            services.confirm_email(token, password=self.passwords[user.id])
        except InvalidLink:
            db.session.rollback()
            return  # another account took the address meanwhile
        self._commit()
        self.proven[user.id].add(email)
        if email != before:
            self.stale_links.append(("undo", self._undo_token_for(before)))

    def _undo_token_for(self, old_email):
        body = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == old_email)
                                  .order_by(OutboxMessage.id.desc())).first()
        return body.split("/account/email/undo/")[1].split()[0]

    @rule(data=st.data())
    def undo_from_the_old_address(self, data):
        undos = [token for kind, token in self.stale_links if kind == "undo"]
        if not undos:
            return
        token = data.draw(st.sampled_from(undos))
        try:
            user = services.undo_email_change(token)
        except InvalidLink:
            db.session.rollback()
            return
        self._commit()
        self.passwords[user.id] = VOIDED

    @rule(account=accounts, password=st.sampled_from(PASSWORDS))
    def reset_password(self, account, password):
        user = self._user(account)
        if user is None:
            return
        token = services.password_reset_token(user)
        services.reset_password(token, password=password, name="Person")  # a name is asked if it was unconfirmed
        self._commit()
        self.passwords[account] = password
        self.proven[account].add(user.email)
        self.stale_links.append(("reset", token))

    @rule(email=st.sampled_from(ADDRESSES))
    def guest_books(self, email):
        event = EventFactory(capacity=50, max_tickets=1)
        with write_lock():
            register(event, name="Guest", email=email, access_needs="Needs a quiet room")
        self._commit()

    @rule(data=st.data())
    def old_reset_links_are_dead(self, data):
        resets = [token for kind, token in self.stale_links if kind == "reset"]
        if resets:
            try:
                services.user_for_reset_token(data.draw(st.sampled_from(resets)))
                raise AssertionError("a used reset link still works")
            except InvalidLink:
                pass

    def _user(self, account):
        return db.session.get(User, account) if account is not None else None

    @invariant()
    def only_proven_addresses_link_records(self):
        for registration in db.session.scalars(select(Registration).where(Registration.user_id.is_not(None))):
            assert registration.email in self.proven[registration.user_id], registration.email

    @invariant()
    def unconfirmed_accounts_cannot_sign_in(self):
        for user in db.session.scalars(select(User)):
            if not user.email_confirmed:
                try:
                    services.authenticate(email=user.email, password=self.passwords[user.id])
                    raise AssertionError("an unconfirmed account signed in")
                except DomainError:
                    db.session.rollback()
            else:
                assert user.email in self.proven[user.id]


def test_email_lifecycle(app):
    run_state_machine_as_test(lambda: EmailLifecycle(app), settings=settings(
        max_examples=25, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
