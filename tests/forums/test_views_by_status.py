"""Each forum page says what each membership status means, to the member and
to the coordinators, and what a meeting's status and audience mean: every
branch a template takes on them is drawn here once (a comparison that could
never be true would leave its words off the page)."""
import re
from datetime import date, timedelta

import pytest

from core.accounts.models import User
from core.database import utcnow
from core.extensions import db
from events.models import Audience, EventKind, EventStatus
from forums.models import ForumCoordinator, ForumKind, MembershipStatus
from tests.conftest import sign_in
from tests.events.factories import EventFactory
from tests.forums.factories import ForumFactory, MembershipFactory


def main_of(response):
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    return page[page.index("<main"):page.index("</main>")]


def _membership(app, make_user, status, *, youth=False, **fields):
    """A membership with `status`, its forum's coordinator, and the member."""
    member, coordinator = make_user(), make_user()
    with app.app_context():
        forum = ForumFactory(**({"kind": ForumKind.YOUTH, "min_age": 11, "max_age": 25} if youth else {}))
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        young = {"date_of_birth": date.today() - timedelta(days=15 * 366), "parent_name": "Bea",
                 "parent_email": "bea@example.org"} if youth else {}
        membership = MembershipFactory(forum=forum, user=db.session.get(User, member.id), status=status,
                                       **young, **fields)
        db.session.commit()
        return forum.id, membership.id, coordinator, member


# What the member reads on the forum's page about their own membership.
OWN = {
    MembershipStatus.APPLIED: ["Withdraw my application"],
    MembershipStatus.AWAITING_CONSENT: ["Withdraw my application"],
    MembershipStatus.ACTIVE: ["You are a member.", "Stop announcement emails"],
    MembershipStatus.SUSPENDED: ["Suspended</strong>"],
    MembershipStatus.REMOVED: ["The coordinators ended your membership."],
    MembershipStatus.DECLINED: ["Your last application was not accepted. You can apply again.", "Apply to join"],
    MembershipStatus.WITHDRAWN: ["Apply to join"],
}
ALL_OWN = {words for said in OWN.values() for words in said}


@pytest.mark.parametrize("status", list(MembershipStatus))
def test_a_members_forum_page_says_where_their_membership_stands(app, client, make_user, status):
    assert set(OWN) == set(MembershipStatus)
    forum_id, _, _, member = _membership(app, make_user, status)
    sign_in(client, member)
    page = main_of(client.get(f"/forums/{forum_id}"))
    assert [words for words in ALL_OWN if words in page] == [w for w in ALL_OWN if w in OWN[status]], page


def test_a_young_applicant_hears_the_forum_waits_for_their_parent_too(app, client, make_user):
    forum_id, _, _, member = _membership(app, make_user, MembershipStatus.APPLIED, youth=True)
    sign_in(client, member)
    assert "We are also waiting for your parent or carer to agree." in main_of(client.get(f"/forums/{forum_id}"))


# The coordinators' page of one membership: the buttons each status offers (a young person whose parent has
# consented, unless the membership still waits for it; photos only with a parent's consent in force).
BUTTONS = {
    MembershipStatus.APPLIED: {"approve", "decline", "resend_consent"},
    MembershipStatus.AWAITING_CONSENT: {"decline", "resend_consent"},
    MembershipStatus.ACTIVE: {"change_role", "suspend", "remove", "photos_yes"},
    MembershipStatus.SUSPENDED: {"reinstate", "remove", "photos_yes"},
    MembershipStatus.DECLINED: set(),
    MembershipStatus.REMOVED: set(),
    MembershipStatus.WITHDRAWN: set(),
}


@pytest.mark.parametrize("status", list(MembershipStatus))
def test_the_coordinators_page_of_a_membership_offers_what_its_status_allows(app, client, make_user, status):
    waiting = status in (MembershipStatus.APPLIED, MembershipStatus.AWAITING_CONSENT)
    forum_id, membership_id, coordinator, _ = _membership(app, make_user, status, youth=True,
                                                          parent_consented_at=None if waiting else utcnow())
    sign_in(client, coordinator)
    page = main_of(client.get(f"/forums/{forum_id}/manage/memberships/{membership_id}"))
    asked_first = set(re.findall(r'href="[^"]*\?confirm=(\w+)', page))  # suspending and removing: a page first
    assert set(re.findall(r'name="action" value="(\w+)"', page)) | asked_first == BUTTONS[status]
    assert asked_first == BUTTONS[status] & {"suspend", "remove"}
    # The role and term boxes only beside the button that saves them (Enter in a box presses its form's button).
    assert ('name="role"' in page) is (status in (MembershipStatus.APPLIED, MembershipStatus.ACTIVE))


def _meeting(app, forum_id, **fields):
    with app.app_context():
        return EventFactory(forum_id=forum_id, kind=EventKind.FORUM_MEETING, **fields).id


@pytest.mark.parametrize("audience, status, coming", [
    (Audience.FORUM_MEMBERS, EventStatus.PUBLISHED, True),
    (Audience.PUBLIC, EventStatus.PUBLISHED, True),
    (Audience.FORUM_MEMBERS, EventStatus.CANCELLED, False),
])
def test_a_meeting_page_says_who_can_come_and_asks_members_if_they_are(app, client, make_user, audience, status,
                                                                      coming):
    forum_id, _, _, member = _membership(app, make_user, MembershipStatus.ACTIVE)
    meeting_id = _meeting(app, forum_id, audience=audience, status=status)
    sign_in(client, member)
    page = main_of(client.get(f"/forums/{forum_id}/meetings/{meeting_id}"))
    who = "Members of the forum" if audience == Audience.FORUM_MEMBERS else "Anyone"
    assert who in page and ("Are you coming?" in page) is coming
    event_page = main_of(client.get(f"/events/{meeting_id}"))
    assert ("This event is for members of a forum." in event_page) is (
        audience == Audience.FORUM_MEMBERS and status == EventStatus.PUBLISHED)


def test_only_an_active_member_is_asked_about_a_meeting_and_about_their_contact_details(app, client, make_user):
    forum_id, _, coordinator, member = _membership(app, make_user, MembershipStatus.ACTIVE)
    meeting_id = _meeting(app, forum_id, audience=Audience.FORUM_MEMBERS)
    sign_in(client, member)
    assert "What other members see of you" in main_of(client.get(f"/forums/{forum_id}/members"))
    sign_in(client, coordinator)
    assert "Are you coming?" not in main_of(client.get(f"/forums/{forum_id}/meetings/{meeting_id}"))
    assert "What other members see of you" not in main_of(client.get(f"/forums/{forum_id}/members"))


def test_the_forum_page_tags_a_meeting_that_is_not_simply_published(app, client, make_user):
    forum_id, *_ = _membership(app, make_user, MembershipStatus.ACTIVE)
    _meeting(app, forum_id, title="Going ahead", audience=Audience.PUBLIC)
    _meeting(app, forum_id, title="Put off", audience=Audience.PUBLIC, status=EventStatus.POSTPONED)
    page = main_of(client.get(f"/forums/{forum_id}"))
    going, put_off = page.index("Going ahead"), page.index("Put off")
    assert "govuk-tag" not in page[going:page.index("</li>", going)]
    assert "Postponed</strong>" in page[put_off:page.index("</li>", put_off)]
