"""The awards for everyone: the cycle and category pages, nominating (signed
in with drafts, or as a guest confirming by email), the emailed link to a
nomination, My nominations, and the published shortlist and winners."""
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from awards import cycle_setup, decisions, nominating, queries
from awards.forms import nomination_form
from awards.models import ON_SHORTLIST, AwardCategory, AwardCycle, Nomination, NominationStatus, Outcome, Stage
from core.database import utcnow
from core.extensions import db
from core.forms import EmptyForm, call_service, press_button
from core.i18n import _
from core import home_page, http_cache, spam
from core.views.emailed_links import from_emailed_link
from events.models import Event
from awards.views import bp
from awards.views.loading import category_or_404


@home_page.section(30, "awards/_home_section.html", scopes=("awards",))
def _home_section(now):
    """This year's awards and how far they have got, on the home page."""
    cycle = cycle_setup.latest_cycle()
    return {"cycle": cycle, "stage": cycle.stage(now) if cycle else None}


# --- the public side --------------------------------------------------------------------------

@bp.get("/awards")
def cycle_list():
    return render_template("awards/list.html", cycles=cycle_setup.cycles(), now=utcnow())


@bp.get("/awards/<int:cycle_id>")
def cycle_page(cycle_id):
    cycle = queries.cycle_for_its_page(cycle_id)
    if cycle is None:
        abort(404)
    ceremony = db.session.get(Event, cycle.ceremony_id) if cycle.ceremony_id else None
    return render_template("awards/cycle.html", cycle=cycle, stage=cycle.stage(utcnow()), ceremony=ceremony,
                           now=utcnow())


@bp.get("/awards/categories/<int:category_id>")
@http_cache.public("awards")
def category_page(category_id):
    category = category_or_404(category_id)
    return render_template("awards/category.html", category=category, cycle=category.cycle,
                           stage=category.cycle.stage(utcnow()), now=utcnow())


@bp.route("/awards/categories/<int:category_id>/nominate", methods=["GET", "POST"])
@spam.public_form(email_field="nominator_email")
def nominate(category_id):
    category = category_or_404(category_id)
    if category.cycle.stage(utcnow()) != Stage.NOMINATING:
        return render_template("awards/closed.html", category=category, cycle=category.cycle), 409
    return _nomination_page(category, draft=None)


@bp.route("/awards/nominations/<int:nomination_id>/edit", methods=["GET", "POST"])
@login_required
def edit_draft(nomination_id):
    draft = db.get_or_404(Nomination, nomination_id)
    if draft.nominator_id != current_user.id or draft.status != NominationStatus.DRAFT:
        abort(404)
    return _nomination_page(draft.category, draft=draft)


def _nomination_page(category: AwardCategory, *, draft: Nomination | None):
    signed_in = current_user.is_authenticated
    form = nomination_form(category, signed_in=signed_in, draft=draft if request.method == "GET" else None)
    if form.validate_on_submit():
        sending = not (signed_in and form.draft.data)
        done, saved = call_service(form, lambda: nominating.nominate(
            category, form.details(), user=current_user if signed_in else None, submit=sending, nomination=draft))
        if done:
            if saved.status == NominationStatus.DRAFT:
                flash(_("Your draft is saved. Come back to it from My nominations."), "success")
                return redirect(url_for("awards.my_nominations"))
            session[_SENT] = saved.id
            return redirect(url_for("awards.nominated", category_id=category.id))
    return render_template("awards/nominate.html", category=category, cycle=category.cycle, form=form,
                           draft=draft, questions=category.questions)


# The nomination this browser sent last. The session is signed and cleared at sign-in and sign-out,
# so the page that says what happened shows it to no one else.
_SENT = "nomination_sent"


@bp.get("/awards/categories/<int:category_id>/nominated")
def nominated(category_id):
    """What happened after sending, on a page of its own: a reload shows it
    again instead of sending the form twice. Nothing sent from this browser
    for the category: the form."""
    category = category_or_404(category_id)
    sent = session.get(_SENT)
    nomination = db.session.get(Nomination, sent) if isinstance(sent, int) else None
    if nomination is None or nomination.category_id != category.id:
        return redirect(url_for("awards.nominate", category_id=category.id))
    return render_template("awards/nominated.html", nomination=nomination)


