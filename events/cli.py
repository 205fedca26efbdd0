"""Cron tasks for events: `flask --app app expire-offers` and `send-reminders`."""
import click
from flask import Flask
from flask.cli import with_appcontext

from datetime import timedelta

from core.cli import require_server_name
from core.database import write_lock
from core.extensions import db
from events.services.reminders import send_reminders
from events.services.waiting_list import expire_offers


@click.command("expire-offers")
@with_appcontext
def expire_offers_command():
    """Pass on waiting-list offers that were not accepted in time."""
    require_server_name()
    count = expire_offers()
    click.echo(f"Passed on {count} lapsed offer(s).")


@click.command("send-reminders")
@click.option("--hours", default=48, show_default=True, help="Remind people about events starting within this many hours.")
@with_appcontext
def send_reminders_command(hours):
    """Queue reminder emails; each person is reminded once, however often this runs."""
    require_server_name()
    with write_lock():
        count = send_reminders(within=timedelta(hours=hours))
        db.session.commit()
    click.echo(f"Queued {count} reminder(s). `flask send-mail` sends them.")


def init_app(app: Flask) -> None:
    app.cli.add_command(expire_offers_command)
    app.cli.add_command(send_reminders_command)

