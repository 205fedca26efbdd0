"""Event rules without HTTP: scheduling, capacity, the waiting list, check-in."""
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event, inspect, select

from core.database import utcnow, write_lock
from core.errors import InvalidLink
from core.extensions import db
from core.models import AuditEntry, OutboxMessage
from events.services.check_in import (
    add_walk_in, attendance_counts, change_walk_in, check_in, remove_walk_in, undo_check_in, walk_ins,
)
from events.services.errors import (
    AlreadyRegistered, CapacityBelowBooked, EndsBeforeStart, EventRuleBroken, NoPlaceGiven, NotOpenToYou,
    OfferExpired, RegistrationClosed, StartsInThePast, TooManyTickets,
)
from events.services.places import active_registration_count, places_left
from events.services.registration import EmailedTheAddress, cancel_registration, confirm_guest_email, register, standing
from events.services.registration_links import registration_for_token, registration_token
from events.services.scheduling import (
    EventDetails, cancel_event, create_event, postpone_event, publish, unpublish, update_event,
)
from events.services.waiting_list import accept_offer, expire_offers, waiting_list_position
from events.models import Attendance, EventKind, EventStatus, RegistrationStatus
from tests.events.factories import EventFactory, PriorityFactory, RegistrationFactory, VenueFactory
from tests.factories import UserFactory


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def details(**overrides):
    start = utcnow() + timedelta(days=10)
    values = dict(title="Interfaith walk", summary="A walk between places of worship", kind=EventKind.COMMUNITY_EVENT,
                  starts_at=start, ends_at=start + timedelta(hours=3), contact_email="Walks@Example.org",
                  venue_id=VenueFactory().id, capacity=20, instant_guest_places=True)
    values.update(overrides)
    return EventDetails(**values)


def mail_to(address):
    return [m.subject for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                                                 .order_by(OutboxMessage.id))]  # PostgreSQL keeps no order unasked


def guest(event, n, tickets=1):
    return register(event, name=f"Guest {n}", email=f"guest{n}@example.org", tickets=tickets)


def test_create_event_saves_a_draft_with_its_organiser_and_priorities(ctx):
    organiser = UserFactory(roles=["organiser"])
    priority = PriorityFactory()
    event = create_event(details(priority_ids=[priority.id]), actor=organiser)
    assert event.status == EventStatus.DRAFT and event.organisers == [organiser]
    assert event.priorities == [priority] and event.contact_email == "walks@example.org"
    assert db.session.scalar(select(AuditEntry.action)) == "event.created"


@pytest.mark.parametrize("change, error", [
    (dict(ends_at=utcnow() + timedelta(days=9)), EndsBeforeStart),
    (dict(starts_at=utcnow() - timedelta(days=1), ends_at=utcnow()), StartsInThePast),
    (dict(venue_id=None, online_url=None), NoPlaceGiven),
    (dict(venue_id=99999), NoPlaceGiven),
])
def test_create_event_refuses_bad_details(ctx, change, error):
    with pytest.raises(error):
        create_event(details(**change), actor=UserFactory(roles=["organiser"]))


def test_an_online_only_event_needs_no_venue(ctx):
    event = create_event(details(venue_id=None, online_url="https://meet.example.org/x"),
                         actor=UserFactory(roles=["organiser"]))
    assert event.is_online and not event.is_in_person


