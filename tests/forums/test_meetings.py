"""What forums do between and at meetings, without HTTP: scheduling meetings
as events, booking and apologies, the agenda and minutes, actions carried
forward, announcements, invitations and renewals."""
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from core.accounts.models import ProvenAddress
from core.database import LONDON, london_datetime, utcnow, write_lock
from core import email as core_email
from core.email import deliver_due
from core.accounts.services import link_token
from core.errors import InvalidLink
from core.extensions import db
from core.models import OutboxMessage, OutboxStatus
from events.services.check_in import add_walk_in, check_in
from events.services.errors import NoPlaceGiven
from events.services.registration import register, registration_for
from events.services.scheduling import cancel_event, postpone_event, series_occurrences, update_event
from events.models import Audience, Event, EventKind, EventStatus, RegistrationStatus
from events.recurrence import Recurrence
from events.services.errors import NotOpenToYou
from forums import meetings
from forums.meetings import MeetingDetails
from forums.models import ActionStatus, Apology, Faith, ForumKind, Membership, MembershipRole, MembershipStatus
from forums.services import announcements, applying, consent, coordinators, invitations, memberships, renewal
from forums.services.applying import Application
from forums.services.errors import ForumRuleBroken
from tests.events.factories import EventFactory, VenueFactory
from tests.factories import UserFactory
from tests.forums.factories import ForumFactory, MembershipFactory


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def next_week(hour=18):
    return london_datetime(date.today() + timedelta(days=7), time(hour, 0))


def meeting_details(**overrides):
    values = dict(title="Spring meeting", starts_at=next_week(), ends_at=next_week(20), venue_id=VenueFactory().id)
    return MeetingDetails(**{**values, **overrides})


def emails_to(address):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                              .order_by(OutboxMessage.id)).all()


# --- meetings --------------------------------------------------------------------------------

def test_a_repeating_meeting_is_published_for_members_only_and_they_alone_can_book(ctx):
    forum, coordinator = ForumFactory(), UserFactory()
    member = MembershipFactory(forum=forum).user
    outsider = UserFactory()
    first = meetings.schedule_meeting(forum, meeting_details(
        recurrence=Recurrence("monthly_weekday", date.today() + timedelta(days=100)), agenda="1. Welcome"),
        actor=coordinator)
    scheduled = db.session.scalars(select(Event).where(Event.forum_id == forum.id)).all()
    assert len(scheduled) >= 3
    assert {(e.kind, e.audience, e.status, e.allow_guests) for e in scheduled} == {
        (EventKind.FORUM_MEETING, Audience.FORUM_MEMBERS, EventStatus.PUBLISHED, False)}
    assert meetings.papers_of(first).agenda == "1. Welcome" and meetings.papers_of(first).agenda_published_at

    booked = register(first, user=member)
    assert booked.status == RegistrationStatus.CONFIRMED
    with pytest.raises(NotOpenToYou, match="for the forum's members"):
        register(first, user=outsider)
    with pytest.raises(NotOpenToYou):
        register(first, name="A guest", email="guest@example.org")


def test_a_suspended_member_cannot_book_a_members_meeting(ctx):
    forum = ForumFactory()
    suspended = MembershipFactory(forum=forum, status=MembershipStatus.SUSPENDED).user
    meeting = meetings.schedule_meeting(forum, meeting_details(), actor=UserFactory())
    with pytest.raises(NotOpenToYou):
        register(meeting, user=suspended)


def test_a_meeting_with_no_place_is_refused_and_nothing_is_saved(ctx):
    forum = ForumFactory()
    with pytest.raises(NoPlaceGiven):
        meetings.schedule_meeting(forum, meeting_details(venue_id=None), actor=UserFactory())
    db.session.rollback()
    assert db.session.scalar(select(func.count(Event.id))) == 0


def test_coordinators_manage_their_forums_meetings_and_nobody_elses(ctx):
    from events.permissions import can_manage_event, can_view_event
    forum, elsewhere = ForumFactory(), ForumFactory()
    coordinator, other_coordinator, member, outsider = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    coordinators.grant_coordinator(forum, coordinator, actor=UserFactory(roles=["admin"]))
    coordinators.grant_coordinator(elsewhere, other_coordinator, actor=UserFactory(roles=["admin"]))
    MembershipFactory(forum=forum, user=member)
    meeting = meetings.schedule_meeting(forum, meeting_details(), actor=coordinator)
    assert can_manage_event(coordinator, meeting) and not can_manage_event(other_coordinator, meeting)
    # Where and when a members' meeting happens is for members and the people running it.
    assert can_view_event(member, meeting) and can_view_event(coordinator, meeting)
    assert not can_view_event(outsider, meeting) and not can_view_event(other_coordinator, meeting)


