"""The base class for business-rule failures.

Services raise a DomainError subclass with a message a person can act on;
views turn it into an error beside the field or a flash message.
"""


class DomainError(Exception):
    """A rule said no. `field` names the form field the message belongs to."""

    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class InvalidLink(DomainError):
    """An emailed link that is forged, altered, expired, or no longer points
    at anything. Every package's links raise this, and views show it on one page."""


class DomainErrors(DomainError):
    """Several rules said no to one long form at once, each about its own
    field, so the person can fix them all in one go."""

    def __init__(self, errors: list[DomainError]):
        super().__init__(errors[0].message, field=errors[0].field)
        self.errors = errors
