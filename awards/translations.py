"""An award category's name, description and eligibility in the site's
other languages (core.content_languages), which the awards team adds,
changes and removes."""
from dataclasses import dataclass

from awards.models import AwardCategory, CategoryTranslation
from core import content_languages
from core.accounts.models import User


@dataclass(frozen=True)
class CategoryText:
    name: str
    description: str = ""
    eligibility: str = ""


def save_category_version(category: AwardCategory, language: str, text: CategoryText, *,
                          actor: User) -> CategoryTranslation:
    return content_languages.save_version(category, language, {
        "name": text.name, "description": text.description, "eligibility": text.eligibility}, actor=actor)


def remove_category_version(category: AwardCategory, language: str, *, actor: User) -> bool:
    """False when the category had no version in `language`."""
    return content_languages.remove_version(category, language, actor=actor)
