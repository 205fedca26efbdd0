"""An organiser's messages to an event's people: write, preview (the email
as a recipient sees it, how many get it by audience, who is left out and
why), send (once per preview, limited per account and per event), and the
message's page in the event's history with how far its sending has got."""
from types import SimpleNamespace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core import progress
from core.errors import DomainError
from core.forms import call_service, show_domain_error
from core.i18n import in_language, staff_screens
from core.spam import bulk_work
from core.views.jobs import summary
from events.forms import MessageForm
from events.models import MessageAudience
from events.services import messages
from events.views import bp
from events.views.loading import event_or_404

staff_screens(__name__)  # in English, wholly (core.i18n)


@bp.route("/manage/events/<int:event_id>/messages/new", methods=["GET", "POST"])
@login_required
def write_message(event_id):
    """Step 1, writing; its button shows step 2, the preview (nothing is saved
    until Send). The preview's Change button comes back here with the text."""
    event = event_or_404(event_id, manage=True)
    form = MessageForm()
    if request.method == "POST" and "change" not in request.form and form.validate_on_submit():
        try:
            messages.check_audiences(event, form.chosen(), essential=form.is_essential)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            return _preview(event, form)
    return render_template("events/message_write.html", event=event, form=form, started=messages.has_started(event))


def _preview(event, form: MessageForm):
    reach = messages.reach(event, form.chosen(), essential=form.is_essential)
    form.draft.data = messages.new_draft(event, subject=form.subject.data, body=form.body.data,
                                         audiences=form.chosen(), essential=form.is_essential, draft=form.draft.data)
    first = reach.recipients[0] if reach.recipients else None
    with in_language("en"):
        email = render_template(
            "email/event_message.txt", event=event,
            message=SimpleNamespace(subject=form.subject.data, body=form.body.data, sent_by=current_user),
            registration=SimpleNamespace(name="(their name)"),
            audience=(first.audience if first else form.chosen()[0]).value,
            stop_link=None if form.is_essential else "(a link to stop these emails)")
    return render_template("events/message_preview.html", event=event, form=form, reach=reach,
                           email=messages.paragraphs(email), subject=f"{event.title}: {form.subject.data}",
                           reasons=messages.LEFT_OUT_REASONS)


@bp.post("/manage/events/<int:event_id>/messages/send")
@bulk_work("BULK_EMAIL_LIMIT_PER_ACCOUNT")
@login_required
def send_message(event_id):
    """Step 3. Sending the same preview again (a double click, another tab) sends nothing more."""
    event = event_or_404(event_id, manage=True)
    form = MessageForm()
    if form.validate_on_submit():
        done, result = call_service(form, lambda: messages.send_message(
            event, subject=form.subject.data, body=form.body.data, audiences=form.chosen(),
            essential=form.is_essential, draft=form.draft.data, actor=current_user))
        if done:
            message, new = result
            if not new:
                flash("This message has been sent already, so it was not sent again.", "info")
                return redirect(url_for("events.event_message", event_id=event.id, message_id=message.id))
            if message.job_id is None:
                flash("The message is in the event's history. Nobody gets it by email: nobody it is for may "
                      "be sent it.", "success")
                return redirect(url_for("events.event_message", event_id=event.id, message_id=message.id))
            flash(f"The message is on its way to {message.recipients} "
                  f"{'person' if message.recipients == 1 else 'people'}.", "success")
            return redirect(url_for("core.job", job_id=message.job_id))
    return render_template("events/message_write.html", event=event, form=form, started=messages.has_started(event))


@bp.get("/manage/events/<int:event_id>/messages/<int:message_id>")
@login_required
def event_message(event_id, message_id):
    event = event_or_404(event_id, manage=True)
    message = messages.message_of(event, message_id)
    if message is None:
        abort(404)
    job = progress.job_of(message.sent_by_id, message.job_id) if message.job_id else None
    done = progress.progress_of([job])[job.id] if job else None
    return render_template("events/message.html", event=event, message=message,
                           body=messages.paragraphs(message.body), progress=summary(job, done) if job else None,
                           job_link=job is not None and job.owner_id == current_user.id,
                           audiences=list(MessageAudience))
