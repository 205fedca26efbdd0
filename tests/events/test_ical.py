"""The calendar file attached to booking emails."""
from datetime import datetime, timezone

from icalendar import Calendar

from events.ical import event_calendar
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
