"""Calendar feeds as real calendar apps read them: parsed by icalendar and,
independently, by vobject; recurrences expanded by recurring-ical-events and
compared with the app's own dates; cheap, correct repeat polls."""
import re
from datetime import date, datetime, timedelta, timezone

import recurring_ical_events
import vobject
from icalendar import Calendar
from sqlalchemy import event as sa_event, select

from core.database import LONDON, in_london, write_lock
from core.extensions import db
from core.models import AuditEntry
from events import feeds
from events.services.scheduling import EventDetails, cancel_event, create_event, series_occurrences, update_event
from events.services.venues import VENUE_FIELDS, save_venue
from events.models import Audience, Event, EventKind, EventStatus, Registration
from tests.conftest import sign_in, submit
from events.recurrence import Recurrence
from tests.events.factories import EventFactory, PriorityFactory, RegistrationFactory, VenueFactory
from tests.factories import UserFactory

FIRST = datetime(2031, 1, 7, 18, 30, tzinfo=timezone.utc)  # Tuesday 7 January 2031, 18:30 GMT


def feed(client, path="/calendar.ics", **headers):
    return client.get(path, headers=headers)


def parsed(response) -> Calendar:
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    list(vobject.readComponents(body))  # an independent parser must accept it too
    return Calendar.from_ical(body)


def entries(calendar, uid=None):
    return [c for c in calendar.walk("VEVENT") if uid is None or str(c["UID"]) == uid]


def monthly_series(organiser, **overrides):
    details = EventDetails(
        title="Interfaith forum", summary="The forum meets", kind=EventKind.FORUM_MEETING, starts_at=FIRST,
        ends_at=FIRST + timedelta(hours=2), contact_email="forum@example.org", venue_id=VenueFactory().id,
        recurrence=Recurrence("monthly_weekday", date(2031, 12, 31)), **overrides)
    first = create_event(details, actor=organiser, now=FIRST - timedelta(days=30))
    occurrences = series_occurrences(first)
    for occurrence in occurrences:
        occurrence.status = EventStatus.PUBLISHED
    db.session.commit()
    return occurrences


def test_the_site_feed_has_what_calendar_apps_need_and_only_public_events(app, client):
    with app.test_request_context():
        public = EventFactory(title="Big Lunch")
        EventFactory(title="Members only", audience=Audience.MEMBERS)
        EventFactory(title="Invited only", audience=Audience.INVITATION)
        EventFactory(title="Still a draft", status=EventStatus.DRAFT)
        EventFactory(title="Called off", status=EventStatus.CANCELLED, sequence=2)
        public_id, public_start = public.id, in_london(public.starts_at).replace(microsecond=0)
    calendar = parsed(feed(client))
    assert str(calendar["X-WR-CALNAME"]) == "Shared Future" and "X-WR-CALDESC" in calendar
    assert calendar["REFRESH-INTERVAL"].to_ical() == b"PT4H" and calendar["X-PUBLISHED-TTL"].to_ical() == b"PT4H"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    titles = {str(e["SUMMARY"]): e for e in entries(calendar)}
    assert set(titles) == {"Big Lunch", "Called off"}
    lunch = titles["Big Lunch"]
    assert str(lunch["UID"]) == f"event-{public_id}@localhost"
    assert lunch["DTSTART"].dt == public_start and lunch["DTSTART"].params["TZID"] == "Europe/London"
    assert str(lunch["URL"]) == f"http://localhost/events/{public_id}"
    assert "1 High Street, Northampton, NN1 1AA" in str(lunch["LOCATION"])
    assert str(lunch["ORGANIZER"]) == "mailto:events@example.org"
    assert str(titles["Called off"]["STATUS"]) == "CANCELLED" and titles["Called off"]["SEQUENCE"] == 2


