"""The command-line tasks an admin runs from the shell."""
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

import pyotp

from core.cli import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_TOTP_SECRET
from core.extensions import db
from core.models import SiteRole, User
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


def test_seed_demo_gives_demo_staff_the_printed_secret_and_members_none(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert DEMO_TOTP_SECRET in result.output
    accounts = users(app)
    for email in ("admin@example.org", "organiser@example.org", "awards@example.org", "coordinator@example.org",
                  "judge@example.org"):
        assert accounts[email].totp_secret == DEMO_TOTP_SECRET, email
    assert accounts["member@example.org"].totp_secret is None


def test_seed_demo_if_empty_leaves_a_database_with_accounts_alone(app, make_user):
    make_user()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert "already has accounts" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_seed_bench_fills_an_empty_database_in_proportion_to_its_scale(app):
    from awards.models import Nomination, Score
    from core.bench_data import Sizes
    from core.models import EqualityResponse
    from events.models import Attendance, Event, Registration, RegistrationStatus
    from forums.models import Membership
    from reports.services import Scope, build
    from reports.baselines import chosen
    from core.database import utcnow
    from datetime import timedelta

    result = app.test_cli_runner().invoke(args=["seed-bench", "--scale", "2000"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        def count(model):
            return db.session.scalar(select(func.count()).select_from(model))
        sizes = Sizes.for_scale(2000)
        assert (count(Attendance), count(Event), count(Registration), count(EqualityResponse), count(Membership),
                count(Nomination), count(Score)) == (2000, sizes.events, sizes.registrations, sizes.questionnaires,
                                                     sizes.forum_members, sizes.nominations, sizes.scores)
        # Attendance only at events that happened, and never twice for one registration.
        assert not db.session.scalar(select(func.count()).select_from(Attendance).join(Event).where(
            Event.starts_at > func.current_timestamp()))
        assert db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.status == RegistrationStatus.CONFIRMED)) > 0
        member = db.session.scalar(select(User).where(User.email == "bench-member@example.org"))
        assert db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.user_id == member.id)) >= 12
        with app.test_request_context():
            # A month on, when every event so far has settled.
            report = build(Scope("all"), "Everything", chosen(None), now=utcnow() + timedelta(days=30))
        # Every attendance record is at an event the reports count: named people's visits plus walk-ins.
        assert report.reach.attendances == 2000
    again = app.test_cli_runner().invoke(args=["seed-bench", "--scale", "2000"])
    assert again.exit_code == 1 and "needs an empty database" in again.output


def test_run_local_makes_the_database_adds_the_demo_and_serves_in_one_process(tmp_path):
    """`make run`: one start-up; a second run keeps the data it finds."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request
    from tests.live_server import ROOT, free_port

    database = tmp_path / "local.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SESSION_COOKIE_SECURE": "0",
           "PREFERRED_URL_SCHEME": "http",
           "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "MAIL_BACKEND": "locmem"}
    outputs = []
    for _ in range(2):
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "run-local", "--port", str(port)],
                                  cwd=ROOT, env={**env, "SERVER_NAME": f"127.0.0.1:{port}"}, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    page = urllib.request.urlopen(f"http://127.0.0.1:{port}/events", timeout=5).read().decode()
                    break
                except OSError:
                    assert server.poll() is None and time.monotonic() < deadline, "run-local did not serve"
                    time.sleep(0.1)
        finally:
            server.terminate()
            outputs.append(server.communicate(timeout=10)[0])
        assert "Standing Conference" in page  # the demo's events, served
    assert "Demo sign-ins" in outputs[0] and "admin@example.org" in outputs[0]
    assert "already has accounts, so no demo data was added" in outputs[1]
