"""The awards' pages: one blueprint (`awards`), its routes split by audience.

- `public`: cycles and categories, nominating, a nominator's own
  nominations, the published shortlist and winners;
- `manage`: the awards team's set-up of cycles and categories, and
  publishing what the panels decided;
- `screening`: the awards team's work on nominations, panels, conflicts,
  results and decisions;
- `judges`: a judge's panels, declarations and scores;
- `loading`: what they share, the team's gate and the safeguarding gate.
"""
from flask import Blueprint

from awards import privacy  # noqa: F401  registers awards' part of "Your data", erasure and retention

bp = Blueprint("awards", __name__)

# The modules register their routes on `bp`, so they are imported once it exists.
from awards.views import judges, manage, public, screening  # noqa: E402,F401
