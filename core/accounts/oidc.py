"""Signing in with the partnership's OpenID Connect provider (Microsoft Entra
ID, or any other) through Authlib. Off unless OIDC_METADATA_URL and
OIDC_CLIENT_ID are set (core/config.py, docs/deployment.md).

Authlib keeps the state, nonce and PKCE verifier in the session and checks
them, and the ID token's signature, issuer, audience and expiry, when the
provider sends the person back. What the token then says is used here:
- an account at the provider is linked to one here by (issuer, subject), in
  OidcIdentity, never by email alone, since an address can change hands;
- the first sign-in links to the account with the same email, or makes one,
  only when the provider says it has verified the address (email_verified);
- an account signed in this way counts as confirmed, and as having passed a
  second factor when the token's `amr` names one (MFA_METHODS); otherwise
  core.accounts.second_factor asks for its own code as after a password.

Functions flush but never commit; the caller owns the transaction.
"""
import secrets

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from joserfc.errors import JoseError
from requests import RequestException
from sqlalchemy import select

from core import audit
from core.accounts import services
from core.database import utcnow
from core.errors import DomainError
from core.extensions import db
from core.i18n import _
from core.accounts.models import NAME_MAX_LENGTH, OidcIdentity, User

# Authentication methods (RFC 8176, and Entra ID's names) that are a second
# factor on their own or say one was used.
MFA_METHODS = frozenset({"mfa", "otp", "hwk", "fido", "sc", "ngcmfa"})


class OidcSignInFailed(DomainError):
    """The provider did not sign the person in, or said too little to know who they are here."""


def enabled(app: Flask | None = None) -> bool:
    config = (app or current_app).config
    return bool(config.get("OIDC_METADATA_URL") and config.get("OIDC_CLIENT_ID"))


def init_app(app: Flask) -> None:
    """One Authlib client per app (each app may name its own provider)."""
    if not enabled(app):
        return
    oauth = OAuth(app)
    oauth.register("provider", client_id=app.config["OIDC_CLIENT_ID"],
                   client_secret=app.config.get("OIDC_CLIENT_SECRET"),
                   server_metadata_url=app.config["OIDC_METADATA_URL"],
                   client_kwargs={"scope": app.config["OIDC_SCOPES"], "code_challenge_method": "S256",
                                  "timeout": 10})


def _client():
    return current_app.extensions["authlib.integrations.flask_client"].provider


def send_to_provider(return_to: str):
    """The redirect to the provider's sign-in page (state, nonce and PKCE kept in the session)."""
    try:
        return _client().authorize_redirect(return_to)
    except (AuthlibBaseError, RequestException, ValueError, KeyError) as error:
        raise OidcSignInFailed(_("We could not reach %(provider)s to sign you in. Try again in a few minutes, or sign "
                                 "in with your password.", provider=current_app.config["OIDC_PROVIDER_NAME"])) from error


def claims_from_provider() -> dict:
    """What the ID token the provider sent back says, once Authlib has
    checked the state, the nonce and the token itself."""
    try:
        token = _client().authorize_access_token()
    except (AuthlibBaseError, JoseError, RequestException, ValueError, KeyError) as error:
        raise OidcSignInFailed(_("%(provider)s did not sign you in. Start again from the sign-in page.",
                                 provider=current_app.config["OIDC_PROVIDER_NAME"])) from error
    claims = token.get("userinfo")
    if not claims or not claims.get("iss") or not claims.get("sub"):
        raise OidcSignInFailed(_("%(provider)s did not say who you are. Start again from the sign-in page.",
                                 provider=current_app.config["OIDC_PROVIDER_NAME"]))
    return dict(claims)


def passed_second_factor(claims: dict) -> bool:
    methods = claims.get("amr")
    return isinstance(methods, list) and bool(MFA_METHODS & {str(method).lower() for method in methods})


def _verified_email(claims: dict) -> str | None:
    email = claims.get("email")
    if isinstance(email, str) and claims.get("email_verified") is True:
        return services.normalise_email(email)
    return None


def sign_in(claims: dict) -> User:
    """The account these claims sign in to: linked before, or linked now by
    a verified email address (an account is made for a new address)."""
    issuer, subject = str(claims["iss"])[:255], str(claims["sub"])[:255]
    provider = current_app.config["OIDC_PROVIDER_NAME"]
    email = _verified_email(claims)
    identity = db.session.scalar(select(OidcIdentity).where(OidcIdentity.issuer == issuer,
                                                            OidcIdentity.subject == subject))
    if identity is not None:
        user = db.session.get(User, identity.user_id)
    elif email is None:
        audit.record("sign_in.failed", details={"reason": "provider email not verified", "issuer": issuer})
        raise OidcSignInFailed(_("%(provider)s did not confirm your email address, so we cannot tell which account "
                                 "here is yours. Sign in with your email address and password instead.",
                                 provider=provider))
    else:
        # An account that signed up with the address and never proved it is not the owner's: whoever made it
        # (and knows its password) must not be handed the account the provider's sign-in vouches for.
        user = (services.proven_holder_of(email, reason="its address was proved by another through "
                                          f"{current_app.config['OIDC_PROVIDER_NAME']}")
                or _new_account(claims, email))
        identity = OidcIdentity(user_id=user.id, issuer=issuer, subject=subject)
        db.session.add(identity)
        audit.record("oidc.linked", actor=user, subject=user, details={"issuer": issuer})
    identity.last_used_at = user.last_signed_in_at = utcnow()
    if user.email_confirmed_at is None and email == user.email:
        user.email_confirmed_at = utcnow()  # the provider vouches for the address
        audit.record("email.confirmed", actor=user, subject=user, details={"via": "oidc"})
        services.email_confirmed.send(user)
    audit.record("sign_in.succeeded", actor=user, subject=user,
                 details={"via": "oidc", "second_factor": passed_second_factor(claims)})
    db.session.flush()
    return user


def _new_account(claims: dict, email: str) -> User:
    name = str(claims.get("name") or email.split("@")[0]).strip()[:NAME_MAX_LENGTH] or email.split("@")[0]
    # No password: "!" is never a hash any password matches. "Forgot your
    # password" sets one, for signing in without the provider.
    user = User(name=name, email=email, password_hash="!" + secrets.token_hex(16), email_confirmed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    audit.record("account.created", actor=user, subject=user, details={"via": "oidc"})
    services.email_confirmed.send(user)
    return user
