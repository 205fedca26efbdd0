"""Routes for events: the public list and pages, registering, My events,
and the organiser's scheduling and check-in pages."""
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.database import in_london, utcnow
from core.extensions import db, limiter
from core.forms import EmptyForm, call_service, press_button, rendered_fields, search_words
from core.formatting import london_time
from core.accounts.models import User
from core.numbers import page_number
from core import home_page, page_cache, spam
from core.accounts import safeguarding
from core.views import from_emailed_link
from core.accounts.permissions import is_admin
from events import exports, feeds, pdf, permissions, series, settlement
from events import privacy  # noqa: F401  registers events' part of "Your data", erasure and retention
from events.feed_responses import calendar_response, event_url, feed_limit, feed_response
from events.services.booking_emails import cancellation_is_confirmed_by_email
from events.services.invitations import invitation_for_token, invitations_of, invite
from events.services.priorities import priority_by_slug, save_priority
from events.services.registration_links import registration_for_token, registration_link
from events.services.venues import VENUE_FIELDS, save_venue
from events.services import calendars, places, programme, scheduling, waiting_list
from events.services import check_in as on_the_day
from events.services import questions as registration_questions
from events.services import registration as registering
from events.ical import event_calendar, google_calendar_link, outlook_calendar_link, personal_feed_calendar, webcal
from events.forms import (
    BookingForm, ChangeWalkInForm, EventFilterForm, EventForm, InvitationForm, PriorityForm, QuestionForm,
    ReopenAttendanceForm, SessionForm, StatusChangeForm, VenueForm, WalkInForm, question_answers, registration_form_for,
)
from events.models import (
    Attendance, Audience, CohesionPriority, Event, EventKind, EventQuestion, EventStatus, ProgrammeSession,
    QuestionKind, Registration, RegistrationStatus, Venue,
)
from events.forms import SeriesScopeForm, series_scope_choices
from events.series import SeriesScope
from events.structured_data import event_json_ld
from events.queries import (
    EventSearch, booked_named, events_managed_by, filtered_events, priorities_in_order, priority_choices,
    priority_filter_choices, registrations_held_by, venue_choices, venues_by_name,
)

bp = Blueprint("events", __name__)

HOME_EVENTS = 4


@home_page.section(10, "events/_home_section.html")
def _home_section(now):
    """What is on next, on the home page."""
    return {"upcoming": db.session.scalars(filtered_events(EventSearch(), now=now).limit(HOME_EVENTS)).all()}

PAGE_SIZE = 20


def _event_or_404(event_id: int, *, manage: bool = False) -> Event:
    event = db.get_or_404(Event, event_id)
    allowed = permissions.can_manage_event if manage else permissions.can_view_event
    if not allowed(current_user, event):
        abort(404 if not manage or not event.is_visible else 403)
    return event


def _registration_from_link(token: str) -> Registration:
    registration = from_emailed_link(registration_for_token, token)
    # A members-only meeting, once its holder is no longer a member: nothing of it reaches them by the old link.
    if registration.user is not None and registration.event.audience == Audience.FORUM_MEMBERS \
            and not permissions.can_view_event(registration.user, registration.event):
        abort(404)
    return registration


# --- the public side --------------------------------------------------------

@bp.get("/events")
@page_cache.for_visitors
def event_list():
    form = EventFilterForm(request.args)
    form.priority.choices = [("", "Any priority")] + priority_filter_choices()
    events = None
    if form.validate():
        events = db.paginate(filtered_events(form.search(), now=utcnow()), page=page_number(), per_page=PAGE_SIZE,
                             error_out=False)
    return render_template("events/list.html", form=form, events=events, filter_feeds=_filter_feeds(form),
                           filter_fields=rendered_fields(form, "events/_filter_fields.html"), webcal=webcal)


def _filter_feeds(form) -> list[dict]:
    """The calendar feeds matching the list's kind or priority filter."""
    found = []
    if not form.errors and form.kind.data:
        kind = EventKind(form.kind.data)
        found.append({"title": f"Only {kind.plural.lower()}",
                      "url": url_for("events.kind_calendar", kind=kind.value, _external=True)})
    if not form.errors and form.priority.data:
        priority = priority_by_slug(form.priority.data)
        if priority is not None:
            found.append({"title": f"Only {priority.name}",
                          "url": url_for("events.priority_calendar", slug=priority.slug, _external=True)})
    return found


