"""Routes for the read-only JSON API. Anyone may call it, from anywhere
(CORS), within a generous per-address rate limit."""
from flask import Blueprint, current_app, jsonify, request, url_for

from api import openapi, queries
from api.forms import EventQuery
from api.problems import is_api_request, problem
from api.representations import event_resource, open_data_resource, priority_resource, venue_resource
from core import http_cache, i18n
from core.database import utcnow
from core.extensions import db, limiter
from events.services.places import places_left, places_left_for
from events.models import Audience, Event, EventStatus
from events.queries import filtered_events
from reports import open_data

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# The API is in English whatever the asker's language: shared caches keep one copy of each answer for all.
bp.before_request(lambda: i18n.always_in(i18n.DEFAULT))
limiter.limit(lambda: current_app.config["API_LIMIT_PER_IP"])(bp)

CACHE_SECONDS = 60  # for what no change counter covers (published figures, the OpenAPI document)


@bp.get("/events")
@http_cache.public("events", "priorities")
def events():
    query = EventQuery(request.args)
    if not query.validate():
        return problem(400, "Some query parameters are not valid.", errors=query.problems())
    page = db.paginate(filtered_events(query.search(), now=utcnow()), page=query.page_number(),
                       per_page=query.page_size(), error_out=False)
    places = places_left_for(page.items)
    return jsonify({
        "items": [event_resource(event, places_left=places[event.id]) for event in page.items],
        "page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages,
        "links": {"self": _page_url(page.page), "next": _page_url(page.next_num) if page.has_next else None,
                  "prev": _page_url(page.prev_num) if page.has_prev else None},
    })


def _page_url(number: int) -> str:
    args = {**request.args.to_dict(), "page": number}
    return url_for("api.events", **args, _external=True)


@bp.get("/events/<int:event_id>")
@http_cache.public("events", "priorities")
def event(event_id):
    found = db.session.get(Event, event_id)
    if found is None or found.audience != Audience.PUBLIC or found.status == EventStatus.DRAFT:
        return problem(404, "There is no public event with that id.")
    return jsonify(event_resource(found, places_left=places_left(found)))


@bp.get("/priorities")
@http_cache.public("priorities")
def priorities():
    rows = queries.priorities_in_order()
    return jsonify({"items": [priority_resource(priority) for priority in rows]})


@bp.get("/venues")
@http_cache.public("events")
def venues():
    """Venues of public events only: a venue nobody has used in public may be a private address."""
    rows = queries.venues_of_public_events()
    return jsonify({"items": [venue_resource(venue) for venue in rows]})


@bp.get("/open-data")
def open_data_releases():
    return _json({"items": [open_data_resource(release) for release in open_data.published().values()]})


@bp.get("/open-data/<period>")
def open_data_release(period):
    release = open_data.published().get(period)
    if release is None:
        return problem(404, "No figures have been published for that period.")
    return _json({**open_data_resource(release), "rows": release.rows})


@bp.get("/openapi.json")
def openapi_document():
    return _json(openapi.document(server=url_for("api.events", _external=True).removesuffix("/events")))


def _json(body):
    """An answer no change counter covers: its ETag is its body's digest."""
    response = jsonify(body)
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    response.add_etag()
    return response.make_conditional(request)


@bp.after_app_request
def allow_any_origin(response):
    """Partners' pages may call the API from the browser: it is public, read-only and cookie-free."""
    if is_api_request():
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
        response.headers["Access-Control-Expose-Headers"] = "ETag"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response
