"""Forums' periodic work, done by the job queue's worker daily (core.jobs),
and the same as a command to run by hand: `flask --app app send-renewal-reminders`."""
import click
from flask import Flask
from flask.cli import with_appcontext

from core.database import write_lock
from core.extensions import db
from core.formatting import counted
from core import jobs
from core.cli import require_server_name
from forums.services import renewal


def remind_members_to_renew() -> str:
    with write_lock():
        count = renewal.send_renewal_reminders()
        db.session.commit()
    return f"Queued {counted(count, 'renewal reminder')}."


jobs.register(30, "send-renewal-reminders", remind_members_to_renew, schedule={"minute": "15", "hour": "9"})


@click.command("send-renewal-reminders")
@with_appcontext
def send_renewal_reminders_command():
    """Queue renewal reminders; each member is reminded once per term, however often this runs (the worker does
    it daily)."""
    require_server_name()
    click.echo(remind_members_to_renew())


def init_app(app: Flask) -> None:
    app.cli.add_command(send_renewal_reminders_command)
