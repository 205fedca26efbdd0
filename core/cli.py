"""Command-line tasks: `flask --app app users create`, `worker` (the job
queue's), `send-mail`, `apply-retention`, `backup`, `restore` (the demo and
benchmark data's commands, and `run-local`, are seed/cli.py's); and the
periodic jobs that do core's share of the work on a timetable."""
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, ScriptInfo, with_appcontext

from core import backup, jobs
from core.accounts import second_factor, services
from core.email import deliver_due, interrupted_count
from core.database import write_lock
from core.errors import DomainError
from core.extensions import db
from core.accounts.models import SiteRole
from core.privacy import retention

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", help="Full name (defaults to the part of the email before @).")
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in SiteRole]),
              help="Site role to grant; repeat for several.")
@click.option("--totp-secret", help="Base32 secret of the person's authenticator app, so they sign in with its "
              "codes from the start (staff must have one; without it they set one up at their first sign-in).")
def create_user_command(email, name, roles, totp_secret):
    """Create a confirmed account. The password is read from the prompt, or
    from standard input when it is not a terminal."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    if not services.PASSWORD_MIN_LENGTH <= len(password) <= services.PASSWORD_MAX_LENGTH:
        raise click.ClickException(
            f"Password must be between {services.PASSWORD_MIN_LENGTH} and {services.PASSWORD_MAX_LENGTH} characters")
    try:
        services.check_password_strength(password, email=email, name=name or "")
        user = services.create_user(email=email, name=name or email.split("@")[0], password=password,
                                    roles=[SiteRole(r) for r in roles])
        if totp_secret:
            second_factor.set_up_without_code(user, secret=totp_secret)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    granted = ", ".join(str(role.label) for role in sorted(user.site_roles, key=lambda r: r.value)) or "no site roles"
    click.echo(f"Created {user.email} ({granted})" + (", with an authenticator app." if totp_secret else "."))


@click.command("worker")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Jobs run at once by this worker.")
@click.option("--no-scheduler", is_flag=True,
              help="Do not queue periodic jobs from this worker (they are queued once a tick however many "
                   "workers do, so this is only to keep a worker to on-demand work).")
def worker_command(threads, no_scheduler):
    """Run the job queue's worker: it sends mail and does the periodic work
    (reminders, offer expiry, retention) until Ctrl-C or SIGTERM."""
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    with app.app_context():
        require_server_name()
    jobs.run_worker(app, threads=threads, scheduler=not no_scheduler)


@click.command("send-mail")
@with_appcontext
def send_mail_command():
    """Send everything due in the outbox now (the worker does this every minute)."""
    report = deliver_due()
    click.echo(f"Sent {report.sent}; failed {report.failed} (gave up on {report.gave_up}).")
    stuck = interrupted_count()
    if stuck:
        click.echo(f"Warning: {stuck} message(s) were interrupted while sending and need checking.", err=True)


def apply_retention() -> str:
    with write_lock(every_transaction=True):
        done = retention.apply()
    return "Retention applied: " + ("; ".join(f"{count} {what}" for what, count in done.items() if count)
                                    or "nothing was due") + "."


jobs.register(40, "apply-retention", apply_retention, schedule={"minute": "30", "hour": "3"})


@click.command("apply-retention")
@with_appcontext
def apply_retention_command():
    """Delete, or make anonymous, personal data past its retention period now (the worker does this daily)."""
    click.echo(apply_retention())


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def backup_command(path):
    """Copy the whole database to PATH (SQLite's online backup, or pg_dump); safe while the app serves."""
    try:
        backup.backup(path)
    except backup.BackupFailed as error:
        raise click.ClickException(str(error))
    click.echo(f"Backed up to {path} ({path.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.confirmation_option(prompt="This replaces everything in the database with the backup. Go on?")
@with_appcontext
def restore_command(path):
    """Replace the database's contents with the backup at PATH."""
    try:
        backup.restore(path)
    except backup.BackupFailed as error:
        raise click.ClickException(str(error))
    click.echo(f"Restored from {path}. If the backup is from an older version, run `flask --app app db upgrade`.")


def require_server_name() -> None:
    """For a command that writes emails: their links need the site's address."""
    if not current_app.config.get("SERVER_NAME"):
        raise click.ClickException("Set SERVER_NAME (and PREFERRED_URL_SCHEME) so emails can link to the site.")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(send_mail_command)
    app.cli.add_command(apply_retention_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
