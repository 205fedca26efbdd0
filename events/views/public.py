"""Events' pages for everyone: the list and an event's page, booking, the
pages reached by the links in booking emails (cancel, accept an offered
place, confirm an address, choose sessions), and My events."""
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.database import utcnow
from core.i18n import _
from core.extensions import db
from core.forms import EmptyForm, call_service, press_button, rendered_fields
from core.accounts.models import User
from core.numbers import page_number
from core import home_page, http_cache, spam
from core.views.emailed_links import from_emailed_link
from events import permissions
from events.services.booking_emails import cancellation_is_confirmed_by_email
from events.services.invitations import invitation_for_token
from events.services.priorities import priority_by_slug
from events.services.registration_links import registration_link
from events.services import access_requests, calendars, places, programme, scheduling, waiting_list
from events.services import questions as registration_questions
from events.services import registration as registering
from events.ical import google_calendar_link, outlook_calendar_link, webcal
from events.forms import AccessRequestsForm, EventFilterForm, access_choices, question_answers, registration_form_for
from events.models import EventKind, Registration, RegistrationStatus
from events.structured_data import event_json_ld
from events.queries import EventSearch, filtered_events, priority_filter_choices, registrations_shown_to_holder
from events.views import bp
from events.views.loading import PAGE_SIZE, event_or_404, registration_from_link, session_of


HOME_EVENTS = 4
PICTURE_BROWSER_SECONDS = 24 * 3600


@home_page.section(10, "events/_home_section.html", scopes=("events", "priorities"))
def _home_section(now):
    """What is on next, on the home page."""
    return {"upcoming": db.session.scalars(
        filtered_events(EventSearch(), now=now, translated=True).limit(HOME_EVENTS)).all()}


# --- the public side --------------------------------------------------------

@bp.get("/events")
@http_cache.public("events", "priorities")
def event_list():
    form = EventFilterForm(request.args)
    form.priority.choices = [("", _("Any priority"))] + priority_filter_choices()
    events = None
    if form.validate():
        events = db.paginate(filtered_events(form.search(), now=utcnow(), translated=True), page=page_number(),
                             per_page=PAGE_SIZE, error_out=False)
    return render_template("events/list.html", form=form, events=events, filter_feeds=_filter_feeds(form),
                           filter_fields=rendered_fields(form, "events/_filter_fields.html"), webcal=webcal)


def _filter_feeds(form) -> list[dict]:
    """The calendar feeds matching the list's kind or priority filter: the
    `title` of each (for its <link>), and its `link_text` within a sentence."""
    found = []
    if not form.errors and form.kind.data:
        kinds = EventKind(form.kind.data).plural.lower()
        found.append({"title": _("Only %(events)s", events=kinds), "link_text": _("only %(events)s", events=kinds),
                      "url": url_for("events.kind_calendar", kind=form.kind.data, _external=True)})
    if not form.errors and form.priority.data:
        priority = priority_by_slug(form.priority.data)
        if priority is not None:
            found.append({"title": _("Only %(events)s", events=priority.name),
                          "link_text": _("only %(events)s", events=priority.name.lower()),
                          "url": url_for("events.priority_calendar", slug=priority.slug, _external=True)})
    return found


@bp.get("/events/<int:event_id>")
@http_cache.public("events", "priorities", "forums", "awards")  # a meeting's forum; a ceremony's shortlist
def event_page(event_id):
    event = event_or_404(event_id)
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
    """The event's picture. Its address changes with its content, so a
    browser keeps it a day; a shared cache keeps it only while anyone may see
    the event, and asks again every SHARED_CACHE_SECONDS, so a picture taken
    off, or an event hidden or made members-only, is gone from it in that
    time (a child's photo whose consent was withdrawn, say)."""
    event = event_or_404(event_id)
    if event.image is None or event.image.digest != digest:
        abort(404)
    response = Response(event.image.content, mimetype=event.image.content_type)
    if permissions.can_view_event(None, event):
        response.set_etag(digest)
        response.headers["Cache-Control"] = (f"public, max-age={PICTURE_BROWSER_SECONDS}, "
                                             f"s-maxage={current_app.config['SHARED_CACHE_SECONDS']}")
        return response.make_conditional(request)
    return http_cache.personal(response)


@bp.route("/events/<int:event_id>/register", methods=["GET", "POST"])
@spam.public_form(email_field="email")
def register(event_id):
    event = event_or_404(event_id)
    token = request.args.get("invitation")
    invitation = from_emailed_link(invitation_for_token, token, event) if token is not None else None
    form = registration_form_for(registration_questions.event_questions(event))()
    if current_user.is_authenticated:
        del form.name, form.email
    elif invitation is not None and request.method == "GET":
        # Its address is not filled in: whoever holds a forwarded link need not learn it (the page names it masked).
        form.name.data = invitation.name or None
    if event.max_tickets == 1:
        del form.tickets
    if form.validate_on_submit():
        done, registration = call_service(form, lambda: registering.register(
            event, user=current_user if current_user.is_authenticated else None,
            name=form.name.data if "name" in form else "", email=form.email.data if "email" in form else "",
            tickets=form.tickets.data if "tickets" in form else 1, access_needs=form.access_needs.data or "",
            dietary_needs=form.dietary_needs.data or "", contact_consent=form.contact_consent.data,
            answers=question_answers(form), access=access_choices(form), invitation=invitation),
            page_shows_result=True)
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
    registration = registration_from_link(token)
    sessions = programme.programme(registration.event)
    return render_template("events/registration.html", registration=registration, token=token, form=EmptyForm(),
                           status=registering.standing(registration),
                           position=waiting_list.waiting_list_position(registration), sessions=sessions,
                           taken=programme.session_signup_counts(s.id for s in sessions),
                           choices=programme.session_choices(registration),
                           can_change_access=access_requests.can_change_access_requests(registration))


