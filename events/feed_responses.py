"""What a calendar app gets when it polls a feed: the iCalendar file, or 304
when it already has this version, within one per-address limit. Events'
calendar routes and each forum's feed (forums/views.py) answer through it."""
from flask import Response, current_app, request, url_for

from core.i18n import DEFAULT, in_language
from events import feeds
from events.services.calendars import site_domain
from events.ical import feed_calendar
from events.models import Event


def feed_limit():
    """Every calendar feed's per-IP limit (FEED_LIMIT_PER_IP)."""
    return current_app.config["FEED_LIMIT_PER_IP"]


def feed_response(feed: feeds.Feed) -> Response:
    """A public feed (events' own, and each forum's). Caches between keep one
    copy of it for everyone, and calendar apps say nothing of their language,
    so it is written in English, as its name is."""
    etag, latest = feed.version()

    def build():
        with in_language(DEFAULT):
            return feed_calendar(feed.events(), name=feed.name, description=feed.description, url_for_event=event_url,
                                 domain=site_domain(), shown=feeds.in_public_feeds)
    return calendar_response(etag, latest, filename=feed.key.replace(":", "-"), build=build)


def event_url(event: Event) -> str:
    return url_for("events.event_page", event_id=event.id, _external=True)


def calendar_response(etag: str, latest, *, filename: str, build, shared: bool = True) -> Response:
    """A feed, or 304 when the caller has this version: a repeat poll costs
    the one small query that made the ETag; `build()` runs only on a change.
    A shared cache (nginx in front) keeps a public feed SHARED_CACHE_SECONDS,
    then asks again with the ETag; the calendar app asks each time (nginx
    stores nothing marked `no-cache`, so a public feed says `max-age=0`
    instead). A personal feed is not `shared`: no cache between may keep it."""
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(build(), mimetype="text/calendar")
        response.headers["Content-Disposition"] = f'inline; filename="{filename}.ics"'
    response.set_etag(etag)
    if latest is not None:
        response.last_modified = latest
    if shared:
        response.headers["Cache-Control"] = \
            f"public, max-age=0, s-maxage={current_app.config['SHARED_CACHE_SECONDS']}"
    else:
        response.headers["Cache-Control"] = "private, no-cache"  # keep it, but ask each time: asking is cheap
    return response.make_conditional(request)
