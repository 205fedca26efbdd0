"""A forum's membership list as CSV, for coordinators' spreadsheets."""
from datetime import date

from core.database import in_london
from core.accounts.safeguarding import Screen
from core.spreadsheets import csv_file

HEADER = ["Name", "Email", "Status", "Role", "Faith community", "Organisation", "Term starts", "Term ends",
          "Applied"]


def members_csv(memberships, *, screen: Screen, today: date) -> bytes:
    """A member whose details the reader may not see (core.accounts.safeguarding) has
    the note saying who holds them in place of their address."""
    return csv_file(HEADER, [
        [m.user.name, screen.note(m.user) or m.user.email,
         "Lapsed" if m.is_lapsed(today) else m.status.label, m.role.label, m.faith.label if m.faith else "",
         m.organisation, m.term_starts_on or "", m.term_ends_on or "", in_london(m.applied_at).strftime("%Y-%m-%d")]
        for m in memberships])
