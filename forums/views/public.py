"""Forums for everyone and their members: the list, a forum's page and
calendar, applying, a member's own membership (contact sharing, renewal,
announcement emails, withdrawing), accepting an invitation, the member
directory, and a parent or carer's consent by its emailed link."""
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core import home_page, http_cache
from core.extensions import limiter
from core.forms import EmptyForm, call_service, press_button
from core.accounts.safeguarding import screen, shows_contact_details
from core.i18n import _
from core.views.emailed_links import from_emailed_link
from events.feed_responses import feed_limit, feed_response
from events.feeds import forum_feed
from events.ical import webcal
from events.models import Audience
from forums import imports as forum_imports
from forums import meetings, permissions, queries
from forums.services import announcements, applying, consent, invitations, memberships, renewal
from forums.services.safeguarding import is_young
from forums.forms import ActionStatusForm, ApplicationForm, ConsentForm
from forums.models import Forum, Membership, MembershipStatus
from forums.views import bp
from forums.views.loading import forum_or_404


@home_page.section(20, "forums/_home_section.html", scopes=("forums",))
def _home_section(now):
    """Every forum, on the home page."""
    return {"forums": queries.forums_by_name(with_coordinators=False)}


def _from_consent_link(token: str) -> Membership:
    return from_emailed_link(consent.membership_for_consent, token)


# --- the public side --------------------------------------------------------

@bp.get("/forums")
def forum_list():
    return render_template("forums/list.html", forums=queries.forums_by_name(translated=True),
                           invited=forum_imports.invitations_waiting_for(current_user))


@bp.get("/forums/<int:forum_id>")
@http_cache.public("forums", "events")  # its meetings are events
def forum_page(forum_id):
    forum = forum_or_404(forum_id)
    inside = permissions.can_see_directory(current_user, forum)
    upcoming = [meeting for meeting in meetings.meetings_of(forum, upcoming=True, limit=6)
                if inside or meeting.audience == Audience.PUBLIC]
    # Forms (and so a form token in the session) only for someone signed in: a
    # visitor's page has none, so shared caches can keep it for the next (core.http_cache).
    signed_in = current_user.is_authenticated
    return render_template(
        "forums/forum.html", forum=forum, form=EmptyForm() if signed_in else None,
        mine=memberships.membership_of(current_user, forum),
        inside=inside, upcoming=upcoming, past=meetings.meetings_of(forum, upcoming=False, limit=5) if inside else [],
        actions=meetings.open_actions(forum) if inside else [],
        announcements=announcements.announcements_of(forum) if inside else [], renewal_due=renewal.renewal_due,
        status_form=ActionStatusForm() if signed_in else None,
        today=date.today(), webcal=webcal,
        feed_url=url_for("forums.forum_calendar", forum_id=forum.id, _external=True))


@bp.get("/forums/<int:forum_id>/calendar.ics")
@limiter.limit(feed_limit)
def forum_calendar(forum_id):
    forum = forum_or_404(forum_id)
    return feed_response(forum_feed(forum.id, forum.name))


@bp.route("/forums/<int:forum_id>/apply", methods=["GET", "POST"])
@login_required
def apply(forum_id):
    forum = forum_or_404(forum_id)
    if already := applying.already_in(forum, current_user):
        return _back_to_the_forum(forum, already)
    form = ApplicationForm()
    if form.validate_on_submit():
        done, mine = call_service(form, lambda: applying.apply(forum, current_user, form.application()))
        if done:
            flash(_("Thank you. We have asked your parent or carer to agree, and the coordinators will look at "
                    "your application.") if mine.parent_email else
                  _("Thank you. The coordinators will look at your application and email you."), "success")
            return redirect(url_for("forums.forum_page", forum_id=forum.id))
    return render_template("forums/apply.html", forum=forum, form=form, invitation=None)


@bp.post("/forums/<int:forum_id>/withdraw")
@login_required
def withdraw(forum_id):
    forum, mine = _my_membership(forum_id)
    return press_button(EmptyForm(), lambda: applying.withdraw_application(mine, actor=current_user),
                        _("Your application has been withdrawn."), url_for("forums.forum_page", forum_id=forum.id))


@bp.post("/forums/<int:forum_id>/contact-sharing")
@login_required
def contact_sharing(forum_id):
    forum, mine = _my_membership(forum_id)
    share = request.form.get("share_email") == "yes"
    return press_button(EmptyForm(),
                        lambda: memberships.set_contact_sharing(mine, share_email=share, actor=current_user),
                        _("Other members can now see your email address.") if share else
                        _("Other members now see only your name and role."),
                        url_for("forums.directory", forum_id=forum.id))


@bp.post("/forums/<int:forum_id>/renew")
@login_required
def renew(forum_id):
    forum, mine = _my_membership(forum_id)
    return press_button(EmptyForm(), lambda: renewal.renew(mine, actor=current_user),
                        _("Thank you. Your membership has been renewed for another year."),
                        url_for("forums.forum_page", forum_id=forum.id))


