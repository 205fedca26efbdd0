"""The awards' pages: one blueprint (`awards`), its routes split by audience.

- `public`: cycles and categories, nominating, a nominator's own
  nominations, the published shortlist and winners;
- `manage`: the awards team's set-up of cycles and categories, and
  publishing what the panels decided;
- `translations`: the awards team's versions of a category in other languages;
- `screening`: the awards team's work on nominations, panels, conflicts,
  results and decisions;
- `judges`: a judge's panels, declarations and scores;
- `loading`: what they share, the team's gate and the safeguarding gate.
"""
from flask import Blueprint

from awards import privacy  # noqa: F401  registers awards' part of "Your data", erasure and retention
from awards import people  # noqa: F401  registers awards' part in merging duplicate people
from awards.models import NominationStatus, NomineeKind, Outcome, Stage

bp = Blueprint("awards", __name__)


@bp.app_context_processor
def _awards_enums():
    """The enums the awards' templates decide by, so a page compares members
    (`stage == Stage.NOMINATING`), never their value strings."""
    return {"NominationStatus": NominationStatus, "NomineeKind": NomineeKind, "Outcome": Outcome, "Stage": Stage}


# The modules register their routes on `bp`, so they are imported once it exists.
from awards.views import judges, manage, public, screening, translations  # noqa: E402,F401
