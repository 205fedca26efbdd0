"""Choosing the language pages are written in: the language links on every
page (core/i18n.py says how a language is chosen).

A visitor's choice is kept in the `language` cookie, which a link can set
(GET): it changes only that browser's preference, nothing kept on the
server, so the public pages stay links without a form token and can be kept
(core/page_cache.py). A signed-in person's choice is saved on their account
too, so their emails follow it: that is a change of stored data, so it is a
form (POST, with its token), which the menu draws for them instead of links.
"""
from flask import abort, current_app, redirect, request
from flask_login import current_user

from core import i18n
from core.extensions import db
from core.views import bp
from core.views.sign_in import safe_next


@bp.route("/language/<code>", methods=["GET", "POST"])
def choose_language(code):
    if i18n.known(code) is None:
        abort(404)
    if request.method == "POST":
        if not current_user.is_authenticated:
            abort(403)
        current_user.language = code
        db.session.commit()
    elif current_user.is_authenticated:
        abort(405)  # an account's language changes only through the form
    response = redirect(_back_to(request.values.get("next")))
    response.set_cookie(i18n.COOKIE, code, max_age=i18n.COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def _back_to(target: str | None) -> str:
    """The page the person was on, when it is one of ours; else the home page."""
    if target:
        back = safe_next(target)
        if back == target:
            return back
    return "/"
