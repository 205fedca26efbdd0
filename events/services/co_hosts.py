"""Partner organisations co-hosting an event: adding and removing them, and
telling partners (core.partners.registry.links) how many events each co-hosts,
so a partner that co-hosted is not deleted.

Functions flush but never commit.
"""
from sqlalchemy import func, select

from core import audit
from core.database import lock_row
from core.errors import DomainError
from core.extensions import db
from core.formatting import counted
from core.accounts.models import User
from core.partners import registry
from core.partners.models import PartnerOrganisation
from events.models import Event, event_co_hosts


class CoHostRefused(DomainError):
    field = "partner_id"


def add_co_host(event: Event, partner: PartnerOrganisation, *, actor: User) -> None:
    lock_row(db.session, PartnerOrganisation, partner.id)  # not deleted while it is linked
    if partner in event.co_hosts:
        raise CoHostRefused(f"{partner.name} is already a co-host of this event")
    event.co_hosts.append(partner)
    db.session.flush()
    audit.record("event.co_host_added", actor=actor, subject=event, details={"partner": partner.name})


def remove_co_host(event: Event, partner: PartnerOrganisation, *, actor: User) -> None:
    if partner not in event.co_hosts:
        raise CoHostRefused(f"{partner.name} is not a co-host of this event")
    event.co_hosts.remove(partner)
    db.session.flush()
    audit.record("event.co_host_removed", actor=actor, subject=event, details={"partner": partner.name})


@registry.links(10)
def _events_co_hosted(partner: PartnerOrganisation) -> str | None:
    count = db.session.scalar(select(func.count()).select_from(event_co_hosts)
                              .where(event_co_hosts.c.partner_id == partner.id))
    return counted(count, "event it co-hosts", "events it co-hosts") if count else None
