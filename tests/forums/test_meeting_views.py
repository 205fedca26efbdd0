"""Meetings, minutes, actions, announcements, invitations and renewal through
real forms, as coordinators, members and everyone else see them."""
from datetime import date, timedelta

from markupsafe import escape
from sqlalchemy import select

from core.database import utcnow
from core.extensions import db
from core.models import OutboxMessage
from core.accounts.models import User
from events.models import Audience, Event, EventKind, Registration, RegistrationStatus
from forums.models import ActionItem, Announcement, ForumCoordinator, MeetingPapers, Membership, MembershipStatus
from tests.conftest import csrf_token, preview_and_send, preview_form, sign_in, submit
from werkzeug.datastructures import MultiDict
from tests.events.factories import EventFactory, VenueFactory
from tests.forums.factories import ForumFactory, MembershipFactory


def text_of(response):
    return response.get_data(as_text=True)


def a_forum(app, *, coordinator, members=(), **fields):
    with app.app_context():
        forum = ForumFactory(**fields)
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        for person in members:
            MembershipFactory(forum=forum, user=db.session.get(User, person.id))
        db.session.commit()
        return forum.id


def signed_in(app, person):
    browser = app.test_client()
    sign_in(browser, person)
    return browser


def test_a_coordinator_schedules_a_meeting_members_book_or_send_apologies(app, make_user):
    coordinator, coming, away, outsider = make_user(), make_user(), make_user(), make_user()
    forum_id = a_forum(app, coordinator=coordinator, members=[coming, away], name="Kettering Interfaith Forum")
    with app.app_context():
        venue_id = VenueFactory(name="Kettering Library").id
    running = signed_in(app, coordinator)
    day = date.today() + timedelta(days=10)
    form = {"title": "Spring meeting", "date": [str(day.day), str(day.month), str(day.year)],
            "start_time": "6:30pm", "end_time": "8pm", "venue_id": str(venue_id),
            "who": "members", "agenda": "1. Welcome"}
    refused = submit(running, f"/forums/{forum_id}/meetings/new", {**form, "end_time": "5pm"})
    assert refused.status_code == 200 and "The end must be after the start" in text_of(refused)
    assert 'value="Spring meeting"' in text_of(refused)
    done = submit(running, f"/forums/{forum_id}/meetings/new", form)
    assert done.status_code == 302
    with app.app_context():
        meeting = db.session.scalar(select(Event).where(Event.forum_id == forum_id))
        meeting_id = meeting.id
        assert (meeting.kind, meeting.audience) == (EventKind.FORUM_MEETING, Audience.FORUM_MEMBERS)
    page = f"/forums/{forum_id}/meetings/{meeting_id}"

    member = signed_in(app, coming)
    assert "Book a place" in text_of(member.get(page))
    booked = submit(member, f"/events/{meeting_id}/register", {})
    assert booked.status_code == 200 and "Spring meeting" in text_of(booked)
    sorry = signed_in(app, away)
    submit(sorry, f"{page}/apologies", {"note": "At a wedding"}, form_url=page)
    assert "You have sent apologies" in text_of(sorry.get(page))
    seen_by_coordinator = text_of(running.get(page))
    assert escape(coming.name) in seen_by_coordinator and "At a wedding" in seen_by_coordinator
    assert "At a wedding" not in text_of(member.get(page))  # the reason is for the coordinators

    # Where and when members meet is theirs: not listed, not shown, not in the public feed.
    stranger = signed_in(app, outsider)
    assert stranger.get(f"/events/{meeting_id}").status_code == 404
    assert stranger.get(page).status_code == 403
    assert "Spring meeting" not in text_of(stranger.get("/events"))
    assert "Spring meeting" not in text_of(app.test_client().get(f"/forums/{forum_id}/calendar.ics"))
    assert "Spring meeting" not in text_of(stranger.get(f"/forums/{forum_id}"))


def test_a_member_reads_their_booking_and_their_apologies_as_plain_sentences(app, make_user):
    """"You are booked: booked." and "...: “I have a school trip.”." (found walking the site)."""
    coordinator, coming, away = make_user(), make_user(), make_user()
    forum_id = a_forum(app, coordinator=coordinator, members=[coming, away])
    with app.app_context():
        meeting = EventFactory(forum_id=forum_id, kind=EventKind.FORUM_MEETING, audience=Audience.FORUM_MEMBERS,
                               allow_guests=False)
        db.session.add(Registration(event=meeting, user_id=coming.id, person_key=f"user:{coming.id}",
                                    name=coming.name, email=coming.email, status=RegistrationStatus.CONFIRMED))
        db.session.commit()
        page = f"/forums/{forum_id}/meetings/{meeting.id}"
    booked = text_of(signed_in(app, coming).get(page))
    assert "Your registration: booked." in booked and "You are booked" not in booked
    sorry = signed_in(app, away)
    submit(sorry, f"{page}/apologies", {"note": "I have a school trip."}, form_url=page)
    apologised = text_of(sorry.get(page))
    assert "You have sent apologies." in apologised and "“I have a school trip.”" in apologised
    assert "”." not in apologised


