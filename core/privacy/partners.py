"""What partner organisations hold about a person: their entry as a contact
at a partner, found by the address their account uses now and has proven
(never by an address alone, nor by one it has moved off: staff may have added
its new owner as a contact since). "Your data" shows it, deleting the account deletes it, and a
contact whose details nobody has checked for the retention period is deleted.
core/views/partners.py imports this module, so it is registered once the app is built.
"""
from datetime import datetime

from sqlalchemy import delete, false, func, select

from core.extensions import db
from core.i18n import _, _l
from core.accounts.models import User
from core.partners.models import PartnerContact
from core.privacy import registry
from core.privacy.retention import Period, cutoff
from core.privacy.your_data import Section

registry.retention_periods.add(45, Period(
    "partner_contacts", 36, _l("Your details as the contact at a partner organisation: {period} after they were "
                               "last checked with you.")), name="partner_contacts")
registry.audit_action_names.add(45, {
    "partner.created": _l("Partner organisation added"),
    "partner.updated": _l("Partner organisation changed"),
    "partner.deleted": _l("Partner organisation deleted"),
    "partner.contact_added": _l("Contact at a partner organisation added"),
    "partner.contact_updated": _l("Contact at a partner organisation changed"),
    "partner.contact_removed": _l("Contact at a partner organisation removed"),
    "partners.imported": _l("Partner organisations and contacts imported from a spreadsheet"),
}, name="partners")


def _theirs(user: User):
    return func.lower(PartnerContact.email) == user.email.lower() if user.email_confirmed else false()


@registry.sections(65)
def _partner_contacts(user: User) -> Section:
    contacts = db.session.scalars(select(PartnerContact).where(_theirs(user)).order_by(PartnerContact.id)).all()
    return Section("partner_contacts", _("Where you are a partner organisation's contact"), [{
        _("Organisation"): contact.partner.name, _("Name"): contact.name, _("Role or title"): contact.role,
        _("Email address"): contact.email, _("Phone number"): contact.phone,
        _("We may contact you about the partnership's work"): contact.may_contact,
        _("You agreed on"): contact.consent_recorded_at, _("Last changed"): contact.updated_at,
    } for contact in contacts])


@registry.erasure_steps(35)
def _erase_partner_contacts(user: User) -> None:
    db.session.execute(delete(PartnerContact).where(_theirs(user)))


@registry.retention_steps(45)
def _delete_unchecked_contacts(now: datetime) -> dict[str, int]:
    return {"partner contacts deleted": db.session.execute(delete(PartnerContact).where(
        PartnerContact.updated_at < cutoff("partner_contacts", now))).rowcount}
