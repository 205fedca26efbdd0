"""Settled attendance without HTTP: the rule and its SQL twin, the services
that refuse a settled event's changes (and work before it settles and while
an admin has reopened it), reopening and settling, and erasure, which still
reaches a settled event."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from core.privacy import erasure, retention
from core.database import london_datetime, utcnow, write_lock
from core.errors import DomainError
from core.extensions import db
from core.models import AuditEntry
from events import settlement
from events.services.check_in import add_walk_in, change_walk_in, check_in, remove_walk_in, undo_check_in
from events.services.registration import book_for, cancel_registration, confirm_guest_email, register
from events.services.scheduling import EventDetails, cancel_event, postpone_event, publish, unpublish, update_event
from events.services.waiting_list import accept_offer, expire_offers
from events.models import Attendance, Event, EventKind, EventStatus, Registration, RegistrationStatus
from events.settlement import AttendanceSettled, SettlementRuleBroken
from tests.events.factories import EventFactory, PriorityFactory, RegistrationFactory
from tests.factories import UserFactory

DAY = timedelta(days=1)


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def ended(days_ago: float, **fields) -> Event:
    """An event that ended `days_ago` days ago (two hours long)."""
    ends = utcnow() - timedelta(days=days_ago)
    return EventFactory(starts_at=ends - timedelta(hours=2), ends_at=ends, **fields)


def records(event: Event) -> tuple:
    """What the figures are made of: every registration's status and places, every attendance."""
    db.session.expire_all()
    return (sorted(db.session.execute(select(Registration.id, Registration.status, Registration.tickets)
                                      .where(Registration.event_id == event.id)).all()),
            sorted(db.session.execute(select(Attendance.id, Attendance.registration_id, Attendance.walk_in_name,
                                             Attendance.people).where(Attendance.event_id == event.id)).all()))


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- the rule ------------------------------------------------------------------------

def test_attendance_settles_fourteen_days_after_the_event_ends(ctx):
    event = ended(1)
    assert settlement.settles_at(event) == event.ends_at + timedelta(days=14)
    assert not settlement.is_settled(event, event.ends_at + timedelta(days=14) - timedelta(seconds=1))
    assert settlement.is_settled(event, event.ends_at + timedelta(days=14))
    assert not settlement.is_settled(event)  # ended yesterday: organisers can still change it
    assert settlement.is_settled(ended(15))
    assert not settlement.is_settled(EventFactory())  # still to come


def test_the_days_and_hours_come_from_the_configuration(app):
    app.config.update(ATTENDANCE_SETTLES_AFTER_DAYS=3, ATTENDANCE_REOPENED_FOR_HOURS=6)
    with app.test_request_context(), write_lock(every_transaction=True):
        event, admin = ended(4), UserFactory(roles=["admin"])
        assert settlement.is_settled(event) and not settlement.is_settled(ended(2))
        until = settlement.reopen_attendance(event, actor=admin, reason="A late sign-in sheet")
        assert timedelta(hours=5, minutes=59) < until - utcnow() <= timedelta(hours=6)


def test_the_rule_does_not_depend_on_the_status_and_copes_with_an_unsaved_event(ctx):
    for status in EventStatus:
        assert settlement.is_settled(ended(20, status=status))
    assert not settlement.is_settled(Event(title="Not saved yet"))


def test_while_reopened_it_is_not_settled_and_it_settles_again_by_itself(ctx):
    event, admin = ended(20), UserFactory(roles=["admin"])
    now = utcnow()
    until = settlement.reopen_attendance(event, actor=admin, reason="Two walkers were missed", now=now)
    assert until == now + timedelta(hours=48)
    assert not settlement.is_settled(event, now) and settlement.is_reopened(event, now)
    assert not settlement.is_settled(event, until - timedelta(seconds=1))
    assert settlement.is_settled(event, until) and not settlement.is_reopened(event, until)


