"""What the forums pages share: loading a forum, or refusing (403 to someone
who may not manage it, where the page is for managing it)."""

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import selectinload

from core.accounts.models import User

from core.extensions import db
from forums import permissions
from forums.models import Forum


def forum_or_404(forum_id: int, *, manage: bool = False) -> Forum:
    # Its coordinators come with it (pages name them), their site roles only if asked for.
    forum = db.session.get(Forum, forum_id, options=[selectinload(Forum.coordinators).lazyload(User.role_grants)])
    if forum is None:
        abort(404)
    if manage and not permissions.can_manage_forum(current_user, forum):
        abort(403)
    return forum
