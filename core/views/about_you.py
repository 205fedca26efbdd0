"""Equality monitoring: a person's own answers to the equality questions,
asked with consent, saved page by page, withdrawn at any time; and where
other packages offer the questions (`equality_offer`, `equality_link`)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.accounts import services
from core.equality import services as equality
from core.equality.forms import EqualityAdultQuestionsForm, EqualityFollowUpForm, EqualityQuestionsForm
from core.extensions import login_manager
from core.forms import EmptyForm, call_service, press_button
from core.i18n import _
from core.views import bp
from core.views.emailed_links import from_emailed_link

# Members reach these from their account; guests by the link in their emails
# (the same routes with `/guest/<token>`), which names their email address.

EQUALITY_LINK_SALT = "equality-monitoring"


def equality_link(email: str) -> str:
    """The address of a guest's own equality monitoring page, for emails."""
    token = services.link_token(EQUALITY_LINK_SALT, equality.person_key(None, email))
    return url_for("core.about_you", token=token, _external=True)


def equality_offer(user=None, email: str | None = None) -> str | None:
    """Where to offer the questions after someone takes part, or None when
    they have answered them already. Guests get an address only once they
    have shown the email is theirs (followed an emailed link)."""
    key = equality.person_key(user, email) if (user or email) else None
    if key is None or equality.answers_of(key) is not None:
        return None
    return url_for("core.about_you") if user else equality_link(email)


def _respondent(token: str | None) -> tuple[str, dict]:
    """Whose answers this request is about, and the URL arguments that keep
    the next page about the same person."""
    if token is not None:
        key = from_emailed_link(services.link_token_data, EQUALITY_LINK_SALT, token)
        if not isinstance(key, str) or not key.startswith("guest:"):
            abort(404)
        return key, {"token": token}
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    return equality.person_key(current_user), {}


@bp.get("/about-you")
@bp.get("/about-you/guest/<token>")
def about_you(token=None):
    key, link = _respondent(token)
    response = equality.answers_of(key)
    return render_template("core/equality.html", response=response, link=link, form=EmptyForm(),
                           characteristics=equality.CHARACTERISTICS, backgrounds=equality.ETHNIC_BACKGROUNDS,
                           retention_years=equality.RETENTION_YEARS, consent_version=equality.CONSENT_VERSION)


@bp.post("/about-you/consent")
@bp.post("/about-you/guest/<token>/consent")
def equality_consent(token=None):
    key, link = _respondent(token)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    call_service(form, lambda: equality.give_consent(key, user=current_user if not token else None))  # never refused
    return redirect(url_for("core.equality_questions", **link))


# The questions come in up to three pages: the main ones; a follow-up page
# for what depends on them (ethnic background, a condition's effect); the
# two 16+ questions. Each page saves, then goes to the next that applies.
EQUALITY_PAGES = ("core.equality_questions", "core.equality_follow_up", "core.equality_adult_questions")


def _equality_page(token, *, applies, form_for, save, template):
    key, link = _respondent(token)
    response = equality.answers_of(key)
    if response is None or not applies(response):
        return redirect(url_for("core.about_you", **link))
    form = form_for(response)
    if form.validate_on_submit():
        done, saved = call_service(form, lambda: save(key, form.data))
        if done:
            following = EQUALITY_PAGES[EQUALITY_PAGES.index(request.endpoint) + 1:]
            applying = {"core.equality_follow_up": equality.follow_up_questions,
                        "core.equality_adult_questions": equality.asks_adult_questions}
            for endpoint in following:
                if applying[endpoint](saved):
                    return redirect(url_for(endpoint, **link))
            flash(_("Thank you. Your answers have been saved."), "success")
            return redirect(url_for("core.about_you", **link))
    return render_template(template, form=form, link=link)


@bp.route("/about-you/questions", methods=["GET", "POST"])
@bp.route("/about-you/guest/<token>/questions", methods=["GET", "POST"])
def equality_questions(token=None):
    return _equality_page(token, applies=lambda response: True, save=equality.save_answers,
                          form_for=lambda response: EqualityQuestionsForm(obj=response),
                          template="core/equality_questions.html")


@bp.route("/about-you/follow-up", methods=["GET", "POST"])
@bp.route("/about-you/guest/<token>/follow-up", methods=["GET", "POST"])
def equality_follow_up(token=None):
    return _equality_page(token, applies=equality.follow_up_questions, save=equality.save_follow_up_answers,
                          form_for=lambda response: EqualityFollowUpForm(obj=response).for_answers(response),
                          template="core/equality_follow_up.html")


@bp.route("/about-you/more-questions", methods=["GET", "POST"])
@bp.route("/about-you/guest/<token>/more-questions", methods=["GET", "POST"])
def equality_adult_questions(token=None):
    return _equality_page(token, applies=equality.asks_adult_questions, save=equality.save_adult_answers,
                          form_for=lambda response: EqualityAdultQuestionsForm(obj=response),
                          template="core/equality_adult_questions.html")


@bp.post("/about-you/withdraw")
@bp.post("/about-you/guest/<token>/withdraw")
def equality_withdraw(token=None):
    key, link = _respondent(token)
    actor = current_user if current_user.is_authenticated and not token else None
    return press_button(EmptyForm(), lambda: equality.withdraw(key, actor=actor),
                        _("Your answers have been deleted."), url_for("core.about_you", **link))
