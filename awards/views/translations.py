"""The awards team's pages for a category's name, description and
eligibility in the site's other languages (core.content_languages)."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from awards import translations
from awards.forms import CategoryVersionForm
from awards.views import bp
from awards.views.loading import category_or_404, require_awards_team
from core import content_languages
from core.forms import EmptyForm, call_service, press_button
from core.i18n import _, staff_screens

staff_screens(__name__)  # in English, wholly (core.i18n)


@bp.route("/manage/awards/categories/<int:category_id>/languages/<code>", methods=["GET", "POST"])
@login_required
def category_version(category_id, code):
    require_awards_team()
    category = category_or_404(category_id)
    language = content_languages.language_or_404(code)
    version = content_languages.versions_by_language(category).get(language.code)
    form = CategoryVersionForm() if request.method == "POST" else CategoryVersionForm(formdata=None, obj=version)
    if form.validate_on_submit():
        done, _saved = call_service(form, lambda: translations.save_category_version(
            category, language.code, form.text(), actor=current_user))
        if done:
            flash(_("The version in %(language)s has been saved.",
                    language=content_languages.language_name(language)), "success")
            return redirect(url_for("awards.edit_category", category_id=category.id, _anchor="other-languages"))
    return render_template("awards/version.html", category=category, version_language=language,
                           form=form)


@bp.post("/manage/awards/categories/<int:category_id>/languages/<code>/remove")
@login_required
def remove_category_version(category_id, code):
    require_awards_team()
    category = category_or_404(category_id)
    language = content_languages.language_or_404(code)
    return press_button(EmptyForm(), lambda: translations.remove_category_version(category, language.code,
                                                                                  actor=current_user),
                        content_languages.removal_message(language),
                        url_for("awards.edit_category", category_id=category.id, _anchor="other-languages"))