def test_registration_books_places_until_full_then_waitlists(ctx):
    event = EventFactory(capacity=3, max_tickets=2)
    first = guest(event, 1, tickets=2)
    second = guest(event, 2)
    third = guest(event, 3)
    assert (first.status, second.status, third.status) == (
        RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
    assert places_left(event) == 0
    assert waiting_list_position(third) == 1
    assert mail_to("guest3@example.org") == [f"You're on the waiting list: {event.title}"]


def test_a_group_too_big_for_the_places_left_waits(ctx):
    event = EventFactory(capacity=3, max_tickets=3)
    guest(event, 1, tickets=2)
    assert guest(event, 2, tickets=2).status == RegistrationStatus.WAITLISTED
    assert guest(event, 3, tickets=1).status == RegistrationStatus.CONFIRMED


def test_nobody_registers_twice_whatever_the_email_case(ctx):
    event = EventFactory()
    guest(event, 1)
    again = register(event, name="Again", email="GUEST1@example.org")
    assert again == EmailedTheAddress("guest1@example.org")
    assert mail_to("guest1@example.org")[-1] == f"You have already registered: {event.title}"
    member = UserFactory()
    register(event, user=member)
    with pytest.raises(AlreadyRegistered):
        register(event, user=member)


def test_an_unconfirmed_guest_booking_under_a_members_address_gives_way_and_a_confirmed_one_does_not(ctx):
    event = EventFactory(capacity=1, instant_guest_places=False)
    member = UserFactory(email="amira@example.org")
    typed_by_someone = register(event, name="Someone", email="Amira@example.org")  # nobody confirmed it
    booked = register(event, user=member)
    assert booked.status == RegistrationStatus.CONFIRMED and booked.person_key == f"user:{member.id}"
    assert typed_by_someone.status == RegistrationStatus.CANCELLED
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_id == str(typed_by_someone.id))
                             .order_by(AuditEntry.id.desc()).limit(1)) == "registration.set_aside"

    other = EventFactory(capacity=5)  # a guest place needing no confirmation holds a place: it stays
    held = register(other, name="Amira", email="amira@example.org")
    assert held.status == RegistrationStatus.CONFIRMED
    with pytest.raises(AlreadyRegistered):
        register(other, user=member)
    assert held.status == RegistrationStatus.CONFIRMED


def test_a_member_who_cancelled_books_again_on_the_same_registration(ctx):
    event = EventFactory(capacity=5)
    member = UserFactory()
    first = register(event, user=member)
    cancel_registration(first, actor=member)
    again = register(event, user=member)
    assert again.id == first.id and again.status == RegistrationStatus.CONFIRMED
    assert active_registration_count(event) == 1


def test_registration_rules(ctx):
    with pytest.raises(RegistrationClosed):
        guest(EventFactory(status=EventStatus.DRAFT), 1)
    with pytest.raises(RegistrationClosed):
        guest(EventFactory(registration_closes_at=utcnow() - timedelta(minutes=1)), 1)
    with pytest.raises(NotOpenToYou):
        guest(EventFactory(allow_guests=False), 1)
    with pytest.raises(TooManyTickets):
        guest(EventFactory(max_tickets=2), 1, tickets=3)


def test_a_guest_place_counts_only_after_email_confirmation(ctx):
    event = EventFactory(capacity=1, instant_guest_places=False)
    pending = guest(event, 1)
    assert pending.status == RegistrationStatus.PENDING and places_left(event) == 1
    assert mail_to("guest1@example.org") == [f"Confirm your place: {event.title}"]
    member = register(event, user=UserFactory())
    assert member.status == RegistrationStatus.CONFIRMED
    confirm_guest_email(pending)
    assert pending.status == RegistrationStatus.WAITLISTED  # the place went while they waited


def test_cancelling_offers_the_place_to_the_next_in_line_with_a_deadline(ctx):
    event = EventFactory(capacity=1, offer_hours=48)
    booked = guest(event, 1)
    waiting = [guest(event, n) for n in (2, 3)]
    cancel_registration(booked, actor=None)
    assert waiting[0].status == RegistrationStatus.OFFERED
    assert waiting[1].status == RegistrationStatus.WAITLISTED
    assert abs(waiting[0].offer_expires_at - (utcnow() + timedelta(hours=48))) < timedelta(minutes=1)
    assert f"A place is free: {event.title}" in mail_to("guest2@example.org")
    accept_offer(waiting[0])
    assert waiting[0].status == RegistrationStatus.CONFIRMED


def test_an_expired_offer_passes_to_the_next_person(app):
    with app.test_request_context():
        event = EventFactory(capacity=1)
        with write_lock(every_transaction=True):
            booked = guest(event, 1)
            second, third = guest(event, 2), guest(event, 3)
            cancel_registration(booked, actor=None)
            second.offer_expires_at = utcnow() - timedelta(minutes=1)
            db.session.commit()
        assert expire_offers() == 1
        db.session.expire_all()
        assert second.status == RegistrationStatus.CANCELLED
        assert third.status == RegistrationStatus.OFFERED
        db.session.rollback()  # a new transaction, begun under the write lock
        with write_lock(), pytest.raises(OfferExpired):
            accept_offer(second)


