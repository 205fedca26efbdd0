"""The day of an event: checking people in, walk-ins, and attendance
once it has settled (admins reopen it)."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.extensions import db
from core.forms import EmptyForm, call_service, press_button, rendered_fields, search_words
from core.formatting import format_date_time
from core.accounts import safeguarding
from core.accounts.permissions import is_admin
from core.i18n import staff_screens
from events import settlement
from events.services import check_in as on_the_day
from events.forms import ChangeWalkInForm, ReopenAttendanceForm, WalkInForm
from events.models import Attendance, Event, Registration
from events.queries import booked_named
from events.views import bp
from events.views.loading import event_or_404

staff_screens(__name__)  # in English, wholly (core.i18n)


@bp.get("/manage/events/<int:event_id>/check-in")
@safeguarding.shows_contact_details("access needs")
@login_required
def check_in_page(event_id):
    event = event_or_404(event_id, manage=True)
    search = search_words(request.args.get("q"))
    registrations = booked_named(event, search)
    attendance = settlement.attendance_state(event)
    walk_in_form = WalkInForm()
    return render_template("events/check_in.html", event=event, registrations=registrations, search=search,
                           arrivals={r.id: on_the_day.arrival(r, settled=attendance.settled) for r in registrations},
                           screen=safeguarding.screen(current_user, registrations),
                           walk_ins=on_the_day.walk_ins(event), counts=on_the_day.attendance_counts(event),
                           form=EmptyForm(), walk_in_form=walk_in_form, attendance=attendance,
                           walk_in_fields=rendered_fields(walk_in_form, "events/_walk_in_fields.html"))


@bp.post("/manage/events/<int:event_id>/check-in/<int:registration_id>")
@login_required
def check_in(event_id, registration_id):
    return _check_in_button(event_id, registration_id, on_the_day.check_in, "{} is checked in.")


@bp.post("/manage/events/<int:event_id>/check-in/<int:registration_id>/undo")
@login_required
def undo_check_in(event_id, registration_id):
    return _check_in_button(event_id, registration_id, on_the_day.undo_check_in, "{} is no longer checked in.")


def _check_in_button(event_id: int, registration_id: int, action, done: str):
    """The button beside a booked person's name: `action(registration)`,
    then back to the list as it was searched."""
    event = event_or_404(event_id, manage=True)
    registration = db.get_or_404(Registration, registration_id)
    if registration.event_id != event.id:
        abort(404)
    return press_button(EmptyForm(), lambda: action(registration, actor=current_user), done.format(registration.name),
                        url_for("events.check_in_page", event_id=event.id, q=request.args.get("q", "")))


@bp.post("/manage/events/<int:event_id>/walk-ins")
@login_required
def add_walk_in(event_id):
    event = event_or_404(event_id, manage=True)
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
    event = event_or_404(event_id, manage=True)
    walk_in = _walk_in_of(event, walk_in_id)
    return _walk_in_form(event, walk_in, ChangeWalkInForm(obj=walk_in), lambda name, people: on_the_day.change_walk_in(
        walk_in, name=name, people=people, actor=current_user), "{} has been changed.")


@bp.route("/manage/events/<int:event_id>/walk-ins/<int:walk_in_id>/remove", methods=["GET", "POST"])
@login_required
def remove_walk_in(event_id, walk_in_id):
    """The page (GET) asks first; only its button (POST) removes."""
    event = event_or_404(event_id, manage=True)
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
    event = event_or_404(event_id, manage=True)
    if not is_admin(current_user):
        abort(403)
    form = ReopenAttendanceForm()
    if form.validate_on_submit():
        done, until = call_service(form, lambda: settlement.reopen_attendance(
            event, actor=current_user, reason=form.reason.data))
        if done:
            flash(f"Attendance at {event.title} is reopened until {format_date_time(until)}. It settles again by "
                  "itself then.", "success")
            return redirect(url_for("events.manage_event", event_id=event.id))
    return render_template("events/reopen_attendance.html", event=event, form=form,
                           attendance=settlement.attendance_state(event),
                           hours=current_app.config["ATTENDANCE_REOPENED_FOR_HOURS"])


@bp.post("/manage/events/<int:event_id>/attendance/settle")
@login_required
def settle_attendance(event_id):
    event = event_or_404(event_id, manage=True)
    if not is_admin(current_user):
        abort(403)
    return press_button(EmptyForm(), lambda: settlement.settle_now(event, actor=current_user),
                        f"Attendance at {event.title} is settled again.",
                        url_for("events.manage_event", event_id=event.id))
