"""The audit log: one call records who did what to which object, and its
details as people read them."""
from datetime import datetime
from typing import Any

from flask import has_request_context, request

from core.extensions import db
from core.formatting import format_date_time
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


def about_account(user):
    """The entries about this account. The log names an account by its id, and SQLite gives a deleted
    newest account's id to the next one: entries from before the account was made were another's."""
    return ((AuditEntry.object_type == "User") & (AuditEntry.object_id == str(user.id))
            & (AuditEntry.occurred_at >= user.created_at))


def detail_lines(details: dict[str, Any]) -> list[tuple[str, str]]:
    """An entry's details as lines a person reads: nested details named by
    their path ("reported as, before, starts at"), moments as UK dates and
    times, lists joined (addresses a line each). Every value is a string, so
    a page can screen each one (an email address, say) before showing it."""
    lines = []
    for key, value in details.items():
        name = key.replace("_", " ")
        if isinstance(value, dict):
            lines += [(f"{name}, {inner}", text) for inner, text in detail_lines(value)]
        elif isinstance(value, list) and any(isinstance(each, str) and "@" in each for each in value):
            lines += [(name, _readable(each)) for each in value]  # an address a line, each screened alone
        elif isinstance(value, list):
            lines.append((name, ", ".join(_readable(each) for each in value)))
        else:
            lines.append((name, _readable(value)))
    return lines


def _readable(value: Any) -> str:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return format_date_time(moment) if moment.tzinfo is not None and "T" in value else value
    return "" if value is None else str(value)