# --- apologies -------------------------------------------------------------------------------

def test_apologies_give_up_a_booked_place_to_the_person_waiting(ctx):
    forum = ForumFactory()
    first, second = MembershipFactory(forum=forum).user, MembershipFactory(forum=forum).user
    meeting = meetings.schedule_meeting(forum, meeting_details(capacity=1), actor=UserFactory())
    register(meeting, user=first)
    waiting = register(meeting, user=second)
    assert waiting.status == RegistrationStatus.WAITLISTED
    meetings.send_apologies(meeting, first, note="Hospital appointment")
    assert registration_for(meeting, first) is None
    db.session.refresh(waiting)
    assert waiting.status == RegistrationStatus.OFFERED
    [apology] = meetings.apologies_for(meeting)
    assert (apology.user_id, apology.note) == (first.id, "Hospital appointment")
    meetings.send_apologies(meeting, first, note="Still away")  # again: one apology, the new note
    assert [a.note for a in meetings.apologies_for(meeting)] == ["Still away"]


@pytest.mark.parametrize("case, message", [
    ("not a member", "Only the forum's members"),
    ("started", "already started"),
    ("cancelled", "has been cancelled"),
])
def test_apologies_are_refused_with_a_reason(ctx, case, message):
    forum = ForumFactory()
    person = UserFactory() if case == "not a member" else MembershipFactory(forum=forum).user
    meeting = EventFactory(forum_id=forum.id, kind=EventKind.FORUM_MEETING, audience=Audience.FORUM_MEMBERS)
    if case == "started":
        meeting.starts_at = utcnow() - timedelta(minutes=5)
    if case == "cancelled":
        meeting.status = EventStatus.CANCELLED
    with pytest.raises(ForumRuleBroken, match=message):
        meetings.send_apologies(meeting, person)
    assert db.session.scalar(select(func.count(Apology.id))) == 0


def test_the_register_is_the_events_check_in(ctx):
    forum, coordinator = ForumFactory(), UserFactory()
    coordinators.grant_coordinator(forum, coordinator, actor=UserFactory(roles=["admin"]))
    member = MembershipFactory(forum=forum).user
    meeting = meetings.schedule_meeting(forum, meeting_details(), actor=coordinator)
    booking = register(meeting, user=member)
    assert meetings.expected_at(meeting) == [member.name] and meetings.present_at(meeting) == []
    check_in(booking, actor=coordinator)
    add_walk_in(meeting, name="Council officer", people=1, actor=coordinator)
    assert meetings.present_at(meeting) == sorted([member.name, "Council officer"])


# --- agenda and minutes ----------------------------------------------------------------------

def test_minutes_reach_members_only_once_approved_and_go_back_to_draft_when_changed(ctx):
    forum, coordinator = ForumFactory(), UserFactory()
    meeting = EventFactory(forum_id=forum.id, kind=EventKind.FORUM_MEETING,
                           starts_at=utcnow() - timedelta(days=2), ends_at=utcnow() - timedelta(days=2, hours=-2))
    papers = meetings.save_papers(meeting, agenda="1. Welcome", minutes="Draft notes", actor=coordinator)
    assert papers.agenda_published_at is None and papers.minutes_approved_at is None
    papers = meetings.save_papers(meeting, agenda="1. Welcome", minutes="Agreed: a shared meal in June",
                                  approve_minutes=True, publish_agenda=True, actor=coordinator)
    assert papers.minutes_approved_at is not None and papers.minutes_approved_by_id == coordinator.id
    assert papers.agenda_published_at is not None
    unchanged = meetings.save_papers(meeting, agenda="1. Welcome", minutes="Agreed: a shared meal in June",
                                     actor=coordinator)
    assert unchanged.minutes_approved_at is not None  # saving the same words keeps the approval
    changed = meetings.save_papers(meeting, agenda="1. Welcome", minutes="Agreed: a shared meal in July",
                                   actor=coordinator)
    assert changed.minutes_approved_at is None and changed.minutes == "Agreed: a shared meal in July"


