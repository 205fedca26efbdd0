"""The signed links in emails that let a person view, confirm or cancel their
registration without signing in."""
from flask import url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from core import link_tokens
from core.errors import InvalidLink
from core.extensions import db
from core.i18n import _
from core.accounts.services import NOT_A_LINK
from events.models import Registration


REGISTRATION_LINK_MAX_AGE = 180 * 24 * 3600


_LINK_SALT = "registration"


def _serializer() -> URLSafeTimedSerializer:
    return link_tokens.timed_serializer(_LINK_SALT)


def registration_token(registration: Registration) -> str:
    return _serializer().dumps({"registration": registration.id, "person": registration.person_key})


def registration_link(registration: Registration, action: str = "view") -> str:
    endpoint = "events.confirm_guest" if action == "confirm" else "events.registration"
    return url_for(endpoint, token=registration_token(registration), _external=True)


def registration_for_token(token: str) -> Registration:
    try:
        data = _serializer().loads(token, max_age=REGISTRATION_LINK_MAX_AGE)
    except SignatureExpired:
        raise InvalidLink(_("This link has expired. Contact the organiser if you need help.")) from None
    except BadSignature:
        raise InvalidLink(NOT_A_LINK) from None
    registration = db.session.get(Registration, data.get("registration")) if isinstance(data, dict) else None
    if registration is None or registration.person_key != data.get("person"):
        raise InvalidLink(NOT_A_LINK)
    return registration
