"""Routes for forums: public pages, applying, the member directory, a parent
or carer's consent, meetings with their papers and actions, announcements,
invitations, coordinators' membership pages and admins' set-up."""
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import String, cast, select
from sqlalchemy.orm import lazyload

from core import home_page, page_cache
from core.database import utcnow
from core.extensions import db, limiter
from core.formatting import counted
from core.forms import EmptyForm, call_service, press_button
from core.models import AuditEntry
from core.accounts.models import User
from core.accounts.safeguarding import screen, shows_contact_details
from core.views import from_emailed_link
from events.feed_responses import feed_limit, feed_response
from events.feeds import forum_feed
from events.ical import webcal
from events.queries import venue_choices
from forums import exports, meetings, permissions, services
from forums import privacy  # noqa: F401  registers forums' part of "Your data", erasure and retention
from forums.forms import (
    ActionForm, ActionStatusForm, AnnouncementForm, ApologyForm, ApplicationForm, ConsentForm, CoordinatorForm,
    DecisionForm, ForumForm, InvitationForm, MeetingForm, MemberFilterForm, PapersForm, SafeguardingForm,
)
from forums.models import ActionStatus, Forum, Membership, MembershipRole

bp = Blueprint("forums", __name__)


@home_page.section(20, "forums/_home_section.html")
def _home_section(now):
    """Every forum, on the home page."""
    return {"forums": db.session.scalars(
        select(Forum).options(lazyload(Forum.coordinators)).order_by(Forum.name)).all()}


def _forum_or_404(forum_id: int, *, manage: bool = False) -> Forum:
    forum = db.get_or_404(Forum, forum_id)
    if manage and not permissions.can_manage_forum(current_user, forum):
        abort(403)
    return forum


def _from_consent_link(token: str) -> Membership:
    return from_emailed_link(services.membership_for_consent, token)


# --- the public side --------------------------------------------------------

@bp.get("/forums")
def forum_list():
    forums = db.session.scalars(select(Forum).order_by(Forum.name)).all()
    return render_template("forums/list.html", forums=forums)


@bp.get("/forums/<int:forum_id>")
@page_cache.for_visitors
def forum_page(forum_id):
    forum = _forum_or_404(forum_id)
    inside = permissions.can_see_directory(current_user, forum)
    upcoming = [meeting for meeting in meetings.meetings_of(forum, upcoming=True, limit=6)
                if inside or meeting.audience.value == "public"]
    # Forms (and so a form token in the session) only for someone signed in: a
    # visitor's page has none, so it can be kept for the next (core.page_cache).
    signed_in = current_user.is_authenticated
    return render_template(
        "forums/forum.html", forum=forum, form=EmptyForm() if signed_in else None,
        mine=services.membership_of(current_user, forum),
        inside=inside, upcoming=upcoming, past=meetings.meetings_of(forum, upcoming=False, limit=5) if inside else [],
        actions=meetings.open_actions(forum) if inside else [],
        announcements=services.announcements_of(forum) if inside else [], renewal_due=services.renewal_due,
        status_form=ActionStatusForm() if signed_in else None,
        today=date.today(), webcal=webcal,
        feed_url=url_for("forums.forum_calendar", forum_id=forum.id, _external=True))


@bp.get("/forums/<int:forum_id>/calendar.ics")
@limiter.limit(feed_limit)
def forum_calendar(forum_id):
    forum = _forum_or_404(forum_id)
    return feed_response(forum_feed(forum.id, forum.name))


@bp.route("/forums/<int:forum_id>/apply", methods=["GET", "POST"])
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
    return render_template("forums/apply.html", forum=forum, form=form, invitation=None)


@bp.post("/forums/<int:forum_id>/withdraw")
@login_required
def withdraw(forum_id):
    forum, mine = _my_membership(forum_id)
    return press_button(EmptyForm(), lambda: services.withdraw_application(mine, actor=current_user),
                        "Your application has been withdrawn.", url_for("forums.forum_page", forum_id=forum.id))


@bp.post("/forums/<int:forum_id>/contact-sharing")
@login_required
def contact_sharing(forum_id):
    forum, mine = _my_membership(forum_id)
    share = request.form.get("share_email") == "yes"
    return press_button(EmptyForm(), lambda: services.set_contact_sharing(mine, share_email=share, actor=current_user),
                        "Other members can now see your email address." if share else
                        "Other members now see only your name and role.",
                        url_for("forums.directory", forum_id=forum.id))


@bp.post("/forums/<int:forum_id>/renew")
@login_required
def renew(forum_id):
    forum, mine = _my_membership(forum_id)
    return press_button(EmptyForm(), lambda: services.renew(mine, actor=current_user),
                        "Thank you. Your membership has been renewed for another year.",
                        url_for("forums.forum_page", forum_id=forum.id))