@pytest.mark.parametrize("agenda, minutes, publish, approve, field, message", [
    ("", "", True, False, "agenda", "Write the agenda before publishing it"),
    ("1. Welcome", "", False, True, "minutes", "Write the minutes before approving them"),
])
def test_papers_refuse_to_publish_nothing(ctx, agenda, minutes, publish, approve, field, message):
    meeting = EventFactory(forum_id=ForumFactory().id, starts_at=utcnow() - timedelta(days=1),
                           ends_at=utcnow() - timedelta(hours=20))
    with pytest.raises(ForumRuleBroken, match=message) as refused:
        meetings.save_papers(meeting, agenda=agenda, minutes=minutes, publish_agenda=publish,
                             approve_minutes=approve, actor=UserFactory())
    assert refused.value.field == field


def test_minutes_cannot_be_approved_before_the_meeting(ctx):
    meeting = meetings.schedule_meeting(ForumFactory(), meeting_details(), actor=UserFactory())
    with pytest.raises(ForumRuleBroken, match="once the meeting has taken place"):
        meetings.save_papers(meeting, agenda="", minutes="Written in advance", approve_minutes=True,
                             actor=UserFactory())


# --- actions ---------------------------------------------------------------------------------

def test_open_actions_are_carried_forward_until_done(ctx):
    forum, coordinator = ForumFactory(), UserFactory()
    coordinators.grant_coordinator(forum, coordinator, actor=UserFactory(roles=["admin"]))
    owner = MembershipFactory(forum=forum).user
    earlier = EventFactory(forum_id=forum.id, starts_at=utcnow() - timedelta(days=30),
                           ends_at=utcnow() - timedelta(days=30, hours=-2))
    later = meetings.schedule_meeting(forum, meeting_details(), actor=coordinator)
    hall = meetings.add_action(forum, description="Book the hall", owner_id=owner.id,
                               due_on=date.today() + timedelta(days=3), meeting=earlier, actor=coordinator)
    leaflet = meetings.add_action(forum, description="Print leaflets", owner_id=coordinator.id, due_on=None,
                                  meeting=earlier, actor=coordinator)
    assert meetings.open_actions(forum) == [hall, leaflet]  # due soonest first, no date last
    assert meetings.open_actions(forum, raised_before=later.starts_at) == [hall, leaflet]
    meetings.set_action_status(hall, ActionStatus.DONE, actor=coordinator)
    assert hall.completed_at is not None
    assert meetings.open_actions(forum, raised_before=later.starts_at) == [leaflet]
    assert meetings.actions_raised_at(earlier) == [hall, leaflet]  # the record of the meeting keeps both
    meetings.set_action_status(hall, ActionStatus.OPEN, actor=coordinator)
    assert hall.completed_at is None


def test_an_action_needs_an_owner_from_this_forum(ctx):
    forum, stranger = ForumFactory(), UserFactory()
    MembershipFactory(user=stranger)  # a member of some other forum
    with pytest.raises(ForumRuleBroken, match="Choose a member or coordinator of this forum") as refused:
        meetings.add_action(forum, description="Anything", owner_id=stranger.id, due_on=None, meeting=None,
                            actor=UserFactory())
    assert refused.value.field == "owner_id"


# --- announcements ---------------------------------------------------------------------------

def test_announcements_skip_members_who_turned_them_off_unless_essential(ctx, app):
    forum, coordinator = ForumFactory(name="Kettering Interfaith Forum"), UserFactory()
    keen = MembershipFactory(forum=forum).user
    quiet = MembershipFactory(forum=forum, announcement_emails=False).user
    applicant = MembershipFactory(forum=forum, status=MembershipStatus.APPLIED).user
    chair = MembershipFactory(forum=forum, role=MembershipRole.CHAIR).user
    sent = announcements.announce(forum, subject="Summer picnic", body="Bring a dish.", role=None, essential=False,
                                  actor=coordinator)
    assert sent.recipients == 2
    assert [m.subject for m in emails_to(keen.email)] == ["Kettering Interfaith Forum: Summer picnic"]
    assert emails_to(quiet.email) == [] and emails_to(applicant.email) == []
    assert announcements.announcements_off_link(db.session.scalar(
        select(Membership).where(Membership.user_id == keen.id))) in emails_to(keen.email)[0].body

    announcements.announce(forum, subject="Meeting moved", body="Now at the library.", role=None, essential=True,
                           actor=coordinator)
    assert [m.subject for m in emails_to(quiet.email)] == ["Kettering Interfaith Forum: Meeting moved"]
    assert "stop getting" not in emails_to(quiet.email)[0].body
    announcements.announce(forum, subject="Chairs only", body="Agenda setting.", role=MembershipRole.CHAIR,
                           essential=False, actor=coordinator)
    assert [m.subject for m in emails_to(chair.email)][-1] == "Kettering Interfaith Forum: Chairs only"
    assert len(emails_to(keen.email)) == 2
    assert [a.subject for a in announcements.announcements_of(forum)] == [
        "Chairs only", "Meeting moved", "Summer picnic"]


