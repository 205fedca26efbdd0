"""Two coordinators pressing one button at once, through a real
multi-threaded server on SQLite and PostgreSQL: the membership changes
once, and the record reports count members from (its spells) holds one
running spell, not two."""
from datetime import date, timedelta

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry
from forums.models import ForumCoordinator, ForumKind, Membership, MembershipSpell, MembershipStatus
from forums.services import consent, memberships
from core.database import utcnow, write_lock
from tests.events.test_concurrency import ROOMY_LIMITS, all_at_once
from tests.factories import TOTP_SECRET, UserFactory
from tests.forums.factories import ForumFactory, MembershipFactory
from tests.http_client import HttpClient
from tests.interleaving import interleave
from tests.live_server import live_server


def test_two_coordinators_reinstating_a_member_at_once_start_one_spell(app, database_url, make_user):
    coordinators = [make_user(totp_secret=TOTP_SECRET) for _ in range(2)]
    with app.test_request_context(), write_lock(every_transaction=True):
        forum = ForumFactory(kind=ForumKind.OTHER)
        for coordinator in coordinators:
            db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        membership = MembershipFactory(forum=forum, status=MembershipStatus.APPLIED)
        db.session.flush()
        memberships.approve(membership, actor=db.session.get(type(membership.user), coordinator.id))
        memberships.suspend(membership, actor=membership.user)
        db.session.commit()
        page = f"/forums/{forum.id}/manage/memberships/{membership.id}"
        membership_id = membership.id

    def reinstate_job(coordinator):
        client = HttpClient(base_url)
        assert client.sign_in(coordinator.email, coordinator.password) == 302
        token = client.csrf_token(page)  # both show the suspended member, and their Reinstate button
        return lambda: None, lambda _: client.post(page, {"action": "reinstate"}, token)

    with live_server(database_url, **ROOMY_LIMITS) as base_url:
        results = all_at_once([reinstate_job(coordinator) for coordinator in coordinators])
    statuses = sorted(status for status, _ in results)
    assert statuses[0] in (200, 302) and 302 in statuses, statuses
    with app.app_context():
        assert db.session.get(Membership, membership_id).status == MembershipStatus.ACTIVE
        spells = db.session.scalars(select(MembershipSpell).where(MembershipSpell.membership_id == membership_id)
                                    .order_by(MembershipSpell.id)).all()
        assert [spell.ended_at is None for spell in spells] == [False, True]
        assert db.session.scalar(select(func.count()).where(AuditEntry.action == "membership.reinstated")) == 1


def test_a_parent_withdrawing_consent_while_a_coordinator_approves_leaves_the_young_person_out(app, database_url):
    """The coordinator's approval holds the forum's lock when the parent's
    withdrawal reads the application (still "applied", consent given): the
    withdrawal waits, reads it again, and suspends the membership the
    approval made. Reading what the page showed instead left a 15-year-old
    an active member without consent (found by attacking it on PostgreSQL;
    SQLite's write lock runs the two one after the other)."""
    with app.test_request_context():
        forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=18)
        coordinator = UserFactory()
        membership = MembershipFactory(forum=forum, status=MembershipStatus.APPLIED, parent_email="p@example.org",
                                       parent_name="A parent", date_of_birth=date.today() - timedelta(days=15 * 366),
                                       parent_consented_at=utcnow())
        db.session.commit()
        membership_id, coordinator_id = membership.id, coordinator.id

    def parent_reads():
        read = db.session.get(Membership, membership_id)  # what their page showed: applied, not yet approved
        assert read.status == MembershipStatus.APPLIED
        return lambda: consent.withdraw_consent(read)

    interleave(app, database_url, lambda: memberships.approve(
        db.session.get(Membership, membership_id), actor=db.session.get(type(coordinator), coordinator_id)),
        parent_reads)
    with app.app_context():
        after = db.session.get(Membership, membership_id)
        assert after.status == MembershipStatus.SUSPENDED and after.parent_consent_withdrawn_at is not None
        assert not db.session.scalars(select(MembershipSpell).where(MembershipSpell.membership_id == membership_id,
                                                                    MembershipSpell.ended_at.is_(None))).all()