def test_a_public_meeting_is_in_the_forums_feed_and_the_forum_page_links_it(app, make_user):
    coordinator = make_user()
    forum_id = a_forum(app, coordinator=coordinator)
    with app.app_context():
        EventFactory(title="Open forum meeting", forum_id=forum_id, kind=EventKind.FORUM_MEETING)
        EventFactory(title="Somebody else's event")
        db.session.commit()
    visitor = app.test_client()
    feed = visitor.get(f"/forums/{forum_id}/calendar.ics")
    assert feed.mimetype == "text/calendar" and "Open forum meeting" in text_of(feed)
    assert "Somebody else" not in text_of(feed)
    page = text_of(visitor.get(f"/forums/{forum_id}"))
    assert 'rel="alternate" type="text/calendar"' in page and f"/forums/{forum_id}/calendar.ics" in page
    assert "Open forum meeting" in page


def test_a_coordinator_takes_the_register_for_their_forums_meeting_only(app, make_user):
    coordinator, other_coordinator, member = make_user(), make_user(), make_user()
    forum_id = a_forum(app, coordinator=coordinator, members=[member])
    a_forum(app, coordinator=other_coordinator)
    with app.app_context():
        meeting = EventFactory(forum_id=forum_id, kind=EventKind.FORUM_MEETING, audience=Audience.FORUM_MEMBERS,
                               allow_guests=False)
        registration = Registration(event=meeting, user_id=member.id, person_key=f"user:{member.id}",
                                    name=member.name, email=member.email, status=RegistrationStatus.CONFIRMED)
        db.session.add(registration)
        db.session.commit()
        meeting_id, registration_id = meeting.id, registration.id
    running = signed_in(app, coordinator)
    check_in = f"/manage/events/{meeting_id}/check-in"
    assert escape(member.name) in text_of(running.get(check_in))
    assert submit(running, f"{check_in}/{registration_id}", form_url=check_in).status_code == 302
    assert escape(member.name) in text_of(running.get(f"/forums/{forum_id}/meetings/{meeting_id}")).split("Present")[1]
    assert signed_in(app, other_coordinator).get(check_in).status_code == 403


def test_a_coordinator_publishes_minutes_and_members_see_them_only_then(app, make_user):
    coordinator, member = make_user(), make_user()
    forum_id = a_forum(app, coordinator=coordinator, members=[member])
    with app.app_context():
        meeting_id = EventFactory(forum_id=forum_id, kind=EventKind.FORUM_MEETING, audience=Audience.FORUM_MEMBERS,
                                  starts_at=utcnow() - timedelta(days=3),
                                  ends_at=utcnow() - timedelta(days=3, hours=-2)).id
        db.session.commit()
    page = f"/forums/{forum_id}/meetings/{meeting_id}"
    running, reading = signed_in(app, coordinator), signed_in(app, member)
    submit(running, f"{page}/papers", {"agenda": "1. Welcome", "minutes": "We agreed a **shared meal**.",
                                        "action": "save"}, form_url=page)
    assert "shared meal" not in text_of(reading.get(page))
    refused = submit(running, f"{page}/papers", {"agenda": "1. Welcome", "minutes": "", "action": "approve_minutes"},
                     form_url=page)
    assert refused.status_code == 400 and "Write the minutes before approving them" in text_of(refused)
    assert "1. Welcome" in text_of(refused)  # what was typed stays
    submit(running, f"{page}/papers", {"agenda": "1. Welcome", "minutes": "We agreed a **shared meal**.",
                                        "action": "approve_minutes"}, form_url=page)
    assert "<strong>shared meal</strong>" in text_of(reading.get(page))


def test_actions_are_added_at_a_meeting_and_shown_open_on_the_forum_page(app, make_user):
    coordinator, member = make_user(), make_user()
    forum_id = a_forum(app, coordinator=coordinator, members=[member])
    with app.app_context():
        meeting_id = EventFactory(forum_id=forum_id, kind=EventKind.FORUM_MEETING).id
        db.session.commit()
    page = f"/forums/{forum_id}/meetings/{meeting_id}"
    running = signed_in(app, coordinator)
    missing = submit(running, f"{page}/actions", {"description": "Book the hall", "owner_id": "0"}, form_url=page)
    assert missing.status_code == 400 and "Choose a member or coordinator of this forum" in text_of(missing)
    assert "Book the hall" in text_of(missing)  # what was typed stays
    # The failed form is the page's `form` and its action form: the summary lists its error once.
    summary = text_of(missing).split("There is a problem")[1].split("Book the hall")[0]
    assert summary.count("Choose a member or coordinator of this forum") == 1
    submit(running, f"{page}/actions", {"description": "Book the hall", "owner_id": str(member.id),
                                         "due_on": ["1", "2", "2027"]},
           form_url=page)
    forum_page = text_of(signed_in(app, member).get(f"/forums/{forum_id}"))
    assert "Book the hall" in forum_page and "due 1 February 2027" in forum_page
    assert "Book the hall" not in text_of(app.test_client().get(f"/forums/{forum_id}"))
    with app.app_context():
        action_id = db.session.scalar(select(ActionItem.id))
    submit(running, f"/forums/{forum_id}/actions/{action_id}", {"status": "done"}, form_url=page)
    assert "Book the hall" not in text_of(signed_in(app, member).get(f"/forums/{forum_id}")).split(
        "Open actions")[1].split("Announcements")[0]


def test_an_announcement_is_emailed_and_kept_for_members(app, make_user):
    coordinator, member = make_user(), make_user()
    forum_id = a_forum(app, coordinator=coordinator, members=[member], name="County Youth Forum")
    running = signed_in(app, coordinator)
    url = f"/forums/{forum_id}/announcements/new"
    empty = submit(running, url, {"subject": "Pizza night", "body": ""})
    assert "Enter the message" in text_of(empty) and 'value="Pizza night"' in text_of(empty)
    preview = submit(running, url, {"subject": "Pizza night", "body": "Tell us what you **cannot** eat."})
    assert "1 member gets this email" in text_of(preview)
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == member.email)) is None
    send_url, fields = preview_form(preview)
    sent = running.post(send_url, data=MultiDict(fields), follow_redirects=True)
    assert "on its way to 1 member" in text_of(sent)
    assert "<strong>cannot</strong>" in text_of(signed_in(app, member).get(f"/forums/{forum_id}"))
    assert "Pizza night" not in text_of(app.test_client().get(f"/forums/{forum_id}"))
    with app.app_context():
        [email] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == member.email)).all()
        assert email.subject == "County Youth Forum: Pizza night"
        assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    again = running.post(send_url, data=MultiDict(fields), follow_redirects=True)  # a double click, another tab
    assert "sent already, so it was not sent again" in text_of(again)
    with app.app_context():
        assert len(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == member.email)).all()) == 1


def test_the_emailed_stop_link_changes_nothing_until_the_button_is_pressed(app, make_user):
    coordinator, member = make_user(), make_user()
    forum_id = a_forum(app, coordinator=coordinator, members=[member])
    preview_and_send(signed_in(app, coordinator), f"/forums/{forum_id}/announcements/new",
                     {"subject": "Hello", "body": "Hi"})
    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == member.email))
    link = "/unsubscribe/" + body.split("/unsubscribe/")[1].split()[0]
    anyone = app.test_client()
    assert "Stop these emails" in text_of(anyone.get(link))
    with app.app_context():
        assert db.session.scalar(select(Membership.announcement_emails)) is True
    anyone.post(link)
    with app.app_context():
        assert db.session.scalar(select(Membership.announcement_emails)) is False
    assert anyone.get("/unsubscribe/forged").status_code == 400


def test_an_invited_person_follows_the_link_signs_in_and_joins(app, make_user):
    coordinator = make_user()
    invited = make_user(email="new.member@example.org")
    forum_id = a_forum(app, coordinator=coordinator, open_to_apply=False, name="Leadership group")
    running = signed_in(app, coordinator)
    bad = submit(running, f"/forums/{forum_id}/invitations", {"email": "not an address"})
    assert "Enter an email address in the correct format" in text_of(bad)
    submit(running, f"/forums/{forum_id}/invitations", {"email": "new.member@example.org"})
    assert "new.member@example.org" in text_of(running.get(f"/forums/{forum_id}/invitations"))
    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "new.member@example.org"))
    link = "/forums/invitations/" + body.split("/forums/invitations/")[1].split()[0]
    visitor = app.test_client()
    assert visitor.get(link).location.startswith("/sign-in")
    sign_in(visitor, invited)
    assert "Accept your invitation" in text_of(visitor.get(link))
    joined = submit(visitor, link, {"reason": "Asked to join", "faith": "bahai"}, follow_redirects=True)
    assert "Welcome to Leadership group" in text_of(joined)
    with app.app_context():
        assert db.session.scalar(select(Membership.status)) == MembershipStatus.ACTIVE
    # Found walking it: the link opened again offered to join, and joining again said "already applied".
    again = visitor.get(link, follow_redirects=True)
    assert "You are already a member of Leadership group" in text_of(again) and "Accept your invitation" not in \
        text_of(again)
    assert "You are already a member" in text_of(visitor.get(f"/forums/{forum_id}/apply", follow_redirects=True))


def test_an_invitation_link_followed_after_a_decline_joins_nobody(app, make_user):
    """The reported attack, through the pages: invited, applied through the
    form instead, declined; then the invitation's link."""
    coordinator, person = make_user(), make_user(email="applicant@example.org")
    forum_id = a_forum(app, coordinator=coordinator, name="Open group")
    running = signed_in(app, coordinator)
    submit(running, f"/forums/{forum_id}/invitations", {"email": person.email})
    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == person.email))
    link = "/forums/invitations/" + body.split("/forums/invitations/")[1].split()[0]
    applicant = signed_in(app, person)
    submit(applicant, f"/forums/{forum_id}/apply", {"reason": "Please", "faith": "bahai"})
    with app.app_context():
        membership_id = db.session.scalar(select(Membership.id))
    page = f"/forums/{forum_id}/manage/memberships/{membership_id}"
    assert submit(running, page, {"action": "decline", "reason": "Not this year"}).status_code == 302
    refused = applicant.post(link, data={"reason": "Again", "faith": "bahai",
                                         "csrf_token": csrf_token(applicant, f"/forums/{forum_id}/apply")})
    assert refused.status_code == 400 and "no longer valid" in text_of(refused)
    with app.app_context():
        assert db.session.scalar(select(Membership.status)) == MembershipStatus.DECLINED


def test_a_member_renews_when_their_term_is_ending(app, make_user):
    coordinator, member = make_user(), make_user()
    with app.app_context():
        forum = ForumFactory()
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        MembershipFactory(forum=forum, user=db.session.get(User, member.id),
                          term_starts_on=date.today() - timedelta(days=350),
                          term_ends_on=date.today() + timedelta(days=15))
        db.session.commit()
        forum_id = forum.id
    browser = signed_in(app, member)
    assert "Renew my membership" in text_of(browser.get(f"/forums/{forum_id}"))
    renewed = submit(browser, f"/forums/{forum_id}/renew", form_url=f"/forums/{forum_id}", follow_redirects=True)
    assert "renewed for another year" in text_of(renewed) and "Renew my membership" not in text_of(renewed)
    twice = submit(browser, f"/forums/{forum_id}/renew", form_url=f"/forums/{forum_id}", follow_redirects=True)
    assert "not due for renewal yet" in text_of(twice)
    with app.app_context():
        assert db.session.scalar(select(Membership.term_ends_on)) == date.today() + timedelta(days=380)


def test_meeting_papers_belong_to_their_own_forum(app, make_user):
    coordinator = make_user()
    forum_id = a_forum(app, coordinator=coordinator)
    other_forum = a_forum(app, coordinator=make_user())
    with app.app_context():
        elsewhere = EventFactory(forum_id=other_forum, kind=EventKind.FORUM_MEETING).id
        db.session.commit()
    running = signed_in(app, coordinator)
    # Another forum's meeting, addressed through this forum: not found, and nothing written.
    assert running.get(f"/forums/{forum_id}/meetings/{elsewhere}").status_code == 404
    response = submit(running, f"/forums/{forum_id}/meetings/{elsewhere}/papers",
                      {"agenda": "Hijack", "minutes": ""}, form_url=f"/forums/{forum_id}")
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(MeetingPapers.event_id)) is None
        assert db.session.scalar(select(Announcement.id)) is None


