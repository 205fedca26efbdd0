"""The command-line tasks an admin runs from the shell."""
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from core.cli import DEMO_ACCOUNTS, DEMO_PASSWORD
from core.extensions import db
from core.models import SiteRole, User


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


def test_seed_demo_is_idempotent_and_prints_every_sign_in(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    after_first = set(users(app))
    second = runner.invoke(args=["seed-demo"])
    assert first.exit_code == second.exit_code == 0
    for email, _, _ in DEMO_ACCOUNTS:
        assert email in first.output and email in second.output
    assert DEMO_PASSWORD in first.output
    accounts = users(app)
    assert set(accounts) == after_first  # the second run added nobody
    assert {email for email, _, _ in DEMO_ACCOUNTS} <= set(accounts)
    assert accounts["admin@example.org"].site_roles == {SiteRole.ADMIN}
    assert check_password_hash(accounts["member@example.org"].password_hash, DEMO_PASSWORD)


def test_seed_demo_if_empty_leaves_a_database_with_accounts_alone(app, make_user):
    make_user()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert "already has accounts" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
