"""A forum's purpose and public text in the site's other languages
(core.content_languages), which its coordinators and admins add, change
and remove."""
from dataclasses import dataclass

from core import content_languages
from core.accounts.models import User
from forums.models import Forum, ForumTranslation


@dataclass(frozen=True)
class ForumText:
    purpose: str
    public_text: str = ""


def save_forum_version(forum: Forum, language: str, text: ForumText, *, actor: User) -> ForumTranslation:
    return content_languages.save_version(forum, language, {"purpose": text.purpose,
                                                            "public_text": text.public_text}, actor=actor)


def remove_forum_version(forum: Forum, language: str, *, actor: User) -> bool:
    """False when the forum had no version in `language`."""
    return content_languages.remove_version(forum, language, actor=actor)
