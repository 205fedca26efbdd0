"""Organisers' pages: creating, editing, publishing and cancelling events
(a date of a series asks which dates a change reaches), registrations and
their exports, invitations, extra questions and the programme; and the
admins' cohesion priorities and the venues list."""
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.database import in_london, utcnow
from core.extensions import db
from core.forms import EmptyForm, call_service, press_button
from core.i18n import _, ngettext, staff_screens
from core.numbers import page_number
from core.spam import bulk_work
from core.spreadsheets import csv_download
from core.accounts import safeguarding
from core.accounts.permissions import is_admin
from events import exports, pdf, permissions, series, settlement
from events.services.invitations import invitations_of, invite
from events.services.priorities import save_priority
from events.services.venues import VENUE_FIELDS, save_venue
from events.services import access_requests, places, programme, scheduling, surveys, waiting_list
from events.services import co_hosts as co_hosting
from events.services import check_in as on_the_day
from events.services import messages as event_messages
from events.services import questions as registration_questions
from events.services import registration as registering
from events.forms import (
    access_choices, BookingForm, EventForm, InvitationForm, PriorityForm, QuestionForm, RemoveQuestionForm, SessionForm,
    StatusChangeForm, VenueForm,
)
from core.partners.forms import PartnerPickForm
from core.partners.models import PartnerOrganisation
from core.partners.permissions import can_choose_partners
from events.models import Audience, CohesionPriority, Event, EventQuestion, EventStatus, QuestionKind, Venue
from events.forms import SeriesScopeForm, series_scope_choices
from events.series import SeriesScope
from events.queries import events_managed_by, priorities_in_order, priority_choices, venue_choices, venues_by_name
from events.views import bp
from events.views.loading import PAGE_SIZE, event_or_404, require_organiser, session_of

staff_screens(__name__)  # in English, wholly (core.i18n)


@bp.get("/manage/events")
@login_required
def manage_list():
    require_organiser()
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
    require_organiser()
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
    event = event_or_404(event_id, manage=True)
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
                told = " It has its new date, so it is published again" + (
                    ", and everyone registered has been emailed it." if result.told else ".")
            saved = "The event has been saved." if len(result.changed) == 1 else \
                f"{len(result.changed)} dates have been saved."
            flash(" ".join(filter(None, [saved + told, series.left_alone_message(result)])), "success")
            return redirect(url_for("events.manage_event", event_id=event.id))
    return render_template("events/edit.html", form=form, event=event)


@bp.get("/manage/events/<int:event_id>")
@safeguarding.shows_contact_details("email", "access needs")
@login_required
def manage_event(event_id):
    event = event_or_404(event_id, manage=True)
    registrations = registering.registrations_of(event)
    screen = safeguarding.screen(current_user, registrations)
    return render_template("events/manage_event.html", event=event, registrations=registrations,
                           standings={r.id: registering.standing(r) for r in registrations},
                           screen=screen, form=EmptyForm(),
                           occurrences=scheduling.series_occurrences(event),
                           waiting=waiting_list.waiting_list(event), places_left=places.places_left(event),
                           counts=on_the_day.attendance_counts(event), attendance=settlement.attendance_state(event),
                           access_counts=access_requests.access_request_counts(event, current_user, screen=screen),
                           messages=event_messages.messages_of(event),
                           survey_counts=surveys.survey_counts(event), survey_closes_at=surveys.survey_closes_at(event),
                           survey_minimum=current_app.config["REPORT_MINIMUM_RESPONDENTS"])


@bp.route("/manage/events/<int:event_id>/book", methods=["GET", "POST"])
@safeguarding.shows_contact_details(names_people=False)  # shows no one's details: the test keeps it so
@login_required
def book_for(event_id):
    event = event_or_404(event_id, manage=True)
    form = BookingForm()
    if form.validate_on_submit():
        done, registration = call_service(form, lambda: registering.book_for(
            event, name=form.name.data, email=form.email.data, tickets=form.tickets.data,
            from_held_back=form.from_held_back.data, access_needs=form.access_needs.data or "",
            dietary_needs=form.dietary_needs.data or "", access=access_choices(form), language=form.language.data,
            actor=current_user))
        if done:
            flash(f"{registration.name} is booked in, and we have emailed them the details.", "success")
            return redirect(url_for("events.manage_event", event_id=event.id))
    return render_template("events/book_for.html", event=event, form=form, places_left=places.places_left(event))


