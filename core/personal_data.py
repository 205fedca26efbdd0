"""Everything the service holds about one person, for the right of access
(UK GDPR Article 15): their account, registrations and attendance, forum
memberships, nominations, judging, equality answers and consents, the emails
sent to them and the audit entries about them.

`about(user)` gathers it as sections of records; the "Your data" page shows
them and the JSON download is the same sections, so the two cannot differ.
Records are the person's when they are linked to the account; records made
as a guest with an address are linked only when the account proves it owns
that address (core.services.email_confirmed), never by matching addresses
here, so an account cannot reach what someone else left under an address. Records name other people only where the
person gave those details themselves (a nominee, a parent or carer).
"""
from dataclasses import dataclass, field
from datetime import date, datetime
import enum

from sqlalchemy import String, cast, func, or_, select

from core import equality
from core.extensions import db
from core.formatting import london_time
from core.models import AuditEntry, OutboxMessage, ProvenAddress, User
from awards.models import ConflictDeclaration, Criterion, Nomination, PanelMember, ScoreSheet
from events.models import CalendarLink, Event, Registration, SessionSignup
from forums.models import ActionItem, Apology, Membership


@dataclass
class Section:
    key: str  # the section's name in the JSON download
    title: str
    records: list[dict[str, object]] = field(default_factory=list)  # each: label -> value


def about(user: User) -> list[Section]:
    return [_account(user), _registrations(user), _memberships(user), _forum_activity(user), _nominations(user),
            _judging(user), _equality_answers(user), _emails(user), _audit_entries(user)]


def as_json(sections: list[Section], *, made_at: datetime) -> dict:
    return {"made_at": made_at.isoformat(),
            **{section.key: [{label: _plain(value) for label, value in record.items()} for record in section.records]
               for section in sections}}


def readable(value) -> str:
    """A value as the "Your data" page shows it."""
    if value is None or value == "" or value == []:
        return "None"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return london_time(value)
    if isinstance(value, date):
        return value.strftime("%-d %B %Y")
    if isinstance(value, enum.Enum):
        return getattr(value, "label", None) or value.value.replace("_", " ").capitalize()
    if isinstance(value, list):
        return "; ".join(readable(item) for item in value)
    return str(value)


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _same_email(column, user: User):
    return func.lower(column) == user.email.lower()


def theirs(model, user: User):
    """The person's own records of a kind that also reaches audit entries:
    those linked to their account, and nothing matched by address alone."""
    if model is Nomination:
        return Nomination.nominator_id == user.id
    return model.user_id == user.id


def _account(user: User) -> Section:
    return Section("account", "Your account", [{
        "Full name": user.name, "Email address": user.email, "Email address confirmed": user.email_confirmed_at,
        "Email addresses you have confirmed": db.session.scalars(
            select(ProvenAddress.email).where(ProvenAddress.user_id == user.id).order_by(ProvenAddress.proven_at)).all(),
        "Account created": user.created_at, "Last signed in": user.last_signed_in_at,
        "Site roles": sorted(role.label for role in user.site_roles)}])


def _registrations(user: User) -> Section:
    registrations = db.session.scalars(
        select(Registration).join(Registration.event).where(theirs(Registration, user))
        .order_by(Event.starts_at)).all()
    signups = db.session.scalars(select(SessionSignup).where(
        SessionSignup.registration_id.in_([registration.id for registration in registrations]))).all()
    sessions = {}
    for signup in signups:
        sessions.setdefault(signup.registration_id, []).append(
            signup.session.title + (" (waiting list)" if signup.waiting else ""))
    records = [{
        "Event": registration.event.title, "Event starts": registration.event.starts_at,
        "Name given": registration.name, "Email given": registration.email,
        "Status": registration.status, "Places": registration.tickets,
        "Access needs": registration.access_needs, "Dietary needs": registration.dietary_needs,
        "Happy to be contacted about future events": registration.contact_consent,
        "Registered": registration.created_at, "Cancelled": registration.cancelled_at,
        "Answers": [f"{answer.question.label}: {answer.value}" for answer in registration.answers],
        "Sessions chosen": sessions.get(registration.id, []),
        "Checked in": registration.attendance.checked_in_at if registration.attendance else None,
    } for registration in registrations]
    link = db.session.scalar(select(CalendarLink).where(CalendarLink.user_id == user.id))
    if link is not None:
        records.append({"Private calendar address made": link.created_at})
    return Section("registrations", "Events you registered for", records)


def _memberships(user: User) -> Section:
    memberships = db.session.scalars(
        select(Membership).where(theirs(Membership, user)).order_by(Membership.applied_at)).all()
    return Section("forum_memberships", "Forum memberships", [{
        "Forum": membership.forum.name, "Role": membership.role, "Status": membership.status,
        "Applied": membership.applied_at,
        "Why you wanted to join": membership.reason, "Decided": membership.decided_at,
        "Reason given for a decline": membership.decline_reason, "Faith": membership.faith,
        "Organisation": membership.organisation, "Date of birth": membership.date_of_birth,
        "Parent or carer": membership.parent_name, "Parent or carer's email": membership.parent_email,
        "Parent or carer's consent given": membership.parent_consented_at,
        "Parent or carer's consent withdrawn": membership.parent_consent_withdrawn_at,
        "Photographs allowed": membership.photo_consent, "Email shared with other members": membership.share_email,
        "Forum announcements by email": membership.announcement_emails,
        "Term starts": membership.term_starts_on, "Term ends": membership.term_ends_on,
    } for membership in memberships])


def _forum_activity(user: User) -> Section:
    apologies = db.session.scalars(select(Apology).join(Event, Event.id == Apology.event_id)
                                   .where(Apology.user_id == user.id).order_by(Event.starts_at)).all()
    actions = db.session.scalars(select(ActionItem).where(ActionItem.owner_id == user.id)
                                 .order_by(ActionItem.created_at)).all()
    meetings = {event.id: event for event in db.session.scalars(
        select(Event).where(Event.id.in_([apology.event_id for apology in apologies])))}
    return Section("forum_activity", "Forum meetings and actions", [
        *({"Apologies sent for": meetings[apology.event_id].title, "Meeting": meetings[apology.event_id].starts_at,
           "Note": apology.note, "Sent": apology.sent_at} for apology in apologies),
        *({"Action for you": action.description, "Due": action.due_on,
           "Action status": action.status, "Done": action.completed_at}
          for action in actions)])


def _nominations(user: User) -> Section:
    nominations = db.session.scalars(
        select(Nomination).where(theirs(Nomination, user)).order_by(Nomination.created_at)).all()
    return Section("nominations", "Nominations you made", [{
        "Award": nomination.category.name, "Nominee": nomination.nominee_name,
        "Status": nomination.status,
        "Your name as given": nomination.nominator_name, "Your email as given": nomination.nominator_email,
        "Your phone as given": nomination.nominator_phone,
        "Your relationship to the nominee": nomination.relationship_to_nominee,
        "What you wrote": [answer.text for answer in nomination.answers],
        "Started": nomination.created_at, "Submitted": nomination.submitted_at,
    } for nomination in nominations])


def _judging(user: User) -> Section:
    panels = db.session.scalars(select(PanelMember).where(PanelMember.user_id == user.id)).all()
    conflicts = db.session.scalars(select(ConflictDeclaration).where(ConflictDeclaration.judge_id == user.id)).all()
    sheets = db.session.scalars(select(ScoreSheet).where(ScoreSheet.judge_id == user.id)).all()
    criteria = dict(db.session.execute(select(Criterion.id, Criterion.name).where(Criterion.id.in_(
        [score.criterion_id for sheet in sheets for score in sheet.scores]))).all())
    return Section("judging", "Judging", [
        *({"Judging panel": panel.category.name, "Appointed as": panel.email} for panel in panels),
        *({"Conflict of interest declared on nomination": conflict.nomination_id,
           "Kind": conflict.kind} for conflict in conflicts),
        *({"Scores given to nomination": sheet.nomination_id, "Comment": sheet.comment,
           "Scores": [f"{criteria[score.criterion_id]}: {score.value}" for score in sheet.scores],
           "Submitted": sheet.submitted_at} for sheet in sheets)])


def _equality_answers(user: User) -> Section:
    response = equality.answers_of(equality.person_key(user))
    if response is None:
        return Section("equality_answers", "Equality monitoring answers")
    record: dict[str, object] = {"Consent given": response.consented_at,
                                 "Consent notice version": response.consent_version}
    for characteristic in equality.CHARACTERISTICS:
        answer = getattr(response, characteristic.key)
        record[characteristic.label] = characteristic.label_of(answer) if answer else None
    background = dict(equality.ETHNIC_BACKGROUNDS.get(response.ethnic_group, ()))
    record["Ethnic background"] = background.get(response.ethnic_background, response.ethnic_background)
    record["Postcode district"] = response.postcode_district
    record["Last changed"] = response.updated_at
    return Section("equality_answers", "Equality monitoring answers", [record])


def _emails(user: User) -> Section:
    messages = db.session.scalars(select(OutboxMessage).where(_same_email(OutboxMessage.recipient, user))
                                  .order_by(OutboxMessage.created_at)).all()
    return Section("emails", "Emails we sent you", [{
        "Subject": message.subject, "Written": message.created_at, "Sent": message.sent_at,
        "Status": message.status} for message in messages])


def _audit_entries(user: User) -> Section:
    """What they did, and what anyone did to their account or their own
    registrations, memberships and nominations (without saying who)."""
    about_them = [(AuditEntry.object_type == User.__name__) & (AuditEntry.object_id == str(user.id))]
    for model in (Registration, Membership, Nomination):
        about_them.append((AuditEntry.object_type == model.__name__) & AuditEntry.object_id.in_(
            select(cast(model.id, String)).where(theirs(model, user))))
    entries = db.session.scalars(select(AuditEntry).where(or_(AuditEntry.actor_id == user.id, *about_them))
                                 .order_by(AuditEntry.occurred_at, AuditEntry.id)).all()
    return Section("audit_entries", "The record of changes made by you or to your records", [{
        "When": entry.occurred_at, "What": entry.action.replace(".", " ").replace("_", " ").capitalize(),
        "By you": entry.actor_id == user.id, "From the internet address": entry.ip_address if entry.actor_id == user.id
        else None} for entry in entries])
