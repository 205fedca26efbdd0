"""The API's OpenAPI 3.1 description. Enumerations come from the models, so
the document cannot fall behind the code; tests check every response
against it."""
from api.forms import DEFAULT_PAGE_SIZE, KINDS, MAX_PAGE, MAX_PAGE_SIZE
from events.models import EventStatus, Venue
from events.services.priorities import PRIORITY_SLUG

LISTED = [EventStatus.PUBLISHED.value, EventStatus.POSTPONED.value, EventStatus.CANCELLED.value]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, description: str | None = None) -> dict:
    schema = {"type": "object", "required": list(properties), "properties": properties,
              "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def _nullable(schema: dict) -> dict:
    return {**schema, "type": [schema["type"], "null"]}


_URL = {"type": "string", "format": "uri"}
_MOMENT = {"type": "string", "format": "date-time",
           "description": "UK time (Europe/London) with its offset from UTC, ISO 8601"}
_ID = {"type": "integer", "minimum": 1}

PERIOD = {"type": "string", "pattern": "^[0-9]{4}-Q[1-4]$", "description": "A quarter, like 2026-Q3"}
OPEN_DATA_RELEASE = {
    "period": PERIOD, "starts_on": {"type": "string", "format": "date"},
    "ends_on": {"type": "string", "format": "date"}, "published_at": _MOMENT,
    "csv_url": {**_URL, "description": "The same figures as CSV"}, "api_url": _URL,
}
OPEN_DATA_COLUMNS = {
    "period": "The quarter, like 2026-Q3", "scope": "What the figures cover",
    "people": "Who is counted (people who came, or who registered but did not come)",
    "characteristic": "The question", "category": "The answer", "count": "People",
    "percent_of_all": "Share of all counted", "percent_of_those_answering": "Share of those who gave an answer",
    "population_percent": "Share of the population, from the baseline", "representation_ratio":
    "Share of those answering divided by the population share", "baseline_source": "Where the population share is from",
}

SCHEMAS = {
    "Problem": {
        "type": "object", "required": ["type", "title", "status", "detail"],
        "description": "An error, as RFC 9457 problem details.",
        "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {"type": "object", "description": "Messages for each query parameter that was not valid",
                       "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        },
    },
    "Priority": _object({
        "slug": {"type": "string"}, "name": {"type": "string"},
        "calendar_url": {**_URL, "description": "Subscribable iCalendar feed of this priority's public events"},
    }, "One of the partnership's cohesion priorities."),
    "Venue": _object({
        "id": _ID, "name": {"type": "string"},
        "address": {"type": "array", "items": {"type": "string"}, "description": "Address lines"},
        "postcode": {"type": "string"}, "directions": {"type": "string"},
        "position": {"oneOf": [_object({"latitude": {"type": "number", "minimum": -90, "maximum": 90},
                                        "longitude": {"type": "number", "minimum": -180, "maximum": 180}}),
                               {"type": "null"}], "description": "Where it is on a map (WGS 84), when known"},
        "accessibility": _object({attribute: {"type": "boolean", "description": label}
                                  for attribute, label in Venue.FACILITIES.items()}),
    }),
    "Event": _object({
        "id": _ID, "title": {"type": "string"}, "summary": {"type": "string"},
        "description": {"type": "string", "description": "Longer text, written in Markdown"},
        "kind": _object({"value": {"type": "string", "enum": KINDS}, "label": {"type": "string"}}),
        "status": {"type": "string", "enum": LISTED,
                   "description": "Cancelled events stay listed so partners can show the cancellation"},
        "starts_at": _MOMENT, "ends_at": _MOMENT,
        "timezone": {"type": "string", "const": "Europe/London"},
        "venue": {"oneOf": [_ref("Venue"), {"type": "null"}], "description": "Null for an online-only event"},
        "online_url": _nullable({**_URL, "description": "Where to join online, if the event is online"}),
        "priorities": {"type": "array", "items": _ref("Priority")},
        "series_id": _nullable({**_ID, "description": "Shared by every date of a repeating event"}),
        "registration": _object({
            "open": {"type": "boolean"}, "closes_at": _MOMENT,
            "capacity": _nullable({"type": "integer", "minimum": 0, "description": "Null when there is no limit"}),
            "places_left": _nullable({"type": "integer", "minimum": 0,
                                      "description": "Null when there is no limit; 0 means a waiting list"}),
            "url": {**_URL, "description": "Where people register"},
        }),
        "image": {"oneOf": [_object({"url": _URL, "alt": {"type": "string"}, "width": {"type": "integer"},
                                     "height": {"type": "integer"}}), {"type": "null"}]},
        "url": {**_URL, "description": "The event's page"},
        "calendar_url": {**_URL, "description": "The event as an iCalendar file"},
        "api_url": _URL,
        "updated_at": _MOMENT,
    }, "A public event. Nothing about the people coming is ever included."),
    "EventPage": _object({
        "items": {"type": "array", "items": _ref("Event")},
        "page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1},
        "total": {"type": "integer", "minimum": 0}, "pages": {"type": "integer", "minimum": 0},
        "links": _object({"self": _URL, "next": _nullable(_URL), "prev": _nullable(_URL)}),
    }),
    "PriorityList": _object({"items": {"type": "array", "items": _ref("Priority")}}),
    "OpenDataRelease": _object(OPEN_DATA_RELEASE, "A quarter's figures published as open data."),
    "OpenDataList": _object({"items": {"type": "array", "items": _ref("OpenDataRelease")}}),
    "OpenDataFigures": _object({
        **OPEN_DATA_RELEASE,
        "rows": {"type": "array", "items": _object({
            column: {"type": "string", "description": description} for column, description in OPEN_DATA_COLUMNS.items()
        })},
    }, "The published figures: one row per group of people, characteristic and category. Counts from 1 to 4 "
       "are \"<5\" and figures hidden so they cannot be worked out are \"[c]\"; empty strings where a figure is "
       "withheld or does not apply."),
    "VenueList": _object({"items": {"type": "array", "items": _ref("Venue")}}),
}


def _ok(schema: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _problem(description: str) -> dict:
    return {"description": description, "content": {"application/problem+json": {"schema": _ref("Problem")}}}


_COMMON = {"304": {"description": "Not modified since the ETag sent in If-None-Match"},
           "429": _problem("Too many requests from this address"),
           "503": _problem("The database is busy or unreachable; nothing was changed. Retry-After says when to try")}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


EVENT_FILTERS = [
    _query("q", {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]*$"},
           "Words in the title, summary or description (no control characters)"),
    _query("kind", {"type": "string", "enum": KINDS}, "Only events of this kind"),
    _query("priority", {"type": "string", "minLength": 1, "maxLength": 100, "pattern": f"^{PRIORITY_SLUG.pattern}$"},
           "Only events serving this priority (its slug, from /priorities); an unknown slug matches nothing"),
    _query("from", {"type": "string", "format": "date"},
           "Events still going on or after this date (YYYY-MM-DD); without it, upcoming events"),
    _query("to", {"type": "string", "format": "date"}, "Events starting on or before this date (YYYY-MM-DD)"),
    _query("step_free", {"type": "string", "enum": ["true", "false"]}, "Only events at step-free venues"),
    _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page number"),
    _query("per_page", {"type": "integer", "minimum": 1, "default": DEFAULT_PAGE_SIZE},
           f"Events per page; more than {MAX_PAGE_SIZE} gives {MAX_PAGE_SIZE}"),
]


def document(*, server: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Shared Future public events API", "version": "1.0.0",
            "description": "Public events, cohesion priorities, venues and published open data, read-only, for "
                           "partners' own sites. "
                           "Events are ordered by start time, then id. Leave out a parameter you do not need: "
                           "one given empty is an error. Anyone may call it from anywhere (CORS); "
                           "errors are problem+json. Members-only, invitation-only and draft events are never "
                           "included, nor anything about the people taking part.",
        },
        "servers": [{"url": server}],
        "paths": {
            "/events": {"get": {
                "operationId": "listEvents", "summary": "Public events, soonest first",
                "parameters": EVENT_FILTERS,
                "responses": {"200": _ok("EventPage", "A page of events"),
                              "400": _problem("A query parameter is not valid"), **_COMMON},
            }},
            "/events/{event_id}": {"get": {
                "operationId": "getEvent", "summary": "One public event",
                "parameters": [{"name": "event_id", "in": "path", "required": True, "schema": _ID}],
                "responses": {"200": _ok("Event", "The event"),
                              "404": _problem("No public event has this id"), **_COMMON},
            }},
            "/priorities": {"get": {
                "operationId": "listPriorities", "summary": "The cohesion priorities events are tagged with",
                "responses": {"200": _ok("PriorityList", "Every priority, in the partnership's order"), **_COMMON},
            }},
            "/venues": {"get": {
                "operationId": "listVenues", "summary": "Venues of public events, with their accessibility",
                "responses": {"200": _ok("VenueList", "Every venue a public event has used"), **_COMMON},
            }},
            "/open-data": {"get": {
                "operationId": "listOpenData", "summary": "Quarters whose figures are published as open data",
                "responses": {"200": _ok("OpenDataList", "Every published quarter, newest first"), **_COMMON},
            }},
            "/open-data/{period}": {"get": {
                "operationId": "getOpenData", "summary": "One quarter's published figures",
                "parameters": [{"name": "period", "in": "path", "required": True, "schema": PERIOD}],
                "responses": {"200": _ok("OpenDataFigures", "The quarter's figures"),
                              "404": _problem("Nothing has been published for this period"), **_COMMON},
            }},
            "/openapi.json": {"get": {
                "operationId": "getOpenApi", "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
            }},
        },
        "components": {"schemas": SCHEMAS},
    }