AT = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
ENDS = {  # days before AT the event ended, and when an admin's reopening (if any) runs until, from AT
    "still to come": (-3, None), "ended yesterday": (1, None), "ends in a minute": (-1 / 1440, None),
    "settles in an hour": (14 - 1 / 24, None), "settled just now": (14, None), "settled long ago": (400, None),
    "reopened": (30, 5), "reopening over": (30, -1), "reopened on the hour": (30, 0),
    "reopened before it settled": (3, 10),
}


def test_settled_clause_keeps_exactly_the_settled_events_in_one_query(ctx):
    made = {}
    for name, (days_ago, reopened_hours) in ENDS.items():
        ends = AT - timedelta(days=days_ago)
        made[name] = EventFactory(title=name, starts_at=ends - timedelta(hours=2), ends_at=ends,
                                  attendance_reopened_until=None if reopened_hours is None
                                  else AT + timedelta(hours=reopened_hours)).id
    db.session.commit()
    found = set(db.session.scalars(select(Event.title).where(settlement.settled_clause(AT))))
    assert found == {"settled just now", "settled long ago", "reopening over", "reopened on the hour"}
    assert found == {event.title for event in db.session.scalars(select(Event)) if settlement.is_settled(event, AT)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ends=st.lists(st.tuples(st.integers(-5 * 24 * 60, 40 * 24 * 60),
                               st.none() | st.integers(-3 * 24 * 60, 3 * 24 * 60)), min_size=1, max_size=6),
       offset=st.integers(-24 * 60, 24 * 60))
def test_settled_clause_and_is_settled_agree_on_any_events(app, ends, offset):
    """Minutes before `now` each event ended, and when its reopening (if any) runs until."""
    with app.test_request_context(), write_lock(every_transaction=True):
        now = AT + timedelta(minutes=offset)
        for minutes_ago, reopened in ends:
            end = now - timedelta(minutes=minutes_ago)
            EventFactory(starts_at=end - timedelta(hours=1), ends_at=end,
                         attendance_reopened_until=None if reopened is None else now + timedelta(minutes=reopened))
        by_sql = set(db.session.scalars(select(Event.id).where(settlement.settled_clause(now))))
        by_rule = {event.id for event in db.session.scalars(select(Event)) if settlement.is_settled(event, now)}
        assert by_sql == by_rule
        db.session.execute(Event.__table__.delete())
        db.session.commit()


# --- the services refuse a settled event's changes ---------------------------------------

def _booked(event, *, here=False):
    registration = RegistrationFactory(event=event)
    if here:
        db.session.add(Attendance(event_id=event.id, registration_id=registration.id))
        db.session.commit()
    return registration


def _walk_in(event):
    walk_in = Attendance(event_id=event.id, walk_in_name="Chris", people=2)
    db.session.add(walk_in)
    db.session.commit()
    return walk_in