@bp.post("/forums/<int:forum_id>/announcement-emails")
@login_required
def announcement_emails(forum_id):
    forum, mine = _my_membership(forum_id)
    wanted = request.form.get("wanted") == "yes"
    return press_button(EmptyForm(), lambda: services.set_announcement_emails(mine, wanted),
                        "You will get the forum's announcements by email." if wanted else
                        "You will get only essential announcements by email. Others stay on this page.",
                        url_for("forums.forum_page", forum_id=forum.id))


@bp.route("/forums/announcements-off/<token>", methods=["GET", "POST"])
def announcements_off(token):
    """The link at the foot of each announcement email. Opening it changes
    nothing (mail scanners open links); the button does."""
    membership = from_emailed_link(services.membership_for_announcements_off, token)
    form = EmptyForm()
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: services.set_announcement_emails(membership, False))
        if done:
            flash(f"You will no longer get {membership.forum.name}'s announcements by email, apart from essential "
                  "ones.", "success")
            return redirect(url_for("forums.announcements_off", token=token))
    return render_template("forums/announcements_off.html", membership=membership, form=form)


@bp.route("/forums/invitations/<token>", methods=["GET", "POST"])
@login_required
def accept_invitation(token):
    invitation = from_emailed_link(services.invitation_for_token, token)
    forum = invitation.forum
    form = ApplicationForm()
    if form.validate_on_submit():
        done, mine = call_service(form, lambda: services.apply(forum, current_user, form.application(),
                                                               invitation=invitation))
        if done:
            flash(_joined_message(mine), "success")
            return redirect(url_for("forums.forum_page", forum_id=forum.id))
    return render_template("forums/apply.html", forum=forum, form=form, invitation=invitation)


def _joined_message(mine: Membership) -> str:
    if mine.status.value == "active":
        return f"Welcome to {mine.forum.name}."
    if mine.parent_email and mine.parent_consented_at is None:
        return "Thank you. We have asked your parent or carer to agree."
    return "Thank you. The coordinators will look at your application and email you."


def _my_membership(forum_id: int) -> tuple[Forum, Membership]:
    """The forum and the signed-in person's own membership of it (404 when they have none)."""
    forum = _forum_or_404(forum_id)
    mine = services.membership_of(current_user, forum)
    if mine is None:
        abort(404)
    return forum, mine


@bp.get("/forums/<int:forum_id>/members")
@shows_contact_details("email")
@login_required
def directory(forum_id):
    forum = _forum_or_404(forum_id)
    if not permissions.can_see_directory(current_user, forum):
        abort(403)
    members = services.members(forum)
    return render_template("forums/directory.html", forum=forum, members=members,
                           screen=screen(current_user, [m.user for m in members]),
                           manages=permissions.can_manage_forum(current_user, forum),
                           mine=services.membership_of(current_user, forum), form=EmptyForm(),
                           is_young=services.is_young,
                           sees_young=permissions.can_see_young_members_details(current_user, forum))


# --- a parent or carer's consent -------------------------------------------------------------

@bp.route("/forums/consent/<token>", methods=["GET", "POST"])
def parent_consent(token):
    membership = _from_consent_link(token)
    form = ConsentForm()
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: services.give_consent(membership, photo_consent=form.photo_consent.data,
                                                                    signed_in_as=current_user))
        if done:
            flash(f"Thank you. You have agreed to {membership.user.name} joining {membership.forum.name}.",
                  "success")
            return redirect(url_for("forums.parent_consent", token=token))
    return render_template("forums/consent.html", membership=membership, form=form, withdraw_form=EmptyForm(),
                           token=token)


@bp.post("/forums/consent/<token>/withdraw")
def withdraw_consent(token):
    membership = _from_consent_link(token)
    return press_button(EmptyForm(), lambda: services.withdraw_consent(membership),
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
@shows_contact_details("email")
@login_required
def members_csv(forum_id):
    forum = _forum_or_404(forum_id, manage=True)
    form = MemberFilterForm(request.args)
    if not form.validate():
        abort(400)
    shown = services.filtered_memberships(forum, **form.filters())
    body = exports.members_csv(shown, today=date.today(),
                               screen=screen(current_user, [m.user for m in shown]))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="forum-{forum.id}-members.csv"'})


@bp.route("/forums/<int:forum_id>/manage/memberships/<int:membership_id>", methods=["GET", "POST"])
@shows_contact_details("email", "parent or carer")
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
        "resend_consent": lambda: services.resend_consent_request(chosen, actor=current_user),
        "photos_yes": lambda: services.record_photo_consent(chosen, True, actor=current_user),
        "photos_no": lambda: services.record_photo_consent(chosen, False, actor=current_user),
    }
    action = request.form.get("action")
    if form.validate_on_submit() and action in actions:
        done, _ = call_service(form, lambda: actions[action]())
        if done:
            flash(f"{chosen.user.name}: {chosen.status.label.lower()}, {chosen.role.label.lower()}.", "success")
            return redirect(url_for("forums.manage", forum_id=forum.id))
    return render_template("forums/membership.html", forum=forum, membership=chosen, form=form,
                           young=services.is_young(chosen), screen=screen(current_user, [chosen.user]),
                           sees_young=permissions.can_see_young_members_details(current_user, forum),
                           today=date.today())


