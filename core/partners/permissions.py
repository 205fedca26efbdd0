"""Who may do what with partner organisations.

Organisers and admins keep the list (add, change, delete, contacts); awards
administrators and forum coordinators (a seat `registry.pickers` names) may
see it and add a partner that is not listed while linking one."""
from core.accounts.models import SiteRole
from core.partners import registry


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_manage_partners(user) -> bool:
    return _signed_in(user) and (user.has_role(SiteRole.ADMIN) or user.has_role(SiteRole.ORGANISER))


def can_choose_partners(user) -> bool:
    """See the list and a partner's page, and add one that is missing."""
    if not _signed_in(user):
        return False
    return (can_manage_partners(user) or user.has_role(SiteRole.AWARDS_ADMINISTRATOR)
            or any(holds(user) for holds in registry.pickers))
