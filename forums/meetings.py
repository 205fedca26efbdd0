"""A forum's meetings: scheduling them (each is an event, so booking,
calendars and the check-in register come from the events package), apologies,
the agenda and minutes, and the actions carried from meeting to meeting.
Functions flush but never commit."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import url_for
from sqlalchemy import and_, case, delete, or_, select
from sqlalchemy.orm import aliased

from core import audit
from core.database import lock_row, utcnow
from core.email import queue_email
from core.extensions import db
from core.i18n import _
from core.accounts.models import User
from events import settlement
from events.services.errors import EventRuleBroken
from events.services.registration import cancel_registration, registration_for
from events.services.scheduling import EventDetails, create_event, publish, series_occurrences, status_changed
from events.services import check_in
from events.ical import plain_text
from events.models import Attendance, Audience, Event, EventKind, EventStatus, Registration
from events.recurrence import Recurrence
from forums.models import (
    ActionItem, ActionStatus, Apology, Forum, ForumCoordinator, MeetingPapers, Membership, MembershipStatus,
)
from forums.services.announcements import announcements_off_link, members_to_email, throttled
from forums.services.errors import ForumRuleBroken
from forums.services.memberships import is_active_member


@dataclass
class MeetingDetails:
    title: str
    starts_at: datetime
    ends_at: datetime
    venue_id: int | None = None
    online_url: str | None = None
    members_only: bool = True
    capacity: int | None = None
    recurrence: Recurrence | None = None
    agenda: str = ""


def schedule_meeting(forum: Forum, details: MeetingDetails, *, actor: User,
                     now: datetime | None = None) -> Event:
    """Publish a meeting (or every occurrence of a repeating one) at once, so
    members can book or send apologies, and email the members who get the
    forum's emails; returns the first. A meeting that has already taken
    place is recorded instead, so that it can be minuted: nobody is emailed."""
    now = now or utcnow()
    past = details.starts_at <= now
    if past and details.recurrence is not None:
        raise ForumRuleBroken("A meeting that has already taken place cannot repeat. Record it on its own, then "
                              "schedule the meetings to come.", field="repeats")
    if past and details.ends_at + settlement.settles_after() <= now:
        # Its attendance would be settled from the start, and reports already counted its quarter.
        raise ForumRuleBroken(f"A meeting can be recorded up to {settlement.settles_after().days} days after it "
                              "took place", field="date")
    audience = Audience.FORUM_MEMBERS if details.members_only else Audience.PUBLIC
    try:
        first = create_event(EventDetails(
            title=details.title.strip(), summary=f"A meeting of {forum.name}", kind=EventKind.FORUM_MEETING,
            starts_at=details.starts_at, ends_at=details.ends_at, audience=audience, venue_id=details.venue_id,
            # The forum's address, not the coordinator's own: the meeting's page and emails show it.
            contact_email=forum.contact_address, online_url=details.online_url, capacity=details.capacity,
            allow_guests=not details.members_only, recurrence=details.recurrence), actor=actor,
            # Events refuse a start in the past because people book them; a meeting that has taken
            # place is only being recorded, so it is created as at a moment before it began.
            now=details.starts_at - timedelta(minutes=1) if past else now)
    except EventRuleBroken as error:
        # The meeting form has one date and two times where the event form has two dates.
        error.field = {"start_date": "date", "end_date": "end_time"}.get(error.field, error.field)
        raise
    scheduled = series_occurrences(first) or [first]
    for meeting in scheduled:
        meeting.forum_id = forum.id
        publish(meeting, actor=actor)
    agenda = details.agenda.strip()
    if agenda:
        # Published with the meeting, as the meeting itself is: a coordinator who types an agenda while
        # scheduling means members to see it (the form says so); a draft is written on the meeting's page.
        db.session.add(MeetingPapers(event_id=first.id, agenda=agenda, agenda_published_at=now))
    db.session.flush()
    if not past:
        _tell_members(forum, scheduled, now, agenda=agenda)
    audit.record("forum.meeting_recorded" if past else "forum.meeting_scheduled", actor=actor, subject=forum,
                 details={"event": first.id})
    return first


def _tell_members(forum: Forum, scheduled: list[Event], now: datetime, *, agenda: str = "") -> None:
    """One email per member for the meeting (every date of a repeating one),
    through the outbox and throttled like announcements; members who turned
    the forum's emails off see it on the forum page instead."""
    first = scheduled[0]
    link = url_for("forums.meeting", forum_id=forum.id, event_id=first.id, _external=True)
    agenda = plain_text(agenda)
    for n, membership in enumerate(members_to_email(forum)):
        queue_email(to=membership.user.email, subject=f"{forum.name}: {first.title}",
                    template="forum_meeting_scheduled", forum=forum, membership=membership, meetings=scheduled,
                    agenda=agenda, link=link, stop_link=announcements_off_link(membership),
                    send_after=throttled(n, now), reply_to=first.contact_email)


