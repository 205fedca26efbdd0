"""Reports' part of core's privacy procedures (core/privacy): the names "Your
data" gives the audit actions reports record (an admin's own uploads and
publications show in their record of changes). The views module imports this
one, so it is registered once the app is built (core/privacy/registry.py)."""
from core.i18n import _l
from core.privacy import registry

registry.audit_action_names.add(40, {
    "baseline.upload": _l("Population baseline uploaded"),
    "open_data.publish": _l("Open data published"),
}, name="reports")