def test_a_series_expands_to_the_apps_own_dates_across_both_clock_changes(app, client):
    with app.test_request_context(), write_lock(every_transaction=True):
        organiser = UserFactory()
        occurrences = monthly_series(organiser)
        march, june, october = occurrences[2], occurrences[5], occurrences[9]
        cancel_event(march, actor=organiser, reason="Room not available")
        moved = EventDetails(
            title=june.title, summary=june.summary, kind=june.kind, starts_at=june.starts_at + timedelta(days=7),
            ends_at=june.ends_at + timedelta(days=7), contact_email=june.contact_email, venue_id=june.venue_id)
        update_event(june, moved, actor=organiser)
        db.session.commit()
        expected = sorted(in_london(e.starts_at) for e in occurrences if e.status == EventStatus.PUBLISHED)
        series_uid = f"series-{march.series_id}@localhost"
        october_start = in_london(october.starts_at)
        june_original, march_original = in_london(june.original_starts_at), in_london(march.original_starts_at)

    calendar = parsed(feed(client))
    master, *overrides = entries(calendar, series_uid)
    assert "RRULE" in master and master["RRULE"]["UNTIL"][0].tzinfo is not None  # UNTIL in UTC, per RFC 5545
    assert [o["RECURRENCE-ID"].dt for o in overrides] == [june_original]
    expanded = recurring_ical_events.of(calendar).between(datetime(2031, 1, 1, tzinfo=LONDON),
                                                           datetime(2032, 1, 1, tzinfo=LONDON))
    starts = sorted(e["DTSTART"].dt for e in expanded)
    assert starts == expected and len(starts) == 11
    assert {s.strftime("%H:%M") for s in starts} == {"18:30"}
    assert october_start in starts and october_start.utcoffset() == timedelta(hours=1)
    assert march_original not in starts


def test_uids_stay_and_sequence_rises_when_an_event_changes(app, client):
    with app.test_request_context(), write_lock(every_transaction=True):
        organiser = UserFactory()
        event = EventFactory(organisers=[organiser])
        event_id, before = event.id, event.sequence
    [first] = entries(parsed(feed(client)))
    with app.test_request_context(), write_lock(every_transaction=True):
        event = db.session.get(type(event), event_id)
        later = EventDetails(
            title=event.title, summary=event.summary, kind=event.kind, starts_at=event.starts_at + timedelta(hours=1),
            ends_at=event.ends_at + timedelta(hours=1), contact_email=event.contact_email, venue_id=event.venue_id,
            capacity=event.capacity)
        update_event(event, later, actor=organiser)
        db.session.commit()
    [second] = entries(parsed(feed(client)))
    assert str(second["UID"]) == str(first["UID"]) == f"event-{event_id}@localhost"
    assert first["SEQUENCE"] == before and second["SEQUENCE"] == before + 1
    assert second["DTSTART"].dt - first["DTSTART"].dt == timedelta(hours=1)


def test_a_venue_moving_address_reaches_subscribed_calendars(app, client):
    with app.test_request_context(), write_lock(every_transaction=True):
        event = EventFactory()
        venue = event.venue
        fields = {name: getattr(venue, name) for name in VENUE_FIELDS}
        save_venue(venue, actor=UserFactory(), **{**fields, "address": "2 New Road\nNorthampton"})
        db.session.commit()
    [entry] = entries(parsed(feed(client)))
    assert "2 New Road" in str(entry["LOCATION"]) and entry["SEQUENCE"] == 1


def test_a_venues_map_position_is_the_events_geo(app, client):
    with app.test_request_context():
        EventFactory(title="At the Guildhall", venue=VenueFactory(latitude=52.237053, longitude=-0.894761))
        EventFactory(title="Somewhere unmapped")
    geo = {str(e["SUMMARY"]): e.get("GEO") for e in entries(parsed(feed(client)))}
    assert (geo["At the Guildhall"].latitude, geo["At the Guildhall"].longitude) == (52.237053, -0.894761)
    assert geo["Somewhere unmapped"] is None


