"""The demo and benchmark data's commands (`seed-demo`, `seed-bench`) and
`run-local`, which `make run` uses."""
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from seed.cli import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_TOTP_SECRET
from core.extensions import db
from core.models import ImportStatus, SpreadsheetImport
from core.accounts.models import SiteRole, User
from tests.core.test_cli import users


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
    with app.app_context():  # the coordinator's and the organiser's finished imports, with refused rows to download
        found = {each.kind: each for each in db.session.scalars(select(SpreadsheetImport))}
        assert set(found) == {"forum-members", "contacts"}
        demo_import = found["forum-members"]
        assert (demo_import.status, demo_import.imported, demo_import.refused) == (ImportStatus.DONE, 4, 2)
        assert demo_import.owner_id == accounts["coordinator@example.org"].id
        contacts = found["contacts"]
        assert (contacts.imported, contacts.skipped, contacts.refused) == (3, 1, 2)
        assert contacts.owner_id == accounts["organiser@example.org"].id


def test_seed_demo_books_people_who_ask_for_interpreters_and_more(app):
    from events.models import Event
    from events.services.access_requests import access_request_counts
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with app.test_request_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        lunch = db.session.scalar(select(Event).where(Event.title == "Big Lunch on the Green"))
        counts = {str(row.label): (row.booked, row.waiting) for row in access_request_counts(lunch, admin).rows}
    assert counts["British Sign Language (BSL) interpreter"][0] == 1
    assert "Interpreter for Polish" in counts and "Interpreter for Urdu" in counts
    assert sum(waiting for _, waiting in counts.values()) >= 1  # the lunch is full: some ask from its waiting list
    with app.test_request_context():
        from events.services.messages import messages_of
        iftar = db.session.scalar(select(Event).where(Event.title == "Community Iftar"))
        [thanks] = messages_of(iftar)  # a message in a past event's history, to those who came
        # Not essential once the event is over: it reached the 6 of the 9 who came that agreed to hear from us.
        assert thanks.subject == "Thank you for coming" and thanks.recipients == 6 and not thanks.essential


def test_seed_demo_has_survey_results_above_the_minimum_and_an_event_below_it(app):
    from events.models import Event, SurveyInvitation
    from reports.surveys import event_results
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.test_request_context():
        sent = db.session.scalar(select(func.count(SurveyInvitation.id)))
        results = {title: event_results(db.session.scalar(select(Event).where(Event.title == title)))
                   for title in ("Community festival (demo)", "Young voices workshop (demo 2)", "Community Iftar")}
        shown = {title: found.shown for title, found in results.items()}
        assert results["Community festival (demo)"].comments  # more than the minimum wrote something
    assert shown == {"Community festival (demo)": True, "Young voices workshop (demo 2)": True,
                     "Community Iftar": False}
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(SurveyInvitation.id))) == sent  # nobody surveyed twice


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
    from awards.models import Nomination, Score, ScoreSheet
    from seed.bench import BENCH_JUDGE, Sizes
    from core.equality.models import EqualityResponse
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
        bench_judge = db.session.scalar(select(User.id).where(User.email == BENCH_JUDGE))
        by_bench_judge = db.session.scalar(select(func.count()).select_from(Score).join(ScoreSheet).where(
            ScoreSheet.judge_id == bench_judge))
        assert by_bench_judge > 0  # the judging list the bench loads has some of its nominations scored
        assert (count(Attendance), count(Event), count(Registration), count(EqualityResponse), count(Membership),
                count(Nomination), count(Score) - by_bench_judge) == (
            2000, sizes.events, sizes.registrations, sizes.questionnaires, sizes.forum_members, sizes.nominations,
            sizes.scores)
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
            server.terminate()  # and its worker with it
            outputs.append(server.communicate(timeout=60)[0])
        assert "Standing Conference" in page  # the demo's events, served
    assert "Demo sign-ins" in outputs[0] and "admin@example.org" in outputs[0]
    assert "already has accounts, so no demo data was added" in outputs[1]


def test_seed_demo_has_partners_co_hosting_events_with_members_and_a_nomination_linked(app):
    from core.partners.services import find_partner_by_name, links_of
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # linking twice changes nothing
    with app.test_request_context():
        assert links_of(find_partner_by_name("central mosque")) == ["2 events it co-hosts",
                                                                     "1 forum member who represents it"]
        assert links_of(find_partner_by_name("Kettering Faiths Together")) == ["1 award nomination"]
        assert len(find_partner_by_name("Northamptonshire Police").contacts) == 1
def test_seed_demo_leaves_likely_duplicates_for_the_admin_to_merge(app):
    from core.people import queries
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.test_request_context():
        reasons = sorted(reason for _, _, reason in db.session.execute(queries.candidate_pairs()))
    assert reasons == ["guest_under_proven_address", "same_name_plus_tag"]
