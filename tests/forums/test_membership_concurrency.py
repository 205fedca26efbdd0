"""Two coordinators pressing one button at once, through a real
multi-threaded server on SQLite and PostgreSQL: the membership changes
once, and the record reports count members from (its spells) holds one
running spell, not two."""
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry
from forums.models import ForumCoordinator, ForumKind, Membership, MembershipSpell, MembershipStatus
from forums.services import memberships
from core.database import write_lock
from tests.events.test_concurrency import ROOMY_LIMITS, all_at_once
from tests.factories import TOTP_SECRET
from tests.forums.factories import ForumFactory, MembershipFactory
from tests.http_client import HttpClient
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