def test_a_repeat_poll_is_answered_304_with_one_query_until_something_changes(app, client):
    with app.test_request_context():
        event = EventFactory()
        event_id = event.id
    first = feed(client)
    etag = first.headers["ETag"]
    # Any cache may keep it, asking again with the ETag: the calendar app each time, a shared cache (nginx) after a while.
    assert first.headers["Last-Modified"] and first.headers["Cache-Control"] == "public, max-age=0, s-maxage=10"

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    with app.app_context():
        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            again = feed(client, **{"If-None-Match": etag})
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)
    assert again.status_code == 304 and again.data == b""
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1

    with app.app_context():
        changed = db.session.get(type(event), event_id)
        changed.title = "Renamed"
        db.session.commit()
    after = feed(client, **{"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag and b"Renamed" in after.data


def test_building_a_feed_reads_what_it_writes_in_the_same_few_statements_however_many_events(app, client):
    """Its events, venues and series' rules: not each event's priorities,
    organisers or picture, which a feed does not write (and not once per event)."""
    def statements_for_a_feed_of(count):
        with app.test_request_context():
            priority, organiser = PriorityFactory(), UserFactory()
            for _ in range(count):
                event = EventFactory(venue=VenueFactory())
                event.priorities.append(priority)
                event.organisers.append(organiser)
            db.session.commit()
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        with app.app_context():
            sa_event.listen(db.engine, "before_cursor_execute", listener)
            try:
                body = feed(client).get_data(as_text=True)
            finally:
                sa_event.remove(db.engine, "before_cursor_execute", listener)
        return [s for s in seen if s.lstrip().upper().startswith("SELECT")], body.count("BEGIN:VEVENT")

    few, written = statements_for_a_feed_of(2)
    more, written_more = statements_for_a_feed_of(10)
    assert (written, written_more) == (2, 12)
    assert len(more) == len(few)
    assert not any("event_priorities" in s or "event_organisers" in s for s in more)


def test_an_edit_stamped_earlier_than_the_last_change_still_gives_a_new_version(app, client):
    """Two hosts whose clocks disagree: the newest updated_at would not move."""
    with app.test_request_context():
        edited, newest = EventFactory(), EventFactory()
        edited_id, stamp = edited.id, newest.updated_at - timedelta(hours=1)
    etag = feed(client).headers["ETag"]
    with app.app_context():
        changed = db.session.get(Event, edited_id)
        changed.title, changed.updated_at = "Edited on a slow clock", stamp
        db.session.commit()
    after = feed(client, **{"If-None-Match": etag})
    assert after.status_code == 200 and b"Edited on a slow clock" in after.data


def test_renaming_a_priority_renames_its_feed_for_calendars_that_poll(app, client):
    with app.test_request_context():
        priority = PriorityFactory(name="Tackling loneliness")
        EventFactory(priorities=[priority])
        path, priority_id = f"/calendar/priority/{priority.slug}.ics", priority.id
    etag = feed(client, path).headers["ETag"]
    with app.app_context():
        db.session.get(type(priority), priority_id).name = "Ending loneliness"
        db.session.commit()
    after = feed(client, path, **{"If-None-Match": etag})
    assert after.status_code == 200 and "Ending loneliness" in str(parsed(after)["X-WR-CALNAME"])


def test_kind_and_priority_feeds_hold_only_their_events(app, client):
    with app.test_request_context():
        priority = PriorityFactory(name="Involving young people", slug="involving-young-people")
        EventFactory(title="Youth workshop", kind=EventKind.WORKSHOP, priorities=[priority])
        EventFactory(title="Big Lunch", kind=EventKind.COMMUNITY_EVENT)
    workshops = parsed(feed(client, "/calendar/kind/workshop.ics"))
    assert [str(e["SUMMARY"]) for e in entries(workshops)] == ["Youth workshop"]
    assert str(workshops["X-WR-CALNAME"]) == "Shared Future: Workshops"
    young = parsed(feed(client, "/calendar/priority/involving-young-people.ics"))
    assert [str(e["SUMMARY"]) for e in entries(young)] == ["Youth workshop"]
    assert feed(client, "/calendar/kind/nonsense.ics").status_code == 404
    assert feed(client, "/calendar/priority/nonsense.ics").status_code == 404


def test_event_pages_offer_every_way_to_add_them_to_a_calendar(app, client):
    with app.test_request_context():
        event_id = EventFactory(title="Big Lunch").id
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert '<link rel="alternate" type="text/calendar"' in page
    assert f'href="/events/{event_id}/event.ics"' in page and 'href="webcal://localhost/calendar.ics"' in page
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE&amp;text=Big+Lunch" in page
    assert "https://outlook.live.com/calendar/0/deeplink/compose?" in page
    download = client.get(f"/events/{event_id}/event.ics")
    assert download.headers["Content-Disposition"] == f'attachment; filename="event-{event_id}.ics"'
    assert [str(e["SUMMARY"]) for e in entries(parsed(download))] == ["Big Lunch"]
    listing = client.get("/events?kind=workshop").get_data(as_text=True)
    assert 'href="http://localhost/calendar/kind/workshop.ics"' in listing


# --- a member's own feed ---------------------------------------------------------------

def calendar_address(browser) -> str:
    page = browser.get("/my-events").get_data(as_text=True)
    match = re.search(r'value="http://localhost(/calendar/personal/[^"]+\.ics)"', page)
    return match.group(1) if match else None


def test_a_members_feed_follows_their_registrations_without_a_cookie(app, make_user):
    with app.test_request_context():
        open_event = EventFactory(title="Big Lunch")
        members_only = EventFactory(title="Members' briefing", audience=Audience.MEMBERS)
        full = EventFactory(title="Full workshop", capacity=1)
        RegistrationFactory(event=full)
        EventFactory(title="Not registered")
        ids = {"lunch": open_event.id, "briefing": members_only.id, "full": full.id}
    member = make_user()
    browser = app.test_client()
    sign_in(browser, member)
    assert calendar_address(browser) is None
    response = submit(browser, "/my-events/calendar-link", form_url="/my-events", follow_redirects=True)
    assert "Your calendar address is ready" in response.get_data(as_text=True)
    address = calendar_address(browser)
    assert f'<link rel="alternate" type="text/calendar" title="My events" href="http://localhost{address}">' \
        in browser.get("/my-events").get_data(as_text=True)

    for event_id in ids.values():
        submit(browser, f"/events/{event_id}/register", {})
    calendar_app = app.test_client()  # no cookies, as calendar apps send none
    first = calendar_app.get(address)
    assert "private" in first.headers["Cache-Control"] and "Last-Modified" not in first.headers
    calendar = parsed(first)
    assert str(calendar["X-WR-CALNAME"]) == "My events: Shared Future"
    summaries = {str(e["SUMMARY"]): e for e in entries(calendar)}
    assert set(summaries) == {"Big Lunch", "Members' briefing", "Waiting list: Full workshop"}
    assert str(summaries["Big Lunch"]["UID"]) == f"event-{ids['lunch']}@localhost"
    assert str(summaries["Waiting list: Full workshop"]["STATUS"]) == "TENTATIVE"

    assert calendar_app.get(address, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    with app.app_context():
        lunch = db.session.scalar(select(Registration).where(Registration.event_id == ids["lunch"],
                                                             Registration.user_id == member.id))
    submit(browser, f"/my-events/{lunch.id}/cancel", form_url="/my-events")
    after = calendar_app.get(address, headers={"If-None-Match": first.headers["ETag"]})
    assert {str(e["SUMMARY"]) for e in entries(parsed(after))} == {"Members' briefing",
                                                                   "Waiting list: Full workshop"}


def test_a_new_address_retires_the_old_one_and_unknown_addresses_reveal_nothing(app, make_user):
    member = make_user()
    browser = app.test_client()
    sign_in(browser, member)
    submit(browser, "/my-events/calendar-link", form_url="/my-events")
    old = calendar_address(browser)
    response = submit(browser, "/my-events/calendar-link", form_url="/my-events", follow_redirects=True)
    assert "The old one no longer works" in response.get_data(as_text=True)
    new = calendar_address(browser)
    assert new != old and browser.get(new).status_code == 200
    calendar_app = app.test_client()
    retired = calendar_app.get(old)
    never_issued = calendar_app.get("/calendar/personal/" + "x" * 43 + ".ics")
    assert retired.status_code == never_issued.status_code == 404
    # The same page, but for the request's own reference (its id, to quote to the partnership) and its own
    # address in the language links (which come back to the page).
    def without_its_own(page):
        return re.sub(r'id="reference"[^>]*>[^<]*|next=[^"]*', "", page.get_data(as_text=True))
    assert without_its_own(retired) == without_its_own(never_issued)

    submit(browser, "/my-events/calendar-link/stop", form_url="/my-events")
    assert calendar_address(browser) is None and browser.get(new).status_code == 404
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == member.id)))
    assert {"calendar_link.renewed", "calendar_link.stopped"} <= actions


