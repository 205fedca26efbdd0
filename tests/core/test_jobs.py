"""The job queue with real workers: `flask worker` processes on a Redis of the
test's own, sending through a slow SMTP server, while the app serves requests.

The app under test sends through a port nothing listens on: had a request
tried to send mail itself, its messages would carry an error. Only the
worker reaches the slow server."""
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, func, select, text

from core import jobs
from core.extensions import db
from core.models import OutboxMessage, OutboxStatus
from tests.conftest import TEST_CONFIG, make_app, sign_in, submit
from tests.events.factories import EventFactory
from tests.factories import UserFactory
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
RELAY_DELAY = 0.05  # seconds the relay takes over each message: 10 s for 200 had the request sent them itself
WAIT = 120  # seconds to wait for the workers before failing

pytestmark = pytest.mark.skipif(
    not shutil.which("redis-server") and not os.environ.get("RATELIMIT_STORAGE_URI", "").startswith("redis"),
    reason="needs redis-server (CI has it)")


class SlowRelay:
    """An SMTP server that takes RELAY_DELAY over each message, keeping who
    it was for and which connection brought it.

    `hold_after(n)` stops it answering once n messages have arrived, so a
    sender is certainly in the middle of one; `release()` refuses what was
    held (its sender is gone by then) and carries on as before."""

    def __init__(self):
        self.recipients, self.connections = [], set()
        self.holding_after, self.held = None, 0

    def hold_after(self, count: int):
        self.holding_after = count

    def release(self):
        self.holding_after = None

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(RELAY_DELAY)
        if self.holding_after is not None and len(self.recipients) >= self.holding_after:
            self.held += 1
            while self.holding_after is not None:
                await asyncio.sleep(0.05)
            return "451 Try again later"
        self.recipients.extend(envelope.rcpt_tos)
        self.connections.add(session.peer)
        return "250 Message accepted for delivery"


@pytest.fixture
def relay():
    handler = SlowRelay()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, handler
    controller.stop()


class RedisServer:
    """A redis-server of the test's own, to stop and start again."""

    def __init__(self, folder: Path):
        self.port, self.folder, self.process = free_port(), folder, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        until(lambda: self._answers(), "redis-server to start")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)

    def _answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
        except redis.ConnectionError:
            return False


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


def until(condition, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Waited {timeout} s for {what}")
        time.sleep(0.1)


@contextmanager
def worker(database_url: str, queue_url: str, relay_port: int, log: Path):
    """A `flask worker` process, as production runs it; killed at the end
    unless the test killed it first."""
    env = {**os.environ, "DATABASE_URL": database_url, "JOBS_STORAGE_URI": queue_url,
           "SECRET_KEY": TEST_CONFIG["SECRET_KEY"], "SERVER_NAME": "events.example.org",
           "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(relay_port), "MAIL_TIMEOUT": "5",
           "RATELIMIT_STORAGE_URI": "memory://"}
    with open(log, "ab") as output:
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker", "--threads", "2"],
                                   cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(20)


def app_on(database_url, queue_url, **overrides):
    """The app as a web host runs it, on the test's Redis, with a mail server
    that is never there."""
    return make_app(database_url, JOBS_STORAGE_URI=queue_url, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1",
                    MAIL_PORT=free_port(), MAIL_TIMEOUT=1, **overrides)


def outbox(app) -> dict[OutboxStatus, int]:
    with app.app_context():
        return dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())


def invite_two_hundred(app) -> list[str]:
    with app.app_context():
        organiser = UserFactory(roles=["organiser"])
        event_id = EventFactory(organisers=[organiser], capacity=300).id
    people = [f"guest{n:03}@example.org" for n in range(200)]
    client = app.test_client()
    sign_in(client, organiser)
    response = submit(client, f"/manage/events/{event_id}/invitations", {"people": "\n".join(people)})
    assert response.status_code == 302
    return people