@status_changed.connect
def _tell_members_it_is_off(meeting: Event, *, subject: str, reason: str, told: set[str]) -> None:
    """Members were told when a meeting to come was scheduled, booked or not,
    so they are told when it is cancelled or postponed: all of them (it is
    essential), bar those the events package has just emailed as booked or waiting."""
    if meeting.forum_id is None or meeting.starts_at <= utcnow():
        return
    forum = db.session.get(Forum, meeting.forum_id)
    now = utcnow()
    link = url_for("forums.meeting", forum_id=forum.id, event_id=meeting.id, _external=True)
    untold = [m for m in members_to_email(forum, essential=True) if m.user.email not in told]
    for n, membership in enumerate(untold):
        queue_email(to=membership.user.email, subject=subject, template="forum_meeting_status_changed", forum=forum,
                    membership=membership, meeting=meeting, reason=reason, link=link, send_after=throttled(n, now),
                    reply_to=meeting.contact_email)


def meetings_of(forum: Forum, *, upcoming: bool, now: datetime | None = None, limit: int = 20) -> list[Event]:
    """The forum's meetings people can see: upcoming soonest first, or past latest first."""
    now = now or utcnow()
    query = select(Event).where(Event.forum_id == forum.id, Event.status != EventStatus.DRAFT)
    if upcoming:
        query = query.where(Event.ends_at >= now).order_by(Event.starts_at)
    else:
        query = query.where(Event.ends_at < now).order_by(Event.starts_at.desc())
    return list(db.session.scalars(query.limit(limit)))


def meeting_of(forum: Forum, event_id: int) -> Event | None:
    event = db.session.get(Event, event_id)
    return event if event is not None and event.forum_id == forum.id and event.is_visible else None


# --- apologies -----------------------------------------------------------------------------

def send_apologies(meeting: Event, user: User, *, note: str = "", now: datetime | None = None) -> Apology:
    """The member cannot come: any place they booked is given up (and goes
    to whoever is waiting)."""
    now = now or utcnow()
    if not is_active_member(user, meeting.forum_id):
        raise ForumRuleBroken(_("Only the forum's members can send apologies for its meetings"))
    if meeting.starts_at <= now:
        raise ForumRuleBroken(_("This meeting has already started. Tell the coordinators directly."))
    if meeting.status == EventStatus.CANCELLED:
        raise ForumRuleBroken(_("This meeting has been cancelled, so there is nothing to send apologies for"))
    lock_row(db.session, Event, meeting.id)  # a double click sends one apology
    booking = registration_for(meeting, user)
    if booking is not None:
        cancel_registration(booking, actor=user)
    apology = db.session.scalar(select(Apology).where(Apology.event_id == meeting.id, Apology.user_id == user.id))
    if apology is None:
        apology = Apology(event_id=meeting.id, user_id=user.id)
        db.session.add(apology)
    apology.note, apology.sent_at = note.strip(), now
    db.session.flush()
    audit.record("forum.apologies_sent", actor=user, subject=meeting)
    return apology


def withdraw_apologies(meeting: Event, user: User) -> None:
    db.session.execute(delete(Apology).where(Apology.event_id == meeting.id, Apology.user_id == user.id))
    db.session.flush()


def apologies_for(meeting: Event) -> list[Apology]:
    return list(db.session.scalars(select(Apology).join(Apology.user).where(Apology.event_id == meeting.id)
                                   .order_by(User.name)))


def apology_of(meeting: Event, user) -> Apology | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Apology).where(Apology.event_id == meeting.id, Apology.user_id == user.id))


def booking_of(meeting: Event, user) -> Registration | None:
    return registration_for(meeting, user)


def present_at(meeting: Event) -> list[str]:
    """The register: names of everyone checked in, booked or walked in."""
    rows = db.session.execute(select(Registration.name, Attendance.walk_in_name).select_from(Attendance)
                              .outerjoin(Registration, Attendance.registration_id == Registration.id)
                              .where(Attendance.event_id == meeting.id)).all()
    return sorted(booked or walked_in for booked, walked_in in rows)


def expected_at(meeting: Event) -> list[str]:
    return [registration.name for registration in check_in.booked(meeting)]


# --- agenda and minutes ----------------------------------------------------------------------

def papers_of(meeting: Event) -> MeetingPapers:
    """The meeting's papers (empty ones, not yet saved, if nobody has written any)."""
    return db.session.get(MeetingPapers, meeting.id) or MeetingPapers(event_id=meeting.id, agenda="", minutes="")