# name: (what the event needs, the change). Each change is one that works on an event still settling.
CHANGES = {
    "check in": (lambda event: _booked(event),
                 lambda registration, event, organiser, now: check_in(registration, actor=organiser,
                                                                      now=now)),
    "undo a check-in": (lambda event: _booked(event, here=True),
                        lambda registration, event, organiser, now: undo_check_in(
                            registration, actor=organiser, now=now)),
    "add a walk-in": (lambda event: None,
                      lambda _, event, organiser, now: add_walk_in(event, name="Chris", people=2,
                                                                   actor=organiser, now=now)),
    "change a walk-in": (lambda event: _walk_in(event),
                         lambda walk_in, event, organiser, now: change_walk_in(
                             walk_in, name="Chris Lee", people=3, actor=organiser, now=now)),
    "remove a walk-in": (lambda event: _walk_in(event),
                         lambda walk_in, event, organiser, now: remove_walk_in(
                             walk_in, actor=organiser, now=now)),
    "cancel a booking": (lambda event: _booked(event),
                         lambda registration, event, organiser, now: cancel_registration(
                             registration, actor=organiser, now=now)),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_works_until_attendance_settles(ctx, change):
    prepare, act = CHANGES[change]
    event, organiser = ended(3), UserFactory(roles=["organiser"])
    target = prepare(event)
    before = records(event)
    act(target, event, organiser, None)
    db.session.commit()
    assert records(event) != before


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_to_settled_attendance_is_refused_and_changes_nothing(ctx, change):
    prepare, act = CHANGES[change]
    ends = london_datetime(date(2026, 10, 2), time(0, 30))  # 1 October in UTC: the date shown is the UK's
    event = EventFactory(title="Harvest supper", starts_at=ends - timedelta(hours=3), ends_at=ends)
    organiser = UserFactory(roles=["organiser"])
    target = prepare(event)
    before = records(event)
    with pytest.raises(AttendanceSettled) as refused:
        act(target, event, organiser, datetime(2026, 11, 1, tzinfo=timezone.utc))
    assert refused.value.message == ("Attendance at Harvest supper was settled on 16 October 2026. "
                                     "Ask an admin to reopen it to make changes.")
    db.session.rollback()
    assert records(event) == before


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_works_while_an_admin_has_reopened_it_and_not_after_settle_now(ctx, change):
    prepare, act = CHANGES[change]
    event, organiser, admin = ended(20), UserFactory(roles=["organiser"]), UserFactory(roles=["admin"])
    target = prepare(event)
    settlement.reopen_attendance(event, actor=admin, reason="The paper register shows more people")
    db.session.commit()
    before = records(event)
    act(target, event, organiser, None)
    db.session.commit()
    changed = records(event)
    assert changed != before

    settlement.settle_now(event, actor=admin)
    db.session.commit()
    target = prepare(event)
    before = records(event)
    with pytest.raises(AttendanceSettled):
        act(target, event, organiser, None)
    db.session.rollback()
    assert records(event) == before


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_is_refused_once_the_reopening_has_run_out(ctx, change):
    prepare, act = CHANGES[change]
    event, organiser, admin = ended(20), UserFactory(roles=["organiser"]), UserFactory(roles=["admin"])
    target = prepare(event)
    until = settlement.reopen_attendance(event, actor=admin, reason="A late sign-in sheet")
    db.session.commit()
    before = records(event)
    with pytest.raises(AttendanceSettled):
        act(target, event, organiser, until + timedelta(minutes=1))
    db.session.rollback()
    assert records(event) == before


def test_a_double_tapped_check_in_on_a_settled_event_is_refused_too(ctx):
    event = ended(20)
    registration = _booked(event, here=True)
    with pytest.raises(AttendanceSettled):
        check_in(registration, actor=UserFactory(roles=["organiser"]))


def test_booking_and_registering_are_closed_long_before_attendance_settles(ctx):
    """Registering, booking someone in, confirming a guest's email and taking
    an offered place all close by their own rules by the time the event ends
    (a settled event has ended at least 14 days before), reopened or not."""
    event, organiser, admin = ended(20, capacity=10), UserFactory(roles=["organiser"]), UserFactory(roles=["admin"])
    pending = RegistrationFactory(event=event, status=RegistrationStatus.PENDING, confirmed_at=None)
    offered = RegistrationFactory(event=event, status=RegistrationStatus.OFFERED, confirmed_at=None,
                                  offer_expires_at=event.starts_at)
    attempts = [
        lambda: register(event, name="Late Comer", email="late@example.org"),
        lambda: book_for(event, name="Late Comer", email="late@example.org", tickets=1,
                         from_held_back=False, actor=organiser),
        lambda: confirm_guest_email(pending),
        lambda: accept_offer(offered),
    ]
    for reopened in (False, True):
        if reopened:
            settlement.reopen_attendance(event, actor=admin, reason="Checking the register")
            db.session.commit()
        for attempt in attempts:
            before = records(event)
            with pytest.raises(DomainError):
                attempt()
            db.session.rollback()
            assert records(event) == before


def edited(event, **changes) -> EventDetails:
    """The event's edit form as sent back, with `changes`."""
    fields = dict(title=event.title, summary=event.summary, kind=event.kind, starts_at=event.starts_at,
                  ends_at=event.ends_at, contact_email=event.contact_email, venue_id=event.venue_id,
                  capacity=event.capacity, instant_guest_places=event.instant_guest_places)
    return EventDetails(**{**fields, **changes})


def test_a_settled_events_dates_and_status_stay_put_but_its_words_can_change(ctx):
    """Reports count events by their dates and status: moving a settled event
    into the future would open it to bookings again."""
    event, organiser, admin = ended(20), UserFactory(roles=["organiser"]), UserFactory(roles=["admin"])
    event.organisers = [organiser]
    db.session.add(Attendance(event_id=event.id, walk_in_name="Walk-in family", people=4))
    db.session.commit()

    def details(**changes):
        return edited(event, **changes)

    later = utcnow() + 5 * DAY
    with pytest.raises(AttendanceSettled):
        update_event(event, details(starts_at=later, ends_at=later + timedelta(hours=2)), actor=organiser)
    db.session.rollback()
    for change in (unpublish, publish,
                   lambda e, actor: cancel_event(e, actor=actor, reason="Rain"),
                   lambda e, actor: postpone_event(e, actor=actor, reason="Rain")):
        with pytest.raises(AttendanceSettled):
            change(event, actor=organiser)
        db.session.rollback()
        assert db.session.get(Event, event.id).status == EventStatus.PUBLISHED

    update_event(event, details(title="Harvest supper (thank you all)"), actor=organiser)
    db.session.commit()
    assert event.title == "Harvest supper (thank you all)"

    settlement.reopen_attendance(event, actor=admin, reason="The date was entered wrongly")
    update_event(event, details(starts_at=event.starts_at - DAY, ends_at=event.ends_at - DAY),
                 actor=organiser)
    db.session.commit()


def test_a_settled_events_kind_and_priorities_stay_put_and_a_reopened_change_is_recorded(ctx):
    """Reports file an event's figures under its kind and cohesion priorities:
    moving a small settled event into or out of a priority, and comparing the
    priority's report before and after, would single its people out (found
    by an attacker re-posting the edit form of a March event)."""
    event, organiser, admin = ended(20), UserFactory(roles=["organiser"]), UserFactory(roles=["admin"])
    event.organisers = [organiser]
    first, second = PriorityFactory(name="Young people"), PriorityFactory(name="Faith")
    event.priorities = [first]
    db.session.add(Attendance(event_id=event.id, walk_in_name="Walk-in family", people=4))
    db.session.commit()

    def details(**changes):
        return edited(event, **{"priority_ids": [first.id], **changes})

    other_kind = next(kind for kind in EventKind if kind != event.kind)
    for change in (details(priority_ids=[second.id]), details(priority_ids=[first.id, second.id]),
                   details(kind=other_kind)):
        with pytest.raises(AttendanceSettled):
            update_event(event, change, actor=organiser)
        db.session.rollback()
        assert [p.id for p in db.session.get(Event, event.id).priorities] == [first.id]
    update_event(event, details(priority_ids=[first.id, first.id]), actor=organiser)  # no change

    settlement.reopen_attendance(event, actor=admin, reason="Filed under the wrong priority")
    update_event(event, details(priority_ids=[second.id]), actor=organiser)
    db.session.commit()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "event.updated")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.details["reported_as"]["before"]["priority_ids"] == [first.id]
    assert entry.details["reported_as"]["after"]["priority_ids"] == [second.id]