def test_making_an_address_needs_the_form_token(app, make_user):
    member = make_user()
    browser = app.test_client()
    sign_in(browser, member)
    assert browser.post("/my-events/calendar-link").status_code == 400
    assert calendar_address(browser) is None


def test_the_demo_datas_feed_imports_cleanly_and_expands_to_the_apps_own_dates(app, client):
    with app.app_context():
        PriorityFactory(name="Inter-faith work", slug="inter-faith-work")
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    calendar = parsed(feed(client))  # icalendar and vobject both accept it
    with app.app_context():
        events = feeds.site_feed("Shared Future").events()
        # A series every date of which the feed may show is its rule, less its cancelled dates; any other
        # is its shown dates alone, cancelled ones marked so.
        whole = {e.series_id for e in events} - {e.series_id for e in events if not feeds.in_public_feeds(e)}
        expected = sorted(in_london(e.starts_at) for e in events if feeds.in_public_feeds(e)
                          and not (e.series_id in whole and e.status == EventStatus.CANCELLED))
        assert any(e.series_id for e in events) and len(expected) > 5
    expanded = recurring_ical_events.of(calendar).between(datetime(2000, 1, 1, tzinfo=LONDON),
                                                           datetime(2100, 1, 1, tzinfo=LONDON))
    assert sorted(e["DTSTART"].dt for e in expanded) == expected


