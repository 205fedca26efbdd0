"""Adding, changing and deleting partner organisations and their contacts.

The spreadsheet import calls these too, so they take plain values: a name
that matches an existing partner (ignoring capitals and spaces) is refused
by `create_partner` and found by `find_partner_by_name`.
Functions flush but never commit.
"""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import audit
from core.database import lock_row, utcnow
from core.errors import DomainError
from core.extensions import db
from core.models import EMAIL_MAX_LENGTH
from core.accounts.models import NAME_MAX_LENGTH, User
from core.partners import registry
from core.partners.models import (
    PARTNER_NAME_MAX_LENGTH, PartnerContact, PartnerKind, PartnerOrganisation, name_key,
)


class PartnerNameTaken(DomainError):
    field = "name"


class PartnerStillLinked(DomainError):
    pass


class ContactDetailsMissing(DomainError):
    field = "email"


@dataclass
class PartnerDetails:
    name: str
    kind: PartnerKind
    area: str = ""
    website: str = ""
    notes: str = ""


@dataclass
class ContactDetails:
    name: str
    role: str = ""
    email: str = ""
    phone: str = ""
    may_contact: bool = False


def find_partner_by_name(name: str) -> PartnerOrganisation | None:
    """The partner with this name, whatever its capitals and spaces."""
    return db.session.scalar(select(PartnerOrganisation).where(PartnerOrganisation.name_key == name_key(name)))


def create_partner(details: PartnerDetails, *, actor: User | None) -> PartnerOrganisation:
    partner = PartnerOrganisation()
    _fill(partner, details)
    _save_name(partner)
    audit.record("partner.created", actor=actor, subject=partner, details={"name": partner.name})
    return partner


def update_partner(partner: PartnerOrganisation, details: PartnerDetails, *, actor: User) -> PartnerOrganisation:
    _fill(partner, details)
    _save_name(partner)
    audit.record("partner.updated", actor=actor, subject=partner, details={"name": partner.name})
    return partner


def _fill(partner: PartnerOrganisation, details: PartnerDetails) -> None:
    partner.name = " ".join(details.name.split())
    partner.name_key = name_key(details.name)
    if not partner.name_key:
        raise DomainError("Enter the organisation's name", field="name")
    partner.kind = details.kind
    partner.area, partner.website = details.area.strip(), details.website.strip()
    if partner.website and not partner.website.lower().startswith(("https://", "http://")):
        raise DomainError("Enter the website in full, starting with https://", field="website")
    partner.notes = details.notes.strip()
    _check_lengths(partner, {"name": PARTNER_NAME_MAX_LENGTH, "area": 150, "website": 300})


def _check_lengths(record, limits: dict[str, int]) -> None:
    """The forms check these; an import calls the services with whatever a spreadsheet held."""
    for field, limit in limits.items():
        if len(getattr(record, field)) > limit:
            raise DomainError(f"{field.capitalize()} must be {limit} characters or fewer", field=field)


def _save_name(partner: PartnerOrganisation) -> None:
    """One partner per name: found first for a clear message, and the unique
    constraint (in a savepoint) as the last line when two people add it at once."""
    with db.session.no_autoflush:  # the change waits until the name is known to be free
        same = find_partner_by_name(partner.name)
    if same is not None and same is not partner:
        raise PartnerNameTaken(f"{same.name} is already a partner. Choose it from the list instead.")
    try:
        with db.session.begin_nested():
            db.session.add(partner)
            db.session.flush()
    except IntegrityError:
        raise PartnerNameTaken(f"{partner.name} is already a partner. Choose it from the list instead.") from None


def links_of(partner: PartnerOrganisation) -> list[str]:
    """What links to the partner, as phrases ("2 events it co-hosts")."""
    return [phrase for count in registry.links if (phrase := count(partner))]


def delete_partner(partner: PartnerOrganisation, *, actor: User) -> None:
    """Only a partner nothing links to: events it co-hosted, members and
    nominations keep their history, so those links are removed first."""
    lock_row(db.session, PartnerOrganisation, partner.id)  # nobody links it while it goes
    linked = links_of(partner)
    if linked:
        raise PartnerStillLinked(f"{partner.name} cannot be deleted because it is linked to "
                                 f"{', '.join(linked)}. Remove those links first.")
    audit.record("partner.deleted", actor=actor, subject=partner, details={"name": partner.name})
    db.session.delete(partner)
    db.session.flush()


def add_contact(partner: PartnerOrganisation, details: ContactDetails, *, actor: User | None) -> PartnerContact:
    contact = PartnerContact(may_contact=False)
    _fill_contact(contact, details)  # before it joins the partner's contacts: a refused one never does
    contact.partner = partner
    db.session.add(contact)
    db.session.flush()
    audit.record("partner.contact_added", actor=actor, subject=partner, details={"contact": contact.name})
    return contact


def update_contact(contact: PartnerContact, details: ContactDetails, *, actor: User) -> PartnerContact:
    _fill_contact(contact, details)
    db.session.flush()
    audit.record("partner.contact_updated", actor=actor, subject=contact.partner, details={"contact": contact.name})
    return contact


def remove_contact(contact: PartnerContact, *, actor: User) -> None:
    audit.record("partner.contact_removed", actor=actor, subject=contact.partner, details={"contact": contact.name})
    db.session.delete(contact)
    db.session.flush()


def _fill_contact(contact: PartnerContact, details: ContactDetails) -> None:
    contact.name, contact.role = details.name.strip(), details.role.strip()
    contact.email, contact.phone = details.email.strip().lower(), details.phone.strip()
    _check_lengths(contact, {"name": NAME_MAX_LENGTH, "role": 150, "email": EMAIL_MAX_LENGTH, "phone": 30})
    if not contact.name:
        raise DomainError("Enter the contact's name", field="name")
    if not contact.email and not contact.phone:
        raise ContactDetailsMissing("Enter an email address or a phone number, so the contact can be reached")
    if not details.may_contact:
        contact.consent_recorded_at = None
    elif not contact.may_contact:  # a new yes is dated; an unchanged one keeps its date
        contact.consent_recorded_at = utcnow()
    contact.may_contact = details.may_contact
