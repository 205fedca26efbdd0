"""What the forum rules refuse with: a `DomainError`, naming the form field
it concerns where there is one, so that pages show the message beside it."""
from core.errors import DomainError


class ForumRuleBroken(DomainError):
    pass
