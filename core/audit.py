"""The audit log: one call records who did what to which object."""
from typing import Any

from flask import has_request_context, request

from core.extensions import db
from core.models import AuditEntry


def record(action: str, *, actor=None, subject=None, details: dict[str, Any] | None = None) -> AuditEntry:
    """Add an audit entry to the current transaction.

    `actor` is the user who acted (None for the system or an anonymous
    visitor); `subject` is the object acted on (anything with an `id`).
    """
    # `current_user` is a proxy: record the object behind it, so the entry
    # says "User" and shows on that person's page with the rest of their history.
    subject = subject._get_current_object() if hasattr(subject, "_get_current_object") else subject
    entry = AuditEntry(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=type(subject).__name__ if subject is not None else None,
        object_id=str(subject.id) if subject is not None else None,
        details=details or {},
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry
