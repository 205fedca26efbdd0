"""Forum rules without HTTP: who may join, coordinators' decisions, and a
parent or carer's consent for young members."""
from datetime import date

import pytest
from sqlalchemy import select

from core.database import write_lock
from core.errors import DomainError
from core.extensions import db
from core.models import OutboxMessage
from forums.services import applying, consent, memberships, safeguarding
from forums.models import Faith, ForumKind, MembershipStatus
from forums.services.applying import Application
from forums.services.errors import ForumRuleBroken
from tests.factories import UserFactory
from tests.forums.factories import ForumFactory, MembershipFactory

TODAY = date(2026, 11, 23)


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def youth_forum():
    return ForumFactory(name="County youth forum", kind=ForumKind.YOUTH, min_age=11, max_age=18)


def young(**overrides):
    values = dict(reason="I want a say", date_of_birth=date(2012, 5, 1), parent_name="Sam Carer",
                  parent_email="carer@example.org")
    return Application(**{**values, **overrides})


@pytest.mark.parametrize("overrides, field, message", [
    ({"date_of_birth": None}, "date_of_birth", "Enter your date of birth"),
    ({"date_of_birth": date(2027, 1, 1)}, "date_of_birth", "Date of birth must be in the past"),
    ({"date_of_birth": date(2018, 1, 1)}, "date_of_birth", "is for young people aged 11 to 18, and you are 8"),
    ({"date_of_birth": date(1990, 1, 1)}, "date_of_birth", "is for young people aged 11 to 18, and you are 36"),
    ({"parent_name": ""}, "parent_name", "Enter your parent or carer's name"),
    ({"parent_email": "kid@example.org"}, "parent_email", "not yours"),
    ({"parent_email": "Kid+Parent@Example.org"}, "parent_email", "not yours"),
])
def test_youth_applications_are_refused_with_a_reason_and_nothing_saved(ctx, overrides, field, message, outbox):
    forum, child = youth_forum(), UserFactory(email="kid@example.org")
    with pytest.raises(ForumRuleBroken) as refused:
        applying.apply(forum, child, young(**overrides), today=TODAY)
    assert refused.value.field == field and message in refused.value.message
    db.session.rollback()
    assert memberships.membership_of(child, forum) is None


def test_a_young_member_becomes_active_only_when_approved_and_a_parent_consents(ctx):
    forum, child, coordinator = youth_forum(), UserFactory(), UserFactory()
    membership = applying.apply(forum, child, young(), today=TODAY)
    assert membership.status == MembershipStatus.APPLIED and not membership.share_email
    [asked] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "carer@example.org")).all()
    assert consent.consent_link(membership) in asked.body
    memberships.approve(membership, actor=coordinator, today=TODAY)
    assert membership.status == MembershipStatus.AWAITING_CONSENT
    link_owner = consent.membership_for_consent(consent.consent_link(membership).rsplit("/", 1)[1])
    assert link_owner is membership
    consent.give_consent(membership, photo_consent=True)
    assert membership.status == MembershipStatus.ACTIVE and membership.parent_consented_at and membership.photo_consent
    # Found walking it: the approval said membership starts when the parent agrees, and nothing said it had.
    told = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == child.email)
                              .order_by(OutboxMessage.id)).all()
    assert "starts as soon as your parent or carer agrees" in told[-2] and "you are now a member" in told[-1]
    consent.withdraw_consent(membership)
    assert membership.status == MembershipStatus.SUSPENDED and not membership.photo_consent
    with pytest.raises(ForumRuleBroken, match="must consent again"):
        memberships.reinstate(membership, actor=coordinator)


def test_consent_given_before_approval_makes_approval_final(ctx):
    forum, child = youth_forum(), UserFactory()
    membership = applying.apply(forum, child, young(), today=TODAY)
    consent.give_consent(membership, photo_consent=False)
    assert membership.status == MembershipStatus.APPLIED
    memberships.approve(membership, actor=UserFactory(), today=TODAY)
    assert membership.status == MembershipStatus.ACTIVE


def test_an_adult_on_a_youth_forum_needs_no_parent(ctx):
    forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25)
    membership = applying.apply(forum, UserFactory(), young(date_of_birth=date(2004, 1, 1), parent_name="",
                                                            parent_email=""), today=TODAY)
    memberships.approve(membership, actor=UserFactory(), today=TODAY)
    assert membership.status == MembershipStatus.ACTIVE and membership.parent_email == ""


def test_applying_twice_and_deciding_a_withdrawn_application_are_refused(ctx):
    forum, person = ForumFactory(), UserFactory()
    membership = applying.apply(forum, person, Application(reason="Hello", faith=Faith.SIKH))
    with pytest.raises(ForumRuleBroken, match="already applied"):
        applying.apply(forum, person, Application(reason="Again", faith=Faith.SIKH))
    applying.withdraw_application(membership, actor=person)
    with pytest.raises(ForumRuleBroken, match="withdrawn, so it cannot be approved"):
        memberships.approve(membership, actor=UserFactory())
    with pytest.raises(ForumRuleBroken, match="Choose the faith community"):
        applying.apply(ForumFactory(), person, Application(reason="No faith given"))


