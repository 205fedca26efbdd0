"""schema.org Event data for search engines and partner sites (JSON-LD)."""
from events.models import EventStatus

_STATUS = {
    EventStatus.PUBLISHED: "https://schema.org/EventScheduled",
    EventStatus.POSTPONED: "https://schema.org/EventPostponed",
    EventStatus.CANCELLED: "https://schema.org/EventCancelled",
}


def event_json_ld(event, *, url: str, places_left: int | None, image_url: str | None = None) -> dict:
    if event.venue and event.online_url:
        mode = "https://schema.org/MixedEventAttendanceMode"
    elif event.online_url:
        mode = "https://schema.org/OnlineEventAttendanceMode"
    else:
        mode = "https://schema.org/OfflineEventAttendanceMode"
    locations = []
    if event.venue:
        locations.append({"@type": "Place", "name": event.venue.name, "address": {
            "@type": "PostalAddress", "streetAddress": event.venue.address, "postalCode": event.venue.postcode,
            "addressCountry": "GB"}})
    if event.online_url:
        locations.append({"@type": "VirtualLocation", "url": event.online_url})
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "description": event.summary,
        "startDate": event.starts_at.isoformat(),
        "endDate": event.ends_at.isoformat(),
        "eventStatus": _STATUS.get(event.status, "https://schema.org/EventScheduled"),
        "eventAttendanceMode": mode,
        "location": locations[0] if len(locations) == 1 else locations,
        "url": url,
        "isAccessibleForFree": True,
        "offers": {"@type": "Offer", "price": "0", "priceCurrency": "GBP", "url": url,
                   "availability": "https://schema.org/SoldOut" if places_left == 0 else "https://schema.org/InStock"},
    }
    if event.capacity is not None:
        data["maximumAttendeeCapacity"] = event.capacity
    if image_url:
        data["image"] = [image_url]
    return data