def test_announcements_are_throttled_and_a_failed_send_is_retried_without_sending_twice(ctx, app, outbox,
                                                                                        monkeypatch):
    app.config["FORUM_ANNOUNCEMENTS_PER_MINUTE"] = 2
    forum = ForumFactory()
    people = sorted((MembershipFactory(forum=forum).user for _ in range(5)), key=lambda p: p.name)
    now = utcnow()
    announcements.announce(forum, subject="News", body="Hello", role=None, essential=False, actor=UserFactory(),
                           now=now)
    db.session.commit()
    waits = sorted(round((m.next_attempt_at - now).total_seconds() / 60) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient.in_([p.email for p in people]))))
    assert waits == [0, 0, 1, 1, 2]  # two a minute

    unlucky = people[0].email
    real_send = core_email.EmailMessage.send

    def flaky_send(message, *args, **kwargs):
        if message.to == [unlucky]:
            raise ConnectionError("mail server went away")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(core_email.EmailMessage, "send", flaky_send)
    first = deliver_due()
    assert (first.sent, first.failed, len(outbox)) == (1, 1, 1)
    assert deliver_due().sent == 0  # the rest wait their turn; nobody gets one twice
    monkeypatch.setattr(core_email.EmailMessage, "send", real_send)
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)):
        message.next_attempt_at = utcnow() - timedelta(seconds=1)  # the clock moves on past every wait
    db.session.commit()
    assert deliver_due().sent == 4
    assert sorted(m.to[0] for m in outbox) == sorted(p.email for p in people)


def test_the_announcements_off_link_emails_carried_before_unsubscribe_links_still_works(ctx):
    membership = MembershipFactory()
    token = link_token(announcements._ANNOUNCEMENTS_SALT, membership.id)
    assert announcements.membership_for_announcements_off(token) is membership
    with pytest.raises(InvalidLink):
        announcements.membership_for_announcements_off(token[:-2] + "xx")


# --- invitations ------------------------------------------------------------------------------

def test_an_invited_person_joins_an_invitation_only_forum_at_once(ctx):
    forum, coordinator = ForumFactory(open_to_apply=False, name="Leadership group"), UserFactory()
    invited = UserFactory(email="new.rep@example.org")
    invitation = invitations.invite(forum, "New.Rep@Example.org", actor=coordinator)
    [email] = emails_to("new.rep@example.org")
    token = email.body.split("/forums/invitations/")[1].split()[0]
    assert invitations.invitation_for_token(token) is invitation
    with pytest.raises(ForumRuleBroken, match="by invitation only"):
        applying.apply(forum, UserFactory(), Application(reason="Please", faith=Faith.JAIN))
    joined = applying.apply(forum, invited, Application(reason="Invited", faith=Faith.JAIN), invitation=invitation)
    assert joined.status == MembershipStatus.ACTIVE and invitation.accepted_at is not None


def test_an_invitation_is_for_the_address_it_was_sent_to(ctx):
    forum = ForumFactory(open_to_apply=False)
    invitation = invitations.invite(forum, "someone@example.org", actor=UserFactory())
    with pytest.raises(ForumRuleBroken, match="sent to someone@example.org"):
        applying.apply(forum, UserFactory(email="else@example.org"), Application(reason="Hi", faith=Faith.HINDU),
                       invitation=invitation)


def test_an_invited_person_waits_for_the_coordinators_when_their_faith_seats_are_full(ctx):
    forum = ForumFactory(open_to_apply=False, faith_cap=1)
    MembershipFactory(forum=forum, faith=Faith.SIKH)
    invitation = invitations.invite(forum, "second.sikh@example.org", actor=UserFactory())
    joined = applying.apply(forum, UserFactory(email="second.sikh@example.org"),
                            Application(reason="Invited", faith=Faith.SIKH), invitation=invitation)
    assert joined.status == MembershipStatus.APPLIED