def test_an_action_agreed_at_a_meeting_shows_once_on_its_page(app, make_user):
    """Issue 20: an action added at a meeting also showed under "Actions
    carried forward" of that same meeting."""
    coordinator, member = make_user(), make_user()
    forum_id = a_forum(app, coordinator=coordinator, members=[member])
    with app.app_context():
        meeting_id = EventFactory(forum_id=forum_id, kind=EventKind.FORUM_MEETING).id  # next month
        db.session.commit()
    page = f"/forums/{forum_id}/meetings/{meeting_id}"
    running = signed_in(app, coordinator)
    submit(running, f"{page}/actions", {"description": "Book the hall", "owner_id": str(member.id)}, form_url=page)
    shown = text_of(running.get(page))
    agreed, carried = shown.split("Actions agreed at this meeting")[1].split("Actions carried forward")
    assert "Book the hall" in agreed and "Book the hall" not in carried.split("For coordinators")[0]


def test_counts_and_roles_read_as_english(app, make_user):
    coordinator, member = make_user(), make_user()
    forum_id = a_forum(app, coordinator=coordinator, members=[member], faith_cap=1)
    running = signed_in(app, coordinator)
    form = text_of(running.get(f"/forums/{forum_id}/announcements/new"))
    assert "Only those whose role is Secretary" in form and "Only those whose role is Vice-chair" in form
    sent = preview_and_send(running, f"/forums/{forum_id}/announcements/new", {"subject": "Hello", "body": "Hi"},
                            follow_redirects=True)
    assert "on its way to 1 member and" in text_of(sent) and "(s)" not in text_of(sent)
    invitations = text_of(running.get(f"/forums/{forum_id}/invitations"))
    assert "already has 1 member for it" in invitations and "1 members" not in invitations


def test_a_coordinator_records_a_meeting_that_has_taken_place_and_minutes_it(app, make_user):
    """Issue 20: a meeting held before it was put on the site could not be
    recorded, so it could not be minuted."""
    coordinator, member = make_user(), make_user()
    forum_id = a_forum(app, coordinator=coordinator, members=[member])
    with app.app_context():
        venue_id = VenueFactory().id
    running = signed_in(app, coordinator)
    day = date.today() - timedelta(days=3)
    done = submit(running, f"/forums/{forum_id}/meetings/new", {
        "title": "Emergency meeting", "date": [str(day.day), str(day.month), str(day.year)], "start_time": "6pm",
        "end_time": "7pm", "venue_id": str(venue_id), "who": "members"}, follow_redirects=True)
    assert done.status_code == 200 and "The meeting is recorded" in text_of(done)
    with app.app_context():
        meeting_id = db.session.scalar(select(Event.id).where(Event.forum_id == forum_id))
        assert db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == member.email)).all() == []
    page = f"/forums/{forum_id}/meetings/{meeting_id}"
    submit(running, f"{page}/papers", {"minutes": "We agreed to meet monthly.", "action": "approve_minutes"},
           form_url=page)
    assert "We agreed to meet monthly." in text_of(signed_in(app, member).get(page))


def test_scheduling_a_meeting_tells_the_members(app, make_user):
    coordinator, member = make_user(), make_user()
    forum_id = a_forum(app, coordinator=coordinator, members=[member], name="County Youth Forum")
    with app.app_context():
        venue_id = VenueFactory(name="Kettering Library").id
    day = date.today() + timedelta(days=10)
    submit(signed_in(app, coordinator), f"/forums/{forum_id}/meetings/new", {
        "title": "Spring meeting", "date": [str(day.day), str(day.month), str(day.year)], "start_time": "6:30pm",
        "end_time": "8pm", "venue_id": str(venue_id), "who": "members"})
    with app.app_context():
        [email] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == member.email)).all()
    assert email.subject == "County Youth Forum: Spring meeting"
    assert "Kettering Library" in email.body and day.strftime("%-d %B %Y") in email.body


def test_an_announcement_not_previewed_as_it_is_is_not_sent(app, make_user):
    coordinator, member = make_user(), make_user()
    forum_id = a_forum(app, coordinator=coordinator, members=[member])
    running = signed_in(app, coordinator)
    send_url, fields = preview_form(submit(running, f"/forums/{forum_id}/announcements/new",
                                           {"subject": "Pizza night", "body": "Bring a friend."}))
    made_up = [(name, "made-up" if name == "draft" else value) for name, value in fields]
    changed = [(name, "Bring everyone." if name == "body" else value) for name, value in fields]
    for attempt in (made_up, changed):
        page = running.post(send_url, data=MultiDict(attempt))
        assert page.status_code == 200 and "has not been previewed as it is now" in text_of(page)
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == member.email)) is None
    assert "on its way to 1 member" in text_of(running.post(send_url, data=MultiDict(fields), follow_redirects=True))
