"""The partner organisation a nomination is linked to by the awards team (the
group nominated, or the organisation a nominated person does this work
with), and the awards' part of partners' registry: how many nominations link
a partner, so it is not deleted from under them.

Functions flush but never commit.
"""
from sqlalchemy import func, select

from awards.models import Nomination
from core import audit
from core.database import lock_row
from core.extensions import db
from core.formatting import counted
from core.accounts.models import User
from core.partners import registry
from core.partners.models import PartnerOrganisation


def link_partner(nomination: Nomination, partner: PartnerOrganisation | None, *, actor: User) -> None:
    if partner is not None:
        lock_row(db.session, PartnerOrganisation, partner.id)  # not deleted while it is linked
    nomination.partner = partner
    db.session.flush()
    audit.record("awards.nomination_partner_linked", actor=actor, subject=nomination,
                 details={"partner": partner.name if partner else None})


@registry.links(30)
def _nominations_linked(partner: PartnerOrganisation) -> str | None:
    count = db.session.scalar(select(func.count(Nomination.id)).where(Nomination.partner_id == partner.id))
    return counted(count, "award nomination") if count else None
