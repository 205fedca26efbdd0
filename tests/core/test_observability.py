"""What an operator sees (core/observability.py): a JSON log line per request
with no personal data, request ids from header to error page, /metrics
behind its token with the request counts and the outbox's state (added up
over gunicorn's workers), and Sentry events scrubbed of email addresses."""
import io
import json
import os
import re
import runpy
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import sentry_sdk
from flask import request_started
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families
from sentry_sdk.transport import Transport

from core import observability
from core.database import utcnow
from core.extensions import db
from core.models import OutboxMessage, OutboxStatus
from tests.conftest import make_app, sign_in
from tests.events.factories import EventFactory
from tests.live_server import ROOT, live_server

TOKEN = "a-long-random-metrics-token"
EMAIL = re.compile(r"[\w.+-]+(@|%40)[\w-]+\.[\w.]+", re.IGNORECASE)


@pytest.fixture
def log_lines():
    """What the app's log handler writes, a parsed JSON line each (read after
    the requests). Ask for it after any app the test makes: each new app puts
    a new handler in place."""
    handler = observability.log_handler()
    formatter = handler.formatter
    handler.setFormatter(observability.json_formatter())  # as made by default, whatever app came last
    written = io.StringIO()
    before = handler.setStream(written)
    yield lambda: [json.loads(line) for line in written.getvalue().splitlines()]
    handler.setStream(before)
    handler.setFormatter(formatter)


def test_a_request_writes_one_json_line_with_its_route_and_no_personal_details(app, client, make_user, log_lines):
    person = make_user(email="amira.hussain@example.org", name="Amira Hussain")
    sign_in(client, person)
    said_during_the_request = []

    def say_something(sender, **extra):
        observability.log.warning("Something happened to %s", "amira.hussain@example.org")
        said_during_the_request.append(True)

    with request_started.connected_to(say_something, app):
        response = client.get("/account?email=amira.hussain%40example.org&name=Amira+Hussain",
                              headers={"X-Request-ID": "from-the-proxy-0001"})
    assert response.status_code == 200 and said_during_the_request
    client.get("/events/amira.hussain@example.org")

    lines = log_lines()
    account = next(line for line in lines if line.get("endpoint") == "core.account")
    assert account["route"] == "/account" and account["method"] == "GET" and account["status"] == 200
    assert account["user_id"] == person.id and account["request_id"] == "from-the-proxy-0001"
    assert isinstance(account["duration_ms"], float) and account["level"] == "INFO" and account["time"]
    said = next(line for line in lines if line["message"].startswith("Something happened"))
    assert said["request_id"] == "from-the-proxy-0001" and said["message"].endswith("[email address]")
    unmatched = next(line for line in lines if line.get("status") == 404)
    assert unmatched["route"] is None and unmatched["user_id"] == person.id
    written = json.dumps(lines)
    assert not EMAIL.search(written) and "Amira" not in written and "Hussain" not in written


@pytest.mark.parametrize("given, kept", [
    ("from-the-proxy-0001", True),
    ("a1b2c3d4e5f60718293a4b5c6d7e8f90", True),
    ("short", False),
    ("x" * 65, False),
    ("has spaces in it", False),
    ("with\ttab-and-\"quote\"", False),
    ("<script>alert(1)</script>", False),
    ("someone@example.org", False),
])
def test_the_request_id_is_taken_from_a_safe_header_or_made_and_sent_back(client, given, kept):
    response = client.get("/healthz", headers={"X-Request-ID": given})
    sent_back = response.headers["X-Request-ID"]
    if kept:
        assert sent_back == given
    else:
        assert sent_back != given and re.fullmatch(r"[0-9a-f]{32}", sent_back)


