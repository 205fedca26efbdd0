"""A forum's coordinators' pages: its memberships and their history, its
meetings with their papers and actions (members see a meeting and answer
it with apologies and action updates), announcements and invitations."""
from datetime import date
from types import SimpleNamespace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.database import utcnow
from core.extensions import db
from core.i18n import _, in_language, ngettext, staff_screen
from core.forms import EmptyForm, call_service, press_button, rendered_fields
from core.accounts.safeguarding import screen, shows_contact_details
from core.spam import bulk_work
from core.spreadsheets import csv_download
from events.ical import plain_text
from events.queries import venue_choices
from events.services.messages import paragraphs
from forums import exports, meetings, permissions, queries
from core.partners.forms import PartnerPickForm
from core.partners.permissions import can_choose_partners
from forums import imports as forum_imports
from forums.services import announcements, consent, memberships
from forums.services import partners as partner_links
from forums.services.invitations import invitation_in, invitations_of, invite
from forums.services.invitations import withdraw_invitation as withdraw
from forums.services.safeguarding import ADULT_AGE, age_on, is_young
from forums.forms import (
    ActionForm, ActionStatusForm, AnnouncementForm, ApologyForm, DecisionForm, InvitationForm, MeetingForm,
    MemberFilterForm, PapersForm,
)
from forums.models import ActionStatus, Forum, Membership, MembershipRole, MembershipStatus
from forums.views import bp
from forums.views.loading import forum_or_404


# --- coordinators --------------------------------------------------------------------------

@bp.get("/forums/<int:forum_id>/manage")
@staff_screen
@login_required
def manage(forum_id):
    forum = forum_or_404(forum_id, manage=True)
    form = MemberFilterForm(request.args)
    shown = memberships.filtered_memberships(forum, **form.filters()) if form.validate() else []
    history = queries.membership_history(forum)
    return render_template("forums/manage.html", forum=forum, form=form, memberships=shown, history=history,
                           filter_fields=rendered_fields(form, "forums/_member_filter_fields.html",
                                                         interfaith=forum.is_interfaith),
                           today=date.today(), is_young=is_young, imported=forum_imports.imported_waiting(forum),
                           is_young_born=lambda born: age_on(born, date.today()) < ADULT_AGE,
                           sees_young=permissions.can_see_young_members_details(current_user, forum))


@bp.get("/forums/<int:forum_id>/manage/members.csv")
@staff_screen
@shows_contact_details("email")
@login_required
def members_csv(forum_id):
    forum = forum_or_404(forum_id, manage=True)
    form = MemberFilterForm(request.args)
    if not form.validate():
        abort(400)
    shown = memberships.filtered_memberships(forum, **form.filters())
    body = exports.members_csv(shown, today=date.today(),
                               screen=screen(current_user, [m.user for m in shown]))
    return csv_download(body, f"forum-{forum.id}-members.csv")


@bp.route("/forums/<int:forum_id>/manage/memberships/<int:membership_id>", methods=["GET", "POST"])
@staff_screen
@shows_contact_details("email", "parent or carer")
@login_required
def membership(forum_id, membership_id):
    forum = forum_or_404(forum_id, manage=True)
    chosen = db.get_or_404(Membership, membership_id)
    if chosen.forum_id != forum.id:
        abort(404)
    form = DecisionForm(role=chosen.role.value, term_ends_on=chosen.term_ends_on)
    actions = {
        "approve": lambda: memberships.approve(chosen, actor=current_user, role=MembershipRole(form.role.data),
                                               term_ends_on=form.term_ends_on.data),
        "decline": lambda: memberships.decline(chosen, reason=form.reason.data or "", actor=current_user),
        "suspend": lambda: memberships.suspend(chosen, actor=current_user),
        "reinstate": lambda: memberships.reinstate(chosen, actor=current_user),
        "remove": lambda: memberships.remove(chosen, actor=current_user),
        "change_role": lambda: memberships.change_role(chosen, MembershipRole(form.role.data),
                                                       term_ends_on=form.term_ends_on.data, actor=current_user),
        "resend_consent": lambda: consent.resend_consent_request(chosen, actor=current_user),
        "photos_yes": lambda: consent.record_photo_consent(chosen, True, actor=current_user),
        "photos_no": lambda: consent.record_photo_consent(chosen, False, actor=current_user),
    }
    action = request.form.get("action")
    if request.method == "GET" and request.args.get("confirm") in CONFIRMED_FIRST:
        return _confirm_page(forum, chosen, form, request.args["confirm"])
    if form.validate_on_submit() and action in actions:
        def decide():
            memberships.check_unchanged(chosen, form.seen.data)
            return actions[action]()
        done, _result = call_service(form, decide)
        if done:
            flash(_decided(chosen, action), "success")
            return redirect(url_for("forums.manage", forum_id=forum.id))
    return _membership_page(forum, chosen, form, _partner_form(chosen))


