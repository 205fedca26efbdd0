"""Unsubscribing from non-essential emails (core.unsubscribes): the page an
email's link opens, its button, the one-click POST a mail client sends from
the List-Unsubscribe-Post header (RFC 8058), and turning emails back on from
the account page."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import HiddenField

from core import unsubscribes
from core.extensions import csrf, db
from core.forms import EmptyForm, call_service
from core.i18n import _
from core.views import bp
from core.views.emailed_links import from_emailed_link


@csrf.exempt  # see the docstring
@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token):
    """Opening the link changes nothing (mail scanners open links); the
    button, or the mail client's one-click POST, unsubscribes. This one route
    takes a POST without a CSRF token: a mail client's one-click request
    (RFC 8058) carries only `List-Unsubscribe=One-Click`, and the signed
    token in the address is what authorises it. A forged POST could do no
    more than the link's own owner asked for: stop non-essential emails."""
    asked = from_emailed_link(unsubscribes.read, token)
    if request.method == "POST":
        newly = unsubscribes.unsubscribe(asked.email, asked.scope)
        db.session.commit()
        if request.form.get("List-Unsubscribe") == "One-Click":
            return render_template("core/unsubscribed.html", asked=asked, newly=newly)
        return redirect(url_for("core.unsubscribe", token=token, done="1" if newly else "0"), code=303)
    done = request.args.get("done")
    if done is not None or unsubscribes.is_unsubscribed(asked.email, asked.scope):
        return render_template("core/unsubscribed.html", asked=asked, newly=done == "1")
    return render_template("core/unsubscribe.html", asked=asked)


class ResubscribeForm(EmptyForm):
    scope = HiddenField()


@bp.post("/account/emails/turn-on")
@login_required
def resubscribe():
    """Turn one kind of stopped email back on, for the account's own (proven) address."""
    form = ResubscribeForm()
    if not form.validate_on_submit():
        abort(400)
    if form.scope.data not in unsubscribes.scopes_stopped(current_user.email):
        abort(404)
    done, _changed = call_service(form, lambda: unsubscribes.resubscribe(current_user.email, form.scope.data,
                                                                          user=current_user._get_current_object()))
    if done:
        flash(_("You will get %(what)s again.", what=unsubscribes.describe(form.scope.data)), "success")
    return redirect(url_for("core.account"))
