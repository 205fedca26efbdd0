"""Several app hosts on one database (docs/deployment.md): two gunicorn
instances on different ports, each with its own worker processes, agree on
capacity and on the calendar feed's version, because both live only in the
database."""
import urllib.error
import urllib.request

from sqlalchemy import select

from core.database import utcnow
from core.extensions import db
from events.models import Event, Registration, RegistrationStatus
from tests.events.factories import EventFactory
from tests.events.test_concurrency import ROOMY_LIMITS, all_at_once, register_job
from tests.live_server import live_server


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

        with app.app_context():
            event = db.session.get(Event, event_id)
            event.title, event.updated_at = "Renamed on one host", utcnow()
            db.session.commit()
        for host in hosts:  # neither host serves the old feed after the edit
            status, feed, new_etag = feed_from(host, etag)
            assert status == 200 and "Renamed on one host" in feed and new_etag != etag
        assert feed_from(first)[2] == feed_from(second)[2]

    with app.app_context():
        rows = db.session.scalars(select(Registration).where(Registration.event_id == event_id)).all()
    confirmed = [r for r in rows if r.status == RegistrationStatus.CONFIRMED]
    waiting = sorted((r for r in rows if r.status == RegistrationStatus.WAITLISTED), key=lambda r: r.waitlisted_at)
    assert len(rows) == 16 and len(confirmed) == 5 and len(waiting) == 11
    assert [r.id for r in waiting] == sorted(r.id for r in waiting)


def feed_from(base_url: str, etag: str | None = None) -> tuple[int, str, str | None]:
    """GET the site-wide feed, as a calendar app polls it: (status, body, ETag)."""
    request = urllib.request.Request(base_url + "/calendar.ics", headers={"If-None-Match": etag} if etag else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), response.headers["ETag"]
    except urllib.error.HTTPError as error:
        return error.code, "", error.headers["ETag"]