def test_a_series_with_members_only_or_draft_dates_gives_none_of_them_away(app, client):
    """A youth forum's weekly members-only meetings with one public open day:
    the public feeds carried the series' rule, its members-only dates as the
    dates it skips, and the first date's venue; a draft date's words too. And
    the open day's page listed (and linked) the members-only dates."""
    from tests.forums.factories import ForumFactory
    with app.test_request_context(), write_lock(every_transaction=True):
        occurrences = monthly_series(UserFactory())
        forum = ForumFactory(name="County Youth Forum")
        for date_of_meeting in occurrences[:-2]:
            date_of_meeting.audience, date_of_meeting.forum_id = Audience.FORUM_MEMBERS, forum.id
        draft, open_day = occurrences[-2], occurrences[-1]
        draft.status, draft.title = EventStatus.DRAFT, "Unannounced plan"
        open_day.title = "Youth forum open day"
        db.session.commit()
        open_day_id, series_uid = open_day.id, f"series-{open_day.series_id}@localhost"
        open_day_original = in_london(open_day.original_starts_at)
        hidden_ids = [e.id for e in occurrences[:-1]]

    for path in ("/calendar.ics", "/calendar/kind/forum_meeting.ics"):
        body = feed(client, path).get_data(as_text=True)
        [only] = entries(parsed(feed(client, path)), series_uid)
        assert only["RECURRENCE-ID"].dt == open_day_original and str(only["SUMMARY"]) == "Youth forum open day"
        assert "RRULE" not in body and "EXDATE" not in body and "Unannounced plan" not in body
    page = client.get(f"/events/{open_day_id}").get_data(as_text=True)
    assert not any(f'href="/events/{hidden_id}"' in page for hidden_id in hidden_ids)
