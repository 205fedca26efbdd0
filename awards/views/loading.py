"""What the awards pages share: the awards team's gate, loading a category
or refusing, and what the safeguarding gate withholds of a nomination's
contact details on the pages that show one."""
from flask import abort
from flask_login import current_user

from awards import permissions
from awards.models import AwardCategory, Nomination
from core.extensions import db
from core.accounts import safeguarding


def require_awards_team() -> None:
    if not permissions.can_run_awards(current_user):
        abort(403)


def category_or_404(category_id: int) -> AwardCategory:
    return db.get_or_404(AwardCategory, category_id)


def contacts_withheld(nomination: Nomination) -> dict[str, str]:
    """What the safeguarding gate says to show instead of the nominator's and
    the nominee's contact details ("" where they may be shown)."""
    nominator = safeguarding.Person(nomination.nominator_id, (nomination.nominator_email or "").lower())
    nominee = safeguarding.Person(None, (nomination.nominee_email or "").lower())
    shown = safeguarding.screen(current_user, [nominator, nominee])
    return {"nominator": shown.note(nominator), "nominee": shown.note(nominee)}
