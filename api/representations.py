"""What the API says about each thing: public facts only, never a person.
Times are ISO 8601 in UK time with their offset, so a partner's site shows
the right clock time without knowing about British Summer Time."""
from datetime import datetime

from flask import url_for

from core.database import in_london
from events.services.places import registration_open
from events.models import CohesionPriority, Event, Venue


def event_resource(event: Event, *, places_left: int | None) -> dict:
    return {
        "id": event.id,
        "title": event.title,
        "summary": event.summary,
        "description": event.description,
        "kind": {"value": event.kind.value, "label": event.kind.label},
        "status": event.status.value,
        "starts_at": _moment(event.starts_at),
        "ends_at": _moment(event.ends_at),
        "timezone": "Europe/London",
        "venue": venue_resource(event.venue) if event.venue else None,
        "online_url": event.online_url,
        "priorities": [priority_resource(priority) for priority in event.priorities],
        "series_id": event.series_id,
        "registration": {
            "open": registration_open(event),
            "closes_at": _moment(event.registration_closes_at or event.starts_at),
            "capacity": event.capacity,
            "places_left": places_left,
            "url": url_for("events.register", event_id=event.id, _external=True),
        },
        "image": {
            "url": url_for("events.event_image", event_id=event.id, digest=event.image.digest, _external=True),
            "alt": event.image_alt, "width": event.image.width, "height": event.image.height,
        } if event.image else None,
        "url": url_for("events.event_page", event_id=event.id, _external=True),
        "calendar_url": url_for("events.event_ics", event_id=event.id, _external=True),
        "api_url": url_for("api.event", event_id=event.id, _external=True),
        "updated_at": _moment(event.updated_at),
    }


def venue_resource(venue: Venue) -> dict:
    return {
        "id": venue.id,
        "name": venue.name,
        "address": [line.strip() for line in venue.address.splitlines() if line.strip()],
        "postcode": venue.postcode,
        "directions": venue.directions,
        "position": {"latitude": venue.latitude, "longitude": venue.longitude} if venue.position else None,
        "accessibility": {attribute: getattr(venue, attribute) for attribute in Venue.FACILITIES},
    }


def priority_resource(priority: CohesionPriority) -> dict:
    return {"slug": priority.slug, "name": priority.name,
            "calendar_url": url_for("events.priority_calendar", slug=priority.slug, _external=True)}


def _moment(value: datetime) -> str:
    return in_london(value).isoformat()


def open_data_resource(release) -> dict:
    """A published quarter of open data (reports.open_data): aggregated, suppressed figures only."""
    return {
        "period": release.period,
        "starts_on": release.starts_on.isoformat(),
        "ends_on": release.ends_on.isoformat(),
        "published_at": _moment(release.published_at),
        "csv_url": url_for("reports.open_data_csv", period=release.period, _external=True),
        "api_url": url_for("api.open_data_release", period=release.period, _external=True),
    }