def test_inviting_a_current_member_is_refused(ctx):
    forum = ForumFactory()
    member = MembershipFactory(forum=forum).user
    with pytest.raises(ForumRuleBroken, match="already has a membership") as refused:
        invitations.invite(forum, member.email, actor=UserFactory())
    assert refused.value.field == "email"


def test_an_invited_young_person_still_needs_a_parent(ctx):
    forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=18, open_to_apply=False)
    invitation = invitations.invite(forum, "teen@example.org", actor=UserFactory())
    teen = UserFactory(email="teen@example.org")
    born = date.today().replace(year=date.today().year - 14) - timedelta(days=10)
    joined = applying.apply(forum, teen, Application(reason="Invited", date_of_birth=born, parent_name="Pat",
                                                     parent_email="pat@example.org"), invitation=invitation)
    assert joined.status == MembershipStatus.AWAITING_CONSENT
    assert emails_to("pat@example.org")


def invitation_token(address):
    return emails_to(address)[-1].body.split("/forums/invitations/")[1].split()[0]


def test_a_decline_is_not_undone_by_an_invitation_sent_before_it(ctx):
    """Reproduced: invited, the person applied through the form instead, was
    declined, then followed the invitation's link and was a member."""
    forum, coordinator = ForumFactory(), UserFactory()
    person = UserFactory(email="applicant@example.org")
    invitations.invite(forum, person.email, actor=coordinator)
    token = invitation_token(person.email)
    applied = applying.apply(forum, person, Application(reason="Please", faith=Faith.JAIN))
    memberships.decline(applied, reason="Not this year", actor=coordinator)
    with pytest.raises(InvalidLink, match="no longer valid"):
        invitations.invitation_for_token(token)
    assert applied.status == MembershipStatus.DECLINED and invitations.invitations_of(forum) == []
    # A coordinator who thinks again invites them again: that link works.
    invitations.invite(forum, person.email, actor=coordinator)
    again = invitations.invitation_for_token(invitation_token(person.email))
    joined = applying.apply(forum, person, Application(reason="Invited again", faith=Faith.JAIN), invitation=again)
    assert joined.status == MembershipStatus.ACTIVE


def test_a_decline_voids_an_invitation_already_followed_and_those_to_the_persons_earlier_addresses(ctx):
    """An invitation followed while the faith's seats were full waits for the
    coordinators; once they decline, following it again approves nothing.
    Nor does one sent to an address the person has since moved from."""
    forum, coordinator = ForumFactory(faith_cap=1, kind=ForumKind.INTERFAITH), UserFactory()
    MembershipFactory(forum=forum, faith=Faith.SIKH)
    person = UserFactory(email="second.sikh@example.org")
    invitations.invite(forum, person.email, actor=coordinator)
    followed = invitation_token(person.email)
    invitations.invite(forum, "old.address@example.org", actor=coordinator)
    earlier = invitation_token("old.address@example.org")
    db.session.add(ProvenAddress(user_id=person.id, email="old.address@example.org"))
    waiting = applying.apply(forum, person, Application(reason="Invited", faith=Faith.SIKH),
                             invitation=invitations.invitation_for_token(followed))
    assert waiting.status == MembershipStatus.APPLIED
    memberships.decline(waiting, reason="No seat this year", actor=coordinator)
    for token in (followed, earlier):
        with pytest.raises(InvalidLink):
            invitations.invitation_for_token(token)


# --- renewal -----------------------------------------------------------------------------------

def test_renewal_reminders_go_once_per_term_and_renewing_starts_the_next(ctx, app):
    today = date(2026, 11, 23)
    ending = MembershipFactory(term_starts_on=date(2025, 12, 10), term_ends_on=date(2026, 12, 10))
    later = MembershipFactory(term_starts_on=date(2026, 6, 1), term_ends_on=date(2027, 6, 1))
    lapsed = MembershipFactory(term_starts_on=date(2024, 1, 1), term_ends_on=date(2025, 1, 1))
    assert renewal.send_renewal_reminders(today=today) == 1
    assert renewal.send_renewal_reminders(today=today) == 0
    [reminder] = emails_to(ending.user.email)
    assert "ends on 10 December 2026" in reminder.body
    assert emails_to(later.user.email) == [] and emails_to(lapsed.user.email) == []

    with pytest.raises(ForumRuleBroken, match="not due for renewal yet"):
        renewal.renew(later, actor=later.user, today=today)
    renewal.renew(ending, actor=ending.user, today=today)
    assert (ending.term_starts_on, ending.term_ends_on) == (date(2026, 12, 10), date(2027, 12, 10))
    assert ending.renewal_reminded_at is None  # the next term gets its own reminder
    renewal.renew(lapsed, actor=lapsed.user, today=today)
    assert (lapsed.term_starts_on, lapsed.is_lapsed(today)) == (today, False)


