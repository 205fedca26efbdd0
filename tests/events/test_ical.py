"""The calendar file attached to booking emails."""
from datetime import datetime, timezone

from hypothesis import given, settings, strategies as st
from icalendar import Calendar, Event as VEvent, vText

from events.ical import _to_ical, event_calendar, plain_text
from events.models import EventStatus
from tests.events.factories import EventFactory


def test_an_event_becomes_a_calendar_entry_in_uk_time_with_a_stable_uid(app):
    with app.app_context():
        event = EventFactory(title="Summer fair", starts_at=datetime(2027, 7, 3, 13, 0, tzinfo=timezone.utc),
                             ends_at=datetime(2027, 7, 3, 16, 0, tzinfo=timezone.utc))
        first = Calendar.from_ical(event_calendar(event, url="https://site.example/events/1", domain="site.example"))
        event.status = EventStatus.CANCELLED
        event.sequence += 1
        second = Calendar.from_ical(event_calendar(event, url="https://site.example/events/1", domain="site.example"))
    [entry] = first.walk("VEVENT")
    assert str(entry["summary"]) == "Summer fair"
    assert entry.decoded("dtstart").isoformat() == "2027-07-03T14:00:00+01:00"  # BST
    assert entry["dtstart"].params["TZID"] == "Europe/London"
    assert [tz["tzid"] for tz in first.walk("VTIMEZONE")] == ["Europe/London"]
    assert "1 High Street, Northampton, NN1 1AA" in str(entry["location"])
    [cancelled] = second.walk("VEVENT")
    assert cancelled["uid"] == entry["uid"] == f"event-{event.id}@site.example"
    assert str(cancelled["status"]) == "CANCELLED" and cancelled["sequence"] == entry["sequence"] + 1


def test_the_description_is_plain_text_not_markdown(app):
    with app.app_context():
        event = EventFactory(summary="A walk", description=(
            "Come **along** to the *fair*: see [our page](https://example.org/fair).\n\n"
            "- Tea & cake\n- Music by _The Band_\n\n1. Meet at the hall\n2. Walk to the park\n\n"
            "## What to bring\n\nA hat, or write to [us](mailto:walks@example.org)."))
        calendar = Calendar.from_ical(event_calendar(event, url="https://site.example/events/1", domain="site.example"))
    [entry] = calendar.walk("VEVENT")
    assert str(entry["description"]) == (
        "A walk\n\n"
        "Come along to the fair: see our page (https://example.org/fair).\n\n"
        "- Tea & cake\n- Music by The Band\n\n1. Meet at the hall\n2. Walk to the park\n\n"
        "What to bring\n\nA hat, or write to us (walks@example.org).\n\n"
        "Details and registration: https://site.example/events/1")


def test_plain_text_keeps_what_is_not_markdown_and_drops_markup(app):
    with app.app_context():
        assert plain_text("") == ""
        assert plain_text("Plain words, 3 * 4 = 12 and snake_case_name") == "Plain words, 3 * 4 = 12 and snake_case_name"
        assert plain_text("<script>alert(1)</script>Hello <b>there</b>") == "Hello there"
        assert plain_text("See https://example.org/a_b") == "See https://example.org/a_b"


def test_an_update_or_a_cancellation_is_an_itip_message_to_the_attendee(app):
    with app.app_context():
        event = EventFactory()
        request = Calendar.from_ical(event_calendar(event, url="https://site.example/events/1", domain="site.example",
                                                    method="REQUEST", attendee="ann@example.org"))
        cancel = Calendar.from_ical(event_calendar(event, url="https://site.example/events/1", domain="site.example",
                                                   method="CANCEL", attendee="ann@example.org"))
    [updated], [removed] = request.walk("VEVENT"), cancel.walk("VEVENT")
    assert str(request["method"]) == "REQUEST" and str(updated["status"]) == "CONFIRMED"
    assert str(updated["attendee"]) == "mailto:ann@example.org"
    assert str(cancel["method"]) == "CANCEL" and str(removed["status"]) == "CANCELLED"
    assert updated["uid"] == removed["uid"] == f"event-{event.id}@site.example"
    assert str(updated["organizer"]) == f"mailto:{event.contact_email}"


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\\;,^\"é€ł😀ے"),
                    max_size=300))
def test_a_calendar_is_written_as_icalendar_writes_it_whatever_its_text(text):
    """Lines short enough not to fold skip icalendar's folding: the bytes
    must be the same as its own, for any text (multi-octet characters at
    the fold, escapes, exactly 74 and 75 octets)."""
    calendar = Calendar()
    entry = VEvent()
    entry.add("summary", text)
    entry.add("description", text * 2)
    entry.add("location", vText(text[:40]))
    calendar.add_component(entry)
    assert _to_ical(calendar) == calendar.to_ical()


def test_lines_either_side_of_the_fold_are_written_as_icalendar_writes_them():
    calendar = Calendar()
    for length in range(60, 90):  # SUMMARY: is 8 octets, so the lines run from 68 to 97
        entry = VEvent()
        entry.add("summary", "a" * length)
        entry.add("description", "ł" * (length // 2))
        calendar.add_component(entry)
    written = _to_ical(calendar)
    assert written == calendar.to_ical()
    assert max(len(line) for line in written.split(b"\r\n")) == 74 and b"\r\n " in written  # none reach 75