def test_a_faith_cap_stops_approval_beyond_the_limit(ctx):
    forum = ForumFactory(faith_cap=2)
    for _ in range(2):
        MembershipFactory(forum=forum, faith=Faith.MUSLIM)
    MembershipFactory(forum=forum, faith=Faith.MUSLIM, status=MembershipStatus.REMOVED)  # holds no seat
    third = applying.apply(forum, UserFactory(), Application(reason="Hello", faith=Faith.MUSLIM))
    with pytest.raises(ForumRuleBroken, match="already has 2 members for Muslim"):
        memberships.approve(third, actor=UserFactory())
    christian = applying.apply(forum, UserFactory(), Application(reason="Hello", faith=Faith.CHRISTIAN))
    memberships.approve(christian, actor=UserFactory())
    assert christian.status == MembershipStatus.ACTIVE


def test_declining_needs_a_reason_and_emails_it(ctx):
    forum, person = ForumFactory(), UserFactory()
    membership = applying.apply(forum, person, Application(reason="Hello", faith=Faith.HINDU))
    with pytest.raises(ForumRuleBroken, match="Give a reason"):
        memberships.decline(membership, reason="  ", actor=UserFactory())
    memberships.decline(membership, reason="The forum is full until April", actor=UserFactory())
    [message] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == person.email)).all()
    assert "The forum is full until April" in message.body


def test_only_a_current_dbs_check_opens_young_members_details(ctx, app):
    coordinator, admin = UserFactory(), UserFactory()
    assert not safeguarding.safeguarding_check_current(coordinator, today=TODAY)
    safeguarding.record_safeguarding_check(coordinator, date(2023, 11, 24), actor=admin, today=TODAY)
    assert safeguarding.safeguarding_check_current(coordinator, today=TODAY)
    assert not safeguarding.safeguarding_check_current(coordinator, today=date(2026, 11, 25))  # over 3 years old
    with pytest.raises(ForumRuleBroken, match="cannot be in the future"):
        safeguarding.record_safeguarding_check(coordinator, date(2027, 1, 1), actor=admin, today=TODAY)


def test_a_reinstated_member_is_told_they_are_a_member_again(ctx):
    """Told when paused, so told when not: the last email said "paused" while
    they were active again (found by tests/forums/test_membership_machine.py)."""
    coordinator = UserFactory()
    membership = MembershipFactory()
    memberships.suspend(membership, actor=coordinator)
    memberships.reinstate(membership, actor=coordinator)
    [paused, again] = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == membership.user.email).order_by(OutboxMessage.id)).all()
    assert "have paused your membership" in paused.body
    assert again.subject == f"Your membership of {membership.forum.name}"
    assert "you are a member again" in again.body and f"/forums/{membership.forum_id}" in again.body


@pytest.mark.parametrize("one, other, same", [
    ("me@example.org", "me+parent@example.org", True),
    ("me@example.org", "ME+mum@EXAMPLE.org", True),
    ("jo.smith@gmail.com", "josmith+mum@googlemail.com", True),
    ("jo.smith@example.org", "josmith@example.org", False),  # only Gmail ignores dots
    ("me@example.org", "me@example.com", False),
    ("me@example.org", "mum@example.org", False),
])
def test_a_parents_address_that_is_the_applicants_own_mailbox_is_recognised(one, other, same):
    assert applying.same_mailbox(one, other) is same


def test_a_young_person_cannot_give_consent_for_themselves(ctx):
    forum, child = youth_forum(), UserFactory()
    membership = applying.apply(forum, child, young(), today=TODAY)
    with pytest.raises(ForumRuleBroken, match="cannot give consent for yourself"):
        consent.give_consent(membership, photo_consent=True, signed_in_as=child)
    assert membership.parent_consented_at is None
    consent.give_consent(membership, photo_consent=True, signed_in_as=UserFactory())  # a parent with an account
    assert membership.parent_consented_at is not None


def messages_of(refusal) -> list[tuple[str, str]]:
    return [(each.field, each.message) for each in getattr(refusal, "errors", [refusal])]


@pytest.mark.parametrize("forum_ages, born, asked", [
    ((11, 18), None, ["date_of_birth", "parent_name", "parent_email"]),
    ((11, 17), None, ["date_of_birth", "parent_name", "parent_email"]),
    ((18, 25), None, ["date_of_birth"]),
    ((11, 25), date(2011, 1, 1), ["parent_name", "parent_email"]),
    ((11, 25), date(2004, 1, 1), []),
    ((11, 18), date(1990, 1, 1), ["date_of_birth"]),
])
def test_a_youth_application_is_refused_with_everything_it_needs_at_once(ctx, forum_ages, born, asked):
    forum = ForumFactory(name="County youth forum", kind=ForumKind.YOUTH, min_age=forum_ages[0],
                         max_age=forum_ages[1])
    with pytest.raises(DomainError) as refused:
        applying.apply(forum, UserFactory(), Application(reason=" ", date_of_birth=born), today=TODAY)
    problems = messages_of(refused.value)
    assert [field for field, _ in problems] == ["reason", *asked]
    assert problems[0][1] == "Tell the coordinators why you want to join"
    # Only a forum that takes both under and over 18s leaves it open whether a parent or carer must agree.
    parent_messages = [message for field, message in problems if field.startswith("parent")]
    conditional = born is None and forum_ages == (11, 18)
    assert all(message.startswith("If you are under 18, enter" if conditional else "Enter")
               for message in parent_messages)


def test_an_interfaith_application_is_refused_with_its_reason_and_faith_at_once(ctx):
    with pytest.raises(DomainError) as refused:
        applying.apply(ForumFactory(), UserFactory(), Application(reason=""))
    assert messages_of(refused.value) == [("reason", "Tell the coordinators why you want to join"),
                                          ("faith", "Choose the faith community you represent")]
