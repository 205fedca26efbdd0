"""Forums' pages: one blueprint (`forums`), its routes split by audience.

- `public`: forums for everyone and for their members, a member's own
  membership, and a parent or carer's consent;
- `coordinators`: a forum's memberships, meetings, announcements and
  invitations;
- `admin`: setting forums up, their coordinators, DBS checks;
- `loading`: loading a forum, or refusing.
"""
from flask import Blueprint

from forums import privacy  # noqa: F401  registers forums' part of "Your data", erasure and retention
from forums import people  # noqa: F401  registers forums' part in merging duplicate people
from forums import imports  # noqa: F401  registers the forum-members import
from forums.models import MembershipStatus

bp = Blueprint("forums", __name__)


@bp.app_context_processor
def _forums_enums():
    """The enums forums' templates decide by, so a page compares members
    (`mine.status == MembershipStatus.ACTIVE`), never their value strings."""
    return {"MembershipStatus": MembershipStatus}


# The modules register their routes on `bp`, so they are imported once it exists.
from forums.views import admin, coordinators, public  # noqa: E402,F401