@bp.route("/registrations/<token>/access", methods=["GET", "POST"])
def change_access_requests(token):
    """The booking's holder changes what they asked for to take part."""
    registration = registration_from_link(token)
    back = url_for("events.registration", token=token)
    if not access_requests.can_change_access_requests(registration):
        return redirect(back)
    form = AccessRequestsForm(data=None if request.method == "POST" else {
        "access_requests": [r.kind.value for r in registration.access_requests],
        "interpreter_languages": ", ".join(r.detail for r in registration.access_requests_in_order if r.detail),
        "access_needs": registration.access_needs})
    if form.validate_on_submit():
        done, _saved = call_service(form, lambda: access_requests.change_access_requests(
            registration, access_choices(form), access_needs=form.access_needs.data or "",
            actor=current_user if current_user.is_authenticated else None))
        if done:
            flash(_("What you asked for has been saved. The organisers can see it now."), "success")
            return redirect(back)
    return render_template("events/access_requests.html", registration=registration, form=form, back=back)


# One endpoint for the question and the answer: a GET and a POST route at the same address with a
# number in it would answer 405, not 404, to a number no id can be (werkzeug matches the address first).
@bp.route("/registrations/<token>/cancel", methods=["GET", "POST"])
def cancel_by_link(token):
    registration = registration_from_link(token)
    return _cancel(registration, actor=current_user if current_user.is_authenticated else None,
                   back=url_for("events.registration", token=token), by_its_holder=True)


def _cancel(registration: Registration, *, actor: User | None, back: str, by_its_holder: bool = False):
    """Cancelling cannot be undone: the page (GET, which changes nothing)
    says what will happen, and only its button (a POST with the form token)
    cancels."""
    form = EmptyForm()
    if request.method == "POST":
        # Said as it stood before cancelling: someone waiting had no place to cancel, they left a queue.
        done = (_("You have left the waiting list for %(event)s.", event=registration.event.title)
                if registering.standing(registration) == RegistrationStatus.WAITLISTED
                else _("Your registration for %(event)s has been cancelled.", event=registration.event.title))
        return press_button(form, lambda: registering.cancel_registration(registration, actor=actor,
                                                                            by_its_holder=by_its_holder),
                            done, back)
    return render_template("events/confirm_cancel.html", registration=registration, form=form, back=back,
                           status=registering.standing(registration),
                           waiting=len(waiting_list.waiting_list(registration.event)),
                           position=waiting_list.waiting_list_position(registration),
                           sessions=programme.sessions_chosen(registration),
                           emailed=cancellation_is_confirmed_by_email(
                               registration, actor=actor, by_its_holder=by_its_holder))


@bp.post("/registrations/<token>/accept")
def accept_offer(token):
    registration = registration_from_link(token)
    return press_button(EmptyForm(), lambda: waiting_list.accept_offer(registration),
                        _("You're booked. We have emailed you the details."), url_for("events.registration", token=token))


@bp.get("/registrations/<token>/confirm")
def confirm_guest(token):
    registration = registration_from_link(token)
    if registration.status != RegistrationStatus.PENDING:  # opened again once confirmed: its page says where it stands
        return redirect(url_for("events.registration", token=token))
    return render_template("events/confirm_guest.html", registration=registration, token=token, form=EmptyForm())


@bp.post("/registrations/<token>/confirm")
def confirm_guest_submit(token):
    registration = registration_from_link(token)
    # No message: the registration page says where the place now stands (booked, or on the waiting list).
    return press_button(EmptyForm(), lambda: registering.confirm_guest_email(registration), None,
                        url_for("events.registration", token=token))


@bp.get("/my-events")
@login_required
def my_events():
    registrations = registrations_shown_to_holder(current_user)
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


@bp.post("/registrations/<token>/sessions/<int:session_id>/join")
def join_session(token, session_id):
    def joined(session, signup):
        if signup.waiting:
            return _("%(session)s is full, so you are on its waiting list. If a place comes free it is yours, and we "
                     "will email you.", session=session.title)
        return _("You are signed up for %(session)s.", session=session.title)
    return _session_choice(token, session_id, programme.join_session, joined)


@bp.post("/registrations/<token>/sessions/<int:session_id>/leave")
def leave_session(token, session_id):
    return _session_choice(token, session_id, programme.leave_session,
                           lambda session, outcome: _("You have left %(session)s.", session=session.title))


def _session_choice(token, session_id, action, message):
    """`message(session, outcome)` says what happened."""
    registration = registration_from_link(token)
    session = session_of(registration.event, session_id)
    # Back to the top of the registration page, where the banner saying what happened is: landing on the
    # programme put it above the screen (issue 20, item 8). Under the banner, the summary lists their sessions,
    # with a link down to the programme.
    return press_button(EmptyForm(), lambda: action(registration, session), lambda outcome: message(session, outcome),
                        url_for("events.registration", token=token))