def test_a_suspended_member_cannot_renew(ctx):
    suspended = MembershipFactory(status=MembershipStatus.SUSPENDED, term_ends_on=date.today())
    with pytest.raises(ForumRuleBroken, match="Only an active membership"):
        renewal.renew(suspended, actor=suspended.user)


# --- consent follow-ups ---------------------------------------------------------------------------

def test_coordinators_resend_a_consent_request_and_record_a_photo_change(ctx):
    forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=18)
    teen = MembershipFactory(forum=forum, status=MembershipStatus.APPLIED, parent_email="carer@example.org",
                             parent_name="Carer", date_of_birth=date.today().replace(year=date.today().year - 13))
    coordinator = UserFactory()
    consent.resend_consent_request(teen, actor=coordinator)
    [request] = emails_to("carer@example.org")
    assert consent.consent_link(teen) in request.body
    consent.give_consent(teen, photo_consent=True)
    with pytest.raises(ForumRuleBroken, match="already agreed"):
        consent.resend_consent_request(teen, actor=coordinator)
    consent.record_photo_consent(teen, False, actor=coordinator)
    assert teen.photo_consent is False


# --- issue 20: what people using the forums found ------------------------------------------

def test_an_action_agreed_at_a_meeting_is_not_also_carried_forward_to_it(ctx):
    forum, coordinator = ForumFactory(), UserFactory()
    coordinators.grant_coordinator(forum, coordinator, actor=UserFactory(roles=["admin"]))
    earlier = EventFactory(forum_id=forum.id, kind=EventKind.FORUM_MEETING, starts_at=utcnow() - timedelta(days=30),
                           ends_at=utcnow() - timedelta(days=30, hours=-2))
    meeting = meetings.schedule_meeting(forum, meeting_details(), actor=coordinator)
    later = meetings.schedule_meeting(forum, meeting_details(starts_at=next_week() + timedelta(days=28),
                                                             ends_at=next_week(20) + timedelta(days=28)),
                                      actor=coordinator)
    from_before = meetings.add_action(forum, description="Book the hall", owner_id=coordinator.id, due_on=None,
                                      meeting=earlier, actor=coordinator)
    # Agreed ahead of the meeting (an action added before it starts) and between meetings.
    agreed_here = meetings.add_action(forum, description="Print leaflets", owner_id=coordinator.id, due_on=None,
                                      meeting=meeting, actor=coordinator)
    between = meetings.add_action(forum, description="Ask the mosque", owner_id=coordinator.id, due_on=None,
                                  meeting=None, actor=coordinator)
    assert meetings.actions_raised_at(meeting) == [agreed_here]
    assert meetings.carried_forward_to(meeting) == [from_before, between]
    assert meetings.carried_forward_to(later) == [from_before, agreed_here, between]
    assert meetings.carried_forward_to(earlier) == []  # nothing came before the first meeting


def test_messages_count_in_good_english(ctx):
    from core.formatting import counted
    assert [counted(n, "member") for n in (0, 1, 2)] == ["0 members", "1 member", "2 members"]
    assert counted(1, "person", "people") == "1 person" and counted(3, "person", "people") == "3 people"
    assert [role.plural for role in MembershipRole][:3] == ["Chairs", "Vice-chairs", "Secretaries"]
    forum = ForumFactory(faith_cap=1)
    MembershipFactory(forum=forum, faith=Faith.SIKH)
    second = applying.apply(forum, UserFactory(), Application(reason="Hello", faith=Faith.SIKH))
    with pytest.raises(ForumRuleBroken, match=f"{forum.name} already has 1 member for Sikh"):
        memberships.approve(second, actor=UserFactory())