def test_an_event_with_check_ins_cannot_be_moved_back_to_dates_that_have_settled(ctx):
    """Found by an attacker: an organiser moved last week's event, with its
    check-ins, to March, and the settled first quarter's figures changed."""
    event, organiser, admin = ended(5), UserFactory(roles=["organiser"]), UserFactory(roles=["admin"])
    event.organisers = [organiser]
    db.session.add(Attendance(event_id=event.id, walk_in_name="Walk-in family", people=4))
    db.session.commit()
    march = event.starts_at - 250 * DAY
    with pytest.raises(AttendanceSettled, match="cannot be moved to dates whose attendance has already settled"):
        update_event(event, edited(event, starts_at=march, ends_at=march + timedelta(hours=2)),
                     actor=organiser)
    db.session.rollback()
    update_event(event, edited(event, starts_at=event.starts_at - DAY, ends_at=event.ends_at - DAY),
                 actor=organiser)  # a day earlier has not settled either
    db.session.commit()
    update_event(event, edited(event, starts_at=march, ends_at=march + timedelta(hours=2)),
                 actor=admin)  # an admin may: the audit entry has the dates before and after
    db.session.commit()


def test_a_settled_event_with_no_bookings_or_check_ins_can_still_be_published(ctx):
    """It has no figures to move."""
    event, organiser = ended(20, status=EventStatus.DRAFT), UserFactory(roles=["organiser"])
    publish(event, actor=organiser)
    assert event.status == EventStatus.PUBLISHED


