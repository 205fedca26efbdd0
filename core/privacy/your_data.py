"""Everything the service holds about one person, for the right of access
(UK GDPR Article 15): their account, registrations and attendance, forum
memberships, nominations, judging, equality answers and consents, the emails
sent to them and the audit entries about them.

`about(user)` gathers it as sections of records; the "Your data" page shows
them and the JSON download is the same sections, so the two cannot differ.
Records are the person's when they are linked to the account; records made
as a guest with an address are linked only when the account proves it owns
that address (core.accounts.services.email_confirmed), never by matching addresses
here, so an account cannot reach what someone else left under an address. Records name other people only where the
person gave those details themselves (a nominee, a parent or carer).

Core gives the account, equality, email and audit sections; each domain adds
the sections for its own tables in its privacy.py (registry.sections), and
names the records whose audit entries belong here (registry.audited_records)
and the audit actions it records (registry.audit_action_names).
A new table that holds anything about a person adds its section there.
"""
from dataclasses import dataclass, field
from datetime import date, datetime
import enum

from flask_babel.speaklater import LazyString
from sqlalchemy import String, cast, func, or_, select

from core.equality import services as equality
from core.extensions import db
from core.i18n import _, _l
from core.formatting import format_date, format_date_time
from core import audit, unsubscribes
from core.models import AuditEntry, OutboxMessage, OutboxStatus, Unsubscribe
from core.accounts.models import ProvenAddress, User
from core.privacy import registry


@dataclass
class Section:
    key: str  # the section's name in the JSON download
    title: str
    records: list[dict[str, object]] = field(default_factory=list)  # each: label -> value


def about(user: User) -> list[Section]:
    return [section(user) for section in registry.sections]


def as_json(sections: list[Section], *, made_at: datetime) -> dict:
    """The sections as JSON, labelled in the person's language as the page is."""
    return {"made_at": made_at.isoformat(),
            **{section.key: [{str(label): _plain(value) for label, value in record.items()}
                             for record in section.records]
               for section in sections}}


def readable(value) -> str:
    """A value as the "Your data" page shows it."""
    if value is None or value == "" or value == []:
        return _("None")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return format_date_time(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, enum.Enum):
        return str(getattr(value, "label", None) or _STATUSES.get(value) or value.value.replace("_", " ").capitalize())
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
    if isinstance(value, LazyString):
        return str(value)
    return value


# An email's status, as the page has always named it.
_STATUSES = {OutboxStatus.PENDING: _l("Pending"), OutboxStatus.SENDING: _l("Sending"), OutboxStatus.SENT: _l("Sent"),
             OutboxStatus.FAILED: _l("Failed")}


def _same_email(column, user: User):
    return func.lower(column) == user.email.lower()


def theirs(model, user: User):
    """The person's own records of a kind that also reaches audit entries:
    those linked to their account, and nothing matched by address alone."""
    for registered, owned_by in registry.audited_records:
        if registered is model:
            return owned_by(user)
    return model.user_id == user.id


@registry.sections(10)
def _account(user: User) -> Section:
    return Section("account", _("Your account"), [{
        _("Full name"): user.name, _("Email address"): user.email, _("Email address confirmed"): user.email_confirmed_at,
        _("Email addresses you have confirmed"): db.session.scalars(
            select(ProvenAddress.email).where(ProvenAddress.user_id == user.id).order_by(ProvenAddress.proven_at)).all(),
        _("Account created"): user.created_at, _("Last signed in"): user.last_signed_in_at,
        _("Site roles"): sorted(str(role.label) for role in user.site_roles)}])


@registry.sections(70)
def _equality_answers(user: User) -> Section:
    response = equality.answers_of(equality.person_key(user))
    if response is None:
        return Section("equality_answers", _("Equality monitoring answers"))
    record: dict[str, object] = {_("Consent given"): response.consented_at,
                                 _("Consent notice version"): response.consent_version}
    for characteristic in equality.CHARACTERISTICS:
        answer = getattr(response, characteristic.key)
        record[str(characteristic.label)] = str(characteristic.label_of(answer)) if answer else None
    background = dict(equality.ETHNIC_BACKGROUNDS.get(response.ethnic_group, ()))
    if response.ethnic_background == equality.PREFER_NOT_TO_SAY:
        background[equality.PREFER_NOT_TO_SAY] = equality.PREFER_NOT_TO_SAY_LABEL
    chosen = background.get(response.ethnic_background, response.ethnic_background)
    record[_("Ethnic background")] = None if chosen is None else str(chosen)
    record[_("Postcode district")] = response.postcode_district
    record[_("Last changed")] = response.updated_at
    return Section("equality_answers", _("Equality monitoring answers"), [record])