@bp.route("/manage/events/<int:event_id>/invitations", methods=["GET", "POST"])
@safeguarding.shows_contact_details("email")
@bulk_work("BULK_EMAIL_LIMIT_PER_ACCOUNT")
@login_required
def invitations(event_id):
    event = event_or_404(event_id, manage=True)
    form = InvitationForm()
    if form.validate_on_submit():
        done, result = call_service(form, lambda: invite(event, form.parsed_people, actor=current_user))
        if done:
            if not result.invited:
                flash("Everyone on the list has been invited already: nobody was emailed again.", "info")
            else:
                message = ngettext("%(num)d invitation on its way.", "%(num)d invitations on their way.",
                                   len(result.invited))
                if result.already_invited:
                    message += " " + _("Already invited, so not emailed again: %(people)s.",
                                       people=", ".join(result.already_invited))
                flash(message, "success")
            if result.job is None:
                return redirect(url_for("events.invitations", event_id=event.id))
            return redirect(url_for("core.job", job_id=result.job.id))
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
    event = event_or_404(event_id, manage=True)
    back = url_for("events.manage_event", event_id=event.id)

    def said(result) -> str:
        message = one_message if len(result.changed) == 1 else many_message.format(len(result.changed))
        return " ".join(filter(None, [message, series.left_alone_message(result)]))
    if event.series_id is None:
        if request.method == "GET":
            return redirect(back)
        return press_button(EmptyForm(), lambda: action(event, SeriesScope.THIS, actor=current_user), said, back)
    form = SeriesScopeForm()
    _ask_scope(form, event)
    if form.validate_on_submit():
        done, result = call_service(form, lambda: action(event, SeriesScope(form.scope.data), actor=current_user))
        if done:
            flash(said(result), "success")
            return redirect(back)
    return render_template("events/series_scope.html", event=event, form=form, verb=verb)


@bp.route("/manage/events/<int:event_id>/status", methods=["GET", "POST"])
@login_required
def change_status(event_id):
    event = event_or_404(event_id, manage=True)
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
    event = event_or_404(event_id, manage=True)
    registrations = registering.registrations_of(event)
    csv_bytes = exports.registrations_csv(registrations, on_the_day.walk_ins(event),
                                          registration_questions.event_questions(event),
                                          screen=safeguarding.screen(current_user, registrations),
                                          standing=registering.standing)
    return csv_download(csv_bytes, f"event-{event.id}-registrations.csv")


@bp.get("/manage/events/<int:event_id>/attendees.pdf")
@safeguarding.shows_contact_details("access needs")
@login_required
def attendees_pdf(event_id):
    event = event_or_404(event_id, manage=True)
    booked = on_the_day.booked(event)
    return _pdf(pdf.attendee_list_pdf(event, booked, current_app.config["BRAND_NAME"],
                                      screen=safeguarding.screen(current_user, booked),
                                      access_counts=access_requests.access_request_counts(event, current_user)),
                f"event-{event.id}-attendees.pdf")


@bp.get("/manage/events/<int:event_id>/badges.pdf")
@safeguarding.shows_contact_details()  # a name and the event, nothing else: the test keeps it so
@login_required
def badges_pdf(event_id):
    event = event_or_404(event_id, manage=True)
    return _pdf(pdf.name_badges_pdf(event, on_the_day.booked(event), current_app.config["BRAND_NAME"]),
                f"event-{event.id}-badges.pdf")


def _pdf(content: bytes, filename: str) -> Response:
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


# --- extra questions -------------------------------------------------------------------

@bp.route("/manage/events/<int:event_id>/questions", methods=["GET", "POST"])
@login_required
def questions(event_id):
    event = event_or_404(event_id, manage=True)
    form = QuestionForm()
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: registration_questions.add_question(
            event, label=form.label.data, kind=QuestionKind(form.kind.data),
            options=(form.options.data or "").splitlines(), required=form.required.data, actor=current_user))
        if done:
            flash("The question has been added to the registration form.", "success")
            return redirect(url_for("events.questions", event_id=event.id))
    return render_template("events/questions.html", event=event, form=form, delete_form=EmptyForm(),
                           questions=registration_questions.event_questions(event),
                           answers=registration_questions.answer_counts(event))


def _question_of(event_id: int, question_id: int) -> tuple[Event, EventQuestion]:
    event = event_or_404(event_id, manage=True)
    question = db.get_or_404(EventQuestion, question_id)
    if question.event_id != event.id:
        abort(404)
    return event, question


