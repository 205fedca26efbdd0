"""Choosing the language pages are written in: the language links on every
page (core/i18n.py says how a language is chosen).

A visitor's choice is kept in the `language` cookie, which a link can set
(GET): it changes only that browser's preference, nothing kept on the
server, so the public pages stay links without a form token and can be kept
(core/http_cache.py). A signed-in person's choice is saved on their account
too, so their emails follow it: that is a change of stored data, so it is a
form (POST, with its token), which the menu draws for them instead of links.
"""
from flask import abort, redirect, render_template, request
from flask_login import current_user

from core import i18n
from core.accounts import services
from core.extensions import db
from core.views import bp
from core.views.sign_in import safe_next


@bp.route("/language/<code>", methods=["GET", "POST"])
def choose_language(code):
    if i18n.known(code) is None:
        abort(404)
    back = _back_to(request.values.get("next"))
    if current_user.is_authenticated:
        if request.method == "GET":
            # A link followed while signed in (a tab left open from before signing in): the account's
            # language changes only through its form, which this page offers.
            return render_template("core/choose_language.html", choice=i18n.LANGUAGES[code], back=back)
        services.choose_language(current_user, code)
        db.session.commit()
    elif request.method == "POST":
        abort(403)
    response = redirect(back)
    i18n.remember_in_cookie(response, code)
    return response


def _back_to(target: str | None) -> str:
    """The page the person was on, when it is one of ours; else the home page."""
    if target:
        back = safe_next(target)
        if back == target:
            return back
    return "/"