def test_scheduling_a_meeting_emails_the_active_members_who_get_the_forums_emails(ctx, app):
    app.config["FORUM_ANNOUNCEMENTS_PER_MINUTE"] = 100
    forum, coordinator = ForumFactory(name="Kettering Interfaith Forum"), UserFactory()
    keen = MembershipFactory(forum=forum).user
    quiet = MembershipFactory(forum=forum, announcement_emails=False).user
    applicant = MembershipFactory(forum=forum, status=MembershipStatus.APPLIED).user
    suspended = MembershipFactory(forum=forum, status=MembershipStatus.SUSPENDED).user
    meeting = meetings.schedule_meeting(forum, meeting_details(
        title="Spring meeting", recurrence=Recurrence("weekly", date.today() + timedelta(days=21))),
        actor=coordinator)
    [email] = emails_to(keen.email)
    assert email.subject == "Kettering Interfaith Forum: Spring meeting"
    dates = series_occurrences(meeting)
    assert len(dates) >= 3 and all(d.starts_at.strftime("%-d %B %Y") in email.body for d in dates)
    assert f"/forums/{forum.id}/meetings/{meeting.id}" in email.body
    assert announcements.announcements_off_link(db.session.scalar(
        select(Membership).where(Membership.user_id == keen.id))) in email.body
    assert emails_to(quiet.email) == emails_to(applicant.email) == emails_to(suspended.email) == []
    assert emails_to(coordinator.email) == []


def test_a_meeting_that_has_taken_place_is_recorded_to_be_minuted_and_nobody_is_emailed(ctx):
    forum, coordinator = ForumFactory(), UserFactory()
    member = MembershipFactory(forum=forum).user
    last_week = london_datetime(date.today() - timedelta(days=7), time(18, 0))
    recorded = meetings.schedule_meeting(forum, meeting_details(
        title="Emergency meeting", starts_at=last_week, ends_at=last_week + timedelta(hours=2)), actor=coordinator)
    assert recorded.status == EventStatus.PUBLISHED and recorded.starts_at == last_week
    assert meetings.meetings_of(forum, upcoming=False) == [recorded]
    assert emails_to(member.email) == []
    papers = meetings.save_papers(recorded, agenda="", minutes="We agreed to meet monthly.", approve_minutes=True,
                                  actor=coordinator)
    assert papers.minutes_approved_at is not None
    with pytest.raises(ForumRuleBroken, match="A meeting that has already taken place cannot repeat") as refused:
        meetings.schedule_meeting(forum, meeting_details(
            starts_at=last_week, ends_at=last_week + timedelta(hours=2),
            recurrence=Recurrence("weekly", date.today() + timedelta(days=21))), actor=coordinator)
    assert refused.value.field == "repeats"


@pytest.mark.parametrize("change, words", [(cancel_event, "has been cancelled"),
                                           (postpone_event, "has been postponed")])
def test_members_told_of_a_meeting_are_told_when_it_is_cancelled_or_postponed(ctx, app, change, words):
    """Booked or not, and even those who turned the forum's emails off (it is
    essential); those booked get the events package's email, not two. Found by
    tests/forums/test_meeting_machine.py: only people booked were told."""
    app.config["FORUM_ANNOUNCEMENTS_PER_MINUTE"] = 100
    forum, coordinator = ForumFactory(name="Kettering Interfaith Forum"), UserFactory()
    keen = MembershipFactory(forum=forum).user
    quiet = MembershipFactory(forum=forum, announcement_emails=False).user
    booked = MembershipFactory(forum=forum).user
    applicant = MembershipFactory(forum=forum, status=MembershipStatus.APPLIED).user
    meeting = meetings.schedule_meeting(forum, meeting_details(title="Spring meeting"), actor=coordinator)
    register(meeting, user=booked)
    change(meeting, actor=coordinator, reason="The hall flooded.")
    subject = f"{'Cancelled' if change is cancel_event else 'Postponed'}: Spring meeting"
    for person in (keen, quiet):
        [told] = [email for email in emails_to(person.email) if email.subject == subject]
        assert words in told.body and "The hall flooded." in told.body
        assert f"/forums/{forum.id}/meetings/{meeting.id}" in told.body
    assert len([email for email in emails_to(booked.email) if email.subject == subject]) == 1
    assert emails_to(applicant.email) == []


def test_members_told_a_meeting_was_postponed_hear_its_new_date(ctx, app):
    """Members who were emailed that a meeting was postponed were never told
    when it got its new date (only people booked were)."""
    from dataclasses import replace
    from events.series import _details_of
    app.config["FORUM_ANNOUNCEMENTS_PER_MINUTE"] = 100
    forum, coordinator = ForumFactory(name="Kettering Interfaith Forum"), UserFactory()
    keen = MembershipFactory(forum=forum).user
    booked = MembershipFactory(forum=forum).user
    meeting = meetings.schedule_meeting(forum, meeting_details(title="Spring meeting"), actor=coordinator)
    register(meeting, user=booked)
    postpone_event(meeting, actor=coordinator, reason="The hall flooded.")
    later = meeting.starts_at + timedelta(days=14)
    update_event(meeting, replace(_details_of(meeting), starts_at=later,
                                  ends_at=later + (meeting.ends_at - meeting.starts_at)), actor=coordinator)
    [told] = [email for email in emails_to(keen.email) if email.subject == "New date: Spring meeting"]
    assert "has a new date: " + later.astimezone(LONDON).strftime("%A %-d %B %Y") in told.body
    assert f"/forums/{forum.id}/meetings/{meeting.id}" in told.body
    assert len([email for email in emails_to(booked.email) if email.subject == "New date: Spring meeting"]) == 1