def save_papers(meeting: Event, *, agenda: str, minutes: str, publish_agenda: bool = False,
                approve_minutes: bool = False, actor: User, now: datetime | None = None) -> MeetingPapers:
    """Save the agenda and minutes. Members see the agenda once published and
    the minutes once approved; changing approved minutes takes them back to
    draft until they are approved again."""
    now = now or utcnow()
    lock_row(db.session, Event, meeting.id)  # two coordinators saving at once: one after the other
    papers = db.session.get(MeetingPapers, meeting.id, populate_existing=True)
    if papers is None:
        papers = MeetingPapers(event_id=meeting.id, agenda="", minutes="")
        db.session.add(papers)
    agenda, minutes = agenda.strip(), minutes.strip()
    if approve_minutes and meeting.starts_at > now:
        raise ForumRuleBroken("Minutes can be approved once the meeting has taken place", field="minutes")
    if approve_minutes and not minutes:
        raise ForumRuleBroken("Write the minutes before approving them", field="minutes")
    if publish_agenda and not agenda:
        raise ForumRuleBroken("Write the agenda before publishing it", field="agenda")
    if minutes != papers.minutes and papers.minutes_approved_at is not None:
        papers.minutes_approved_at = papers.minutes_approved_by_id = None
    papers.agenda, papers.minutes = agenda, minutes
    if not agenda:
        papers.agenda_published_at = None
    elif publish_agenda and papers.agenda_published_at is None:
        papers.agenda_published_at = now
    if approve_minutes:
        papers.minutes_approved_at, papers.minutes_approved_by_id = now, actor.id
    db.session.flush()
    audit.record("forum.papers_saved", actor=actor, subject=meeting, details={
        "agenda_published": papers.agenda_published_at is not None,
        "minutes_approved": papers.minutes_approved_at is not None})
    return papers


# --- actions -----------------------------------------------------------------------------

def action_owners(forum: Forum) -> list[User]:
    """Who can own an action: the forum's active members and its coordinators."""
    members = select(Membership.user_id).where(Membership.forum_id == forum.id,
                                               Membership.status == MembershipStatus.ACTIVE)
    coordinators = select(ForumCoordinator.user_id).where(ForumCoordinator.forum_id == forum.id)
    return list(db.session.scalars(select(User).where(User.id.in_(members.union(coordinators)))
                                   .order_by(User.name)))


def add_action(forum: Forum, *, description: str, owner_id: int, due_on: date | None, meeting: Event | None,
               actor: User) -> ActionItem:
    if owner_id not in {person.id for person in action_owners(forum)}:
        raise ForumRuleBroken("Choose a member or coordinator of this forum to own the action", field="owner_id")
    action = ActionItem(forum_id=forum.id, event_id=meeting.id if meeting else None, description=description.strip(),
                        owner_id=owner_id, due_on=due_on, created_by_id=actor.id)
    db.session.add(action)
    db.session.flush()
    audit.record("forum.action_added", actor=actor, subject=action, details={"forum": forum.id})
    return action


def set_action_status(action: ActionItem, status: ActionStatus, *, actor: User) -> None:
    action.status = status
    action.completed_at = utcnow() if status == ActionStatus.DONE else None
    db.session.flush()
    audit.record("forum.action_updated", actor=actor, subject=action, details={"status": status.value})


def action_of(forum: Forum, action_id: int) -> ActionItem | None:
    action = db.session.get(ActionItem, action_id)
    return action if action is not None and action.forum_id == forum.id else None


def open_actions(forum: Forum, *, raised_before: datetime | None = None) -> list[ActionItem]:
    """Actions not yet done, those due soonest first (no due date last):
    carried forward from meeting to meeting until they are done."""
    query = select(ActionItem).where(ActionItem.forum_id == forum.id, ActionItem.status != ActionStatus.DONE)
    if raised_before is not None:
        query = query.where(ActionItem.created_at < raised_before)
    return list(db.session.scalars(query.order_by(case((ActionItem.due_on.is_(None), 1), else_=0),
                                                  ActionItem.due_on, ActionItem.id)))


def carried_forward_to(meeting: Event) -> list[ActionItem]:
    """The forum's open actions a meeting takes up from before it: agreed at
    an earlier meeting, or between meetings before it began; never those
    agreed at this meeting (they are its own), whenever they were written down."""
    agreed_at = aliased(Event)
    query = (select(ActionItem).outerjoin(agreed_at, ActionItem.event_id == agreed_at.id)
             .where(ActionItem.forum_id == meeting.forum_id, ActionItem.status != ActionStatus.DONE,
                    or_(and_(ActionItem.event_id.is_(None), ActionItem.created_at < meeting.starts_at),
                        and_(ActionItem.event_id != meeting.id, agreed_at.starts_at < meeting.starts_at))))
    return list(db.session.scalars(query.order_by(case((ActionItem.due_on.is_(None), 1), else_=0),
                                                  ActionItem.due_on, ActionItem.id)))


def actions_raised_at(meeting: Event) -> list[ActionItem]:
    return list(db.session.scalars(select(ActionItem).where(ActionItem.event_id == meeting.id)
                                   .order_by(ActionItem.id)))