@bp.get("/events/<int:event_id>")
@page_cache.for_visitors
def event_page(event_id):
    event = _event_or_404(event_id)
    mine = registering.registration_for(event, current_user)
    places_left = places.places_left(event)
    sessions = programme.programme(event)
    upcoming = [e for e in scheduling.series_occurrences(event)  # not a members-only date, to a stranger
                if e.ends_at >= utcnow() and e.is_visible and permissions.can_view_event(current_user, e)]
    page_url = url_for("events.event_page", event_id=event.id, _external=True)
    json_ld = event_json_ld(event, url=page_url, places_left=places_left, image_url=url_for(
        "events.event_image", event_id=event.id, digest=event.image.digest, _external=True) if event.image else None)
    calendar_links = {
        "download": url_for("events.event_ics", event_id=event.id),
        "google": google_calendar_link(event, page_url), "outlook": outlook_calendar_link(event, page_url),
        "subscribe": webcal(url_for("events.site_calendar", _external=True)),
    }
    return render_template("events/event.html", event=event, mine=mine, places_left=places_left,
                           calendar_links=calendar_links,
                           open=places.registration_open(event), json_ld=json_ld, sessions=sessions,
                           occurrences=upcoming if event.series_id else [],
                           taken=programme.session_signup_counts(s.id for s in sessions),
                           manage_link=registration_link(mine) if mine else None,
                           mine_standing=registering.standing(mine) if mine else None)


@bp.get("/events/<int:event_id>/picture/<digest>.jpg")
def event_image(event_id, digest):
    """The event's picture. Its address changes with its content, so it can
    be cached for good; a draft's picture stays out of shared caches."""
    event = _event_or_404(event_id)
    if event.image is None or event.image.digest != digest:
        abort(404)
    response = Response(event.image.content, mimetype=event.image.content_type)
    response.headers["Cache-Control"] = f"{'public' if event.is_visible else 'private'}, max-age=31536000, immutable"
    return response


# --- calendars ---------------------------------------------------------------------------

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
        return personal_feed_calendar(
            registrations, name=f"My events: {current_app.config['BRAND_NAME']}",
            description=f"Events {owner.name} has registered for", url_for_event=event_url,
            domain=calendars.site_domain(),
            series_sequences=feeds.series_sequences([registration.event for registration in registrations]))
    return calendar_response(feeds.personal_version(owner), None, filename="my-events", shared=False, build=build)


@bp.get("/events/<int:event_id>/event.ics")
def event_ics(event_id):
    event = _event_or_404(event_id)
    body = event_calendar(event, url=url_for("events.event_page", event_id=event.id, _external=True),
                          domain=calendars.site_domain(), series_sequences=feeds.series_sequences([event]))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event.id}.ics"'
    return response


@bp.route("/events/<int:event_id>/register", methods=["GET", "POST"])
@spam.public_form(email_field="email")
def register(event_id):
    event = _event_or_404(event_id)
    token = request.args.get("invitation")
    invitation = from_emailed_link(invitation_for_token, token, event) if token is not None else None
    form = registration_form_for(registration_questions.event_questions(event))()
    if current_user.is_authenticated:
        del form.name, form.email
    elif invitation is not None and request.method == "GET":
        form.name.data, form.email.data = invitation.name or None, invitation.email
    if event.max_tickets == 1:
        del form.tickets
    if form.validate_on_submit():
        done, registration = call_service(form, lambda: registering.register(
            event, user=current_user if current_user.is_authenticated else None,
            name=form.name.data if "name" in form else "", email=form.email.data if "email" in form else "",
            tickets=form.tickets.data if "tickets" in form else 1, access_needs=form.access_needs.data or "",
            dietary_needs=form.dietary_needs.data or "", contact_consent=form.contact_consent.data,
            answers=question_answers(form), invitation=invitation), page_shows_result=True)
        # A guest without an invitation sees the same page whether the address was new here or already
        # booked, so typing someone's email tells a stranger nothing: what happened is in the email.
        if done and (isinstance(registration, registering.EmailedTheAddress)
                     or (not current_user.is_authenticated and invitation is None)):
            return render_template("events/registered.html", event=event, registration=None,
                                   emailed=registration.email)
        if done:
            return render_template("events/registered.html", event=event, registration=registration,
                                   emailed=registration.email, sessions_link=(
                                       registration_link(registration) + "#programme"
                                       if programme.has_sessions_to_choose(event) else None))
    return render_template("events/register.html", event=event, form=form, open=places.registration_open(event),
                           places_left=places.places_left(event), invitation=invitation)


