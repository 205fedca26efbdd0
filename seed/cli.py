"""Command-line tasks for demo and benchmark data: `flask --app app seed-demo`,
`seed-bench`, and `run-local`, which is what `make run` does."""
import signal
import subprocess
import sys

import click
from flask import Flask
from flask.cli import ScriptInfo, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select
from werkzeug.serving import run_simple

from core.accounts import second_factor, services
from core.database import write_lock
from core.extensions import db
from core.accounts.models import SiteRole, User
from events import tallies
from seed.awards import seed_demo_awards
from seed.events import seed_demo_events
from seed.forums import seed_demo_forums
from seed.partners import link_demo_partners, seed_demo_partners
from seed.people import seed_demo_people
from seed.reports import seed_demo_reports
from seed.surveys import seed_demo_surveys

DEMO_PASSWORD = "demo-Shared-Future-2026"
DEMO_ACCOUNTS = [
    ("admin@example.org", "Ada Admin", [SiteRole.ADMIN]),
    ("organiser@example.org", "Olu Organiser", [SiteRole.ORGANISER]),
    ("awards@example.org", "Aisha Awards", [SiteRole.AWARDS_ADMINISTRATOR]),
    ("monitor@example.org", "Meera Monitor", [SiteRole.EQUALITY_MONITOR]),
    ("member@example.org", "Mo Member", []),
    ("coordinator@example.org", "Cora Coordinator", []),
    ("judge@example.org", "Jo Judge", []),
]
# Roles held on one forum or award panel rather than the site, to show beside those sign-ins.
DEMO_PLACE_ROLES = {"coordinator@example.org": "Forum coordinator", "judge@example.org": "Awards judge"}
# Staff need a code from an authenticator app to sign in; the demo staff share this secret (base32),
# printed with the sign-ins. Members need none.
DEMO_TOTP_SECRET = "SHAREDFUTUREDEMOSHAREDFUTUREDEMO"


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Only seed when the database has no accounts yet.")
def seed_demo_command(if_empty):
    """Create demo data (idempotent) and print the demo sign-ins."""
    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        click.echo("The database already has accounts, so no demo data was added.")
    else:
        db.session.rollback()
        with write_lock(every_transaction=True):  # seeding books places, which needs the lock on SQLite
            for email, name, roles in DEMO_ACCOUNTS:
                user = services.find_user_by_email(email)
                if user is None:
                    user = services.create_user(email=email, name=name, password=DEMO_PASSWORD, roles=roles)
                if (roles or email in DEMO_PLACE_ROLES) and not second_factor.has_second_factor(user):
                    second_factor.set_up_without_code(user, secret=DEMO_TOTP_SECRET)
            db.session.commit()
            organiser = services.find_user_by_email("organiser@example.org")
            member = services.find_user_by_email("member@example.org")
            seed_demo_events(organiser, [member])
            seed_demo_partners(organiser)
            seed_demo_forums(services.find_user_by_email("admin@example.org"),
                             services.find_user_by_email("coordinator@example.org"), member, password=DEMO_PASSWORD)
            seed_demo_awards(services.find_user_by_email("awards@example.org"), member,
                             services.find_user_by_email("judge@example.org"))
            seed_demo_reports(organiser, services.find_user_by_email("admin@example.org"))
            seed_demo_surveys()
            link_demo_partners(organiser, services.find_user_by_email("coordinator@example.org"),
                               services.find_user_by_email("awards@example.org"))
            seed_demo_people(DEMO_PASSWORD)
            tallies.tally_settled()  # as the worker's tally-settled job would, so the demo's reports read tallies
    present = [account for account in DEMO_ACCOUNTS if services.find_user_by_email(account[0])]
    if present:
        click.echo(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
    for email, name, roles in present:
        label = ", ".join(str(r.label) for r in roles) or DEMO_PLACE_ROLES.get(email, "Member")
        click.echo(f"  {label:<22} {email}")
    if present:
        click.echo(f"Every sign-in but the member's also asks for a code from an authenticator app: add the key "
                   f"{DEMO_TOTP_SECRET} to one (any TOTP app; or `python -c \"import pyotp; "
                   f"print(pyotp.TOTP('{DEMO_TOTP_SECRET}').now())\"`).")


@click.command("seed-bench")
@with_appcontext
@click.option("--scale", default=1_000_000, show_default=True, type=click.IntRange(min=1000),
              help="Attendance records; everything else is in proportion.")
def seed_bench_command(scale):
    """Fill an empty database with a county's ten years at scale, for bench/."""
    from seed import bench as bench_data  # only here: every other command starts faster without it
    sizes = bench_data.Sizes.for_scale(scale)
    click.echo(f"Seeding {bench_data.describe(sizes)}...")
    try:
        counts = bench_data.seed(sizes)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Done: {sum(counts.values()):,} rows. Sign in as {bench_data.BENCH_MEMBER}, or as staff: "
               f"{bench_data.BENCH_ADMIN}, {bench_data.BENCH_ORGANISER}, {bench_data.BENCH_JUDGE} or "
               f"{bench_data.BENCH_COORDINATOR} (password {bench_data.BENCH_PASSWORD}; staff codes from the "
               f"authenticator key {bench_data.BENCH_TOTP_SECRET}).")


@click.command("run-local")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def run_local_command(host, port):
    """What `make run` does: bring the database up to date, add the demo data
    if it has no accounts, then serve, with the job queue's worker beside the
    server (its own process, as in production) sending the mail."""
    script = click.get_current_context().ensure_object(ScriptInfo)
    app = script.load_app()
    with app.app_context():  # left before serving: each request gets a context of its own
        upgrade()
        click.get_current_context().invoke(seed_demo_command, if_empty=True)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", script.app_import_path or "app", "worker"])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stopped by a supervisor too, the worker goes with it
    try:
        run_simple(host, port, app, threaded=True)
    finally:
        worker.terminate()
        worker.wait(30)


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_bench_command)
    app.cli.add_command(run_local_command)