def test_a_lapsed_member_books_no_members_meeting_until_they_renew(ctx):
    """One rule: the pages call a member whose term has ended lapsed, and booking follows it."""
    forum = ForumFactory()
    lapsed = MembershipFactory(forum=forum, term_starts_on=date.today() - timedelta(days=400),
                               term_ends_on=date.today() - timedelta(days=1))
    meeting = meetings.schedule_meeting(forum, meeting_details(), actor=UserFactory())
    assert lapsed.is_lapsed(date.today()) and not memberships.is_active_member(lapsed.user, forum.id)
    with pytest.raises(NotOpenToYou):
        register(meeting, user=lapsed.user)
    renewal.renew(lapsed, actor=lapsed.user)
    assert register(meeting, user=lapsed.user).status == RegistrationStatus.CONFIRMED


def test_approving_or_changing_a_term_to_end_in_the_past_is_refused(ctx):
    forum = ForumFactory()
    applied = MembershipFactory(forum=forum, status=MembershipStatus.APPLIED, faith=Faith.SIKH)
    for ends in (date(2020, 1, 1), date.today()):
        with pytest.raises(ForumRuleBroken, match="Term ends must be in the future") as refused:
            memberships.approve(applied, actor=UserFactory(), term_ends_on=ends)
        assert refused.value.field == "term_ends_on"
    assert applied.status == MembershipStatus.APPLIED
    member = MembershipFactory(forum=forum)
    with pytest.raises(ForumRuleBroken, match="Term ends must be in the future"):
        memberships.change_role(member, MembershipRole.CHAIR, term_ends_on=date(2020, 1, 1), actor=UserFactory())


def test_an_announcement_email_shows_its_words_without_markdown_markers(ctx):
    forum = ForumFactory()
    member = MembershipFactory(forum=forum).user
    announcement = announcements.announce(forum, subject="Next meeting", body="We meet in **February**.\n\n"
                                          "- Bring a [map](https://example.org/map)", role=None, essential=False,
                                          actor=UserFactory())
    [email] = emails_to(member.email)
    assert "We meet in February." in email.body and "**" not in email.body
    assert "Bring a map (https://example.org/map)" in email.body
    assert announcement.body.startswith("We meet in **February**.")  # the page formats what was typed


def test_an_agenda_typed_when_scheduling_is_published_and_emailed_with_the_meeting(ctx):
    forum = ForumFactory()
    member = MembershipFactory(forum=forum).user
    meeting = meetings.schedule_meeting(forum, meeting_details(agenda="1. **Welcome**\n2. Budget"),
                                        actor=UserFactory())
    assert meetings.papers_of(meeting).agenda_published_at is not None
    [email] = emails_to(member.email)
    assert "Agenda:" in email.body and "Welcome" in email.body and "Budget" in email.body
    assert "**" not in email.body
    without = meetings.schedule_meeting(forum, meeting_details(title="Summer meeting"), actor=UserFactory())
    assert "Agenda" not in emails_to(member.email)[-1].body and meetings.papers_of(without).agenda == ""


def test_a_meeting_is_recorded_only_while_its_attendance_would_not_yet_be_settled(ctx):
    """A coordinator could record a meeting back to 1900: settled the moment it
    was made, and counted into report quarters already settled (found by
    attacking meetings)."""
    forum, coordinator = ForumFactory(), UserFactory()
    long_ago = london_datetime(date.today() - timedelta(days=30), time(18, 0))
    with pytest.raises(ForumRuleBroken, match="up to 14 days after it took place") as refused:
        meetings.schedule_meeting(forum, meeting_details(starts_at=long_ago, ends_at=long_ago + timedelta(hours=2)),
                                  actor=coordinator)
    assert refused.value.field == "date"
    assert meetings.meetings_of(forum, upcoming=False) == []
