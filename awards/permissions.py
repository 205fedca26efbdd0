"""Who may do what with the awards."""
from core.accounts.models import SiteRole
from core.accounts.permissions import is_admin


def can_run_awards(user) -> bool:
    """Set up cycles and categories, and screen nominations."""
    return is_admin(user) or (bool(getattr(user, "is_authenticated", False))
                              and user.has_role(SiteRole.AWARDS_ADMINISTRATOR))