@bp.post("/forums/<int:forum_id>/announcement-emails")
@login_required
def announcement_emails(forum_id):
    forum, mine = _my_membership(forum_id)
    wanted = request.form.get("wanted") == "yes"
    return press_button(EmptyForm(), lambda: announcements.set_announcement_emails(mine, wanted),
                        _("You will get the forum's announcements by email.") if wanted else
                        _("You will get only essential announcements by email. Others stay on this page."),
                        url_for("forums.forum_page", forum_id=forum.id))


@bp.route("/forums/announcements-off/<token>", methods=["GET", "POST"])
def announcements_off(token):
    """The link at the foot of each announcement email. Opening it changes
    nothing (mail scanners open links); the button does."""
    membership = from_emailed_link(announcements.membership_for_announcements_off, token)
    form = EmptyForm()
    if form.validate_on_submit():
        done, _changed = call_service(form, lambda: announcements.set_announcement_emails(membership, False))
        if done:
            flash(_("You will no longer get %(forum)s's announcements by email, apart from essential ones.",
                    forum=membership.forum.name), "success")
            return redirect(url_for("forums.announcements_off", token=token))
    return render_template("forums/announcements_off.html", membership=membership, form=form)


@bp.route("/forums/invitations/<token>", methods=["GET", "POST"])
@login_required
def accept_invitation(token):
    invitation = from_emailed_link(invitations.invitation_for_token, token)
    forum = invitation.forum
    if already := applying.already_in(forum, current_user):  # the link opened again once used, say
        return _back_to_the_forum(forum, already)
    form = ApplicationForm()
    if request.method == "GET" and invitation.imported and invitations.is_for(invitation, current_user):
        # The details a coordinator imported, for the person to check and change before they accept:
        # to them alone, never to whoever else opens the link.
        form.organisation.data = invitation.organisation
        form.faith.data = invitation.faith.value if invitation.faith else ""
        form.date_of_birth.data = invitation.date_of_birth
        form.parent_name.data, form.parent_email.data = invitation.parent_name, invitation.parent_email
    if form.validate_on_submit():
        done, mine = call_service(form, lambda: applying.apply(forum, current_user, form.application(),
                                                               invitation=invitation))
        if done:
            flash(_joined_message(mine), "success")
            return redirect(url_for("forums.forum_page", forum_id=forum.id))
    return render_template("forums/apply.html", forum=forum, form=form, invitation=invitation)


def _back_to_the_forum(forum: Forum, message: str):
    """To the forum's page, which shows the person's membership, saying why."""
    flash(message, "info")
    return redirect(url_for("forums.forum_page", forum_id=forum.id))


def _joined_message(mine: Membership) -> str:
    if mine.status == MembershipStatus.ACTIVE:
        return _("Welcome to %(forum)s.", forum=mine.forum.name)
    if mine.parent_email and mine.parent_consented_at is None:
        return _("Thank you. We have asked your parent or carer to agree.")
    return _("Thank you. The coordinators will look at your application and email you.")


def _my_membership(forum_id: int) -> tuple[Forum, Membership]:
    """The forum and the signed-in person's own membership of it (404 when they have none)."""
    forum = forum_or_404(forum_id)
    mine = memberships.membership_of(current_user, forum)
    if mine is None:
        abort(404)
    return forum, mine


@bp.get("/forums/<int:forum_id>/members")
@shows_contact_details("email")
@login_required
def directory(forum_id):
    forum = forum_or_404(forum_id)
    if not permissions.can_see_directory(current_user, forum):
        abort(403)
    members = memberships.members(forum)
    return render_template("forums/directory.html", forum=forum, members=members,
                           screen=screen(current_user, [m.user for m in members]),
                           manages=permissions.can_manage_forum(current_user, forum),
                           mine=memberships.membership_of(current_user, forum), form=EmptyForm(),
                           is_young=is_young,
                           sees_young=permissions.can_see_young_members_details(current_user, forum))


# --- a parent or carer's consent -------------------------------------------------------------

@bp.route("/forums/consent/<token>", methods=["GET", "POST"])
def parent_consent(token):
    membership = _from_consent_link(token)
    form = ConsentForm()
    if form.validate_on_submit():
        done, _given = call_service(form, lambda: consent.give_consent_by_link(
            token, membership, photo_consent=form.photo_consent.data, signed_in_as=current_user))
        if done:
            flash(_("Thank you. You have agreed to %(name)s joining %(forum)s.", name=membership.user.name,
                    forum=membership.forum.name), "success")
            return redirect(url_for("forums.parent_consent", token=token))
    return render_template("forums/consent.html", membership=membership, form=form, withdraw_form=EmptyForm(),
                           token=token, can_give=consent.link_gives_consent(token))


@bp.post("/forums/consent/<token>/withdraw")
def withdraw_consent(token):
    membership = _from_consent_link(token)
    def said(status: MembershipStatus) -> str:
        if status == MembershipStatus.SUSPENDED:
            return _("You have withdrawn your consent. %(name)s's membership is suspended.", name=membership.user.name)
        if status in (MembershipStatus.APPLIED, MembershipStatus.AWAITING_CONSENT):
            return _("You have withdrawn your consent. %(name)s will not become a member unless you agree again.",
                     name=membership.user.name)
        return _("You have withdrawn your consent.")
    return press_button(EmptyForm(), lambda: consent.withdraw_consent(membership), said,
                        url_for("forums.parent_consent", token=token))
