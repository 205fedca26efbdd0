"""Admins' forum set-up: creating forums, choosing their coordinators, and
recording DBS checks; and, with the forum's coordinators, its purpose and
public text in other languages."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core import content_languages
from core.extensions import db
from core.forms import EmptyForm, call_service, press_button
from core.i18n import _, staff_screens
from core.accounts.models import User
from forums import permissions
from forums.services import coordinators, translations
from forums.services.safeguarding import record_safeguarding_check, safeguarding_checks
from forums.forms import CoordinatorForm, ForumForm, ForumVersionForm, SafeguardingForm
from forums.models import Forum
from forums.views import bp
from forums.views.loading import forum_or_404

staff_screens(__name__)  # in English, wholly (core.i18n)


# --- admins ----------------------------------------------------------------------------------

@bp.route("/admin/forums/new", methods=["GET", "POST"])
@bp.route("/admin/forums/<int:forum_id>/edit", methods=["GET", "POST"])
@login_required
def edit_forum(forum_id=None):
    forum = db.get_or_404(Forum, forum_id) if forum_id else None
    if not permissions.can_edit_forum(current_user, forum):
        abort(403)
    form = _forum_form(forum)
    if form.validate_on_submit():
        done, saved = call_service(form, lambda: coordinators.save_forum(forum, form.details(), actor=current_user))
        if done:
            flash(f"{saved.name} has been saved.", "success")
            return redirect(url_for("forums.forum_page", forum_id=saved.id))
    return render_template("forums/edit.html", forum=forum, form=form, forum_form=form,
                           coordinator_form=CoordinatorForm(), remove_form=EmptyForm())


def _forum_form(forum: Forum | None, *, from_request: bool = True) -> ForumForm:
    """The forum's form: what was sent, when it was this form that was sent; otherwise the forum as it is."""
    if from_request and request.method == "POST":
        return ForumForm()  # only what was sent: a choice left out is an error, not the forum's old value
    form = ForumForm(formdata=None, obj=forum)
    if forum is not None:  # the form's choices are words, the forum's an enum and a yes or no
        form.kind.data = forum.kind.value
        form.open_to_apply.data = "open" if forum.open_to_apply else "invitation"
    return form


@bp.post("/admin/forums/<int:forum_id>/coordinators")
@login_required
def add_coordinator(forum_id):
    if not permissions.can_manage_forums(current_user):
        abort(403)
    forum = db.get_or_404(Forum, forum_id)
    form = CoordinatorForm()
    if form.validate_on_submit():
        done, person = call_service(form, lambda: coordinators.grant_coordinator(
            forum, coordinators.account_with_email(form.email.data), actor=current_user))
        if done:
            flash(f"{person.name} now coordinates {forum.name}.", "success")
            return redirect(url_for("forums.edit_forum", forum_id=forum.id))
    return render_template("forums/edit.html", forum=forum, form=form, coordinator_form=form,
                           forum_form=_forum_form(forum, from_request=False), remove_form=EmptyForm()), 400


@bp.post("/admin/forums/<int:forum_id>/coordinators/<int:user_id>/remove")
@login_required
def remove_coordinator(forum_id, user_id):
    if not permissions.can_manage_forums(current_user):
        abort(403)
    forum = db.get_or_404(Forum, forum_id)
    person = db.get_or_404(User, user_id)
    return press_button(EmptyForm(), lambda: coordinators.revoke_coordinator(forum, person, actor=current_user),
                        f"{person.name} no longer coordinates {forum.name}.",
                        url_for("forums.edit_forum", forum_id=forum.id))


@bp.route("/admin/safeguarding", methods=["GET", "POST"])
@login_required
def safeguarding():
    if not permissions.can_manage_forums(current_user):
        abort(403)
    form = SafeguardingForm()
    if form.validate_on_submit():
        done, person = call_service(form, lambda: record_safeguarding_check(
            coordinators.account_with_email(form.email.data), form.checked_on.data, actor=current_user))
        if done:
            flash(f"The DBS check for {person.name} has been recorded.", "success")
            return redirect(url_for("forums.safeguarding"))
    return render_template("forums/safeguarding.html", form=form, checks=safeguarding_checks())


# --- the forum's purpose and public text in other languages (its coordinators and admins) ----

@bp.route("/admin/forums/<int:forum_id>/languages/<code>", methods=["GET", "POST"])
@login_required
def forum_version(forum_id, code):
    forum = forum_or_404(forum_id, manage=True)
    language = content_languages.language_or_404(code)
    version = content_languages.versions_by_language(forum).get(language.code)
    form = ForumVersionForm() if request.method == "POST" else ForumVersionForm(formdata=None, obj=version)
    if form.validate_on_submit():
        done, _saved = call_service(form, lambda: translations.save_forum_version(forum, language.code, form.text(),
                                                                                  actor=current_user))
        if done:
            flash(_("The version in %(language)s has been saved.",
                    language=content_languages.language_name(language)), "success")
            return redirect(url_for("forums.edit_forum", forum_id=forum.id, _anchor="other-languages"))
    return render_template("forums/version.html", forum=forum, version_language=language, form=form)


@bp.post("/admin/forums/<int:forum_id>/languages/<code>/remove")
@login_required
def remove_forum_version(forum_id, code):
    forum = forum_or_404(forum_id, manage=True)
    language = content_languages.language_or_404(code)
    return press_button(EmptyForm(), lambda: translations.remove_forum_version(forum, language.code, actor=current_user),
                        content_languages.removal_message(language),
                        url_for("forums.edit_forum", forum_id=forum.id, _anchor="other-languages"))
