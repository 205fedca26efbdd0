"""Who may do what across the site. Views and templates both ask these."""
from core.accounts.models import SiteRole


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_admin(user) -> bool:
    return _signed_in(user) and user.has_role(SiteRole.ADMIN)


def can_manage_users(user) -> bool:
    return is_admin(user)


def can_view_audit_log(user) -> bool:
    return is_admin(user)


def can_manage_email_delivery(user) -> bool:
    """See the emails that failed or were interrupted, and send them again."""
    return is_admin(user)
