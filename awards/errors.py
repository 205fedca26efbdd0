"""What the award rules refuse with: a `DomainError`, naming the form field
it concerns where there is one, so that pages show the message beside it
(`core.errors.DomainErrors` carries several at once)."""
from core.errors import DomainError


class AwardRuleBroken(DomainError):
    pass
