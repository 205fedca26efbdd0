"""What the forums pages share: loading a forum, or refusing (403 to someone
who may not manage it, where the page is for managing it)."""

from flask import abort
from flask_login import current_user

from core.extensions import db
from forums import permissions
from forums.models import Forum


def forum_or_404(forum_id: int, *, manage: bool = False) -> Forum:
    forum = db.get_or_404(Forum, forum_id)
    if manage and not permissions.can_manage_forum(current_user, forum):
        abort(403)
    return forum
