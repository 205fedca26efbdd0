"""The outcome survey: the page its emailed link opens (in the language the
email was written in, unless the person chose one), the thanks, and the
organiser's switch turning an event's surveys on or off."""
from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.forms import EmptyForm, call_service, press_button
from core.i18n import COOKIE, always_in, known, staff_screen
from core.views.emailed_links import from_emailed_link
from events.forms import SurveyForm
from events.models import SURVEY_QUESTIONS
from events.services import surveys
from events.views import bp
from events.views.loading import event_or_404


def _in_their_language(code: str | None) -> None:
    """The survey in the language of the email that sent it, unless this browser or account chose one."""
    chose = current_user.is_authenticated and known(current_user.language) or known(request.cookies.get(COOKIE))
    if known(code) and not chose:
        always_in(code)


@bp.route("/survey/<token>", methods=["GET", "POST"])
def survey(token):
    invitation = from_emailed_link(surveys.survey_for_token, token)
    _in_their_language(invitation.language)
    form = SurveyForm()
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: surveys.answer_survey(
            invitation, form.answers(), form.anything_else.data))
        if done:
            return redirect(url_for("events.survey_thanks", language=invitation.language))
    return render_template("events/survey.html", form=form, event=invitation.event, questions=SURVEY_QUESTIONS,
                           closes_on=invitation.expires_at)


@bp.get("/survey/thanks")
def survey_thanks():
    _in_their_language(request.args.get("language"))
    return render_template("events/survey_thanks.html")


@bp.post("/manage/events/<int:event_id>/surveys/<any(on, off):setting>")
@staff_screen
@login_required
def set_surveys(event_id, setting):
    event = event_or_404(event_id, manage=True)
    on = setting == "on"
    return press_button(EmptyForm(), lambda: surveys.set_surveys(event, on, actor=current_user),
                        "The outcome survey is on: people who come will get it by email after the event." if on
                        else "The outcome survey is off: nobody else will be sent it.",
                        url_for("events.manage_event", event_id=event.id))
