"""A forum's announcements, sent once per preview and no more than the
day's limit, and the unsubscribe link and headers of ordinary ones, which
turn the membership's announcement emails off (and the forum page on)."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core import drafts, unsubscribes
from core.database import write_lock
from core.extensions import db
from core.models import OutboxMessage
from forums.services import announcements, renewal
from tests.factories import UserFactory
from tests.forums.factories import ForumFactory, MembershipFactory


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def test_an_ordinary_announcement_carries_the_unsubscribe_headers_and_an_essential_one_none(ctx):
    forum = ForumFactory(name="Kettering Interfaith Forum")
    member = MembershipFactory(forum=forum).user
    announcements.announce(forum, subject="Picnic", body="Bring a dish.", role=None, essential=False,
                           actor=UserFactory())
    announcements.announce(forum, subject="Moved", body="Now at the library.", role=None, essential=True,
                           actor=UserFactory())
    picnic, moved = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == member.email)
                                       .order_by(OutboxMessage.id))
    link = unsubscribes.link(member.email, f"forum:{forum.id}")
    assert link in picnic.body and picnic.headers["List-Unsubscribe"] == f"<{link}>"
    assert moved.headers is None and "/unsubscribe/" not in moved.body
    assert unsubscribes.read(link.rsplit("/", 1)[1]).description == \
        "announcements from Kettering Interfaith Forum that are not essential"


def test_unsubscribing_turns_the_memberships_emails_off_and_the_forum_page_turns_them_on(ctx):
    forum = ForumFactory()
    membership = MembershipFactory(forum=forum)
    unsubscribes.unsubscribe(membership.user.email.upper(), f"forum:{forum.id}")
    assert membership.announcement_emails is False
    assert announcements.members_to_email(forum) == []
    announcements.set_announcement_emails(membership, True)
    assert membership.announcement_emails is True and unsubscribes.scopes_stopped(membership.user.email) == []


def test_the_same_preview_sends_once_and_a_forum_sends_no_more_than_the_days_limit(ctx, app):
    app.config["MESSAGES_PER_DAY"] = 2
    forum = ForumFactory()
    MembershipFactory(forum=forum)
    message = {"subject": "One", "body": "Hi", "role": None, "essential": False}
    draft = announcements.new_draft(forum, **message)
    announcements.announce(forum, **message, actor=UserFactory(), draft=draft)
    with pytest.raises(announcements.AnnouncementError, match="sent already"):
        announcements.announce(forum, **message, actor=UserFactory(), draft=draft)
    with pytest.raises(drafts.NotPreviewed, match="not been previewed"):  # changed since its preview
        announcements.announce(forum, **{**message, "body": "Hello"}, actor=UserFactory(), draft=draft)
    announcements.announce(forum, subject="Two", body="Hi", role=None, essential=False, actor=UserFactory())
    with pytest.raises(announcements.AnnouncementError, match="2 announcements in the last 24 hours"):
        announcements.announce(forum, subject="Three", body="Hi", role=None, essential=False, actor=UserFactory())


def test_a_lapsed_member_gets_no_announcement_essential_or_not_until_they_renew(ctx):
    forum = ForumFactory()
    current = MembershipFactory(forum=forum)
    lapsed = MembershipFactory(forum=forum, term_ends_on=date.today() - timedelta(days=1))
    ends_today = MembershipFactory(forum=forum, term_ends_on=date.today())
    for essential in (False, True):
        assert set(announcements.members_to_email(forum, essential=essential)) == {current, ends_today}
    renewal.renew(lapsed, actor=UserFactory())
    assert lapsed in announcements.members_to_email(forum)
