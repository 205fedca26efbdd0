"""The job queue (docs/decisions/0009): Huey runs work after the request that
caused it has returned, and the periodic work from its own scheduler.

Mail is the first job (core.email): a request's emails are rows in the
outbox, written in its transaction; once it commits, `send-mail` jobs are
queued to send them, so the request never waits for the mail server. If
queueing fails or a worker dies, nothing is lost: the rows are still
pending, and the scheduler's `sweep-mail` sends them.

Periodic work (sweeping the outbox, passing on lapsed offers, reminders,
retention) is contributed by each package to `registered` and queued by
Huey's scheduler. However many workers run it, each tick of each job is
queued once: the first scheduler to claim the tick in the shared storage
queues it, the others find it taken.

JOBS_STORAGE_URI says where jobs wait:
- `sqlite:///path`: the embedded default, for one host (`make run` starts a worker beside the server);
- `redis://host:6379/1` or `postgresql://...`: shared by workers on any number of hosts;
- `memory://`: no worker; each job runs at once inside the code that queued it (the tests).
"""
import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from flask import Flask, current_app, has_app_context
from huey import Huey, crontab
from huey.exceptions import TaskLockedException
from huey.storage import PostgresStorage, PriorityRedisStorage, SqliteStorage
from redis import ConnectionPool
from sqlalchemy import event
from sqlalchemy.orm import Session

from core import observability
from core.extensions import db
from core.registry import Slot

log = logging.getLogger(__name__)

QUEUE_NAME = "shared-future"


@dataclass(frozen=True)
class Job:
    """Work for the queue. `run` does it inside the app, with the arguments
    it was queued with, and returns a line saying what it did (or nothing to
    say). `schedule` makes it periodic: Huey's crontab fields, e.g.
    {"minute": "*/5"}, and {} for every minute; without one it runs when
    queued (`JobQueue.enqueue`)."""

    name: str
    run: Callable[..., str | None]
    schedule: dict | None = None
    priority: int = 0


# Workers take the highest first: mail is never held up by a queue of reports being drawn.
MAIL_PRIORITY, LOW_PRIORITY = 10, -10


# Every package's jobs, by position (core.registry): core.email's mail, and the
# periodic work each package's cli module contributes.
registered = Slot("jobs")


def register(position: int, name: str, run: Callable[..., str | None], schedule: dict | None = None,
             priority: int = 0) -> None:
    registered.add(position, Job(name, run, schedule, priority), name=name)


class _Queue(Huey):
    def read_periodic(self, timestamp):
        """The periodic tasks due at this tick that this scheduler claimed
        first: one scheduler per tick queues each, however many run."""
        timestamp = timestamp or self._get_timestamp()
        tick = timestamp.replace(second=0, microsecond=0).isoformat()
        return [task for task in super().read_periodic(timestamp) if self._claim_tick(task.name, tick)]

    def _claim_tick(self, name: str, tick: str) -> bool:
        key = f"periodic-tick:{name}"
        try:
            with self.lock_task(key):
                if self.get(key, peek=True) == tick:
                    return False
                self.put(key, tick)
                return True
        except TaskLockedException:  # another scheduler is claiming it right now
            return False


@dataclass
class JobQueue:
    """One app's queue: its Huey and its tasks by name."""

    huey: Huey
    tasks: dict

    def enqueue(self, name: str, *args) -> bool:
        """Queue a job; False (and a warning) if the queue cannot be reached.
        Nothing is lost: emails wait in the outbox for the sweep, and a
        report's job page says it did not finish."""
        try:
            self.tasks[name](*args)
        except Exception:
            if self.huey.immediate:
                raise
            log.warning("Could not queue the %s job: the queue's storage did not answer", name, exc_info=True)
            return False
        return True

    def depth(self) -> int:
        """Jobs waiting for a worker."""
        return self.huey.pending_count()

    def answers(self) -> bool:
        """Whether the queue's storage can be reached (for /readyz)."""
        try:
            self.depth()
        except Exception:
            return False
        return True


def queue() -> JobQueue:
    return current_app.extensions["jobs"]


_UNCOMMITTED, _COMMITTED = "jobs_uncommitted", "jobs_committed"


