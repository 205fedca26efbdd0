"""What forums hold about a person, for core's privacy procedures
(core/privacy): their memberships, apologies and actions in "Your data", and
how long ended memberships are kept. Deleting an account deletes its
memberships, apologies and actions with it (the database's cascades).

A new table in forums/models.py that holds anything about a person gets its
functions here: its part of "Your data", of erasing an account and of
retention. The blueprint module imports this one, so it is registered once the
app is built; the positions fix where each part comes (core/privacy/registry.py).
"""
from datetime import datetime

from sqlalchemy import delete, select

from core.extensions import db
from core.i18n import _, _l
from core.accounts.models import User
from core.privacy import registry
from core.privacy.retention import Period, cutoff
from core.privacy.your_data import Section, theirs
from events.models import Event
from forums.models import ActionItem, Apology, ForumInvitation, Membership, MembershipStatus

ENDED_MEMBERSHIPS = (MembershipStatus.DECLINED, MembershipStatus.REMOVED, MembershipStatus.WITHDRAWN)

registry.audited_records.add(20, (Membership, lambda user: Membership.user_id == user.id),
                             name="forums.Membership")
registry.retention_periods.add(30, Period(
    "forum_memberships", 72, _l("Forum memberships that were declined, withdrawn or ended by the forum: "
                                "{period} after, because forums keep records of who decided what.")),
    name="forum_memberships")
registry.retention_periods.add(31, Period(
    "imported_invitations", 12, _l("Details a forum's coordinators imported for someone who has not joined yet: "
                                   "{period} after they were imported.")),
    name="imported_invitations")
# The audit actions forums record, as "Your data" names them.
registry.audit_action_names.add(20, {
    "forum.action_added": _l("Forum action added"),
    "forum.action_updated": _l("Forum action updated"),
    "forum.announcement_sent": _l("Forum announcement sent"),
    "forum.apologies_sent": _l("Apologies sent for a forum meeting"),
    "forum.coordinator_granted": _l("Made a forum coordinator"),
    "forum.coordinator_revoked": _l("No longer a forum coordinator"),
    "forum.invitation_sent": _l("Invitation to join a forum sent"),
    "forum.invitation_withdrawn": _l("Invitation to join a forum withdrawn"),
    "forum.invitations_cancelled": _l("Invitations to join a forum cancelled"),
    "forum.meeting_recorded": _l("Past forum meeting recorded"),
    "forum.meeting_scheduled": _l("Forum meeting arranged"),
    "forum.papers_saved": _l("Forum meeting papers saved"),
    "forum.saved": _l("Forum details saved"),
    "membership.announcement_emails": _l("Choice of forum announcement emails changed"),
    "membership.applied": _l("Applied to join a forum"),
    "membership.approved": _l("Forum membership approved"),
    "membership.consent_request_resent": _l("Request for a parent or carer's consent sent again"),
    "membership.declined": _l("Forum membership declined"),
    "membership.parent_consent_withdrawn": _l("Parent or carer's consent withdrawn"),
    "membership.partner_linked": _l("Partner organisation a forum member represents chosen"),
    "membership.parent_consented": _l("Parent or carer's consent given"),
    "membership.photo_consent_changed": _l("Permission for photographs changed"),
    "membership.places_given_up": _l("Places at forum members' events given up"),
    "membership.reinstated": _l("Forum membership reinstated"),
    "membership.removed": _l("Removed from a forum"),
    "membership.renewed": _l("Forum membership renewed"),
    "membership.role_changed": _l("Forum role changed"),
    "membership.suspended": _l("Forum membership suspended"),
    "membership.withdrawn": _l("Forum application withdrawn"),
    "safeguarding.check_recorded": _l("Safeguarding check recorded"),
}, name="forums")


@registry.sections(30)
def _memberships(user: User) -> Section:
    memberships = db.session.scalars(
        select(Membership).where(theirs(Membership, user)).order_by(Membership.applied_at)).all()
    return Section("forum_memberships", _("Forum memberships"), [{
        _("Forum"): membership.forum.name, _("Role"): membership.role, _("Status"): membership.status,
        _("Applied"): membership.applied_at,
        _("Why you wanted to join"): membership.reason, _("Decided"): membership.decided_at,
        _("Reason given for a decline"): membership.decline_reason, _("Faith"): membership.faith,
        _("Organisation"): membership.organisation, _("Date of birth"): membership.date_of_birth,
        _("Parent or carer"): membership.parent_name, _("Parent or carer's email"): membership.parent_email,
        _("Parent or carer's consent given"): membership.parent_consented_at,
        _("Parent or carer's consent withdrawn"): membership.parent_consent_withdrawn_at,
        _("Photographs allowed"): membership.photo_consent, _("Email shared with other members"): membership.share_email,
        _("Forum announcements by email"): membership.announcement_emails,
        _("Term starts"): membership.term_starts_on, _("Term ends"): membership.term_ends_on,
    } for membership in memberships])


@registry.sections(40)
def _forum_activity(user: User) -> Section:
    apologies = db.session.scalars(select(Apology).join(Event, Event.id == Apology.event_id)
                                   .where(Apology.user_id == user.id).order_by(Event.starts_at)).all()
    actions = db.session.scalars(select(ActionItem).where(ActionItem.owner_id == user.id)
                                 .order_by(ActionItem.created_at)).all()
    meetings = {event.id: event for event in db.session.scalars(
        select(Event).where(Event.id.in_([apology.event_id for apology in apologies])))}
    return Section("forum_activity", _("Forum meetings and actions"), [
        *({_("Apologies sent for"): meetings[apology.event_id].title, _("Meeting"): meetings[apology.event_id].starts_at,
           _("Note"): apology.note, _("Sent"): apology.sent_at} for apology in apologies),
        *({_("Action for you"): action.description, _("Due"): action.due_on,
           _("Action status"): action.status, _("Done"): action.completed_at}
          for action in actions)])


@registry.retention_steps(31)
def _delete_unclaimed_imports(now: datetime) -> dict[str, int]:
    return {"imported forum invitations deleted": db.session.execute(delete(ForumInvitation).where(
        ForumInvitation.imported.is_(True), ForumInvitation.accepted_at.is_(None),
        ForumInvitation.invited_at < cutoff("imported_invitations", now))).rowcount}


@registry.retention_steps(30)
def _delete_ended_memberships(now: datetime) -> dict[str, int]:
    return {"forum memberships deleted": db.session.execute(delete(Membership).where(
        Membership.status.in_(ENDED_MEMBERSHIPS),
        Membership.updated_at < cutoff("forum_memberships", now))).rowcount}