def _decided(chosen: Membership, action: str) -> str:
    """What the coordinator is told a decision did."""
    name = chosen.user.name
    return {
        "resend_consent": f"The consent request was sent again to {name}'s parent or carer.",
        "photos_yes": f"{name}: photos allowed, as their parent or carer told you.",
        "photos_no": f"{name}: no photos, as their parent or carer told you.",
        "suspend": f"{name}'s membership is suspended, and they have been emailed to say so.",
        "remove": f"{name} has been removed from the forum, and they have been emailed to say so.",
    }.get(action) or f"{name}: {chosen.status.label.lower()}, {chosen.role.label.lower()}."


# Decisions a coordinator confirms on a page of their own first: each emails the member and gives up their
# places at members-only meetings, which reinstating does not give back.
CONFIRMED_FIRST = {
    "suspend": (MembershipStatus.ACTIVE,),
    "remove": (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED),
}


def _confirm_page(forum: Forum, chosen: Membership, form, decision: str):
    """Ask before suspending or removing, saying what it does. The page carries
    the version of the membership the coordinator decided on (`seen`), so a
    colleague's change in between is still refused."""
    back = redirect(url_for("forums.membership", forum_id=forum.id, membership_id=chosen.id))
    if chosen.status not in CONFIRMED_FIRST[decision]:
        return back
    form.seen.data = request.args.get("seen") or chosen.updated_at.isoformat()
    if not memberships.is_as_seen(chosen, form.seen.data):  # overtaken by a colleague: said now, not after the button
        flash(str(memberships.CHANGED_SINCE_SEEN), "refused")
        return back
    return render_template("forums/confirm_membership_decision.html", forum=forum, membership=chosen, form=form,
                           decision=decision, places=memberships.members_only_places(chosen))


def _membership_page(forum: Forum, chosen: Membership, form, partner_form, status: int = 200):
    return render_template("forums/membership.html", forum=forum, membership=chosen, form=form,
                           partner_form=partner_form, can_add_partner=can_choose_partners(current_user),
                           young=is_young(chosen), screen=screen(current_user, [chosen.user]),
                           sees_young=permissions.can_see_young_members_details(current_user, forum),
                           today=date.today()), status


def _partner_form(chosen: Membership, **kwargs) -> PartnerPickForm:
    form = PartnerPickForm(first="Not a partner organisation", **kwargs)
    if "formdata" not in kwargs:
        form.partner_id.data = chosen.partner_id or 0
    return form