def test_two_hundred_invitations_return_at_once_and_a_real_worker_delivers_each_once(
        app, database_url, redis_server, relay, tmp_path):
    relay_port, received = relay
    served = app_on(database_url, redis_server.url)
    with worker(database_url, redis_server.url, relay_port, tmp_path / "worker.log"):
        people = invite_two_hundred(served)
        with served.app_context():  # the request only wrote the messages: it never tried the (absent) relay
            assert db.session.scalar(select(func.count()).where(OutboxMessage.last_error.is_not(None))) == 0
        until(lambda: outbox(served).get(OutboxStatus.SENT) == 200, "200 emails sent")
    assert sorted(received.recipients) == people  # each exactly once
    # In batches of MAIL_BATCH_SIZE (50), each over one connection (and perhaps the minute's sweep), not 200.
    assert len(received.connections) <= 6
    assert "Traceback" not in (tmp_path / "worker.log").read_text()


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(app, database_url, redis_server, relay, tmp_path):
    relay_port, received = relay
    served = app_on(database_url, redis_server.url)
    received.hold_after(30)
    with worker(database_url, redis_server.url, relay_port, tmp_path / "first.log") as first:
        people = invite_two_hundred(served)
        until(lambda: received.held >= 1, "the worker to be in the middle of a message")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    received.release()
    interrupted_at_kill = outbox(served).get(OutboxStatus.SENDING, 0)
    with worker(database_url, redis_server.url, relay_port, tmp_path / "second.log"):
        until(lambda: OutboxStatus.PENDING not in outbox(served), "the second worker to send the rest")
        until(lambda: len(received.recipients) >= 200 - interrupted_at_kill, "the rest to arrive")
        # and recorded as sent: the relay has the last one a moment before the worker writes it down
        until(lambda: outbox(served).get(OutboxStatus.SENT, 0) >= 200 - interrupted_at_kill, "the rest recorded")
    with served.app_context():
        status = dict(db.session.execute(select(OutboxMessage.recipient, OutboxMessage.status)).all())
    sent = {person for person, state in status.items() if state == OutboxStatus.SENT}
    interrupted = {person for person, state in status.items() if state == OutboxStatus.SENDING}
    assert len(received.recipients) == len(set(received.recipients))  # nobody got one twice
    assert sent | interrupted == set(people)  # nothing lost: sent, or held for an admin to check
    assert 1 <= len(interrupted) <= 2  # at most the message each of the killed worker's two threads had in hand
    assert sent <= set(received.recipients) <= sent | interrupted


def test_with_redis_gone_requests_still_work_and_mail_waits_for_its_return(
        app, database_url, redis_server, relay, tmp_path):
    relay_port, received = relay
    # Rate limits kept in Redis count in each worker's memory while it is away: test_hardening.py.
    served = app_on(database_url, redis_server.url)
    with served.app_context():
        event_id = EventFactory(capacity=10).id
    guest = served.test_client()
    with worker(database_url, redis_server.url, relay_port, tmp_path / "worker.log"):
        redis_server.stop()
        booked = submit(guest, f"/events/{event_id}/register", {"name": "Hana", "email": "hana@example.org"})
        assert booked.status_code == 200 and "Check your email" in booked.get_data(as_text=True)
        assert outbox(served) == {OutboxStatus.PENDING: 1}  # kept, not lost, while the queue is away
        ready = served.test_client().get("/readyz")
        assert ready.status_code == 503 and ready.get_json()["queue"] == "unreachable"

        redis_server.start()
        submit(served.test_client(), f"/events/{event_id}/register", {"name": "Ola", "email": "ola@example.org"})
        assert served.test_client().get("/readyz").status_code == 200
        until(lambda: outbox(served) == {OutboxStatus.SENT: 2}, "both emails to go once Redis is back")
    assert sorted(received.recipients) == ["hana@example.org", "ola@example.org"]


@pytest.fixture(params=["sqlite", "redis", "postgresql"])
def shared_storage(request, tmp_path, database_url):
    """Where several hosts' workers keep their queue: a file on one host,
    Redis, or the PostgreSQL database itself (its own tables, dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/jobs.db"
    elif request.param == "redis":
        yield request.getfixturevalue("redis_server").url
    elif not database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL queue is tried with the PostgreSQL database")
    else:
        yield database_url
        engine = create_engine(database_url)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS huey_kv, huey_schedule, huey_task, huey_counter"))
        engine.dispose()


def test_each_tick_of_a_periodic_job_is_queued_by_one_scheduler_however_many_run(shared_storage):
    hosts = [make_app("sqlite://", JOBS_STORAGE_URI=shared_storage).extensions["jobs"].huey for _ in range(3)]
    ticks = [hosts[0]._get_timestamp().replace(hour=h, minute=m) for h, m in ((3, 29), (3, 30), (3, 30), (3, 31))]
    queued = [[task.name for task in host.read_periodic(tick)] for tick in ticks for host in hosts]
    names = [name for each in queued for name in each]
    assert names.count("sweep_mail") == 3  # every minute: once for each of the three distinct minutes
    assert names.count("apply_retention") == 1  # daily at 03:30, asked three times by three hosts
    assert sum("apply_retention" in each for each in queued[3:9]) == 1


def test_a_worker_refuses_to_run_with_jobs_run_inside_requests(app):
    with pytest.raises(RuntimeError, match="memory://"):
        jobs.run_worker(app, threads=1, scheduler=False)


def test_mail_jobs_go_before_reports_waiting_in_the_queue(tmp_path):
    """Found by attacking it: 300 report PDFs queued ahead held a password reset up for 135 s."""
    huey = make_app("sqlite://", JOBS_STORAGE_URI=f"sqlite:///{tmp_path}/jobs.db").extensions["jobs"]
    for _ in range(3):
        huey.enqueue("draw-report-pdf", 1, {})
    huey.enqueue("send-mail")
    assert [huey.huey.dequeue().name for _ in range(2)] == ["send_mail", "draw_report_pdf"]
