"""Signing in with an OpenID Connect provider (core/accounts/oidc.py), round trip
against the small provider in tests/oidc_provider.py."""
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import select

from core.extensions import db
from core.accounts.models import OidcIdentity, User
from core.models import AuditEntry
from tests.conftest import authenticator_code, built_app, csrf_token, empty
from tests.factories import TOTP_SECRET
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, oidc_provider


@pytest.fixture
def provider():
    with oidc_provider() as running:
        yield running


@pytest.fixture
def app(database_url, provider):
    """Here, an app that signs in with the test provider."""
    with built_app(database_url, OIDC_METADATA_URL=f"{provider.issuer}/.well-known/openid-configuration",
                   OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET,
                   OIDC_PROVIDER_NAME="Partnership Login") as app:
        yield app
        empty(app)


def start(client, provider, claims) -> str:
    """Press "Sign in with ..." and sign in at the provider as `claims`:
    the address the provider sends the browser back to."""
    provider.next_claims = claims
    response = client.post("/sign-in/provider", data={"csrf_token": csrf_token(client, "/sign-in")})
    assert response.status_code == 302 and response.location.startswith(f"{provider.issuer}/authorize?")
    sent = parse_qs(urlsplit(response.location).query)
    assert sent["nonce"] and sent["state"] and sent["code_challenge_method"] == ["S256"]
    back = requests.get(response.location, allow_redirects=False, timeout=10)
    return back.headers["Location"]


def come_back(client, callback: str):
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")


def through_provider(client, provider, claims):
    return come_back(client, start(client, provider, claims))


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def identities(app) -> list[tuple[int, str]]:
    with app.app_context():
        return [(row.user_id, row.subject) for row in db.session.scalars(select(OidcIdentity))]


def claims(sub="entra-1", email="new.person@partnership.example", verified=True, amr=("pwd",), **more):
    return {"sub": sub, "email": email, "email_verified": verified, "amr": list(amr), "name": "Nia Newcomer",
            **more}


def test_the_sign_in_page_offers_the_provider(client):
    assert "Sign in with Partnership Login" in client.get("/sign-in").get_data(as_text=True)


def test_a_first_sign_in_with_a_verified_email_makes_a_confirmed_account_linked_by_subject(app, client, provider):
    response = through_provider(client, provider, claims())
    assert response.location == "/account" and signed_in(client)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.person@partnership.example"))
        assert user.email_confirmed and user.name == "Nia Newcomer"
        user_id = user.id
    assert identities(app) == [(user_id, "entra-1")]
    # Later the provider says another address: the same account, found by issuer and subject.
    other = app.test_client()
    assert through_provider(other, provider, claims(email="renamed@partnership.example")).location == "/account"
    assert identities(app) == [(user_id, "entra-1")]


def test_a_verified_email_links_the_existing_account(app, client, provider, make_user):
    member = make_user(email="mo@partnership.example")
    assert through_provider(client, provider, claims(email="Mo@Partnership.example")).location == "/account"
    assert identities(app) == [(member.id, "entra-1")]


def test_an_unconfirmed_sign_up_with_the_address_is_not_handed_to_the_provider_sign_in(app, client, provider,
                                                                                      make_user):
    """Found by an attack: a stranger signed up first with the owner's address and a password of
    their own; the owner's provider sign-in then linked and confirmed that account, and the
    stranger's password still opened it."""
    squatter = make_user(email="mo@partnership.example", email_confirmed_at=None)
    assert through_provider(client, provider, claims(email="mo@partnership.example")).location == "/account"
    with app.app_context():
        [owner] = db.session.scalars(select(User).where(User.email == "mo@partnership.example")).all()
        assert owner.name == "Nia Newcomer" != squatter.name and owner.email_confirmed  # a new account
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.deleted")) is not None
    assert identities(app) == [(owner.id, "entra-1")]
    stranger = app.test_client()
    stranger.post("/sign-in", data={"csrf_token": csrf_token(stranger, "/sign-in"),
                                    "email": "mo@partnership.example", "password": squatter.password})
    assert not signed_in(stranger)


@pytest.mark.parametrize("verified", [False, None, "true"])
def test_an_unverified_email_does_not_link_an_existing_account(app, client, provider, make_user, verified):
    make_user(email="mo@partnership.example")
    story = claims(email="mo@partnership.example", verified=verified)
    if verified is None:
        del story["email_verified"]
    response = through_provider(client, provider, story)
    assert response.status_code == 400
    assert "did not confirm your email address" in response.get_data(as_text=True)
    assert identities(app) == [] and not signed_in(client)


def test_staff_whose_provider_used_no_second_factor_still_enter_a_code(app, client, provider, make_user):
    staff = make_user(roles=["admin"], email="ada@partnership.example")
    response = through_provider(client, provider, claims(email=staff.email, amr=["pwd"]))
    assert response.location == "/sign-in/code"
    assert client.get("/admin/users").location.startswith("/sign-in")  # not signed in yet
    token = csrf_token(client, "/sign-in/code")
    done = client.post("/sign-in/code", data={"code": authenticator_code(TOTP_SECRET), "csrf_token": token})
    assert done.location == "/account" and client.get("/admin/users").status_code == 200


def test_staff_whose_provider_used_a_second_factor_are_signed_in(client, provider, make_user):
    staff = make_user(roles=["admin"], email="ada@partnership.example")
    assert through_provider(client, provider, claims(email=staff.email, amr=["pwd", "mfa"])).location == "/account"
    assert client.get("/admin/users").status_code == 200


def test_staff_with_no_app_and_no_second_factor_at_the_provider_set_one_up(app, client, provider, make_user):
    staff = make_user(roles=["organiser"], email="olu@partnership.example")
    with app.app_context():
        db.session.get(User, staff.id).totp_secret = None
        db.session.commit()
    assert through_provider(client, provider, claims(email=staff.email)).location == "/sign-in/set-up-code"


def test_the_state_is_checked(app, client, provider, make_user):
    """A forged or swapped answer, or one delivered to another browser (someone
    else's sign-in planted on you), signs no one in."""
    callback = start(client, provider, claims())
    parts = urlsplit(callback)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    forged = client.get(f"{parts.path}?{urlencode({**query, 'state': 'forged'})}")
    assert forged.status_code == 400 and not signed_in(client)
    assert come_back(app.test_client(), callback).status_code == 400  # another browser: no state of its own
    assert identities(app) == []


def test_the_nonce_is_checked(app, client, provider):
    provider.wrong_nonce = True
    response = through_provider(client, provider, claims())
    assert response.status_code == 400 and "did not sign you in" in response.get_data(as_text=True)
    assert not signed_in(client) and identities(app) == []


def test_an_answer_is_used_once(app, client, provider):
    callback = start(client, provider, claims())
    assert come_back(client, callback).location == "/account"
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account")})
    assert come_back(client, callback).status_code == 400
    assert not signed_in(client)
