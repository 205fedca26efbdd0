"""The tokens in emailed links. A link names an address, a parent, a
membership or a nomination, and links end up where people cannot control
them: browser histories, proxies' and servers' logs, forwarded emails. So a
token is signed (itsdangerous, and timed where the link expires) and what it
holds is sealed (AES-SIV, from cryptography) with a key drawn from the site's
secret and the token's salt: no one without the key can read it.

Sealing is deterministic: the same contents make the same token, so one
batch's emails carry one unsubscribe link. What is sealed is padded to a
multiple of PADDED_TO bytes, so a token's length does not give away the
length of the address in it. A token is ASCII: itsdangerous would read one
with other characters added as the same token, so those are refused. Tokens made before sealing
(signed, readable JSON) are still read, until each expires as before: their
signature proves they were made here, so their contents are trusted as they
always were."""
import json
import math

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

PADDED_TO = 32  # bytes


class _Sealed:
    """The payload serializer itsdangerous calls: JSON, sealed."""

    def __init__(self, secret: str, salt: str):
        key = HKDF(algorithm=hashes.SHA256(), length=64, salt=None,
                   info=f"shared-future link tokens: {salt}".encode()).derive(secret.encode())
        self._cipher = AESSIV(key)

    def dumps(self, data) -> bytes:
        text = json.dumps(data, separators=(",", ":")).encode()
        padded = text.ljust(math.ceil(len(text) / PADDED_TO) * PADDED_TO)  # JSON reads past trailing spaces
        return self._cipher.encrypt(padded, None)

    def loads(self, payload: bytes):
        try:
            return json.loads(self._cipher.decrypt(payload, None))
        except InvalidTag:  # a token signed here before sealing began
            return json.loads(payload)


class _Text:
    """Tokens as text, as links carry them (a payload serializer that gives
    bytes makes itsdangerous give bytes), and only ASCII ones read."""

    def dumps(self, obj, salt=None) -> str:
        return super().dumps(obj, salt).decode("ascii")

    def loads(self, token, *args, **kwargs):
        if isinstance(token, str) and not token.isascii():
            raise BadSignature("not a token made here: it holds characters no token does")
        return super().loads(token, *args, **kwargs)


class _Serializer(_Text, URLSafeSerializer):
    pass


class _TimedSerializer(_Text, URLSafeTimedSerializer):
    pass


def serializer(salt: str) -> URLSafeSerializer:
    """For links that stop working when what they name changes, not by time."""
    secret = current_app.secret_key
    return _Serializer(secret, salt=salt, serializer=_Sealed(secret, salt))


def timed_serializer(salt: str) -> URLSafeTimedSerializer:
    """For links that expire: `loads(token, max_age=seconds)`."""
    secret = current_app.secret_key
    return _TimedSerializer(secret, salt=salt, serializer=_Sealed(secret, salt))