def test_a_forum_meeting_recorded_after_it_took_place_is_published_and_settles_on_the_usual_day(ctx):
    """Recording is allowed only while the meeting's attendance has not yet
    settled (forums.meetings), so its register can still be taken."""
    from forums.meetings import MeetingDetails, schedule_meeting
    from tests.forums.factories import ForumFactory
    coordinator = UserFactory()
    ten_days_ago = london_datetime(date.today() - timedelta(days=10), time(18, 0))
    meeting = schedule_meeting(ForumFactory(), MeetingDetails(
        title="Autumn meeting", starts_at=ten_days_ago, ends_at=ten_days_ago + timedelta(hours=2),
        venue_id=EventFactory().venue_id), actor=coordinator)
    assert meeting.status == EventStatus.PUBLISHED and not settlement.is_settled(meeting)
    assert settlement.settles_at(meeting) == meeting.ends_at + timedelta(days=14)
    add_walk_in(meeting, name="Council officer", people=1, actor=coordinator)


def test_lapsed_offers_at_a_settled_event_are_left_as_they_were(ctx):
    settled, recent = ended(20), ended(2)
    for event in (settled, recent):
        RegistrationFactory(event=event, status=RegistrationStatus.OFFERED, confirmed_at=None,
                            offer_expires_at=event.starts_at - DAY)
    db.session.rollback()
    expire_offers()
    statuses = dict(db.session.execute(select(Registration.event_id, Registration.status)).all())
    assert statuses == {settled.id: RegistrationStatus.OFFERED, recent.id: RegistrationStatus.CANCELLED}


# --- reopening and settling ----------------------------------------------------------

def test_reopening_is_for_admins_with_a_reason_and_is_audited(ctx):
    event, admin = ended(20), UserFactory(roles=["admin"])
    for actor in (UserFactory(roles=["organiser"]), UserFactory()):
        with pytest.raises(SettlementRuleBroken, match="Only an admin"):
            settlement.reopen_attendance(event, actor=actor, reason="Please")
    for reason in ("", "   \n "):
        with pytest.raises(SettlementRuleBroken) as refused:
            settlement.reopen_attendance(event, actor=admin, reason=reason)
        assert refused.value.field == "reason"
    db.session.rollback()
    assert event.attendance_reopened_until is None and audit_actions() == []

    until = settlement.reopen_attendance(event, actor=admin, reason="  Two walkers were missed  ")
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.action, entry.actor_id, entry.object_type, entry.object_id) == (
        "attendance.reopened", admin.id, "Event", str(event.id))
    assert entry.details == {"reason": "Two walkers were missed", "until": until.isoformat()}
    with pytest.raises(SettlementRuleBroken, match="already reopened until"):
        settlement.reopen_attendance(event, actor=admin, reason="Again")


