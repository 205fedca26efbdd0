"""A forum's membership list as CSV, for coordinators' spreadsheets."""
from datetime import date

from core.database import in_london
from core.spreadsheets import csv_file
from forums.services import is_young

HEADER = ["Name", "Email", "Status", "Role", "Faith community", "Organisation", "Term starts", "Term ends",
          "Applied"]


def members_csv(memberships, *, young_contacts_visible: bool, today: date) -> bytes:
    """Young members' addresses are left out unless the reader may see them."""
    return csv_file(HEADER, [
        [m.user.name, m.user.email if young_contacts_visible or not is_young(m, today) else "",
         "Lapsed" if m.is_lapsed(today) else m.status.label, m.role.label, m.faith.label if m.faith else "",
         m.organisation, m.term_starts_on or "", m.term_ends_on or "", in_london(m.applied_at).strftime("%Y-%m-%d")]
        for m in memberships])