@registry.sections(80)
def _emails(user: User) -> Section:
    messages = db.session.scalars(select(OutboxMessage).where(_same_email(OutboxMessage.recipient, user))
                                  .order_by(OutboxMessage.created_at)).all()
    return Section("emails", _("Emails we sent you"), [{
        _("Subject"): message.subject, _("Written"): message.created_at, _("Sent"): message.sent_at,
        _("Status"): message.status} for message in messages])


@registry.sections(85)
def _emails_stopped(user: User) -> Section:
    """What the person's address has unsubscribed from. Kept by a hash of
    the address (core.unsubscribes), so erasing the account leaves it: mail
    must not start again because the account has gone."""
    stopped = db.session.scalars(select(Unsubscribe).where(Unsubscribe.email_hash == unsubscribes.email_hash(
        user.email)).order_by(Unsubscribe.created_at, Unsubscribe.id)).all()
    return Section("emails_stopped", _("Emails you have stopped"), [{
        _("What"): unsubscribes.describe(row.scope) or row.scope, _("Stopped"): row.created_at} for row in stopped])


@registry.sections(90)
def _audit_entries(user: User) -> Section:
    """What they did, and what anyone did to their account or their own
    registrations, memberships and nominations (without saying who)."""
    about_them = [audit.about_account(user)]
    for model, _owned_by in registry.audited_records:
        about_them.append((AuditEntry.object_type == model.__name__) & AuditEntry.object_id.in_(
            select(cast(model.id, String)).where(theirs(model, user))))
    entries = db.session.scalars(select(AuditEntry).where(or_(AuditEntry.actor_id == user.id, *about_them))
                                 .order_by(AuditEntry.occurred_at, AuditEntry.id)).all()
    names = action_names()
    return Section("audit_entries", _("The record of changes made by you or to your records"), [{
        _("When"): entry.occurred_at, _("What"): _what_happened(entry.action, names),
        _("By you"): entry.actor_id == user.id,
        _("From the internet address"): entry.ip_address if entry.actor_id == user.id else None} for entry in entries])


# Core's audit actions, as the person reads them. Each domain names its own in its privacy.py
# (registry.audit_action_names); tests/core/test_personal_data.py checks every action the code
# records has a name.
_ACTIONS = {
    "account.created": _l("Account created"),
    "account.deleted": _l("Account deleted"),
    "account.sign_up_refused": _l("Account sign up refused"),
    "email.confirmation_refused": _l("Email confirmation refused"),
    "email.confirmation_resent": _l("Email confirmation resent"),
    "email.confirmed": _l("Email confirmed"),
    "email.sent_again": _l("Email sent again"),
    "email.unsubscribed": _l("Emails stopped from an unsubscribe link"),
    "email.resubscribed": _l("Emails turned back on"),
    "equality.withdraw": _l("Equality withdraw"),
    "import.finished": _l("Spreadsheet imported"),
    "import.uploaded": _l("Spreadsheet uploaded to import"),
    "oidc.linked": _l("Oidc linked"),
    "password.changed": _l("Password changed"),
    "password.reset": _l("Password reset"),
    "password.reset_requested": _l("Password reset requested"),
    "profile.email_change_requested": _l("Profile email change requested"),
    "profile.email_change_undone": _l("Profile email change undone"),
    "profile.email_changed": _l("Profile email changed"),
    "person.merged": _l("Records of the same person merged"),
    "profile.updated": _l("Profile updated"),
    "retention.applied": _l("Old records deleted or made anonymous"),
    "role.granted": _l("Role granted"),
    "role.removed": _l("Role removed"),
    "second_factor.recovery_codes_replaced": _l("Second factor recovery codes replaced"),
    "second_factor.reset": _l("Second factor reset"),
    "second_factor.sessions_ended": _l("Second factor sessions ended"),
    "second_factor.set_up": _l("Second factor set up"),
    "second_factor.turned_off": _l("Second factor turned off"),
    "sign_in.code_or_password_refused": _l("Sign in code or password refused"),
    "sign_in.code_refused": _l("Sign in code refused"),
    "sign_in.failed": _l("Sign in failed"),
    "sign_in.password_refused": _l("Sign in password refused"),
    "sign_in.recovery_code_refused": _l("Sign in recovery code refused"),
    "sign_in.recovery_code_used": _l("Sign in recovery code used"),
    "sign_in.succeeded": _l("Sign in succeeded"),
    "spam.refused": _l("Form refused as spam"),
    "translation.removed": _l("Translation removed"),
    "translation.saved": _l("Translation saved"),
}


def action_names() -> dict[str, LazyString]:
    """Every audit action's name: core's and each domain's."""
    names = dict(_ACTIONS)
    for contributed in registry.audit_action_names:
        names.update(contributed)
    return names


def _what_happened(action: str, names: dict[str, LazyString]) -> str:
    known = names.get(action)  # else an action no longer recorded, named from its code
    return str(known) if known else action.replace(".", " ").replace("_", " ").capitalize()
