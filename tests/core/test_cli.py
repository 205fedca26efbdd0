"""The command-line tasks an admin runs from the shell (the demo and bench
data's are in tests/seed/test_cli.py)."""
from sqlalchemy import select
from werkzeug.security import check_password_hash

import pyotp

from core.extensions import db
from core.accounts.models import SiteRole, User
from tests.conftest import csrf_token


def users(app):
    with app.app_context():
        return {u.email: u for u in db.session.scalars(select(User))}


def test_users_create_reads_the_password_from_stdin_and_grants_roles(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "Lead@Example.org", "--name", "Lead Organiser", "--role", "organiser",
              "--role", "admin"],
        input="river candle mosaic\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created lead@example.org (Admin, Organiser)" in result.output
    user = users(app)["lead@example.org"]
    assert user.site_roles == {SiteRole.ADMIN, SiteRole.ORGANISER}
    assert user.email_confirmed and check_password_hash(user.password_hash, "river candle mosaic")


def test_users_create_refuses_duplicates_weak_passwords_and_unknown_roles(app, make_user):
    make_user(email="taken@example.org")
    runner = app.test_cli_runner()
    taken = runner.invoke(args=["users", "create", "TAKEN@example.org"], input="river candle mosaic\n")
    weak = runner.invoke(args=["users", "create", "new@example.org"], input="password\n")
    short = runner.invoke(args=["users", "create", "new@example.org"], input="abc\n")
    role = runner.invoke(args=["users", "create", "new@example.org", "--role", "king"], input="river candle mosaic\n")
    assert taken.exit_code == 1 and "already uses taken@example.org" in taken.output
    assert weak.exit_code == 1 and "harder to guess" in weak.output
    assert short.exit_code == 1 and "between 8 and 128" in short.output
    assert role.exit_code == 2 and "king" in role.output
    assert set(users(app)) == {"taken@example.org"}


def test_users_create_with_a_totp_secret_signs_in_with_its_codes(app, client):
    secret = "KRSXG5CTMVRXEZLUKN2XAZLSONSWG4TF"
    result = app.test_cli_runner().invoke(
        args=["users", "create", "ops@example.org", "--role", "admin", "--totp-secret", secret],
        input="river candle mosaic\n")
    assert result.exit_code == 0, result.output
    assert "with an authenticator app" in result.output
    token = csrf_token(client, "/sign-in")
    step = client.post("/sign-in", data={"email": "ops@example.org", "password": "river candle mosaic",
                                         "csrf_token": token})
    assert step.location == "/sign-in/code"  # not the set-up page: the app is enrolled already
    done = client.post("/sign-in/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert done.location == "/account"


def test_users_create_refuses_a_secret_that_is_not_base32(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "ops@example.org", "--totp-secret", "not-base32!"],
                                          input="river candle mosaic\n")
    assert result.exit_code == 1 and "base32" in result.output
    assert users(app) == {}