def test_only_settled_attendance_can_be_reopened(ctx):
    admin = UserFactory(roles=["admin"])
    with pytest.raises(SettlementRuleBroken, match="is not settled yet: its organisers can change it until"):
        settlement.reopen_attendance(ended(3), actor=admin, reason="Why not")
    with pytest.raises(SettlementRuleBroken):
        settlement.reopen_attendance(EventFactory(), actor=admin, reason="Why not")


def test_settle_now_ends_a_reopening_early_for_admins_only(ctx):
    event, admin = ended(20), UserFactory(roles=["admin"])
    with pytest.raises(SettlementRuleBroken, match="not reopened, so there is nothing to settle"):
        settlement.settle_now(event, actor=admin)
    settlement.reopen_attendance(event, actor=admin, reason="A late sign-in sheet")
    db.session.commit()
    with pytest.raises(SettlementRuleBroken, match="Only an admin"):
        settlement.settle_now(event, actor=UserFactory(roles=["organiser"]))
    settlement.settle_now(event, actor=admin)
    db.session.commit()
    assert settlement.is_settled(event) and event.attendance_reopened_until is None
    assert audit_actions() == ["attendance.reopened", "attendance.settled_early"]


# --- erasure comes before settlement -------------------------------------------------------

@pytest.mark.parametrize("reopened", [False, True])
def test_deleting_an_account_still_reaches_a_settled_event(ctx, reopened):
    member, admin = UserFactory(name="Amira Hussain"), UserFactory(roles=["admin"])
    event = ended(20)
    came = RegistrationFactory(event=event, user=member, name=member.name, email=member.email)
    db.session.add(Attendance(event_id=event.id, registration_id=came.id))
    db.session.commit()
    if reopened:
        settlement.reopen_attendance(event, actor=admin, reason="Checking")
        db.session.commit()
    attended = db.session.scalar(select(func.count()).select_from(Attendance))

    erasure.erase(db.session.get(type(member), member.id))
    db.session.commit()

    rows = db.session.scalars(select(Registration).where(Registration.event_id == event.id)).all()
    assert {(row.name, row.email, row.user_id) for row in rows} == {(erasure.ERASED_NAME, "", None)}
    assert all(row.person_key.startswith("erased:") for row in rows)
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == attended  # the totals stay true
    assert settlement.is_settled(event) != reopened


def test_the_retention_period_still_anonymises_a_settled_events_bookings(ctx):
    event = ended(800)
    RegistrationFactory(event=event, name="Old Booking")
    db.session.add(Attendance(event_id=event.id, walk_in_name="Old Walk-in"))
    db.session.commit()
    retention.apply()
    assert db.session.scalar(select(Registration.name)) == retention.ANONYMOUS
    assert db.session.scalar(select(Attendance.walk_in_name)) == retention.ANONYMOUS


# --- the demo -------------------------------------------------------------------------

def test_the_demo_has_settled_settling_and_reopened_past_events_and_stays_the_same_when_run_again(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0

    def state():
        with app.app_context():
            now = utcnow()
            events = db.session.scalars(select(Event).where(Event.ends_at < now)).all()
            return ({event.title: (settlement.is_settled(event, now), event.attendance_reopened_until is not None)
                     for event in events},
                    db.session.scalar(select(func.count()).select_from(AuditEntry)
                                      .where(AuditEntry.action == "attendance.reopened")),
                    db.session.scalar(select(func.count()).select_from(Attendance)))
    first = state()
    past, reopenings, _ = first
    assert sum(settled for settled, _ in past.values()) > len(past) / 2  # most past events are settled
    assert past["Community Iftar"] == (True, False)
    assert past["Litter pick and picnic in Abington Park"] == (False, False)  # ended within 14 days
    assert past["Faith trail walk"] == (False, True) and reopenings == 1
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert state() == first
