"""The public JSON API as a partner's site uses it: what it lists, how it
filters and pages, what it never shows, and its errors."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event as sa_event

from core.extensions import db, limiter
from events.models import Audience, EventKind, EventStatus, RegistrationStatus
from tests.conftest import make_app
from tests.events.factories import EventFactory, PriorityFactory, RegistrationFactory, VenueFactory

SOON = datetime(2031, 6, 3, 17, 0, tzinfo=timezone.utc)  # 6pm in London (BST)


def titles(response) -> list[str]:
    return [item["title"] for item in response.get_json()["items"]]


def test_lists_only_public_events_soonest_first_with_what_a_partner_shows(app, client, conforms):
    with app.test_request_context():
        priority = PriorityFactory(name="Inter-faith work", slug="inter-faith-work")
        lunch = EventFactory(title="Big Lunch", starts_at=SOON, priorities=[priority], capacity=30)
        EventFactory(title="Earlier", starts_at=SOON - timedelta(days=1))
        EventFactory(title="Members only", audience=Audience.MEMBERS)
        EventFactory(title="Invited only", audience=Audience.INVITATION)
        EventFactory(title="Forum members only", audience=Audience.FORUM_MEMBERS)
        EventFactory(title="Draft", status=EventStatus.DRAFT)
        EventFactory(title="Called off", status=EventStatus.CANCELLED, starts_at=SOON + timedelta(days=1))
        EventFactory(title="Long gone", starts_at=SOON - timedelta(days=3650))
        RegistrationFactory(event=lunch, name="Amira Khan", email="amira@example.org", tickets=2)
        RegistrationFactory(event=lunch, name="Gone", email="gone@example.org", status=RegistrationStatus.CANCELLED)
        lunch_id, venue_id = lunch.id, lunch.venue_id

    response = client.get("/api/v1/events")
    conforms("/events", response)
    assert titles(response) == ["Earlier", "Big Lunch", "Called off"]
    item = response.get_json()["items"][1]
    assert item["starts_at"] == "2031-06-03T18:00:00+01:00" and item["timezone"] == "Europe/London"
    assert item["status"] == "published" and response.get_json()["items"][2]["status"] == "cancelled"
    assert item["registration"]["places_left"] == 28 and item["registration"]["capacity"] == 30
    assert item["registration"]["url"] == f"http://localhost/events/{lunch_id}/register"
    assert item["url"] == f"http://localhost/events/{lunch_id}"
    assert item["venue"]["id"] == venue_id and item["venue"]["address"] == ["1 High Street", "Northampton"]
    assert item["venue"]["accessibility"]["step_free"] is True and item["venue"]["position"] is None
    assert item["priorities"] == [{"slug": "inter-faith-work", "name": "Inter-faith work",
                                   "calendar_url": "http://localhost/calendar/priority/inter-faith-work.ics"}]
    body = response.get_data(as_text=True)
    assert "amira" not in body.lower() and "Amira" not in body  # nobody's details, ever


def test_filters_work_like_the_events_list(app, client, conforms):
    with app.test_request_context():
        young = PriorityFactory(slug="involving-young-people")
        EventFactory(title="Youth workshop", kind=EventKind.WORKSHOP, starts_at=SOON, priorities=[young])
        EventFactory(title="Big Lunch", starts_at=SOON + timedelta(days=20),
                     venue=VenueFactory(step_free=False), summary="Food and music")
        EventFactory(title="Autumn talk", starts_at=SOON + timedelta(days=120))
    checks = {
        "kind=workshop": ["Youth workshop"],
        "priority=involving-young-people": ["Youth workshop"],
        "q=music": ["Big Lunch"],
        "step_free=true": ["Youth workshop", "Autumn talk"],
        "from=2031-06-10&to=2031-07-31": ["Big Lunch"],
        "from=2031-09-01": ["Autumn talk"],
        "from=2031-09-01&to=2031-06-01": [],
        "priority=no-such-priority": [],
    }
    for query, expected in checks.items():
        response = client.get(f"/api/v1/events?{query}")
        conforms("/events", response)
        assert titles(response) == expected, query


def test_pages_are_stable_and_huge_pages_are_capped(app, client, conforms):
    with app.test_request_context():
        for number in range(5):  # the same start time: ties go by id
            EventFactory(title=f"Session {number}", starts_at=SOON)
    first = client.get("/api/v1/events?per_page=2")
    conforms("/events", first)
    body = first.get_json()
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, 2, 5, 3)
    assert titles(first) == ["Session 0", "Session 1"] and body["links"]["prev"] is None
    second = client.get(body["links"]["next"])
    assert titles(second) == ["Session 2", "Session 3"]
    assert titles(client.get(second.get_json()["links"]["next"])) == ["Session 4"]
    beyond = client.get("/api/v1/events?page=9")
    conforms("/events", beyond)
    assert titles(beyond) == [] and beyond.get_json()["links"]["next"] is None
    huge = client.get("/api/v1/events?per_page=1000000").get_json()
    assert huge["per_page"] == 100 and len(huge["items"]) == 5


@pytest.mark.parametrize("query, parameter, message", [
    ("from=2031-02-30", "from", "from must be a date written as YYYY-MM-DD"),
    ("kind=party", "kind", "kind must be one of"),
    ("step_free=yes", "step_free", "step_free must be true or false"),
    ("page=0", "page", "page must be a whole number from 1 to 100,000"),
    ("page=99999999999999999999", "page", "page must be a whole number from 1 to 100,000"),
    ("per_page=lots", "per_page", "per_page must be a whole number"),
    ("q=%00", "q", "q must not include invisible control characters"),
])
def test_bad_filters_are_400_problems_naming_the_parameter(client, conforms, query, parameter, message):
    response = client.get(f"/api/v1/events?{query}")
    conforms("/events", response)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 400 and problem["title"] == "Bad Request"
    assert list(problem["errors"]) == [parameter] and problem["errors"][parameter][0].startswith(message)


def test_one_event_and_what_is_not_found(app, client, conforms):
    with app.test_request_context():
        public = EventFactory(title="Big Lunch", capacity=None, venue=None, online_url="https://meet.example.org/x")
        hidden = [EventFactory(audience=Audience.MEMBERS).id, EventFactory(audience=Audience.INVITATION).id,
                  EventFactory(status=EventStatus.DRAFT).id]
        public_id = public.id
    response = client.get(f"/api/v1/events/{public_id}")
    conforms("/events/{event_id}", response)
    event = response.get_json()
    assert event["title"] == "Big Lunch" and event["venue"] is None
    assert event["online_url"] == "https://meet.example.org/x" and event["registration"]["places_left"] is None
    for missing in [*hidden, 999999, 2**31 - 1, 2**40]:
        response = client.get(f"/api/v1/events/{missing}")
        conforms("/events/{event_id}", response)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
    unknown = client.get("/api/v1/no-such-thing")
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    assert client.post("/api/v1/events").get_json()["status"] == 405


def test_priorities_and_only_the_venues_public_events_use(app, client, conforms):
    with app.test_request_context():
        PriorityFactory(name="Second", position=2)
        PriorityFactory(name="First", position=1)
        EventFactory(venue=VenueFactory(name="Guildhall", latitude=52.237053, longitude=-0.894761))
        EventFactory(venue=VenueFactory(name="Someone's front room"), audience=Audience.MEMBERS)
        VenueFactory(name="Never used")
    priorities = client.get("/api/v1/priorities")
    conforms("/priorities", priorities)
    assert [p["name"] for p in priorities.get_json()["items"]] == ["First", "Second"]
    venues = client.get("/api/v1/venues")
    conforms("/venues", venues)
    assert [(v["name"], v["position"]) for v in venues.get_json()["items"]] == [
        ("Guildhall", {"latitude": 52.237053, "longitude": -0.894761})]


def test_any_site_may_call_it_but_pages_stay_same_origin(client):
    for path in ["/api/v1/events", "/api/v1/events/424242", "/api/v1/openapi.json"]:
        response = client.get(path, headers={"Origin": "https://partner.example"})
        assert response.headers["Access-Control-Allow-Origin"] == "*", path
    preflight = client.options("/api/v1/events", headers={
        "Origin": "https://partner.example", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200 and "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Origin" not in client.get("/events").headers


def test_a_repeat_request_with_its_etag_is_304(client):
    first = client.get("/api/v1/priorities")
    again = client.get("/api/v1/priorities", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and "public" in first.headers["Cache-Control"]


def test_listing_a_full_page_takes_a_fixed_number_of_queries(app, client):
    def queries_for_page_of(count):
        with app.test_request_context():
            priority = PriorityFactory()
            for _ in range(count):
                event = EventFactory(priorities=[priority])
                RegistrationFactory(event=event)
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        with app.app_context():
            sa_event.listen(db.engine, "before_cursor_execute", listener)
            try:
                assert client.get("/api/v1/events?per_page=100").status_code == 200
            finally:
                sa_event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)
    assert queries_for_page_of(2) == queries_for_page_of(20)


def test_too_many_requests_get_a_429_problem(database_url):
    app = make_app(database_url, API_LIMIT_PER_IP="2 per minute", RATELIMIT_KEY_PREFIX="api-limit-test")
    client = app.test_client()
    statuses = [client.get("/api/v1/openapi.json").status_code for _ in range(3)]
    limited = client.get("/api/v1/openapi.json")
    assert statuses == [200, 200, 429] and limited.mimetype == "application/problem+json"
    with app.app_context():
        limiter.reset()


def test_the_api_answers_in_english_whatever_the_asker_reads(app, client):
    """Its answers are cached publicly, one copy for everyone: a Polish or Urdu reader's request
    must not put their language's labels into it."""
    with app.test_request_context():
        event_id = EventFactory(kind=EventKind.WORKSHOP).id
    english = client.get(f"/api/v1/events/{event_id}").get_json()
    client.set_cookie("language", "pl")
    assert client.get(f"/api/v1/events/{event_id}", headers={"Accept-Language": "ur"}).get_json() == english
    assert english["kind"]["label"] == "Workshop"
