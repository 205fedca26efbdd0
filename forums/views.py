"""Routes for forums: public pages, applying, the member directory, a parent
or carer's consent, coordinators' membership pages and admins' set-up."""
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import String, cast, select

from core.database import takes_write_lock
from core.extensions import db
from core.forms import EmptyForm, call_service
from core.models import AuditEntry, User
from forums import exports, permissions, services
from forums.forms import (
    ApplicationForm, ConsentForm, CoordinatorForm, DecisionForm, ForumForm, MemberFilterForm, SafeguardingForm,
)
from forums.models import Forum, Membership, MembershipRole

bp = Blueprint("forums", __name__)


def _forum_or_404(forum_id: int, *, manage: bool = False) -> Forum:
    forum = db.get_or_404(Forum, forum_id)
    if manage and not permissions.can_manage_forum(current_user, forum):
        abort(403)
    return forum


def _from_consent_link(token: str) -> Membership:
    try:
        return services.membership_for_consent(token)
    except services.ConsentLinkInvalid as error:
        abort(Response(render_template("core/link_problem.html", message=error.message), status=400))


# --- the public side --------------------------------------------------------

@bp.get("/forums")
def forum_list():
    forums = db.session.scalars(select(Forum).order_by(Forum.name)).all()
    return render_template("forums/list.html", forums=forums)


@bp.get("/forums/<int:forum_id>")
def forum_page(forum_id):
    forum = _forum_or_404(forum_id)
    return render_template("forums/forum.html", forum=forum, form=EmptyForm(),
                           mine=services.membership_of(current_user, forum))


@bp.route("/forums/<int:forum_id>/apply", methods=["GET", "POST"])
@takes_write_lock
@login_required
def apply(forum_id):
    forum = _forum_or_404(forum_id)
    form = ApplicationForm()
    if form.validate_on_submit():
        done, mine = call_service(form, lambda: services.apply(forum, current_user, form.application()))
        if done:
            flash("Thank you. We have asked your parent or carer to agree, and the coordinators will look at "
                  "your application." if mine.parent_email else
                  "Thank you. The coordinators will look at your application and email you.", "success")
            return redirect(url_for("forums.forum_page", forum_id=forum.id))
    return render_template("forums/apply.html", forum=forum, form=form)


@bp.post("/forums/<int:forum_id>/withdraw")
@takes_write_lock
@login_required
def withdraw(forum_id):
    forum, mine = _my_membership(forum_id)
    return _act(EmptyForm(), lambda: services.withdraw_application(mine, actor=current_user),
                "Your application has been withdrawn.", url_for("forums.forum_page", forum_id=forum.id))


@bp.post("/forums/<int:forum_id>/contact-sharing")
@takes_write_lock
@login_required
def contact_sharing(forum_id):
    forum, mine = _my_membership(forum_id)
    share = request.form.get("share_email") == "yes"
    return _act(EmptyForm(), lambda: services.set_contact_sharing(mine, share_email=share, actor=current_user),
                "Other members can now see your email address." if share else
                "Other members now see only your name and role.", url_for("forums.directory", forum_id=forum.id))


def _my_membership(forum_id: int) -> tuple[Forum, Membership]:
    """The forum and the signed-in person's own membership of it (404 when they have none)."""
    forum = _forum_or_404(forum_id)
    mine = services.membership_of(current_user, forum)
    if mine is None:
        abort(404)
    return forum, mine


def _act(form, action, message: str, back: str):
    """Run a one-button action: check the form's token, apply the rule, say what happened."""
    if not form.validate_on_submit():
        abort(400)
    done, _ = call_service(form, action)
    if done:
        flash(message, "success")
    return redirect(back)


@bp.get("/forums/<int:forum_id>/members")
@login_required
def directory(forum_id):
    forum = _forum_or_404(forum_id)
    if not permissions.can_see_directory(current_user, forum):
        abort(403)
    return render_template("forums/directory.html", forum=forum, members=services.members(forum),
                           manages=permissions.can_manage_forum(current_user, forum),
                           mine=services.membership_of(current_user, forum), form=EmptyForm(),
                           is_young=services.is_young,
                           sees_young=permissions.can_see_young_members_details(current_user, forum))


# --- a parent or carer's consent -------------------------------------------------------------

@bp.route("/forums/consent/<token>", methods=["GET", "POST"])
@takes_write_lock
def parent_consent(token):
    membership = _from_consent_link(token)
    form = ConsentForm()
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: services.give_consent(membership, photo_consent=form.photo_consent.data))
        if done:
            flash(f"Thank you. You have agreed to {membership.user.name} joining {membership.forum.name}.",
                  "success")
            return redirect(url_for("forums.parent_consent", token=token))
    return render_template("forums/consent.html", membership=membership, form=form, withdraw_form=EmptyForm(),
                           token=token)


@bp.post("/forums/consent/<token>/withdraw")
@takes_write_lock
def withdraw_consent(token):
    membership = _from_consent_link(token)
    return _act(EmptyForm(), lambda: services.withdraw_consent(membership),
                f"You have withdrawn your consent. {membership.user.name}'s membership is suspended.",
                url_for("forums.parent_consent", token=token))


# --- coordinators --------------------------------------------------------------------------

@bp.get("/forums/<int:forum_id>/manage")
@login_required
def manage(forum_id):
    forum = _forum_or_404(forum_id, manage=True)
    form = MemberFilterForm(request.args)
    shown = services.filtered_memberships(forum, **form.filters()) if form.validate() else []
    history = db.session.scalars(
        select(AuditEntry).join(Membership, AuditEntry.object_id == cast(Membership.id, String))
        .where(AuditEntry.object_type == "Membership", Membership.forum_id == forum.id)
        .order_by(AuditEntry.occurred_at.desc()).limit(50)).all()
    return render_template("forums/manage.html", forum=forum, form=form, memberships=shown, history=history,
                           today=date.today(), is_young=services.is_young,
                           sees_young=permissions.can_see_young_members_details(current_user, forum))


