"""A spreadsheet import's lifecycle (docs/lifecycles/spreadsheet-import.md)
as a hypothesis state machine: overlapping files of the same people uploaded,
matched and imported in any order, an import pressed twice, columns matched
again, and people proving their addresses between imports, all through the
services as the views call them.

After every step: each import's state is one the lifecycle draws, and its
file is kept exactly while it can still be imported; a finished import's
counts add up to its rows; nobody is imported twice (one membership or one
imported invitation per address); nothing is linked to an account that has
not proven the address; and nobody was emailed."""
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from core import imports
from core.accounts.services import email_confirmed
from core.database import utcnow
from core.extensions import db
from core.models import ImportStatus, OutboxMessage, SpreadsheetImport
from core.accounts.models import User
from forums.imports import KIND
from forums.models import ForumInvitation, Membership
from tests.factories import UserFactory
from tests.forums.factories import ForumFactory
from tests.machines import ServiceMachine, examples

PEOPLE = ["amina@example.org", "piotr@example.org", "ravi@example.org", "hodan@example.org"]
FAITHS = ["Muslim", "Christian", "Hindu", "Islam"]
people = st.lists(st.integers(0, len(PEOPLE) - 1), min_size=1, max_size=5)


class ImportLifecycle(ServiceMachine):
    @initialize()
    def world(self):
        self.forum = ForumFactory()
        self.coordinator = UserFactory()
        # Amina has proven her address; Piotr has an account whose address is not proven yet.
        UserFactory(email=PEOPLE[0])
        UserFactory(email=PEOPLE[1], email_confirmed_at=None)
        db.session.commit()
        self.forum_id, self.coordinator_id, self.import_ids = self.forum.id, self.coordinator.id, []

    def _kind(self):
        return imports.kind_named(KIND)

    def _coordinator(self):
        return db.session.get(User, self.coordinator_id)

    @rule(rows=people, typo=st.booleans())
    def upload(self, rows, typo):
        body = "Name,E-mail,Religion\n" + "".join(
            f"Person {n},{'not-an-address' if typo and i == 0 else PEOPLE[n].upper() if i % 2 else PEOPLE[n]},"
            f"{FAITHS[n]}\n" for i, n in enumerate(rows))
        made = []
        self.act(lambda: made.append(imports.upload(self._kind(), db.session.get(type(self.forum), self.forum_id),
                                                    "m.csv", body.encode(), actor=self._coordinator())))
        self.import_ids.append(made[0].id)

    @rule(which=st.integers(0, 20), faith_too=st.booleans())
    def match(self, which, faith_too):
        if not self.import_ids:
            return
        started = db.session.get(SpreadsheetImport, self.import_ids[which % len(self.import_ids)])
        mapping = {"name": 0, "email": 1, "faith": 2 if faith_too else None}
        self.act(lambda: imports.match_columns(started, self._kind(), mapping, actor=self._coordinator()))

    @rule(which=st.integers(0, 20))
    def run(self, which):
        if not self.import_ids:
            return
        started = db.session.get(SpreadsheetImport, self.import_ids[which % len(self.import_ids)])
        before = started.status
        ran = self.act(lambda: imports.start(started, self._kind(), db.session.get(type(self.forum), self.forum_id),
                                             email_people=False, actor=self._coordinator(), back_url="/"))
        assert ran == (before == ImportStatus.MAPPED)

    @rule(person=st.integers(1, len(PEOPLE) - 1))
    def proves_address(self, person):
        def prove():
            account = db.session.scalar(select(User).where(User.email == PEOPLE[person])) or UserFactory.build(
                email=PEOPLE[person])
            account.email_confirmed_at = utcnow()
            db.session.add(account)
            db.session.flush()
            email_confirmed.send(account)
        self.act(prove)

    @invariant()
    def states_and_files_agree(self):
        db.session.rollback()
        for started in db.session.scalars(select(SpreadsheetImport)):
            assert started.status in (ImportStatus.UPLOADED, ImportStatus.MAPPED, ImportStatus.DONE)
            assert (started.content is None) == (started.status == ImportStatus.DONE)
            if started.status == ImportStatus.DONE:
                assert started.imported + started.skipped + started.refused == started.rows_total

    @invariant()
    def nobody_twice_and_only_through_a_proven_address(self):
        memberships = db.session.execute(select(User.email, User.email_confirmed_at).join(
            Membership, Membership.user_id == User.id)).all()
        assert all(confirmed is not None for _, confirmed in memberships)
        invited = list(db.session.scalars(select(ForumInvitation.email)))
        assert len(invited) == len(set(invited))
        waiting = set(db.session.scalars(select(ForumInvitation.email).where(ForumInvitation.accepted_at.is_(None))))
        assert not waiting & {email for email, _ in memberships}
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_import_lifecycle(app):
    run_state_machine_as_test(lambda: ImportLifecycle(app), settings=settings(
        max_examples=examples(app, 8), stateful_step_count=10, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