@bp.get("/manage/events/<int:event_id>/questions/<int:question_id>/remove")
@login_required
def confirm_delete_question(event_id, question_id):
    """Removing a question people have answered deletes their answers: this
    page says how many first, and its button (the POST below) removes them."""
    event, question = _question_of(event_id, question_id)
    answers = registration_questions.answer_count(question)
    return render_template("events/confirm_remove_question.html", event=event, question=question, answers=answers,
                           form=RemoveQuestionForm(answers=answers))


@bp.post("/manage/events/<int:event_id>/questions/<int:question_id>/delete")
@login_required
def delete_question(event_id, question_id):
    event, question = _question_of(event_id, question_id)
    form = RemoveQuestionForm()
    if not form.validate_on_submit():
        abort(400)
    done, deleted = call_service(form, lambda: registration_questions.delete_question(
        question, answers_seen=form.answers.data or 0, actor=current_user))
    if not done:  # answered since the page was shown: ask, with how many now
        return redirect(url_for("events.confirm_delete_question", event_id=event.id, question_id=question.id))
    flash("The question has been removed." if not deleted else
          "The question has been removed, with the 1 answer to it." if deleted == 1 else
          f"The question has been removed, with the {deleted} answers to it.", "success")
    return redirect(url_for("events.questions", event_id=event.id))


# --- the programme ---------------------------------------------------------------------

@bp.get("/manage/events/<int:event_id>/programme")
@login_required
def manage_programme(event_id):
    event = event_or_404(event_id, manage=True)
    sessions = programme.programme(event)
    session_ids = [s.id for s in sessions]
    return render_template("events/manage_programme.html", event=event, sessions=sessions,
                           taken=programme.session_signup_counts(session_ids),
                           waiting=programme.session_signup_counts(session_ids, waiting=True))


@bp.route("/manage/events/<int:event_id>/programme/new", methods=["GET", "POST"])
@bp.route("/manage/events/<int:event_id>/programme/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(event_id, session_id=None):
    event = event_or_404(event_id, manage=True)
    session = session_of(event, session_id) if session_id else None
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
    event = event_or_404(event_id, manage=True)
    session = session_of(event, session_id)
    form, back = EmptyForm(), url_for("events.manage_programme", event_id=event.id)
    if request.method == "POST":
        def said(told: int) -> str:
            return f"{session.title} has been taken out of the programme" + (
                "." if not told else " and the person in it has been emailed." if told == 1 else
                f" and the {told} people in it or waiting for it have been emailed.")
        return press_button(form, lambda: programme.delete_session(session, actor=current_user), said, back)
    return render_template("events/confirm_remove_session.html", event=event, session=session, form=form, back=back,
                           chosen=programme.session_signup_counts([session.id]).get(session.id, 0),
                           waiting=programme.session_signup_counts([session.id], waiting=True).get(session.id, 0))


# --- partner organisations co-hosting ----------------------------------------------------

@bp.route("/manage/events/<int:event_id>/co-hosts", methods=["GET", "POST"])
@login_required
def co_hosts(event_id):
    event = event_or_404(event_id, manage=True)
    form = PartnerPickForm(first="Choose a partner")
    form.submit.label.text = "Add co-host"
    if form.validate_on_submit():
        partner = form.require_one("Choose the partner organisation that co-hosts the event")
        if partner is not None:
            done, _result = call_service(form, lambda: co_hosting.add_co_host(event, partner, actor=current_user))
            if done:
                flash(f"{partner.name} is now a co-host of {event.title}.", "success")
                return redirect(url_for("events.co_hosts", event_id=event.id))
    return render_template("events/co_hosts.html", event=event, form=form, remove_form=EmptyForm(),
                           can_add_partner=can_choose_partners(current_user))


@bp.post("/manage/events/<int:event_id>/co-hosts/<int:partner_id>/remove")
@login_required
def remove_co_host(event_id, partner_id):
    event = event_or_404(event_id, manage=True)
    partner = db.get_or_404(PartnerOrganisation, partner_id)
    return press_button(EmptyForm(), lambda: co_hosting.remove_co_host(event, partner, actor=current_user),
                        f"{partner.name} is no longer a co-host of {event.title}.",
                        url_for("events.co_hosts", event_id=event.id))


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
        done, saved = call_service(form, lambda: save_venue(
            venue, actor=current_user, **{name: form[name].data for name in VENUE_FIELDS}))
        if done:
            flash(f"{saved.name} has been saved.", "success")
            return redirect(url_for("events.venues"))
    return render_template("events/venue_edit.html", form=form, venue=venue)