def test_every_response_has_a_request_id_of_its_own(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_the_not_found_page_shows_the_reference_to_quote(client):
    response = client.get("/no-such-page", headers={"X-Request-ID": "reference-1234"})
    assert response.status_code == 404
    assert 'id="reference" translate="no">reference-1234</strong>' in response.text


class CapturedEvents(Transport):
    """Events kept in memory instead of sent anywhere."""

    def __init__(self, options=None):
        super().__init__(options)
        self.events = []

    def capture_envelope(self, envelope):
        if envelope.get_event() is not None:
            self.events.append(envelope.get_event())


@pytest.fixture
def sentry_events(monkeypatch):
    captured = CapturedEvents()
    real_init = sentry_sdk.init
    monkeypatch.setattr(sentry_sdk, "init", lambda **options: real_init(**options, transport=captured))
    yield captured.events
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


@pytest.fixture
def failing_app(tmp_path, sentry_events):
    """An app whose /fail raises with an email address in its message and its
    local variables, answered with the 500 page as in production, reporting
    to Sentry (`sentry_events`)."""
    app = make_app(f"sqlite:///{tmp_path}/failing.db", PROPAGATE_EXCEPTIONS=False,
                   SENTRY_DSN="https://public-key@sentry.example.org/1", SENTRY_ENVIRONMENT="test")

    def fail(token):
        address = "amira.hussain@example.org"  # noqa: F841 (a local variable Sentry could carry)
        raise RuntimeError("could not write to amira.hussain@example.org")

    app.add_url_rule("/fail/<token>", "fail", fail)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_the_error_page_shows_the_reference_and_logs_the_route_not_the_address(failing_app, log_lines):
    response = failing_app.test_client().get("/fail/a-signed-token?email=amira.hussain@example.org",
                                             headers={"X-Request-ID": "reference-5678"})
    assert response.status_code == 500 and "reference-5678" in response.text
    lines = log_lines()
    failure = next(line for line in lines if line["level"] == "ERROR")
    # The route, not the address: an emailed link's address carries a token.
    assert failure["message"] == "Exception on /fail/<token> [GET]" and failure["request_id"] == "reference-5678"
    assert "RuntimeError: could not write to [email address]" in failure["exc_info"]
    assert not EMAIL.search(json.dumps(lines)) and "a-signed-token" not in json.dumps(lines)


def test_text_logs_for_a_terminal_carry_the_request_id_and_no_address(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/text.db", LOG_FORMAT="text")
    handler = observability.log_handler()
    written = io.StringIO()
    before = handler.setStream(written)
    try:
        app.test_client().get("/healthz?email=amira.hussain@example.org", headers={"X-Request-ID": "terminal-1234"})
        observability.log.warning("Sent to amira.hussain@example.org")
    finally:
        handler.setStream(before)
    assert re.search(r"INFO \[terminal-1234\] shared_future.requests: GET /healthz 200$", written.getvalue(), re.M)
    assert "Sent to [email address]" in written.getvalue() and "amira" not in written.getvalue()


def test_a_sentry_event_carries_the_request_id_and_no_email_address(failing_app, sentry_events):
    client = failing_app.test_client()
    client.set_cookie("session", "amira.hussain@example.org")
    response = client.get("/fail/a-signed-token?email=amira.hussain%40example.org", headers={
        "X-Request-ID": "reference-9012", "Authorization": "Bearer amira.hussain@example.org"})
    assert response.status_code == 500

    [event] = sentry_events
    assert event["tags"]["request_id"] == "reference-9012"
    assert event["environment"] == "test"
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError" and exception["value"] == "could not write to [email address]"
    assert event["request"]["url"] == "/fail/<token>" and "a-signed-token" not in json.dumps(event)
    assert not {"cookies", "data", "query_string"} & set(event["request"])
    assert not {"authorization", "cookie"} & {name.lower() for name in event["request"].get("headers", {})}
    assert not EMAIL.search(json.dumps(event)), json.dumps(event)


def test_scrubbing_an_event_screens_addresses_wherever_they_are():
    """Local variables are not sent (include_local_variables=False); were
    they ever, or anything else held an address, it is screened out."""
    event = {
        "message": "Gave up on amira@example.org",
        "exception": {"values": [{"value": "to amira@example.org", "stacktrace": {"frames": [
            {"vars": {"address": "amira@example.org", "people": ["sam@example.org"],
                      "amira@example.org": "as a key"}}]}}]},
        "breadcrumbs": {"values": [{"message": "sent to sam%40example.org"}]},
        "request": {"url": "https://site/confirm-email/token?email=amira@example.org",
                    "query_string": "email=amira@example.org", "cookies": {"session": "x"},
                    "data": {"email": "amira@example.org"},
                    "headers": {"Authorization": "Bearer secret", "Cookie": "session=x", "User-Agent": "Firefox"}},
        "user": {"email": "amira@example.org"},
    }
    scrubbed = observability.scrubbed_event(event, {})
    assert not EMAIL.search(json.dumps(scrubbed))
    assert scrubbed["request"] == {"headers": {"User-Agent": "Firefox"}}
    assert "user" not in scrubbed
    assert scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"]["address"] == "[email address]"


# --- /metrics -----------------------------------------------------------------------------------------------

def scraped(client) -> dict[tuple, float]:
    """Every sample /metrics gives: (name, sorted labels) -> value."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def requests_counted(samples, route, status="200") -> float:
    return samples.get(("http_requests_total", (("method", "GET"), ("route", route), ("status", status))), 0)


def test_metrics_are_not_there_without_a_token_set(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer anything"}).status_code == 404


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN])
def test_metrics_refuse_anything_but_the_token(app, client, authorization):
    app.config["METRICS_TOKEN"] = TOKEN
    response = client.get("/metrics", headers={"Authorization": authorization} if authorization else {})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    assert "http_requests_total" not in response.text


def test_metrics_count_requests_by_route_and_status_but_not_their_own(app, client):
    app.config["METRICS_TOKEN"] = TOKEN
    with app.app_context():
        event = EventFactory()
        db.session.commit()
        event_id = event.id
    before = scraped(client)
    client.get(f"/events/{event_id}")
    client.get(f"/events/{event_id}")
    client.get("/no-such-page")
    after = scraped(client)

    route = "/events/<int:event_id>"
    assert requests_counted(after, route) - requests_counted(before, route) == 2
    assert requests_counted(after, "unmatched", "404") - requests_counted(before, "unmatched", "404") == 1
    latency = ("http_request_duration_seconds_count", (("method", "GET"), ("route", route)))
    assert after[latency] - before.get(latency, 0) == 2
    assert not any(dict(labels).get("route") == "/metrics" for _, labels in after)
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.headers["Cache-Control"] == "private, no-store" and "X-RateLimit-Limit" not in response.headers


def test_metrics_report_the_outbox_as_the_database_has_it(app, client):
    app.config["METRICS_TOKEN"] = TOKEN
    now = utcnow()
    with app.app_context():
        def message(status, due_minutes_ago):
            return OutboxMessage(recipient="someone@example.org", subject="Hello", body="Hello", status=status,
                                 next_attempt_at=now - timedelta(minutes=due_minutes_ago))
        db.session.add_all([message(OutboxStatus.PENDING, 10), message(OutboxStatus.PENDING, 1),
                            message(OutboxStatus.PENDING, -30),  # backing off: not due for half an hour
                            message(OutboxStatus.FAILED, 120), message(OutboxStatus.SENT, 300),
                            message(OutboxStatus.SENDING, 0)])
        db.session.commit()
    samples = scraped(client)
    assert samples[("outbox_pending_messages", ())] == 3
    assert samples[("outbox_failed_messages", ())] == 1
    assert 600 <= samples[("outbox_oldest_due_seconds", ())] < 660


def test_metrics_report_an_empty_outbox_as_nothing_due(app, client):
    app.config["METRICS_TOKEN"] = TOKEN
    samples = scraped(client)
    assert samples[("outbox_pending_messages", ())] == 0 and samples[("outbox_oldest_due_seconds", ())] == 0


def test_the_job_queue_reports_its_jobs_and_depth_when_it_asks_to(app, client):
    app.config["METRICS_TOKEN"] = TOKEN
    assert ("job_queue_depth", ()) not in scraped(client)  # nothing registered: nothing reported
    succeeded = ("jobs_total", (("job", "send_mail"), ("outcome", "succeeded")))
    before = scraped(client).get(succeeded, 0)
    observability.record_job("send_mail", "succeeded")
    try:
        observability.set_queue_depth_reader(lambda: 7)
        samples = scraped(client)
        assert samples[succeeded] - before == 1 and samples[("job_queue_depth", ())] == 7

        def broken():
            raise ConnectionError("Redis is down")
        observability.set_queue_depth_reader(broken)
        samples = scraped(client)  # still answers, without the depth
        assert ("job_queue_depth", ()) not in samples and ("outbox_pending_messages", ()) in samples
    finally:
        observability.set_queue_depth_reader(None)


def test_metrics_still_answer_when_the_database_does_not():
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:9/unreachable?connect_timeout=2", METRICS_TOKEN=TOKEN)
    samples = scraped(app.test_client())
    assert ("outbox_pending_messages", ()) not in samples
    assert any(name == "http_requests_total" for name, _ in samples)


def served_by_each_worker(counts: Path) -> dict[str, float]:
    """/accessibility requests counted in each worker's own file."""
    served = {}
    for path in counts.glob("counter_*.db"):
        served[path.name] = sum(value for key, value, *_ in MmapedDict.read_all_values_from_file(str(path))
                                if json.loads(key)[2].get("route") == "/accessibility")
    return served


def test_gunicorn_workers_add_up_their_counts(tmp_path):
    """Two workers, each counting what it served in PROMETHEUS_MULTIPROC_DIR:
    a scrape, whichever worker answers it, counts every request."""
    database_url = f"sqlite:///{tmp_path}/metrics.db"
    environment = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key"}
    subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "app", "db", "upgrade"], cwd=ROOT,
                   env=environment, check=True, capture_output=True)
    counts = tmp_path / "metrics"
    (counts / "left-over-from-an-earlier-run.db").parent.mkdir()
    (counts / "left-over-from-an-earlier-run.db").write_bytes(b"old")
    with live_server(database_url, gunicorn_workers=2, PROMETHEUS_MULTIPROC_DIR=str(counts),
                     METRICS_TOKEN=TOKEN) as base_url:
        assert not (counts / "left-over-from-an-earlier-run.db").exists()  # emptied at start-up

        def fetch(path, **headers):
            with urllib.request.urlopen(urllib.request.Request(base_url + path, headers=headers), timeout=10) as answer:
                return answer.read().decode()

        sent = 0
        with ThreadPoolExecutor(max_workers=6) as pool:
            # Requests at once, until both workers have served some.
            while len([count for count in served_by_each_worker(counts).values() if count]) < 2 and sent < 300:
                list(pool.map(lambda _: fetch("/accessibility"), range(12)))
                sent += 12
        served = served_by_each_worker(counts)
        assert len(served) == 2 and all(served.values()) and sum(served.values()) == sent, served

        for _ in range(2):  # two scrapes, likely answered by different workers: each adds up both
            samples = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
                       for family in text_string_to_metric_families(fetch("/metrics",
                                                                          Authorization=f"Bearer {TOKEN}"))
                       for sample in family.samples}
            assert requests_counted(samples, "/accessibility") == sent
            assert samples[("outbox_pending_messages", ())] == 0


def test_gunicorn_keeps_its_counts_in_a_private_directory_when_none_is_set(monkeypatch):
    for name in ("PROMETHEUS_MULTIPROC_DIR", "SHARED_FUTURE_PRIVATE_METRICS_DIR"):
        monkeypatch.setenv(name, "")  # put back as they were (unset) afterwards
        monkeypatch.delenv(name)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ  # reading the settings changes nothing
    settings["on_starting"](None)
    private = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert private.is_dir() and not any(private.iterdir())
    settings["on_exit"](None)
    assert not private.exists()