def queue_after_commit(name: str, *args) -> None:
    """Queue a job once the current transaction commits (after the request,
    by `queue_committed_jobs`), so a worker never looks for rows not yet
    there, and a change rolled back queues nothing."""
    db.session.info.setdefault(_UNCOMMITTED, []).append((name, args))


@event.listens_for(Session, "after_commit")
def _note_committed_jobs(session):
    waiting = session.info.pop(_UNCOMMITTED, None)
    if waiting:
        session.info.setdefault(_COMMITTED, []).extend(waiting)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_jobs(session, previous_transaction):
    session.info.pop(_UNCOMMITTED, None)


def queue_committed_jobs() -> None:
    for name, args in db.session.info.pop(_COMMITTED, ()):
        queue().enqueue(name, *args)


def init_app(app: Flask) -> None:
    huey = _huey(app.config["JOBS_STORAGE_URI"])
    tasks = {}
    for job in registered:
        name = job.name.replace("-", "_")
        decorator = (huey.task(name=name, priority=job.priority) if job.schedule is None
                     else huey.periodic_task(crontab(**job.schedule), name=name, priority=job.priority))
        tasks[job.name] = decorator(_in_context(app, _logged(job)))
    app.extensions["jobs"] = queue = JobQueue(huey, tasks)
    observability.set_queue_depth_reader(None if huey.immediate else queue.depth)


def _huey(uri: str) -> Huey:
    if uri.startswith("memory:"):
        return _Queue(QUEUE_NAME, immediate=True, results=False)
    if uri.startswith(("redis:", "rediss:")):
        # A queue that does not answer within a second is treated as down, not waited for.
        pool = ConnectionPool.from_url(uri, socket_connect_timeout=1, socket_timeout=5, health_check_interval=30)
        return _Queue(QUEUE_NAME, results=False, storage_class=PriorityRedisStorage, connection_pool=pool)
    if uri.startswith("postgresql"):
        dsn = uri.replace("postgresql+psycopg://", "postgresql://", 1)
        return _Queue(QUEUE_NAME, results=False, storage_class=PostgresStorage, dsn=dsn)
    if uri.startswith("sqlite:///"):
        filename = Path(uri.removeprefix("sqlite:///"))
        filename.parent.mkdir(parents=True, exist_ok=True)  # the instance folder, on a first start
        return _Queue(QUEUE_NAME, results=False, storage_class=SqliteStorage, filename=str(filename))
    raise ValueError(f"JOBS_STORAGE_URI must be sqlite:///, redis://, postgresql:// or memory://, not {uri!r}")


def _in_context(app: Flask, work: Callable) -> Callable:
    """Run a job inside the app: in the caller's own context when it runs at
    once (memory://), in a context of its own in a worker."""
    @functools.wraps(work)
    def job(*args):
        if has_app_context() and current_app._get_current_object() is app:
            return _rolled_back_on_error(work, *args)
        with app.app_context():
            return _rolled_back_on_error(work, *args)
    return job


def _rolled_back_on_error(work: Callable, *args):
    try:
        return work(*args)
    except Exception:
        db.session.rollback()
        raise


def _logged(job: Job) -> Callable:
    """The job, saying what it did in the log and counted in the metrics."""
    def run(*args):
        try:
            said = job.run(*args)
        except Exception:
            observability.record_job(job.name, "failed")
            raise
        observability.record_job(job.name, "succeeded")
        if said:
            log.info("%s: %s", job.name, said)
    return run


def run_worker(app: Flask, *, threads: int, scheduler: bool) -> None:
    """Run a consumer until it is told to stop (Ctrl-C or SIGTERM)."""
    queue = app.extensions["jobs"]
    huey = queue.huey
    if huey.immediate:
        raise RuntimeError("JOBS_STORAGE_URI is memory://: jobs run inside the requests, so there is no worker to run")
    # A worker starting after a crash or an outage sends what was left at once, not at the next tick.
    queue.enqueue("sweep-mail")
    huey.create_consumer(workers=threads, worker_type="thread", periodic=scheduler,
                         check_worker_health=True).run()

