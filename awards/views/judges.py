"""Judges' pages: their panels, a nomination to judge (a conflict declared
first), scoring it and submitting the scores."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from awards import judging, screening
from awards.forms import DeclarationForm, score_form
from awards.models import ConflictKind, Nomination, NominationStatus, Stage
from core.database import utcnow
from core.extensions import db
from core.forms import EmptyForm, call_service
from core.i18n import staff_screens
from awards.views import bp
from awards.views.loading import contacts_withheld

# In English, wholly (core.i18n), but for the list of panels, which anyone signed in may open.
staff_screens(__name__, but=("awards.judging_home",))


# --- judges -------------------------------------------------------------------------------------

@bp.get("/judging")
@login_required
def judging_home():
    panels = judging.panels_for(current_user)
    nominations = judging.to_judge_on(panels)
    return render_template("awards/judging.html", panels=panels, now=utcnow(), nominations=nominations,
                           progress=judging.progress_on(current_user, nominations))


def _nomination_to_judge(nomination_id: int) -> Nomination:
    """A nomination on one of the judge's panels; to anyone else it is not found."""
    nomination = db.get_or_404(Nomination, nomination_id)
    if (nomination.status != NominationStatus.ELIGIBLE or nomination.group_with_id is not None
            or not judging.is_judge_of(current_user, nomination.category_id)):
        abort(404)
    return nomination


@bp.get("/judging/nominations/<int:nomination_id>")
@login_required
def judge_nomination(nomination_id):
    return _judging_page(_nomination_to_judge(nomination_id))


def _judging_page(nomination: Nomination, *, declaration_form=None, form=None, status: int = 200):
    declaration = judging.declaration_of(nomination, current_user)
    sheet = judging.sheet_of(nomination, current_user)
    seeing = declaration is not None and not declaration.is_conflict
    return render_template(
        "awards/judge_nomination.html", nomination=nomination, cycle=nomination.category.cycle,
        declaration=declaration, declaration_form=declaration_form or DeclarationForm(), sheet=sheet,
        score_form=form or (score_form(nomination.category, sheet) if seeing else None),
        form=declaration_form or form or EmptyForm(), others=judging.others_sheets(nomination, current_user),
        also=screening.grouped_under(nomination) if seeing else [], withheld=contacts_withheld(nomination),
        open=nomination.category.cycle.stage(utcnow()) == Stage.JUDGING,
        published=nomination.category.cycle.results_published_at is not None), status


@bp.post("/judging/nominations/<int:nomination_id>/declaration")
@login_required
def declare(nomination_id):
    nomination = _nomination_to_judge(nomination_id)
    form = DeclarationForm()
    if form.validate_on_submit():
        done, declared = call_service(form, lambda: judging.declare(
            nomination, current_user, ConflictKind(form.kind.data), note=form.note.data or ""))
        if done:
            flash("Thank you. You have declared a conflict, so this nomination is not yours to judge."
                  if declared.is_conflict else "Thank you. You can now read and score the nomination.", "success")
            return redirect(url_for("awards.judge_nomination", nomination_id=nomination.id))
    return _judging_page(nomination, declaration_form=form, status=400)


@bp.post("/judging/nominations/<int:nomination_id>/scores")
@login_required
def score(nomination_id):
    nomination = _nomination_to_judge(nomination_id)
    form = score_form(nomination.category)
    if form.validate_on_submit():
        submitting = bool(form.send.data)  # saved as a draft either way: submitting asks first (submit_scores)
        done, _ = call_service(form, lambda: judging.score(nomination, current_user, form.values(),
                                                           comment=form.comment.data or "", submit=False,
                                                           for_submission=submitting))
        if done:
            if submitting:
                return redirect(url_for("awards.submit_scores", nomination_id=nomination.id))
            flash("Your draft scores are saved.", "success")
            return redirect(url_for("awards.judge_nomination", nomination_id=nomination.id))
    return _judging_page(nomination, form=form, status=400)


@bp.route("/judging/nominations/<int:nomination_id>/submit", methods=["GET", "POST"])
@login_required
def submit_scores(nomination_id):
    """GET: what the judge is about to submit, and that it is final (with no
    draft to submit, or scores already submitted, back to the nomination).
    POST, from its button: submitted."""
    nomination = _nomination_to_judge(nomination_id)
    back = url_for("awards.judge_nomination", nomination_id=nomination.id)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        done, _ = call_service(form, lambda: judging.submit_scores(nomination, current_user))
        if done:
            flash("Your scores are submitted.", "success")
            return redirect(url_for("awards.judging_home"))
        return redirect(back)
    sheet = judging.sheet_of(nomination, current_user)
    if sheet is None or sheet.submitted_at is not None or not judging.may_see(nomination, current_user):
        return redirect(back)
    return render_template("awards/confirm_scores.html", nomination=nomination, sheet=sheet, form=form)
