"""Several app hosts on one database (docs/deployment.md): two gunicorn
instances on different ports, each with its own worker processes, agree on
capacity and on the calendar feed's version, because both live only in the
database (a public page's validator too); and a worker killed mid-burst loses
nothing and books nothing twice."""
import http.client
import os
import signal
import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select

from core.database import utcnow
from core.extensions import db
from events.models import Event, Registration, RegistrationStatus
from tests.events.factories import EventFactory
from tests.events.test_concurrency import ROOMY_LIMITS, all_at_once, register_job
from tests.live_server import live_server


@pytest.mark.either_database  # several hosts share a database server: PostgreSQL where set
def test_two_hosts_share_capacity_and_the_feed_version(app, database_url):
    with app.app_context():
        event_id = EventFactory(capacity=5, instant_guest_places=True).id
    with live_server(database_url, gunicorn_workers=2, **ROOMY_LIMITS) as first, \
            live_server(database_url, gunicorn_workers=2, **ROOMY_LIMITS) as second:
        hosts = (first, second)
        results = all_at_once([register_job(hosts[n % 2], event_id, f"p{n}@example.org") for n in range(16)])
        assert [status for status, _ in results] == [200] * 16

        status, feed, etag = feed_from(first)
        assert status == 200 and "BEGIN:VCALENDAR" in feed
        assert feed_from(second, etag)[0] == 304  # the other host agrees nothing changed
        for host in hosts:
            assert "Renamed on one host" not in page_from(host, f"/events/{event_id}")

        with app.app_context():
            event = db.session.get(Event, event_id)
            event.title, event.updated_at = "Renamed on one host", utcnow()
            db.session.commit()
        for host in hosts:  # neither host serves the old feed, or the old page, after the edit
            status, feed, new_etag = feed_from(host, etag)
            assert status == 200 and "Renamed on one host" in feed and new_etag != etag
            assert "Renamed on one host" in page_from(host, f"/events/{event_id}")
        assert feed_from(first)[2] == feed_from(second)[2]

    with app.app_context():
        rows = db.session.scalars(select(Registration).where(Registration.event_id == event_id)).all()
    confirmed = [r for r in rows if r.status == RegistrationStatus.CONFIRMED]
    waiting = sorted((r for r in rows if r.status == RegistrationStatus.WAITLISTED), key=lambda r: r.waitlisted_at)
    assert len(rows) == 16 and len(confirmed) == 5 and len(waiting) == 11
    assert [r.id for r in waiting] == sorted(r.id for r in waiting)


def page_from(base_url: str, path: str) -> str:
    with urllib.request.urlopen(base_url + path, timeout=30) as response:
        return response.read().decode()


def feed_from(base_url: str, etag: str | None = None) -> tuple[int, str, str | None]:
    """GET the site-wide feed, as a calendar app polls it: (status, body, ETag)."""
    request = urllib.request.Request(base_url + "/calendar.ics", headers={"If-None-Match": etag} if etag else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), response.headers["ETag"]
    except urllib.error.HTTPError as error:
        return error.code, "", error.headers["ETag"]


def gunicorn_workers_on(port: int) -> list[int]:
    """The worker processes (not the master) of the gunicorn serving `port`."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                command = open(f"/proc/{entry}/cmdline", "rb").read().split(b"\0")
                parent = int(open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if len(command) > 1 and b"gunicorn" in command[1] and f"127.0.0.1:{port}".encode() in command:
                found[int(entry)] = parent
    return [pid for pid, parent in found.items() if parent in found]


def test_a_worker_killed_mid_burst_loses_nothing_and_books_nothing_twice(app, database_url):
    """SIGKILL one of 4 workers once the first answer is back, with most of a
    burst of 60 registrations for 15 places still in flight."""
    with app.app_context():
        event_id = EventFactory(capacity=15, instant_guest_places=True).id
    with live_server(database_url, gunicorn_workers=4, **ROOMY_LIMITS) as base:
        workers = gunicorn_workers_on(int(base.rsplit(":", 1)[1]))
        assert len(workers) == 4
        answered, killed = threading.Event(), []

        def kill_after_first_answer():
            answered.wait(timeout=30)
            os.kill(workers[0], signal.SIGKILL)
            killed.append(workers[0])

        killer = threading.Thread(target=kill_after_first_answer)
        killer.start()

        def with_signal(job):
            prepare, act = job

            def act_and_tell(state):
                try:
                    return act(state)
                # The killed worker's connections: refused, reset, or cut off mid-answer.
                except (OSError, http.client.HTTPException) as error:
                    return "broken", str(error)
                finally:
                    answered.set()
            return prepare, act_and_tell

        emails = [f"p{n}@example.org" for n in range(60)]
        results = all_at_once([with_signal(register_job(base, event_id, email)) for email in emails])
        killer.join()
        assert killed and not os.path.exists(f"/proc/{killed[0]}/cmdline")  # the worker really died
        assert urllib.request.urlopen(base + "/healthz", timeout=10).status == 200  # gunicorn replaced it

    with app.app_context():
        rows = db.session.scalars(select(Registration).where(Registration.event_id == event_id)).all()
    accepted = {email for email, (status, _) in zip(emails, results) if status == 200}
    by_email = {}
    for row in rows:
        by_email.setdefault(row.email, []).append(row)
    assert all(len(by_email.get(email, [])) == 1 for email in accepted)  # each accepted one exists once
    assert all(len(found) == 1 for found in by_email.values())  # nothing twice, even where the answer was lost
    confirmed = [r for r in rows if r.status == RegistrationStatus.CONFIRMED]
    waiting = sorted((r for r in rows if r.status == RegistrationStatus.WAITLISTED), key=lambda r: r.waitlisted_at)
    assert len(confirmed) == 15 and len(confirmed) + len(waiting) == len(rows)
    assert [r.id for r in waiting] == sorted(r.id for r in waiting)  # queued in the order they came
    assert len(accepted) >= 40  # the other three workers carried on