# --- meetings ------------------------------------------------------------------------------

def _meeting_or_404(forum: Forum, event_id: int):
    meeting = meetings.meeting_of(forum, event_id)
    if meeting is None:
        abort(404)
    return meeting


@bp.route("/forums/<int:forum_id>/meetings/new", methods=["GET", "POST"])
@login_required
def schedule_meeting(forum_id):
    forum = _forum_or_404(forum_id, manage=True)
    form = MeetingForm(title=f"{forum.name} meeting")
    form.venue_id.choices = [(0, "No venue: online only")] + venue_choices()
    if form.validate_on_submit():
        done, meeting = call_service(form, lambda: meetings.schedule_meeting(forum, form.details(), actor=current_user))
        if done:
            flash("The meeting is recorded. You can now write and approve its minutes." if meeting.starts_at <= utcnow()
                  else "The meeting has been scheduled and the members emailed. They can now book a place or send "
                       "apologies.", "success")
            return redirect(url_for("forums.meeting", forum_id=forum.id, event_id=meeting.id))
    return render_template("forums/schedule_meeting.html", forum=forum, form=form)


@bp.get("/forums/<int:forum_id>/meetings/<int:event_id>")
@login_required
def meeting(forum_id, event_id):
    forum = _forum_or_404(forum_id)
    if not permissions.can_see_directory(current_user, forum):
        abort(403)
    return _meeting_page(forum, _meeting_or_404(forum, event_id))


def _meeting_page(forum: Forum, meeting, *, papers_form=None, action_form=None, status: int = 200):
    """The meeting page; after a failed form, with that form's errors (and what was typed)."""
    failed = papers_form or action_form
    manages = permissions.can_manage_forum(current_user, forum)
    papers = meetings.papers_of(meeting)
    if action_form is None and manages:
        action_form = _action_form(forum)
    return render_template(
        "forums/meeting.html", forum=forum, meeting=meeting, papers=papers, manages=manages,
        is_upcoming=meeting.starts_at > utcnow(),
        papers_form=papers_form or (PapersForm(obj=papers) if manages else None), action_form=action_form,
        apology_form=ApologyForm(), form=failed or EmptyForm(), status_form=ActionStatusForm(),
        mine=services.membership_of(current_user, forum), my_apology=meetings.apology_of(meeting, current_user),
        my_booking=meetings.booking_of(meeting, current_user),
        apologies=meetings.apologies_for(meeting), present=meetings.present_at(meeting),
        expected=meetings.expected_at(meeting), raised=meetings.actions_raised_at(meeting),
        carried=meetings.carried_forward_to(meeting)), status


def _action_form(forum: Forum) -> ActionForm:
    form = ActionForm()
    form.owner_id.choices = [(0, "Choose a person")] + [(p.id, p.name) for p in meetings.action_owners(forum)]
    return form


@bp.post("/forums/<int:forum_id>/meetings/<int:event_id>/papers")
@login_required
def meeting_papers(forum_id, event_id):
    forum = _forum_or_404(forum_id, manage=True)
    meeting = _meeting_or_404(forum, event_id)
    form = PapersForm()
    action = request.form.get("action", "save")
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: meetings.save_papers(
            meeting, agenda=form.agenda.data or "", minutes=form.minutes.data or "",
            publish_agenda=action == "publish_agenda", approve_minutes=action == "approve_minutes",
            actor=current_user))
        if done:
            flash({"publish_agenda": "The agenda is published to members.",
                   "approve_minutes": "The minutes are approved and published to members."}.get(
                action, "The agenda and minutes have been saved."), "success")
            return redirect(url_for("forums.meeting", forum_id=forum.id, event_id=meeting.id))
    return _meeting_page(forum, meeting, papers_form=form, status=400)