@bp.get("/forums/<int:forum_id>/manage/members.csv")
@login_required
def members_csv(forum_id):
    forum = _forum_or_404(forum_id, manage=True)
    form = MemberFilterForm(request.args)
    if not form.validate():
        abort(400)
    body = exports.members_csv(services.filtered_memberships(forum, **form.filters()), today=date.today(),
                               young_contacts_visible=permissions.can_see_young_members_details(current_user, forum))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="forum-{forum.id}-members.csv"'})


@bp.route("/forums/<int:forum_id>/manage/memberships/<int:membership_id>", methods=["GET", "POST"])
@takes_write_lock
@login_required
def membership(forum_id, membership_id):
    forum = _forum_or_404(forum_id, manage=True)
    chosen = db.get_or_404(Membership, membership_id)
    if chosen.forum_id != forum.id:
        abort(404)
    form = DecisionForm(role=chosen.role.value, term_ends_on=chosen.term_ends_on)
    actions = {
        "approve": lambda: services.approve(chosen, actor=current_user, role=MembershipRole(form.role.data),
                                            term_ends_on=form.term_ends_on.data),
        "decline": lambda: services.decline(chosen, reason=form.reason.data or "", actor=current_user),
        "suspend": lambda: services.suspend(chosen, actor=current_user),
        "reinstate": lambda: services.reinstate(chosen, actor=current_user),
        "remove": lambda: services.remove(chosen, actor=current_user),
        "change_role": lambda: services.change_role(chosen, MembershipRole(form.role.data),
                                                    term_ends_on=form.term_ends_on.data, actor=current_user),
    }
    action = request.form.get("action")
    if form.validate_on_submit() and action in actions:
        done, _ = call_service(form, lambda: actions[action]())
        if done:
            flash(f"{chosen.user.name}: {chosen.status.label.lower()}, {chosen.role.label.lower()}.", "success")
            return redirect(url_for("forums.manage", forum_id=forum.id))
    return render_template("forums/membership.html", forum=forum, membership=chosen, form=form,
                           young=services.is_young(chosen),
                           sees_young=permissions.can_see_young_members_details(current_user, forum))


# --- admins ----------------------------------------------------------------------------------

@bp.route("/admin/forums/new", methods=["GET", "POST"])
@bp.route("/admin/forums/<int:forum_id>/edit", methods=["GET", "POST"])
@takes_write_lock
@login_required
def edit_forum(forum_id=None):
    if not permissions.can_manage_forums(current_user):
        abort(403)
    forum = db.get_or_404(Forum, forum_id) if forum_id else None
    form = _forum_form(forum)
    if form.validate_on_submit():
        done, saved = call_service(form, lambda: services.save_forum(forum, form.details(), actor=current_user))
        if done:
            flash(f"{saved.name} has been saved.", "success")
            return redirect(url_for("forums.forum_page", forum_id=saved.id))
    return render_template("forums/edit.html", forum=forum, form=form, forum_form=form,
                           coordinator_form=CoordinatorForm(), remove_form=EmptyForm())


def _forum_form(forum: Forum | None, *, from_request: bool = True) -> ForumForm:
    """The forum's form: what was sent, when it was this form that was sent; otherwise the forum as it is."""
    form = ForumForm(**({} if from_request else {"formdata": None}), obj=forum,
                     open_to_apply="open" if forum is None or forum.open_to_apply else "invitation")
    if forum is not None and not (from_request and form.is_submitted()):
        form.kind.data = forum.kind.value
    return form


@bp.post("/admin/forums/<int:forum_id>/coordinators")
@takes_write_lock
@login_required
def add_coordinator(forum_id):
    if not permissions.can_manage_forums(current_user):
        abort(403)
    forum = db.get_or_404(Forum, forum_id)
    form = CoordinatorForm()
    if form.validate_on_submit():
        done, person = call_service(form, lambda: services.grant_coordinator(
            forum, services.account_with_email(form.email.data), actor=current_user))
        if done:
            flash(f"{person.name} now coordinates {forum.name}.", "success")
            return redirect(url_for("forums.edit_forum", forum_id=forum.id))
    return render_template("forums/edit.html", forum=forum, form=form, coordinator_form=form,
                           forum_form=_forum_form(forum, from_request=False), remove_form=EmptyForm()), 400


@bp.post("/admin/forums/<int:forum_id>/coordinators/<int:user_id>/remove")
@takes_write_lock
@login_required
def remove_coordinator(forum_id, user_id):
    if not permissions.can_manage_forums(current_user):
        abort(403)
    forum = db.get_or_404(Forum, forum_id)
    person = db.get_or_404(User, user_id)
    return _act(EmptyForm(), lambda: services.revoke_coordinator(forum, person, actor=current_user),
                f"{person.name} no longer coordinates {forum.name}.", url_for("forums.edit_forum", forum_id=forum.id))


@bp.route("/admin/safeguarding", methods=["GET", "POST"])
@takes_write_lock
@login_required
def safeguarding():
    if not permissions.can_manage_forums(current_user):
        abort(403)
    form = SafeguardingForm()
    if form.validate_on_submit():
        done, person = call_service(form, lambda: services.record_safeguarding_check(
            services.account_with_email(form.email.data), form.checked_on.data, actor=current_user))
        if done:
            flash(f"The DBS check for {person.name} has been recorded.", "success")
            return redirect(url_for("forums.safeguarding"))
    return render_template("forums/safeguarding.html", form=form, checks=services.safeguarding_checks())
