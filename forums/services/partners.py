"""The partner organisation a forum member represents: linked by a
coordinator, or when they apply naming a partner exactly (capitals and
spaces aside); and the forums' part of partners' registry: how many members
link a partner, and that forum coordinators may choose and add partners.

Functions flush but never commit.
"""
from sqlalchemy import func, select

from core import audit
from core.database import lock_row
from core.extensions import db
from core.formatting import counted
from core.accounts.models import User
from core.partners import registry
from core.partners.models import PartnerOrganisation
from core.partners.services import find_partner_by_name
from forums.models import Membership
from forums.services.coordinators import coordinates_a_forum


def link_partner(membership: Membership, partner: PartnerOrganisation | None, *, actor: User) -> None:
    """`partner` None: the member represents no partner (what they typed stays)."""
    if partner is not None:
        lock_row(db.session, PartnerOrganisation, partner.id)  # not deleted while it is linked
    membership.partner = partner
    db.session.flush()
    audit.record("membership.partner_linked", actor=actor, subject=membership,
                 details={"partner": partner.name if partner else None})


def partner_named(organisation: str) -> PartnerOrganisation | None:
    """The partner an applicant's words name exactly, if any."""
    return find_partner_by_name(organisation) if organisation.strip() else None


@registry.links(20)
def _members_linked(partner: PartnerOrganisation) -> str | None:
    count = db.session.scalar(select(func.count(Membership.id)).where(Membership.partner_id == partner.id))
    return counted(count, "forum member who represents it", "forum members who represent it") if count else None


registry.pickers.add(20, coordinates_a_forum, name="forums.coordinators")
