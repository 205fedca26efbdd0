"""Events as calendars: the site's feeds (all, by kind, by priority), one
event's .ics file, and a member's personal feed with the link that
unlocks it (calendar apps send no cookies, so the token is the key)."""
from flask import Response, abort, current_app, url_for
from flask_login import current_user, login_required

from core.extensions import limiter
from core.i18n import _, in_language
from core.forms import EmptyForm, press_button
from events import feeds
from events.feed_responses import calendar_response, event_url, feed_limit, feed_response
from events.services.priorities import priority_by_slug
from events.services import calendars
from events.ical import event_calendar, personal_feed_calendar
from events.models import EventKind
from events.views import bp
from events.views.loading import event_or_404


@bp.get("/calendar.ics")
@limiter.limit(feed_limit)
def site_calendar():
    return feed_response(feeds.site_feed(current_app.config["BRAND_NAME"]))


@bp.get("/calendar/kind/<kind>.ics")
@limiter.limit(feed_limit)
def kind_calendar(kind):
    try:
        chosen = EventKind(kind)
    except ValueError:
        abort(404)
    return feed_response(feeds.kind_feed(current_app.config["BRAND_NAME"], chosen))


@bp.get("/calendar/priority/<slug>.ics")
@limiter.limit(feed_limit)
def priority_calendar(slug):
    priority = priority_by_slug(slug)
    if priority is None:
        abort(404)
    return feed_response(feeds.priority_feed(current_app.config["BRAND_NAME"], priority))


@bp.get("/calendar/personal/<token>.ics")
@limiter.limit(feed_limit)
def personal_calendar(token):
    """A member's own events. The token is the only key (calendar apps send
    no cookies); an unknown or retired one is simply not found."""
    owner = calendars.calendar_link_owner(token)
    if owner is None:
        abort(404)

    def build():
        registrations = feeds.personal_registrations(owner)
        with in_language(owner.language):  # calendar apps send no cookies: the feed is in its owner's language
            return personal_feed_calendar(
                registrations, name=_("My events: %(brand)s", brand=current_app.config["BRAND_NAME"]),
                description=_("Events %(name)s has registered for", name=owner.name), url_for_event=event_url,
                domain=calendars.site_domain(),
                series_sequences=feeds.series_sequences([registration.event for registration in registrations]))
    return calendar_response(feeds.personal_version(owner), None, filename="my-events", shared=False, build=build)


@bp.get("/events/<int:event_id>/event.ics")
def event_ics(event_id):
    event = event_or_404(event_id)
    body = event_calendar(event, url=url_for("events.event_page", event_id=event.id, _external=True),
                          domain=calendars.site_domain(), series_sequences=feeds.series_sequences([event]))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event.id}.ics"'
    return response


@bp.post("/my-events/calendar-link")
@login_required
def renew_calendar_link():
    had_one = calendars.calendar_link_for(current_user) is not None
    return press_button(EmptyForm(), lambda: calendars.renew_calendar_link(current_user, actor=current_user),
                        _("Your new calendar address is below. The old one no longer works.") if had_one else
                        _("Your calendar address is ready. Add it to your calendar app to see your events there."),
                        url_for("events.my_events", _anchor="calendar"))


@bp.post("/my-events/calendar-link/stop")
@login_required
def stop_calendar_link():
    return press_button(EmptyForm(), lambda: calendars.stop_calendar_link(current_user, actor=current_user),
                        _("Your calendar address no longer works. Calendar apps using it will stop updating."),
                        url_for("events.my_events", _anchor="calendar"))
