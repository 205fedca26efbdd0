"""Admin: likely duplicate people (core/people/queries.py), the preview of
merging two records, and the merge (core/people/services.py)."""
from dataclasses import dataclass
from math import ceil

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from core.accounts import permissions, safeguarding
from core.accounts.models import User
from core.extensions import db
from core.forms import EmptyForm, call_service
from core.numbers import page_number
from core.people import queries, services
from core.views import bp
from core.i18n import staff_screens

staff_screens(__name__)  # in English, wholly (core.i18n)

PAGE_SIZE = 50


@dataclass
class Page:
    """One page of rows, as the pagination partial reads it."""

    items: list
    page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / PAGE_SIZE))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _whom(key: str, users: dict[int, User]) -> safeguarding.Person:
    if key.startswith(services.USER):
        user = users.get(int(key[len(services.USER):]))
        return safeguarding.Person(user.id, user.email) if user else safeguarding.Person(None, "")
    return safeguarding.Person(None, key[len(services.GUEST):].strip().lower())


@bp.get("/admin/people/duplicates")
@safeguarding.shows_contact_details("email")
@login_required
def duplicate_people():
    if not permissions.can_manage_users(current_user):
        abort(403)
    pairs = queries.candidate_pairs()
    total = db.session.scalar(select(func.count()).select_from(pairs.order_by(None).subquery()))
    page = page_number()
    rows = db.session.execute(pairs.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    ids = {int(key[len(services.USER):]) for row in rows for key in row[:2] if key.startswith(services.USER)}
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    people = {key: _whom(key, users) for row in rows for key in row[:2]}
    shown = safeguarding.screen(current_user, people.values())
    return render_template("core/duplicate_people.html", pairs=Page(rows, page, total), users=users, people=people,
                           shown=shown, reasons=queries.REASONS, user_prefix=services.USER)


_MERGED_ALREADY = "Nothing was merged: those records have been merged already, or no longer exist."


def _pair():
    """The two records the query string names: 404 when either names no one,
    or None when they were merged already (Back after merging, a merge pressed
    again, or a second admin's): one has no records left, or is an account
    merged away, and so deleted."""
    kept, merged = services.person(request.args.get("keep")), services.person(request.args.get("merge"))
    if kept is not None and merged is None and services.merged_away(request.args.get("merge")):
        return None
    if kept is None or merged is None:
        abort(404)
    if not services.has_records(kept) or not services.has_records(merged):
        return None
    return kept, merged


@bp.get("/admin/people/merge")
@safeguarding.shows_contact_details("email")
@login_required
def merge_preview():
    if not permissions.can_manage_users(current_user):
        abort(403)
    pair = _pair()
    if pair is None:  # Back after merging, or a second admin's tab
        flash(_MERGED_ALREADY, "info")
        return redirect(url_for("core.duplicate_people"))
    kept, merged = pair
    refusal = None
    try:
        services.check(merged, kept, actor=current_user)
    except services.CannotMerge as error:
        refusal = error.message
    people = {"kept": _whom(kept.key, {kept.user.id: kept.user} if kept.user else {}),
              "merged": _whom(merged.key, {merged.user.id: merged.user} if merged.user else {})}
    return render_template("core/merge_people.html", kept=kept, merged=merged, form=EmptyForm(), refusal=refusal,
                           previewed=services.as_previewed(merged, kept),
                           changes=services.preview(merged, kept), people=people,
                           shown=safeguarding.screen(current_user, people.values()))


@bp.post("/admin/people/merge")
@login_required
def merge_people():
    if not permissions.can_manage_users(current_user):
        abort(403)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    pair = _pair()
    if pair is None:
        flash(_MERGED_ALREADY, "info")
        return redirect(url_for("core.duplicate_people"))
    kept, merged = pair
    done, counts = call_service(form, lambda: services.merge(merged, kept, actor=current_user,
                                                             previewed=request.args.get("previewed", "")))
    if not done:  # refused (said at the top of the list), or merged already by someone else
        return redirect(url_for("core.duplicate_people"))
    moved = "; ".join(f"{what}: {count}" for what, count in counts.items()) or "nothing else"
    # Named without their addresses: a flashed message passes no safeguarding gate.
    whose = "The guest's records" if merged.is_guest else f"Account {merged.user.id}'s records"
    flash(f"Merged. {whose} now belong to {kept.user.name if kept.user else 'the kept guest records'}. "
          f"Moved: {moved}.", "success")
    if kept.user is not None:
        return redirect(url_for("core.admin_user", user_id=kept.user.id))
    return redirect(url_for("core.duplicate_people"))
