"""Reads of the kernel's own tables that pages show: the audit log."""
from sqlalchemy import Select, select

from core.models import AuditEntry


def audit_log_newest_first() -> Select:
    """Every audit entry, newest first (a query, for the page to paginate)."""
    return select(AuditEntry).order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