@bp.get("/registrations/<token>")
def registration(token):
    registration = _registration_from_link(token)
    sessions = programme.programme(registration.event)
    return render_template("events/registration.html", registration=registration, token=token, form=EmptyForm(),
                           status=registering.standing(registration),
                           position=waiting_list.waiting_list_position(registration), sessions=sessions,
                           taken=programme.session_signup_counts(s.id for s in sessions),
                           chosen={s.id for s in programme.sessions_chosen(registration)},
                           queue_positions=programme.session_queue_positions(registration))


# One endpoint for the question and the answer: a GET and a POST route at the same address with a
# number in it would answer 405, not 404, to a number no id can be (werkzeug matches the address first).
@bp.route("/registrations/<token>/cancel", methods=["GET", "POST"])
def cancel_by_link(token):
    registration = _registration_from_link(token)
    return _cancel(registration, actor=current_user if current_user.is_authenticated else None,
                   back=url_for("events.registration", token=token), by_its_holder=True)


def _cancel(registration: Registration, *, actor: User | None, back: str, by_its_holder: bool = False):
    """Cancelling cannot be undone: the page (GET, which changes nothing)
    says what will happen, and only its button (a POST with the form token)
    cancels."""
    form = EmptyForm()
    if request.method == "POST":
        return press_button(form, lambda: registering.cancel_registration(registration, actor=actor,
                                                                            by_its_holder=by_its_holder),
                            f"Your registration for {registration.event.title} has been cancelled.", back)
    return render_template("events/confirm_cancel.html", registration=registration, form=form, back=back,
                           status=registering.standing(registration),
                           waiting=len(waiting_list.waiting_list(registration.event)),
                           position=waiting_list.waiting_list_position(registration),
                           sessions=programme.sessions_chosen(registration),
                           emailed=cancellation_is_confirmed_by_email(
                               registration, actor=actor, by_its_holder=by_its_holder))


@bp.post("/registrations/<token>/accept")
def accept_offer(token):
    return _act_on_registration(token, waiting_list.accept_offer, "You're booked. We have emailed you the details.")


def _act_on_registration(token, action, message=None, anchor=""):
    """Load the registration named by an emailed link, check the form, run
    the service, and report back on the registration page. `message` is the
    text to show, or a function of what the service returned."""
    registration = _registration_from_link(token)
    if not EmptyForm().validate_on_submit():
        abort(400)
    done, outcome = call_service(EmptyForm(), lambda: action(registration))
    if done:
        if callable(message):
            message = message(outcome)
        if message:
            flash(message, "success")
    return redirect(url_for("events.registration", token=token) + anchor)


@bp.get("/registrations/<token>/confirm")
def confirm_guest(token):
    registration = _registration_from_link(token)
    return render_template("events/confirm_guest.html", registration=registration, token=token, form=EmptyForm())


@bp.post("/registrations/<token>/confirm")
def confirm_guest_submit(token):
    return _act_on_registration(token, registering.confirm_guest_email)


@bp.get("/my-events")
@login_required
def my_events():
    # Not a members-only meeting, once its holder is no longer a member.
    registrations = [registration for registration in registrations_held_by(current_user)
                     if permissions.can_view_event(current_user, registration.event)]
    now = utcnow()
    calendar_link = calendars.calendar_link_for(current_user)
    return render_template("events/my_events.html", form=EmptyForm(), webcal=webcal,
                           calendar_url=url_for("events.personal_calendar", token=calendar_link.token,
                                                _external=True) if calendar_link else None,
                           links={r.id: registration_link(r) for r in registrations},
                           standings={r.id: registering.standing(r) for r in registrations},
                           upcoming=[r for r in registrations if r.event.ends_at >= now],
                           past=[r for r in reversed(registrations) if r.event.ends_at < now],
                           positions={r.id: waiting_list.waiting_list_position(r) for r in registrations
                                      if r.status == RegistrationStatus.WAITLISTED})