@bp.route("/awards/nominations/link/<token>", methods=["GET", "POST"])
def nomination_by_link(token):
    """The emailed link: a guest confirms their nomination here, and any
    nominator can see it, or go on to withdraw it."""
    nomination = from_emailed_link(nominating.nomination_for_token, token)
    form = EmptyForm()
    if form.validate_on_submit() and request.form.get("action") == "confirm":
        done, _confirmed = call_service(form, lambda: nominating.confirm_nomination(nomination))
        if done:
            flash(_("Thank you: your nomination is confirmed. We have emailed you a copy."), "success")
            return redirect(url_for("awards.nomination_by_link", token=token))
    return render_template("awards/nomination.html", nomination=nomination, form=form, token=token,
                           open=nomination.category.cycle.stage(utcnow()) == Stage.NOMINATING,
                           told=decisions.status_told(nomination))


@bp.route("/awards/nominations/link/<token>/withdraw", methods=["GET", "POST"])
def withdraw_by_link(token):
    nomination = from_emailed_link(nominating.nomination_for_token, token)
    return _withdraw(nomination, lambda: nominating.withdraw_nomination(nomination, actor=None),
                     back=url_for("awards.nomination_by_link", token=token))


def _withdraw(nomination: Nomination, withdraw, *, back: str):
    """Withdrawing cannot be undone: the page (GET, which changes nothing)
    says what will happen, and only its button (a POST with the form token)
    withdraws."""
    form = EmptyForm()
    said = (_("Your nomination of %(name)s has been withdrawn.", name=nomination.nominee_name)
            if nomination.nominee_name else _("Your nomination of the nominee has been withdrawn."))
    if nomination.status == NominationStatus.WITHDRAWN:  # the page opened again once done: nothing left to ask
        flash(said, "info")
        return redirect(back)
    if request.method == "POST":
        return press_button(form, withdraw, said, back)
    return render_template("awards/confirm_withdraw.html", nomination=nomination, form=form, back=back,
                           open=nomination.category.cycle.stage(utcnow()) == Stage.NOMINATING)


@bp.get("/my-nominations")
@login_required
def my_nominations():
    nominations = nominating.nominations_by(current_user)
    return render_template("awards/my_nominations.html", nominations=nominations, now=utcnow(),
                           told={n.id: decisions.status_told(n) for n in nominations})


def _my_nomination(nomination_id: int) -> Nomination:
    """The signed-in person's own nomination; to anyone else it is not found."""
    nomination = db.get_or_404(Nomination, nomination_id)
    if nomination.nominator_id != current_user.id:
        abort(404)
    return nomination


# One endpoint for the question and the answer: a GET and a POST route at the same address with a
# number in it would answer 405, not 404, to a number no id can be (werkzeug matches the address first).
@bp.route("/my-nominations/<int:nomination_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_mine(nomination_id):
    nomination = _my_nomination(nomination_id)
    return _withdraw(nomination, lambda: nominating.withdraw_nomination(nomination, actor=current_user),
                     back=url_for("awards.my_nominations"))


# --- the public announcements -------------------------------------------------------------------

@bp.app_context_processor
def _ceremony_hook():
    """The ceremony is an event: its page (events package) asks this for the
    shortlist or, once announced, the winners of the cycle it belongs to."""
    return {"awards_at_ceremony": decisions.at_ceremony}


@bp.get("/awards/<int:cycle_id>/shortlist")
def shortlist(cycle_id):
    cycle = db.get_or_404(AwardCycle, cycle_id)
    if cycle.shortlist_published_at is None:
        abort(404)
    return render_template("awards/announcement.html", cycle=cycle, winners=False,
                           categories=decisions.published(cycle, ON_SHORTLIST))


@bp.get("/awards/<int:cycle_id>/winners")
def winners(cycle_id):
    cycle = db.get_or_404(AwardCycle, cycle_id)
    if cycle.results_published_at is None:
        abort(404)
    return render_template("awards/announcement.html", cycle=cycle, winners=True,
                           categories=decisions.published(cycle, (Outcome.WINNER, Outcome.HIGHLY_COMMENDED)))
