"""An award category's name, description and eligibility in other languages
(issue 23): the awards team writes the versions; visitors see their
language's on the category's and the cycle's pages, or the English marked
as English; copying categories to next year copies their versions."""
from sqlalchemy import select

from awards import cycle_setup
from awards.models import AwardCategory, CategoryTranslation
from awards.translations import CategoryText, save_category_version
from core.extensions import db
from tests.awards.factories import CategoryFactory, CycleFactory
from tests.conftest import error_summary, sign_in, submit
from tests.factories import UserFactory


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_the_awards_team_adds_an_urdu_version_that_urdu_visitors_see(app, client, make_user):
    team = make_user(roles=["awards_administrator"])
    with app.app_context():
        category = CategoryFactory(name="Young Volunteer", description="For **young** people who help.",
                                   eligibility="Aged 11 to 25.")
        category_id, cycle_id = category.id, category.cycle_id
    sign_in(client, team)
    assert "Add a version in Urdu" in text_of(client.get(f"/manage/awards/categories/{category_id}/edit"))
    refused = submit(client, f"/manage/awards/categories/{category_id}/languages/ur", {
        "name": "", "description": "نوجوان", "eligibility": ""})
    assert [message for _, message in error_summary(refused)] == ["Enter the category's name"]
    assert "نوجوان" in text_of(refused) and '<html lang="en-GB" dir="ltr"' in text_of(refused)
    response = submit(client, f"/manage/awards/categories/{category_id}/languages/ur", {
        "name": "نوجوان رضاکار", "description": "مدد کرنے والے **نوجوانوں** کے لیے۔", "eligibility": ""})
    assert response.status_code == 302

    visitor = app.test_client()
    visitor.set_cookie("language", "ur")
    page = text_of(visitor.get(f"/awards/categories/{category_id}"))
    assert '<h1 class="govuk-heading-xl">نوجوان رضاکار</h1>' in page
    assert "<strong>نوجوانوں</strong>" in page
    # No Urdu eligibility: the English, marked as English, left to right.
    assert '<div class="app-formatted" lang="en-GB" dir="ltr"><p class="govuk-body">Aged 11 to 25.' in page
    cycle = text_of(visitor.get(f"/awards/{cycle_id}"))
    assert f'href="/awards/categories/{category_id}">نوجوان رضاکار</a>' in cycle
    visitor.set_cookie("language", "pl")
    assert f'href="/awards/categories/{category_id}" lang="en-GB">Young Volunteer</a>' in text_of(
        visitor.get(f"/awards/{cycle_id}"))


def test_copying_categories_to_another_year_copies_their_versions(app):
    with app.test_request_context():
        last_year = CycleFactory(name="Awards 2026")
        category = CategoryFactory(cycle=last_year, name="Unsung Hero")
        save_category_version(category, "pl", CategoryText("Cichy bohater", "Dla tych, których nikt nie widzi"),
                              actor=None)
        db.session.commit()
        [copied] = cycle_setup.copy_categories(last_year, CycleFactory(name="Awards 2027"), actor=UserFactory())
        db.session.commit()
        assert [(v.language, v.name, v.description) for v in db.session.get(AwardCategory, copied.id).translations] \
            == [("pl", "Cichy bohater", "Dla tych, których nikt nie widzi")]
        assert len(db.session.scalars(select(CategoryTranslation)).all()) == 2
