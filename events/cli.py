"""Events' periodic work, done by the job queue's worker on a timetable
(core.jobs), and the same as commands to run by hand: `flask --app app
expire-offers`, `send-reminders`, `send-surveys` and `tally-settled`."""
import click
from flask import Flask
from flask.cli import with_appcontext

from datetime import timedelta

from core import jobs
from core.cli import require_server_name
from core.database import write_lock
from core.extensions import db
from events.services.reminders import send_reminders
from events.services.surveys import send_surveys
from events.services.waiting_list import expire_offers
from events.tallies import tally_settled


def pass_on_lapsed_offers() -> str:
    return f"Passed on {expire_offers()} lapsed offer(s)."


def remind_people(hours: int = 48) -> str:
    with write_lock():
        count = send_reminders(within=timedelta(hours=hours))
        db.session.commit()
    return f"Queued {count} reminder(s)."


def survey_people() -> str:
    with write_lock():
        count = send_surveys()
        db.session.commit()
    return f"Queued {count} outcome survey(s)."


jobs.register(20, "expire-offers", pass_on_lapsed_offers, schedule={"minute": "*/5"})
jobs.register(21, "send-reminders", remind_people, schedule={"minute": "0"})


def tally_settled_events() -> str:
    with write_lock(every_transaction=True):  # a batch per transaction
        count = tally_settled()
    return f"Tallied {count} settled event(s)."


jobs.register(22, "send-surveys", survey_people, schedule={"minute": "30"})
jobs.register(23, "tally-settled", tally_settled_events, schedule={"minute": "*/10"})


@click.command("expire-offers")
@with_appcontext
def expire_offers_command():
    """Pass on waiting-list offers that were not accepted in time (the worker does this every 5 minutes)."""
    require_server_name()
    click.echo(pass_on_lapsed_offers())


@click.command("send-reminders")
@click.option("--hours", default=48, show_default=True, help="Remind people about events starting within this many hours.")
@with_appcontext
def send_reminders_command(hours):
    """Queue reminder emails; each person is reminded once, however often this runs (the worker does it hourly)."""
    require_server_name()
    click.echo(remind_people(hours))


@click.command("send-surveys")
@with_appcontext
def send_surveys_command():
    """Email the outcome survey to people who came to events that have ended; once each (the worker does it hourly)."""
    require_server_name()
    click.echo(survey_people())


@click.command("tally-settled")
@with_appcontext
def tally_settled_command():
    """Tally the attendance of events that have settled, for the reports (the worker does it every 10 minutes)."""
    click.echo(tally_settled_events())


def init_app(app: Flask) -> None:
    app.cli.add_command(tally_settled_command)
    app.cli.add_command(expire_offers_command)
    app.cli.add_command(send_reminders_command)
    app.cli.add_command(send_surveys_command)

