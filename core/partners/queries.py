"""Reads of partner organisations: the list with its search, and the choices a select offers."""
from sqlalchemy import Select, func, select

from core.extensions import db
from core.partners.models import PartnerKind, PartnerOrganisation, name_key


def partners_by_name(words: str = "", kind: PartnerKind | None = None) -> Select:
    query = select(PartnerOrganisation).order_by(PartnerOrganisation.name_key)
    if words:
        # name_key is lower case with single spaces, so the words are matched the same way.
        pattern = "%" + name_key(words).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(PartnerOrganisation.name_key.like(pattern, escape="\\")
                            | func.lower(PartnerOrganisation.area).like(pattern, escape="\\"))
    if kind is not None:
        query = query.where(PartnerOrganisation.kind == kind)
    return query


def partner_choices(first: str = "None") -> list[tuple[int, str]]:
    """For a select: (0, first) then every partner by name (a county has a few hundred)."""
    rows = db.session.execute(select(PartnerOrganisation.id, PartnerOrganisation.name)
                              .order_by(PartnerOrganisation.name_key)).all()
    return [(0, first), *((row.id, row.name) for row in rows)]
