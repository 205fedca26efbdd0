"""Organisers' pages for an event's title, summary and description in the
site's other languages (core.content_languages): writing a version, for
one date of a series or several, and removing it."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core import content_languages
from core.forms import EmptyForm, call_service, press_button
from core.i18n import _, ngettext, staff_screens
from events import series
from events.forms import EventVersionForm
from events.models import Event
from events.series import SeriesScope
from events.services import translations
from events.views import bp
from events.views.loading import event_or_404
from events.views.manage import _ask_scope

staff_screens(__name__)  # in English, wholly (core.i18n)


def _back(event: Event) -> str:
    return url_for("events.manage_event", event_id=event.id, _anchor="other-languages")


@bp.route("/manage/events/<int:event_id>/languages/<code>", methods=["GET", "POST"])
@login_required
def event_version(event_id, code):
    event = event_or_404(event_id, manage=True)
    language = content_languages.language_or_404(code)
    version = content_languages.versions_by_language(event).get(language.code)
    form = EventVersionForm() if request.method == "POST" else EventVersionForm(formdata=None, obj=version)
    _ask_scope(form, event)
    if form.validate_on_submit():
        scope = SeriesScope(form.scope.data) if "scope" in form else SeriesScope.THIS
        done, result = call_service(form, lambda: translations.save_event_version(
            event, language.code, form.text(), scope=scope, actor=current_user))
        if done:
            name = content_languages.language_name(language)
            saved = _("The version in %(language)s has been saved.", language=name) if len(result.changed) == 1 \
                else ngettext("The version in %(language)s has been saved for %(num)d date.",
                              "The version in %(language)s has been saved for %(num)d dates.",
                              len(result.changed), language=name)
            flash(" ".join(filter(None, [saved, series.left_alone_message(result)])), "success")
            return redirect(_back(event))
    return render_template("events/version.html", event=event, version_language=language, form=form)


@bp.post("/manage/events/<int:event_id>/languages/<code>/remove")
@login_required
def remove_event_version(event_id, code):
    event = event_or_404(event_id, manage=True)
    language = content_languages.language_or_404(code)
    return press_button(EmptyForm(), lambda: translations.remove_event_version(event, language.code, actor=current_user),
                        content_languages.removal_message(language), _back(event))
