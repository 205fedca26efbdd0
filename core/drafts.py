"""A message's preview key (`draft`): minted by the server when it shows
the preview, and the only thing Send accepts.

Events' messages and forums' announcements are written, previewed, then
sent; the preview's Send button carries the draft. It is signed
(itsdangerous, with the app's secret) and says which event or forum it was
made for (`scope`, "event:12") and a digest of the message as previewed
(subject, body, whom it goes to, whether essential), so a made-up draft, one
from another event's preview, or a message changed after its preview is
refused: it needs a preview of its own. Inside is a one-time key, which the
sent message keeps, so the same preview sent twice (a double click, another
tab) sends once."""
import hashlib
import json
import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from core.errors import DomainError

_SALT = "message-preview"


class NotPreviewed(DomainError):
    """A send whose draft the server did not mint for this message as it is now."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def _digest(message) -> str:
    return hashlib.sha256(json.dumps(message, ensure_ascii=False).encode()).hexdigest()


def mint(scope: str, message) -> str:
    """A new draft for a preview of `message` (a JSON-able list of what the email says and whom it goes to)."""
    return _serializer().dumps({"key": secrets.token_urlsafe(24), "scope": scope, "message": _digest(message)})


def key_of(draft: str | None, scope: str, message) -> str:
    """The one-time key inside a draft minted for this scope and this message; NotPreviewed otherwise."""
    try:
        data = _serializer().loads(draft or "")
    except BadSignature:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("key"), str) or data.get("scope") != scope \
            or data.get("message") != _digest(message):
        raise NotPreviewed("This message has not been previewed as it is now, so it was not sent. Check the "
                           "preview, then send it from there.")
    return data["key"]


def kept_or_minted(draft: str | None, scope: str, message) -> str:
    """The draft a preview's Send button carries: the one it came with when the
    message is unchanged (so sending either page sends once), else a new one."""
    try:
        key_of(draft, scope, message)
    except NotPreviewed:
        return mint(scope, message)
    return draft