@bp.post("/forums/<int:forum_id>/meetings/<int:event_id>/actions")
@login_required
def add_action(forum_id, event_id):
    forum = _forum_or_404(forum_id, manage=True)
    meeting = _meeting_or_404(forum, event_id)
    form = _action_form(forum)
    if form.validate_on_submit():
        done, _ = call_service(form, lambda: meetings.add_action(
            forum, description=form.description.data, owner_id=form.owner_id.data, due_on=form.due_on.data,
            meeting=meeting, actor=current_user))
        if done:
            flash("The action has been added.", "success")
            return redirect(url_for("forums.meeting", forum_id=forum.id, event_id=meeting.id))
    return _meeting_page(forum, meeting, action_form=form, status=400)


@bp.post("/forums/<int:forum_id>/actions/<int:action_id>")
@login_required
def action_status(forum_id, action_id):
    forum = _forum_or_404(forum_id, manage=True)
    action = meetings.action_of(forum, action_id)
    if action is None:
        abort(404)
    form = ActionStatusForm()
    if not form.validate_on_submit():
        abort(400)
    status = ActionStatus(form.status.data)
    back = (url_for("forums.meeting", forum_id=forum.id, event_id=action.event_id)
            if request.form.get("back") == "meeting" and action.event_id else
            url_for("forums.forum_page", forum_id=forum.id))
    return press_button(form, lambda: meetings.set_action_status(action, status, actor=current_user),
                        f"The action is now {status.label.lower()}.", back)


@bp.post("/forums/<int:forum_id>/meetings/<int:event_id>/apologies")
@login_required
def send_apologies(forum_id, event_id):
    forum = _forum_or_404(forum_id)
    if not permissions.can_take_part(current_user, forum):
        abort(403)
    meeting = _meeting_or_404(forum, event_id)
    form = ApologyForm()
    if not form.validate_on_submit():
        abort(400)
    return press_button(form, lambda: meetings.send_apologies(meeting, current_user, note=form.note.data or ""),
                        "Your apologies have been sent to the coordinators.",
                        url_for("forums.meeting", forum_id=forum.id, event_id=meeting.id))


@bp.post("/forums/<int:forum_id>/meetings/<int:event_id>/apologies/withdraw")
@login_required
def withdraw_apologies(forum_id, event_id):
    forum = _forum_or_404(forum_id)
    if not permissions.can_take_part(current_user, forum):
        abort(403)
    meeting = _meeting_or_404(forum, event_id)
    return press_button(EmptyForm(), lambda: meetings.withdraw_apologies(meeting, current_user),
                        "Your apologies have been withdrawn. Book a place if you can come.",
                        url_for("forums.meeting", forum_id=forum.id, event_id=meeting.id))


# --- announcements and invitations ------------------------------------------------------------

@bp.route("/forums/<int:forum_id>/announcements/new", methods=["GET", "POST"])
@login_required
def announce(forum_id):
    forum = _forum_or_404(forum_id, manage=True)
    form = AnnouncementForm()
    if form.validate_on_submit():
        done, sent = call_service(form, lambda: services.announce(
            forum, subject=form.subject.data, body=form.body.data,
            role=MembershipRole(form.role.data) if form.role.data else None, essential=form.essential.data,
            actor=current_user))
        if done:
            flash(f"The announcement is on its way to {counted(sent.recipients, 'member')} and is on the forum page."
                  if sent.recipients else "The announcement is on the forum page. No member gets it by email: "
                  "none that it is for is active, or they have turned announcement emails off.", "success")
            return redirect(url_for("forums.forum_page", forum_id=forum.id))
    return render_template("forums/announce.html", forum=forum, form=form)


@bp.route("/forums/<int:forum_id>/invitations", methods=["GET", "POST"])
@shows_contact_details("email", names_people=False)  # an invitation is to an address, not a name
@login_required
def invitations(forum_id):
    forum = _forum_or_404(forum_id, manage=True)
    form = InvitationForm()
    if form.validate_on_submit():
        done, sent = call_service(form, lambda: services.invite(forum, form.email.data, actor=current_user))
        if done:
            flash(f"The invitation has been emailed to {sent.email}.", "success")
            return redirect(url_for("forums.invitations", forum_id=forum.id))
    invited = services.invitations_of(forum)
    return render_template("forums/invitations.html", forum=forum, form=form, invitations=invited,
                           screen=screen(current_user, invited))


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
        done, saved = call_service(form, lambda: services.save_forum(forum, form.details(), actor=current_user))
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
        done, person = call_service(form, lambda: services.grant_coordinator(
            forum, services.account_with_email(form.email.data), actor=current_user))
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
    return press_button(EmptyForm(), lambda: services.revoke_coordinator(forum, person, actor=current_user),
                        f"{person.name} no longer coordinates {forum.name}.",
                        url_for("forums.edit_forum", forum_id=forum.id))


@bp.route("/admin/safeguarding", methods=["GET", "POST"])
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