@bp.route("/my-events/<int:registration_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_mine(registration_id):
    registration = db.get_or_404(Registration, registration_id)
    if registration.user_id != current_user.id:
        abort(404)
    return _cancel(registration, actor=current_user, back=url_for("events.my_events"))


@bp.post("/my-events/calendar-link")
@login_required
def renew_calendar_link():
    had_one = calendars.calendar_link_for(current_user) is not None
    if not EmptyForm().validate_on_submit():
        abort(400)
    calendars.renew_calendar_link(current_user, actor=current_user)
    db.session.commit()
    flash("Your new calendar address is below. The old one no longer works." if had_one else
          "Your calendar address is ready. Add it to your calendar app to see your events there.", "success")
    return redirect(url_for("events.my_events", _anchor="calendar"))


@bp.post("/my-events/calendar-link/stop")
@login_required
def stop_calendar_link():
    if not EmptyForm().validate_on_submit():
        abort(400)
    calendars.stop_calendar_link(current_user, actor=current_user)
    db.session.commit()
    flash("Your calendar address no longer works. Calendar apps using it will stop updating.", "success")
    return redirect(url_for("events.my_events", _anchor="calendar"))


# --- organisers --------------------------------------------------------------------

def _require_organiser():
    if not permissions.can_create_events(current_user):
        abort(403)


@bp.get("/manage/events")
@login_required
def manage_list():
    _require_organiser()
    events = db.paginate(events_managed_by(current_user).order_by(Event.starts_at.desc()), page=page_number(),
                         per_page=PAGE_SIZE, error_out=False)
    return render_template("events/manage_list.html", events=events)


def _event_form(form: EventForm, event: Event | None = None) -> EventForm:
    form.venue_id.choices = [(0, "No venue: online only")] + venue_choices()
    form.priorities.choices = priority_choices()
    if event is not None and event.forum_id is not None:
        form.audience.choices = [(a.value, a.label) for a in (Audience.FORUM_MEMBERS, Audience.PUBLIC)]
    return form


@bp.route("/manage/events/new", methods=["GET", "POST"])
@login_required
def create_event():
    _require_organiser()
    form = _event_form(EventForm(contact_email=current_user.email))
    del form.remove_image, form.scope  # nothing to remove yet, no other dates yet
    if form.validate_on_submit():
        done, event = call_service(form, lambda: scheduling.create_event(form.details(), actor=current_user))
        if done:
            flash("The event has been saved as a draft. Publish it when it is ready.", "success")
            return redirect(url_for("events.manage_event", event_id=event.id))
    return render_template("events/edit.html", form=form, event=None)


@bp.route("/manage/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit_event(event_id):
    event = _event_or_404(event_id, manage=True)
    if event.status == EventStatus.CANCELLED:
        flash("This event has been cancelled, so it cannot be changed. Create a new event instead.", "info")
        return redirect(url_for("events.manage_event", event_id=event.id))
    form = _event_form(EventForm() if request.method == "POST" else EventForm.for_event(event), event)
    del form.repeats, form.repeat_until  # the rule stays; its dates change through the scope below
    _ask_scope(form, event)
    postponed = event.status == EventStatus.POSTPONED
    if form.validate_on_submit():
        scope = SeriesScope(form.scope.data) if "scope" in form else SeriesScope.THIS
        done, result = call_service(form, lambda: series.update_series(event, form.details(), scope,
                                                                       actor=current_user))
        if done:
            told = " Everyone registered has been emailed about the change." if result.told else ""
            if postponed and event.status == EventStatus.PUBLISHED:
                told = " It has its new date, so it is published again, and everyone registered has been emailed it."
            saved = "The event has been saved." if len(result.changed) == 1 else \
                f"{len(result.changed)} dates have been saved."
            flash(" ".join(filter(None, [saved + told, series.left_alone_message(result)])), "success")
            return redirect(url_for("events.manage_event", event_id=event.id))
    return render_template("events/edit.html", form=form, event=event)


@bp.get("/manage/events/<int:event_id>")
@safeguarding.shows_contact_details("email", "access needs")
@login_required
def manage_event(event_id):
    event = _event_or_404(event_id, manage=True)
    registrations = registering.registrations_of(event)
    return render_template("events/manage_event.html", event=event, registrations=registrations,
                           standings={r.id: registering.standing(r) for r in registrations},
                           screen=safeguarding.screen(current_user, registrations), form=EmptyForm(),
                           occurrences=scheduling.series_occurrences(event),
                           waiting=waiting_list.waiting_list(event), places_left=places.places_left(event),
                           counts=on_the_day.attendance_counts(event), attendance=settlement.attendance_state(event))


@bp.route("/manage/events/<int:event_id>/book", methods=["GET", "POST"])
@safeguarding.shows_contact_details(names_people=False)  # shows no one's details: the test keeps it so
@login_required
def book_for(event_id):
    event = _event_or_404(event_id, manage=True)
    form = BookingForm()
    if form.validate_on_submit():
        done, registration = call_service(form, lambda: registering.book_for(
            event, name=form.name.data, email=form.email.data, tickets=form.tickets.data,
            from_held_back=form.from_held_back.data, access_needs=form.access_needs.data or "",
            dietary_needs=form.dietary_needs.data or "", actor=current_user))
        if done:
            flash(f"{registration.name} is booked in, and we have emailed them the details.", "success")
            return redirect(url_for("events.manage_event", event_id=event.id))
    return render_template("events/book_for.html", event=event, form=form, places_left=places.places_left(event))


@bp.route("/manage/events/<int:event_id>/invitations", methods=["GET", "POST"])
@safeguarding.shows_contact_details("email")
@login_required
def invitations(event_id):
    event = _event_or_404(event_id, manage=True)
    form = InvitationForm()
    if form.validate_on_submit():
        done, result = call_service(form, lambda: invite(event, form.parsed_people, actor=current_user))
        if done:
            message = f"{len(result.invited)} invitations sent."
            if result.already_invited:
                message += f" Already invited, so not emailed again: {', '.join(result.already_invited)}."
            flash(message, "success")
            return redirect(url_for("events.invitations", event_id=event.id))
    invited = invitations_of(event)
    return render_template("events/invitations.html", event=event, form=form, invitations=invited,
                           screen=safeguarding.screen(current_user, invited))


def _ask_scope(form, event: Event) -> None:
    """A date of a series asks which dates a change reaches; anything else does not."""
    if event.series_id is None:
        del form.scope
    else:
        form.scope.choices = series_scope_choices(
            event, len(series.dates_in_scope(event, SeriesScope.FOLLOWING)),
            len(series.dates_in_scope(event, SeriesScope.ALL)))


@bp.route("/manage/events/<int:event_id>/publish", methods=["GET", "POST"])
@login_required
def publish_event(event_id):
    return _status_action(event_id, series.publish_series, "Publish", "The event is published.",
                          "{} dates are published.")


@bp.route("/manage/events/<int:event_id>/unpublish", methods=["GET", "POST"])
@login_required
def unpublish_event(event_id):
    return _status_action(event_id, series.unpublish_series, "Unpublish", "The event is hidden again as a draft.",
                          "{} dates are hidden again as drafts.")


def _status_action(event_id, action, verb, one_message, many_message):
    """Publish or unpublish: an event on its own by its button on the manage
    page; a date of a series after asking which dates, on a page of its own."""
    event = _event_or_404(event_id, manage=True)
    back = url_for("events.manage_event", event_id=event.id)
    if event.series_id is None:
        if request.method == "GET":
            return redirect(back)
        form = EmptyForm()
        if not form.validate_on_submit():
            abort(400)
    else:
        form = SeriesScopeForm()
        _ask_scope(form, event)
    if form.validate_on_submit():
        scope = SeriesScope(form.scope.data) if "scope" in form else SeriesScope.THIS
        done, result = call_service(form, lambda: action(event, scope, actor=current_user))
        if done:
            message = one_message if len(result.changed) == 1 else many_message.format(len(result.changed))
            flash(" ".join(filter(None, [message, series.left_alone_message(result)])), "success")
        if done or "scope" not in form:
            return redirect(back)
    return render_template("events/series_scope.html", event=event, form=form, verb=verb)


@bp.route("/manage/events/<int:event_id>/status", methods=["GET", "POST"])
@login_required
def change_status(event_id):
    event = _event_or_404(event_id, manage=True)
    form = StatusChangeForm()
    if event.ends_at <= utcnow():  # it happened or it did not: there is no later date to move it to
        form.change.choices = [choice for choice in form.change.choices if choice[0] == "cancel"]
    if form.validate_on_submit():
        action = scheduling.cancel_event if form.change.data == "cancel" else scheduling.postpone_event
        done, _ = call_service(EmptyForm(), lambda: action(event, actor=current_user, reason=form.reason.data.strip()))
        if done:
            flash(f"The event is {event.status.label.lower()} and everyone registered has been emailed.", "success")
        return redirect(url_for("events.manage_event", event_id=event.id))
    return render_template("events/change_status.html", event=event, form=form)


@bp.get("/manage/events/<int:event_id>/registrations.csv")
@safeguarding.shows_contact_details("email", "access needs", "dietary needs", "answers")
@login_required
def registrations_csv(event_id):
    event = _event_or_404(event_id, manage=True)
    registrations = registering.registrations_of(event)
    csv_bytes = exports.registrations_csv(registrations, on_the_day.walk_ins(event),
                                          registration_questions.event_questions(event),
                                          screen=safeguarding.screen(current_user, registrations),
                                          standing=registering.standing)
    return Response(csv_bytes, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="event-{event.id}-registrations.csv"'})


@bp.get("/manage/events/<int:event_id>/attendees.pdf")
@safeguarding.shows_contact_details("access needs")
@login_required
def attendees_pdf(event_id):
    event = _event_or_404(event_id, manage=True)
    booked = on_the_day.booked(event)
    return _pdf(pdf.attendee_list_pdf(event, booked, current_app.config["BRAND_NAME"],
                                      screen=safeguarding.screen(current_user, booked)),
                f"event-{event.id}-attendees.pdf")


@bp.get("/manage/events/<int:event_id>/badges.pdf")
@safeguarding.shows_contact_details()  # a name and the event, nothing else: the test keeps it so
@login_required
def badges_pdf(event_id):
    event = _event_or_404(event_id, manage=True)
    return _pdf(pdf.name_badges_pdf(event, on_the_day.booked(event), current_app.config["BRAND_NAME"]),
                f"event-{event.id}-badges.pdf")


def _pdf(content: bytes, filename: str) -> Response:
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


@bp.get("/manage/events/<int:event_id>/check-in")
@safeguarding.shows_contact_details("access needs")
@login_required
def check_in_page(event_id):
    event = _event_or_404(event_id, manage=True)
    search = search_words(request.args.get("q"))
    registrations = booked_named(event, search)
    return render_template("events/check_in.html", event=event, registrations=registrations, search=search,
                           screen=safeguarding.screen(current_user, registrations),
                           walk_ins=on_the_day.walk_ins(event), counts=on_the_day.attendance_counts(event),
                           form=EmptyForm(), walk_in_form=WalkInForm(), attendance=settlement.attendance_state(event))


def _confirmed_registration(event, registration_id) -> Registration:
    registration = db.get_or_404(Registration, registration_id)
    if registration.event_id != event.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return registration


@bp.post("/manage/events/<int:event_id>/check-in/<int:registration_id>")
@login_required
def check_in(event_id, registration_id):
    event = _event_or_404(event_id, manage=True)
    registration = _confirmed_registration(event, registration_id)
    done, _ = call_service(EmptyForm(), lambda: on_the_day.check_in(registration, actor=current_user))
    if done:
        flash(f"{registration.name} is checked in.", "success")
    return redirect(url_for("events.check_in_page", event_id=event.id, q=request.args.get("q", "")))


@bp.post("/manage/events/<int:event_id>/check-in/<int:registration_id>/undo")
@login_required
def undo_check_in(event_id, registration_id):
    event = _event_or_404(event_id, manage=True)
    registration = _confirmed_registration(event, registration_id)
    done, _ = call_service(EmptyForm(), lambda: on_the_day.undo_check_in(registration, actor=current_user))
    if done:
        flash(f"{registration.name} is no longer checked in.", "success")
    return redirect(url_for("events.check_in_page", event_id=event.id, q=request.args.get("q", "")))


@bp.post("/manage/events/<int:event_id>/walk-ins")
@login_required
def add_walk_in(event_id):
    event = _event_or_404(event_id, manage=True)
    # A mistake comes back on a page of its own (the check-in page shows people's access needs).
    return _walk_in_form(event, None, WalkInForm(), lambda name, people: on_the_day.add_walk_in(
        event, name=name, people=people, actor=current_user), "{} added as a walk-in.")


def _walk_in_form(event: Event, walk_in: Attendance | None, form, save, done: str):
    """Adding or changing a walk-in: `save(name, people)` once the form is
    right, then back to check-in; otherwise the form, with what was typed
    and what was wrong beside it."""
    if form.validate_on_submit():
        saved, _ = call_service(form, lambda: save(form.walk_in_name.data, form.people.data))
        if saved:
            flash(done.format(form.walk_in_name.data), "success")
            return redirect(url_for("events.check_in_page", event_id=event.id))
    return render_template("events/walk_in.html", event=event, walk_in=walk_in, form=form,
                           attendance=settlement.attendance_state(event))


def _walk_in_of(event: Event, walk_in_id: int) -> Attendance:
    """A walk-in of this event: another event's, or a booked person's check-in, is not found here."""
    walk_in = db.get_or_404(Attendance, walk_in_id)
    if walk_in.event_id != event.id or walk_in.registration_id is not None:
        abort(404)
    return walk_in


@bp.route("/manage/events/<int:event_id>/walk-ins/<int:walk_in_id>/change", methods=["GET", "POST"])
@login_required
def change_walk_in(event_id, walk_in_id):
    event = _event_or_404(event_id, manage=True)
    walk_in = _walk_in_of(event, walk_in_id)
    return _walk_in_form(event, walk_in, ChangeWalkInForm(obj=walk_in), lambda name, people: on_the_day.change_walk_in(
        walk_in, name=name, people=people, actor=current_user), "{} has been changed.")


@bp.route("/manage/events/<int:event_id>/walk-ins/<int:walk_in_id>/remove", methods=["GET", "POST"])
@login_required
def remove_walk_in(event_id, walk_in_id):
    """The page (GET) asks first; only its button (POST) removes."""
    event = _event_or_404(event_id, manage=True)
    walk_in = _walk_in_of(event, walk_in_id)
    form = EmptyForm()
    if request.method == "POST":
        return press_button(form, lambda: on_the_day.remove_walk_in(walk_in, actor=current_user),
                            f"{walk_in.walk_in_name} is no longer counted as a walk-in.",
                            url_for("events.check_in_page", event_id=event.id))
    return render_template("events/remove_walk_in.html", event=event, walk_in=walk_in, form=form,
                           attendance=settlement.attendance_state(event))


# --- settled attendance (admins reopen it) ---------------------------------------------

@bp.route("/manage/events/<int:event_id>/attendance/reopen", methods=["GET", "POST"])
@login_required
def reopen_attendance(event_id):
    event = _event_or_404(event_id, manage=True)
    if not is_admin(current_user):
        abort(403)
    form = ReopenAttendanceForm()
    if form.validate_on_submit():
        done, until = call_service(form, lambda: settlement.reopen_attendance(
            event, actor=current_user, reason=form.reason.data))
        if done:
            flash(f"Attendance at {event.title} is reopened until {london_time(until)}. It settles again by itself "
                  "then.", "success")
            return redirect(url_for("events.manage_event", event_id=event.id))
    return render_template("events/reopen_attendance.html", event=event, form=form,
                           attendance=settlement.attendance_state(event),
                           hours=current_app.config["ATTENDANCE_REOPENED_FOR_HOURS"])


@bp.post("/manage/events/<int:event_id>/attendance/settle")
@login_required
def settle_attendance(event_id):
    event = _event_or_404(event_id, manage=True)
    if not is_admin(current_user):
        abort(403)
    return press_button(EmptyForm(), lambda: settlement.settle_now(event, actor=current_user),
                        f"Attendance at {event.title} is settled again.",
                        url_for("events.manage_event", event_id=event.id))


# --- extra questions -------------------------------------------------------------------

@bp.route("/manage/events/<int:event_id>/questions", methods=["GET", "POST"])
@login_required
def questions(event_id):
    event = _event_or_404(event_id, manage=True)
    form = QuestionForm()
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: registration_questions.add_question(
            event, label=form.label.data, kind=QuestionKind(form.kind.data),
            options=(form.options.data or "").splitlines(), required=form.required.data, actor=current_user))
        if done:
            flash("The question has been added to the registration form.", "success")
            return redirect(url_for("events.questions", event_id=event.id))
    return render_template("events/questions.html", event=event, form=form, delete_form=EmptyForm(),
                           questions=registration_questions.event_questions(event))


@bp.post("/manage/events/<int:event_id>/questions/<int:question_id>/delete")
@login_required
def delete_question(event_id, question_id):
    event = _event_or_404(event_id, manage=True)
    question = db.get_or_404(EventQuestion, question_id)
    if question.event_id != event.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    registration_questions.delete_question(question, actor=current_user)
    db.session.commit()
    flash("The question has been removed, with any answers to it.", "success")
    return redirect(url_for("events.questions", event_id=event.id))


# --- the programme ---------------------------------------------------------------------

def _session_of(event: Event, session_id: int) -> ProgrammeSession:
    session = db.get_or_404(ProgrammeSession, session_id)
    if session.event_id != event.id:
        abort(404)
    return session


@bp.get("/manage/events/<int:event_id>/programme")
@login_required
def manage_programme(event_id):
    event = _event_or_404(event_id, manage=True)
    sessions = programme.programme(event)
    session_ids = [s.id for s in sessions]
    return render_template("events/manage_programme.html", event=event, sessions=sessions,
                           taken=programme.session_signup_counts(session_ids),
                           waiting=programme.session_signup_counts(session_ids, waiting=True))


@bp.route("/manage/events/<int:event_id>/programme/new", methods=["GET", "POST"])
@bp.route("/manage/events/<int:event_id>/programme/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(event_id, session_id=None):
    event = _event_or_404(event_id, manage=True)
    session = _session_of(event, session_id) if session_id else None
    if request.method == "POST" or session is None:
        form = SessionForm(start_date=in_london(event.starts_at).date())
    else:
        form = SessionForm.for_session(session)
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: programme.save_session(event, session, form.details(), actor=current_user))
        if done:
            flash(f"{form.title.data.strip()} is in the programme.", "success")
            return redirect(url_for("events.manage_programme", event_id=event.id))
    return render_template("events/session_edit.html", event=event, session=session, form=form)


@bp.route("/manage/events/<int:event_id>/programme/<int:session_id>/delete", methods=["GET", "POST"])
@login_required
def delete_session(event_id, session_id):
    """Removing a session emails everyone in it and cannot be undone: the
    page (GET) says who will be told, and only its button (POST) removes it."""
    event = _event_or_404(event_id, manage=True)
    session = _session_of(event, session_id)
    form, back = EmptyForm(), url_for("events.manage_programme", event_id=event.id)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        done, told = call_service(form, lambda: programme.delete_session(session, actor=current_user))
        if done:
            flash(f"{session.title} has been taken out of the programme" + (
                "." if not told else " and the person in it has been emailed." if told == 1 else
                f" and the {told} people in it or waiting for it have been emailed."), "success")
        return redirect(back)
    return render_template("events/confirm_remove_session.html", event=event, session=session, form=form, back=back,
                           chosen=programme.session_signup_counts([session.id]).get(session.id, 0),
                           waiting=programme.session_signup_counts([session.id], waiting=True).get(session.id, 0))


@bp.post("/registrations/<token>/sessions/<int:session_id>/join")
def join_session(token, session_id):
    def joined(session, signup):
        if signup.waiting:
            return (f"{session.title} is full, so you are on its waiting list. "
                    "If a place comes free it is yours, and we will email you.")
        return f"You are signed up for {session.title}."
    return _session_choice(token, session_id, programme.join_session, joined)


@bp.post("/registrations/<token>/sessions/<int:session_id>/leave")
def leave_session(token, session_id):
    return _session_choice(token, session_id, programme.leave_session,
                           lambda session, _: f"You have left {session.title}.")


def _session_choice(token, session_id, action, message):
    """`message(session, outcome)` says what happened."""
    registration = _registration_from_link(token)
    session = _session_of(registration.event, session_id)
    # Back to the top of the registration page, where the banner saying what happened is: landing on the
    # programme put it above the screen (issue 20, item 8). Under the banner, the summary lists their sessions,
    # with a link down to the programme.
    return _act_on_registration(token, lambda r: action(r, session), lambda outcome: message(session, outcome))


# --- the cohesion priorities taxonomy (admins) -----------------------------------------

@bp.route("/admin/priorities", methods=["GET", "POST"])
@bp.route("/admin/priorities/<int:priority_id>", methods=["GET", "POST"])
@login_required
def priorities(priority_id=None):
    if not is_admin(current_user):
        abort(403)
    priority = db.get_or_404(CohesionPriority, priority_id) if priority_id else None
    form = PriorityForm(obj=priority)
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: save_priority(priority, name=form.name.data, actor=current_user))
        if done:
            flash(f"{form.name.data.strip()} has been saved.", "success")
            return redirect(url_for("events.priorities"))
    return render_template("events/priorities.html", form=form, priority=priority, priorities=priorities_in_order())


# --- venues ---------------------------------------------------------------------------

@bp.get("/manage/venues")
@login_required
def venues():
    if not permissions.can_manage_venues(current_user):
        abort(403)
    return render_template("events/venues.html", venues=venues_by_name())


@bp.route("/manage/venues/new", methods=["GET", "POST"])
@bp.route("/manage/venues/<int:venue_id>/edit", methods=["GET", "POST"])
@login_required
def edit_venue(venue_id=None):
    if not permissions.can_manage_venues(current_user):
        abort(403)
    venue = db.get_or_404(Venue, venue_id) if venue_id else None
    form = VenueForm(obj=venue)
    if form.validate_on_submit():
        fields = {name: form[name].data for name in VENUE_FIELDS}
        venue = save_venue(venue, actor=current_user, **fields)
        db.session.commit()
        flash(f"{venue.name} has been saved.", "success")
        return redirect(url_for("events.venues"))
    return render_template("events/venue_edit.html", form=form, venue=venue)