def test_capacity_cannot_drop_below_places_already_booked(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = create_event(details(capacity=3), actor=organiser)
    publish(event, actor=organiser)
    guest(event, 1), guest(event, 2)
    with pytest.raises(CapacityBelowBooked, match="2 places are already booked"):
        update_event(event, details(capacity=1, venue_id=event.venue_id), actor=organiser)


def test_raising_capacity_offers_the_new_places(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = create_event(details(capacity=1), actor=organiser)
    publish(event, actor=organiser)
    guest(event, 1)
    waiting = guest(event, 2)
    changed = details(capacity=2, venue_id=event.venue_id, starts_at=event.starts_at, ends_at=event.ends_at)
    assert update_event(event, changed, actor=organiser).changes == []
    assert waiting.status == RegistrationStatus.OFFERED


def test_moving_an_event_tells_everyone_and_bumps_the_sequence(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = create_event(details(capacity=1), actor=organiser)
    publish(event, actor=organiser)
    guest(event, 1), guest(event, 2)
    sequence = event.sequence
    later = event.starts_at + timedelta(days=1)
    change = update_event(event, details(capacity=1, venue_id=event.venue_id, starts_at=later,
                                         ends_at=later + timedelta(hours=2)), actor=organiser)
    assert change.changes == ["time"] and event.sequence == sequence + 1
    assert change.told == {"guest1@example.org", "guest2@example.org"}
    for n in (1, 2):
        assert f"Changed: {event.title}" in mail_to(f"guest{n}@example.org")


def test_cancelling_an_event_emails_registered_and_waiting_people(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = EventFactory(capacity=1, organisers=[organiser])
    guest(event, 1), guest(event, 2)
    cancel_event(event, actor=organiser, reason="The hall has flooded.")
    assert event.status == EventStatus.CANCELLED
    for n in (1, 2):
        assert f"Cancelled: {event.title}" in mail_to(f"guest{n}@example.org")
    with pytest.raises(EventRuleBroken):
        publish(event, actor=organiser)


def test_an_event_with_registrations_cannot_be_unpublished(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = EventFactory(organisers=[organiser])
    guest(event, 1)
    with pytest.raises(EventRuleBroken, match="Cancel or postpone"):
        unpublish(event, actor=organiser)


def test_check_in_undo_walk_ins_and_counts(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = EventFactory(capacity=2, max_tickets=2, organisers=[organiser])
    family = guest(event, 1, tickets=2)
    waiting = guest(event, 2)
    check_in(family, actor=organiser)
    check_in(family, actor=organiser)  # a double tap checks in once
    with pytest.raises(EventRuleBroken, match="not booked"):
        check_in(waiting, actor=organiser)
    add_walk_in(event, name="Walk In", people=3, actor=organiser)
    counts = attendance_counts(event)
    assert (counts.registered, counts.attended, counts.no_shows, counts.walk_ins) == (2, 5, 0, 3)
    undo_check_in(family, actor=organiser)
    assert attendance_counts(event).no_shows == 2


def test_a_walk_in_is_added_corrected_and_removed_audited_and_the_counts_follow(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = EventFactory(organisers=[organiser])
    walk_in = add_walk_in(event, name="Chris", people=2, actor=organiser)
    kept = add_walk_in(event, name="Dana", people=1, actor=organiser)

    change_walk_in(walk_in, name="  Chris Lee ", people=4, actor=organiser)
    assert [(w.walk_in_name, w.people) for w in walk_ins(event)] == [("Chris Lee", 4), ("Dana", 1)]
    assert attendance_counts(event).walk_ins == 5
    remove_walk_in(walk_in, actor=organiser)
    assert walk_ins(event) == [kept] and attendance_counts(event).attended == 1

    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("attendance.walk_in%"))
                                 .order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.object_type, e.details) for e in entries] == [
        ("attendance.walk_in_added", organiser.id, "Attendance", {"event": event.id, "people": 2}),
        ("attendance.walk_in_added", organiser.id, "Attendance", {"event": event.id, "people": 1}),
        ("attendance.walk_in_changed", organiser.id, "Attendance", {"event": event.id, "people": [2, 4],
                                                                    "renamed": True}),
        ("attendance.walk_in_removed", organiser.id, "Attendance", {"event": event.id, "people": 4})]
    assert "Chris" not in str([e.details for e in entries])  # names go with the walk-in's retention, not the log's


def test_a_booked_persons_check_in_is_not_a_walk_in_to_change_or_remove(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = EventFactory(organisers=[organiser])
    attendance = check_in(guest(event, 1), actor=organiser)
    for act in (lambda: change_walk_in(attendance, name="Someone", people=9, actor=organiser),
                lambda: remove_walk_in(attendance, actor=organiser)):
        with pytest.raises(EventRuleBroken, match="booked a place: undo their check-in instead"):
            act()
    assert attendance.people == 1 and attendance_counts(event).attended == 1


def test_a_walk_in_removed_meanwhile_is_reported_not_a_crash(ctx):
    """Two organisers at the door: one removes a walk-in while the other's
    request, holding the walk-in read before the lock, changes or removes it."""
    organiser = UserFactory(roles=["organiser"])
    event = EventFactory(organisers=[organiser])
    walk_in = add_walk_in(event, name="Chris", people=2, actor=organiser)
    db.session.commit()
    db.session.execute(Attendance.__table__.delete().where(Attendance.id == walk_in.id))  # the other request
    for act in (lambda: change_walk_in(walk_in, name="Chris Lee", people=3, actor=organiser),
                lambda: remove_walk_in(walk_in, actor=organiser)):
        with pytest.raises(EventRuleBroken, match="Chris has already been removed from the walk-ins"):
            act()


def test_capacity_work_on_sqlite_refuses_to_run_without_the_write_lock(sqlite_app):
    with sqlite_app.test_request_context():
        event = EventFactory()
        with pytest.raises(RuntimeError, match="write_lock"):
            guest(event, 1)


def test_registration_links_only_open_their_own_registration(ctx):
    registration = RegistrationFactory()
    token = registration_token(registration)
    assert registration_for_token(token) == registration
    with pytest.raises(InvalidLink):
        registration_for_token(token[:-3] + "xyz")


def test_held_back_places_are_not_offered_until_released(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = create_event(details(capacity=3, reserved_places=2), actor=organiser)
    publish(event, actor=organiser)
    assert guest(event, 1).status == RegistrationStatus.CONFIRMED
    waiting = guest(event, 2)
    assert waiting.status == RegistrationStatus.WAITLISTED
    with pytest.raises(EventRuleBroken, match="at most 2 can be held back"):
        update_event(event, details(capacity=3, reserved_places=3, venue_id=event.venue_id,
                                    starts_at=event.starts_at, ends_at=event.ends_at), actor=organiser)
    update_event(event, details(capacity=3, reserved_places=1, venue_id=event.venue_id,
                                starts_at=event.starts_at, ends_at=event.ends_at), actor=organiser)
    assert waiting.status == RegistrationStatus.OFFERED


def test_a_place_at_a_cancelled_event_stands_cancelled_and_cannot_be_taken_up(ctx):
    organiser = UserFactory(roles=["organiser"])
    event = EventFactory(capacity=1)
    booked = RegistrationFactory(event=event)
    offered = RegistrationFactory(event=event, status=RegistrationStatus.OFFERED, confirmed_at=None,
                                  offer_expires_at=utcnow() + timedelta(hours=24))
    cancel_event(event, actor=organiser, reason="The hall flooded.")
    assert standing(booked) == standing(offered) == RegistrationStatus.CANCELLED
    with pytest.raises(RegistrationClosed):
        accept_offer(offered)
    assert offered.status == RegistrationStatus.OFFERED


def test_a_guest_booking_with_a_members_address_under_another_name_is_no_second_booking(ctx):
    """Issue 20, item 7. The address is emailed, not the person typing told."""
    event = EventFactory(capacity=5)
    member = UserFactory(email="amira@example.org")
    register(event, user=member)
    outcome = register(event, name="Someone Else", email="Amira@Example.org")
    assert outcome == EmailedTheAddress("amira@example.org")
    assert active_registration_count(event) == 1 and places_left(event) == 4
    assert mail_to("amira@example.org")[-1] == f"You have already registered: {event.title}"
    # The other way round: a member whose proven address has a guest booking holds that booking already.
    register(event, name="Ben", email="ben@example.org")
    ben = UserFactory(email="ben@example.org")
    with pytest.raises(AlreadyRegistered):
        register(event, user=ben)
    assert active_registration_count(event) == 2


def test_a_guest_who_registers_again_before_confirming_is_sent_the_confirm_link_again(ctx):
    event = EventFactory(instant_guest_places=False)
    first = register(event, name="Hana", email="hana@example.org")
    again = register(event, name="Hana K", email="hana@example.org")
    assert isinstance(again, EmailedTheAddress) and first.name == "Hana"
    assert mail_to("hana@example.org") == [f"Confirm your place: {event.title}"] * 2


def test_a_postponed_event_given_its_new_date_is_on_again_and_everyone_is_told(ctx):
    """Issue 20, item 5: it said "a new date will be announced" until someone found Publish."""
    organiser = UserFactory(roles=["organiser"])
    event = create_event(details(capacity=1), actor=organiser)
    publish(event, actor=organiser)
    booked, waiting = guest(event, 1), guest(event, 2)
    postpone_event(event, actor=organiser, reason="The speaker is ill.")
    cancel_registration(booked, actor=None)  # a place freed while postponed: nobody can be offered it yet
    assert waiting.status == RegistrationStatus.WAITLISTED
    same_day = details(capacity=1, venue_id=VenueFactory().id, starts_at=event.starts_at, ends_at=event.ends_at)
    update_event(event, same_day, actor=organiser)
    assert event.status == EventStatus.POSTPONED  # a new place is not a new date
    sequence, later = event.sequence, event.starts_at + timedelta(days=14)
    update_event(event, details(capacity=1, venue_id=event.venue_id, starts_at=later,
                                ends_at=later + timedelta(hours=2)), actor=organiser)
    assert event.status == EventStatus.PUBLISHED and event.sequence == sequence + 1
    assert f"New date: {event.title}" in mail_to("guest2@example.org")
    assert waiting.status == RegistrationStatus.OFFERED
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.rescheduled")) is not None


def test_a_postponed_event_is_not_published_again_on_its_old_date_without_a_word(ctx):
    """Found walking the site: Publish on a postponed event put it back on sale on
    its old date, and those registered last heard it was postponed."""
    organiser = UserFactory(roles=["organiser"])
    event = create_event(details(), actor=organiser)
    publish(event, actor=organiser)
    guest(event, 1)
    postpone_event(event, actor=organiser, reason="The speaker is ill.")
    with pytest.raises(EventRuleBroken, match="give it its new date"):
        publish(event, actor=organiser)
    assert event.status == EventStatus.POSTPONED
    assert mail_to("guest1@example.org")[-1] == f"Postponed: {event.title}"


def test_an_events_walk_ins_are_read_through_its_own_attendance(ctx):
    """Found by the benchmark: without an index on the event and the
    registration together, SQLite took the unique index on registration_id
    for "IS NULL" and read every walk-in of every event (95 ms a check-in
    page over a million records). PostgreSQL chooses by its statistics,
    which an empty test database does not have: there, the index is there."""
    indexes = {tuple(index["column_names"]) for index in inspect(db.session.connection()).get_indexes("attendances")}
    assert ("event_id", "registration_id") in indexes
    if db.engine.dialect.name != "sqlite":
        return
    event = EventFactory()
    db.session.flush()
    statements = []
    listener = lambda *args: statements.append((args[2], args[3]))  # noqa: E731
    sa_event.listen(db.engine, "before_cursor_execute", listener)
    try:
        walk_ins(event)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listener)
    [(statement, parameters)] = [(sql, given) for sql, given in statements if "FROM attendances" in sql]
    plan = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    assert "ix_attendances_event_id_registration_id" in str(plan)
