"""Cron task for forums: `flask --app app send-renewal-reminders`."""
import click
from flask import Flask
from flask.cli import with_appcontext

from core.database import write_lock
from core.extensions import db
from core.formatting import counted
from core.cli import require_server_name
from forums.services import renewal


@click.command("send-renewal-reminders")
@with_appcontext
def send_renewal_reminders_command():
    """Queue renewal reminders; each member is reminded once per term, however often this runs."""
    require_server_name()
    with write_lock():
        count = renewal.send_renewal_reminders()
        db.session.commit()
    click.echo(f"Queued {counted(count, 'renewal reminder')}. `flask send-mail` sends them.")


def init_app(app: Flask) -> None:
    app.cli.add_command(send_renewal_reminders_command)
