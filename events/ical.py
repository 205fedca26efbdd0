"""iCalendar (RFC 5545) for one event: pure functions returning bytes."""
from icalendar import Calendar, Event as VEvent, vText

from core.database import in_london
from events.models import Event, EventStatus

PRODID = "-//Shared Future//Community events//EN"


def event_uid(event: Event, domain: str) -> str:
    """Stable for the life of the event: from its id and the site, never the build time."""
    return f"event-{event.id}@{domain}"


def location_text(event: Event) -> str:
    parts = []
    if event.venue:
        address = ", ".join(line.strip() for line in event.venue.address.splitlines() if line.strip())
        parts.append(f"{event.venue.name}, {address}, {event.venue.postcode}")
    if event.online_url:
        parts.append(f"Online: {event.online_url}")
    return "; ".join(parts)


def event_calendar(event: Event, *, url: str, domain: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = VEvent()
    entry.add("uid", event_uid(event, domain))
    entry.add("dtstamp", event.updated_at)
    entry.add("dtstart", in_london(event.starts_at))
    entry.add("dtend", in_london(event.ends_at))
    entry.add("sequence", event.sequence)
    entry.add("summary", event.title)
    entry.add("description", f"{event.summary}\n\n{url}")
    entry.add("location", vText(location_text(event)))
    entry.add("url", url)
    entry.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    entry.add("organizer", f"mailto:{event.contact_email}")
    calendar.add_component(entry)
    calendar.add_missing_timezones(first_date=in_london(event.starts_at).date().replace(month=1, day=1),
                                   last_date=in_london(event.ends_at).date().replace(month=12, day=31))
    return calendar.to_ical()