@bp.post("/forums/<int:forum_id>/manage/memberships/<int:membership_id>/partner")
@staff_screen
@login_required
def membership_partner(forum_id, membership_id):
    """The partner organisation the member represents, chosen from the list."""
    forum = forum_or_404(forum_id, manage=True)
    chosen = db.get_or_404(Membership, membership_id)
    if chosen.forum_id != forum.id:
        abort(404)
    form = PartnerPickForm(first="Not a partner organisation")
    if form.validate_on_submit():
        partner = form.chosen()
        done, _result = call_service(form, lambda: partner_links.link_partner(chosen, partner, actor=current_user))
        if done:
            flash(f"{chosen.user.name} represents {partner.name}." if partner else
                  f"{chosen.user.name} is not linked to a partner organisation.", "success")
            return redirect(url_for("forums.membership", forum_id=forum.id, membership_id=chosen.id))
    return _membership_page(forum, chosen, DecisionForm(formdata=None, role=chosen.role.value,
                                                         term_ends_on=chosen.term_ends_on), form, status=400)


# --- meetings ------------------------------------------------------------------------------

def _meeting_or_404(forum: Forum, event_id: int):
    meeting = meetings.meeting_of(forum, event_id)
    if meeting is None:
        abort(404)
    return meeting


@bp.route("/forums/<int:forum_id>/meetings/new", methods=["GET", "POST"])
@staff_screen
@login_required
def schedule_meeting(forum_id):
    forum = forum_or_404(forum_id, manage=True)
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
    forum = forum_or_404(forum_id)
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
        mine=memberships.membership_of(current_user, forum), my_apology=meetings.apology_of(meeting, current_user),
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
    forum = forum_or_404(forum_id, manage=True)
    meeting = _meeting_or_404(forum, event_id)
    form = PapersForm()
    action = request.form.get("action", "save")
    if form.validate_on_submit():
        done, _result = call_service(form, lambda: meetings.save_papers(
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
    forum = forum_or_404(forum_id, manage=True)
    meeting = _meeting_or_404(forum, event_id)
    form = _action_form(forum)
    if form.validate_on_submit():
        done, _result = call_service(form, lambda: meetings.add_action(
            forum, description=form.description.data, owner_id=form.owner_id.data, due_on=form.due_on.data,
            meeting=meeting, actor=current_user))
        if done:
            flash("The action has been added.", "success")
            return redirect(url_for("forums.meeting", forum_id=forum.id, event_id=meeting.id))
    return _meeting_page(forum, meeting, action_form=form, status=400)


@bp.post("/forums/<int:forum_id>/actions/<int:action_id>")
@login_required
def action_status(forum_id, action_id):
    forum = forum_or_404(forum_id, manage=True)
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
    forum = forum_or_404(forum_id)
    if not permissions.can_take_part(current_user, forum):
        abort(403)
    meeting = _meeting_or_404(forum, event_id)
    form = ApologyForm()
    if not form.validate_on_submit():
        abort(400)
    return press_button(form, lambda: meetings.send_apologies(meeting, current_user, note=form.note.data or ""),
                        _("Your apologies have been sent to the coordinators."),
                        url_for("forums.meeting", forum_id=forum.id, event_id=meeting.id))


@bp.post("/forums/<int:forum_id>/meetings/<int:event_id>/apologies/withdraw")
@login_required
def withdraw_apologies(forum_id, event_id):
    forum = forum_or_404(forum_id)
    if not permissions.can_take_part(current_user, forum):
        abort(403)
    meeting = _meeting_or_404(forum, event_id)
    return press_button(EmptyForm(), lambda: meetings.withdraw_apologies(meeting, current_user),
                        _("Your apologies have been withdrawn. Book a place if you can come."),
                        url_for("forums.meeting", forum_id=forum.id, event_id=meeting.id))


# --- announcements and invitations ------------------------------------------------------------

@bp.route("/forums/<int:forum_id>/announcements/new", methods=["GET", "POST"])
@staff_screen
@login_required
def announce(forum_id):
    """Step 1, writing; its button shows step 2, the preview (the email as a
    member gets it and how many get it). Nothing is saved until Send; the
    preview's Change button comes back here with the text."""
    forum = forum_or_404(forum_id, manage=True)
    form = AnnouncementForm()
    if request.method == "POST" and "change" not in request.form and form.validate_on_submit():
        return _announcement_preview(forum, form)
    return render_template("forums/announce.html", forum=forum, form=form)


def _announcement_preview(forum: Forum, form: AnnouncementForm):
    role = MembershipRole(form.role.data) if form.role.data else None
    recipients = announcements.members_to_email(forum, role=role, essential=form.essential.data)
    everyone = announcements.members_to_email(forum, role=role, essential=True)
    form.draft.data = announcements.new_draft(forum, subject=form.subject.data, body=form.body.data, role=role,
                                              essential=form.essential.data, draft=form.draft.data)
    with in_language("en"):
        email = render_template(
            "email/forum_announcement.txt", forum=forum, text=plain_text(form.body.data.strip()),
            announcement=SimpleNamespace(sent_by=current_user), membership=SimpleNamespace(
                user=SimpleNamespace(name="(their name)")),
            stop_link=None if form.essential.data else "(a link to stop these emails)")
    return render_template("forums/announce_preview.html", forum=forum, form=form, recipients=len(recipients),
                           turned_off=len(everyone) - len(recipients), email=paragraphs(email),
                           subject=f"{forum.name}: {form.subject.data.strip()}")


@bp.post("/forums/<int:forum_id>/announcements/send")
@staff_screen
@bulk_work("BULK_EMAIL_LIMIT_PER_ACCOUNT")
@login_required
def send_announcement(forum_id):
    """Step 3. Sending the same preview again (a double click, another tab) sends nothing more."""
    forum = forum_or_404(forum_id, manage=True)
    form = AnnouncementForm()
    if form.validate_on_submit():
        role = MembershipRole(form.role.data) if form.role.data else None
        if announcements.sent_with_draft(forum, form.draft.data, subject=form.subject.data, body=form.body.data,
                                         role=role, essential=form.essential.data) is not None:
            flash("This announcement has been sent already, so it was not sent again.", "info")
            return redirect(url_for("forums.forum_page", forum_id=forum.id))
        done, sent = call_service(form, lambda: announcements.announce(
            forum, subject=form.subject.data, body=form.body.data, role=role, essential=form.essential.data,
            actor=current_user, draft=form.draft.data or ""))
        if done:
            flash(ngettext("The announcement is on its way to %(num)d member and is on the forum page.",
                           "The announcement is on its way to %(num)d members and is on the forum page.",
                           sent.recipients)
                  if sent.recipients else "The announcement is on the forum page. No member gets it by email: "
                  "none that it is for is active, or they have turned announcement emails off.", "success")
            if sent.job_id is None:
                return redirect(url_for("forums.forum_page", forum_id=forum.id))
            return redirect(url_for("core.job", job_id=sent.job_id))
    return render_template("forums/announce.html", forum=forum, form=form)


@bp.route("/forums/<int:forum_id>/invitations", methods=["GET", "POST"])
@staff_screen
@shows_contact_details("email", names_people=False)  # an invitation is to an address, not a name
@login_required
def invitations(forum_id):
    forum = forum_or_404(forum_id, manage=True)
    form = InvitationForm()
    if form.validate_on_submit():
        done, sent = call_service(form, lambda: invite(forum, form.email.data, actor=current_user))
        if done:
            flash(f"The invitation has been emailed to {sent.email}.", "success")
            return redirect(url_for("forums.invitations", forum_id=forum.id))
    invited = invitations_of(forum)
    return render_template("forums/invitations.html", forum=forum, form=form, invitations=invited,
                           screen=screen(current_user, invited), withdraw_form=EmptyForm())


@bp.post("/forums/<int:forum_id>/invitations/<int:invitation_id>/withdraw")
@staff_screen
@login_required
def withdraw_invitation(forum_id, invitation_id):
    forum = forum_or_404(forum_id, manage=True)
    invitation = invitation_in(forum, invitation_id)
    if invitation is None:
        abort(404)
    return press_button(EmptyForm(), lambda: withdraw(invitation, actor=current_user),
                        "The invitation has been withdrawn: its link no longer works.",
                        url_for("forums.invitations", forum_id=forum.id))
