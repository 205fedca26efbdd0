"""Long work someone started that finishes after their request returned:
sending a batch of emails (bulk invitations, announcements), or drawing a
large report's PDF. A batch's progress is read from its messages in the
outbox as the worker sends them, so the page that shows it can never
disagree with what happened; a file job is done when its file is kept.

Functions flush but never commit.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, func, select

from core.database import utcnow
from core.extensions import db
from core.i18n import _l
from core.models import BackgroundJob, OutboxMessage, OutboxStatus

RECENT_JOBS = 20
# A file job not finished by then never will be: its worker stopped, or it was never queued.
GIVEN_UP_AFTER = timedelta(minutes=30)
DID_NOT_FINISH = _l("It did not finish. Start it again; if it happens again, tell the partnership.")


@dataclass(frozen=True)
class Progress:
    total: int = 0
    sent: int = 0
    failed: int = 0

    @property
    def waiting(self) -> int:
        return self.total - self.sent - self.failed

    @property
    def finished(self) -> bool:
        return self.waiting == 0

    def as_dict(self) -> dict:
        return {"total": self.total, "sent": self.sent, "failed": self.failed, "finished": self.finished}


# What a file job's owner must still be allowed, by the name in its `file_check` (each package registers its own).
_file_checks: dict[str, Callable[[object, dict], bool]] = {}


def register_file_check(name: str, check: Callable[[object, dict], bool]) -> None:
    _file_checks[name] = check


def may_download(viewer, job: BackgroundJob) -> bool:
    """Whether the job's owner may still have its file: a role lost since
    it was asked for (an organiser no longer running the event, an equality
    monitor no longer one) takes the file away too."""
    if job.file_check is None:
        return True
    check = _file_checks.get(job.file_check.get("check"))
    return check is not None and check(viewer, job.file_check)


def start_job(*, owner_id: int, title: str, back_url: str, makes_file: bool = False,
              file_check: dict | None = None) -> BackgroundJob:
    job = BackgroundJob(owner_id=owner_id, title=title[:200], back_url=back_url[:500], makes_file=makes_file,
                        file_check=file_check)
    db.session.add(job)
    db.session.flush()
    return job


def retitle(job: BackgroundJob, title: str) -> None:
    """Name a job once its size is known: a batch is started at its first
    email, and its title says how many there are."""
    job.title = title[:200]


def finish_with_file(job_id: int, *, name: str, content_type: str, content: bytes, page: str | None = None) -> None:
    """Keep the file the job made, and the `page` it prepared, if it prepares one."""
    job = db.session.get(BackgroundJob, job_id)
    job.file_name, job.file_type, job.file, job.page, job.finished_at = name, content_type, content, page, utcnow()
    db.session.flush()


def prepared_page(owner_id: int, back_url: str) -> BackgroundJob | None:
    """The owner's latest job that prepared the page at `back_url`, or None."""
    return db.session.scalar(
        select(BackgroundJob).where(BackgroundJob.owner_id == owner_id, BackgroundJob.back_url == back_url,
                                    BackgroundJob.page.is_not(None))
        .order_by(BackgroundJob.finished_at.desc(), BackgroundJob.id.desc()).limit(1))


def latest_job_for(owner_id: int, back_url: str) -> BackgroundJob | None:
    """The owner's newest job started from the page at `back_url`, whatever became of it."""
    return db.session.scalar(select(BackgroundJob).where(BackgroundJob.owner_id == owner_id,
                                                         BackgroundJob.back_url == back_url)
                             .order_by(BackgroundJob.id.desc()).limit(1))


def preparing_page(owner_id: int, back_url: str, *, within: timedelta) -> BackgroundJob | None:
    """The owner's job still preparing the page at `back_url`, asked for
    `within` the time it takes at most (one older than that may have lost
    its worker: it is not waited for), or None."""
    return db.session.scalar(
        select(BackgroundJob).where(BackgroundJob.owner_id == owner_id, BackgroundJob.back_url == back_url,
                                    BackgroundJob.makes_file, BackgroundJob.finished_at.is_(None),
                                    BackgroundJob.error.is_(None),
                                    BackgroundJob.created_at >= utcnow() - within)
        .order_by(BackgroundJob.id.desc()).limit(1))


def finish_with_error(job_id: int, error: str) -> None:
    job = db.session.get(BackgroundJob, job_id)
    job.error, job.finished_at = error, utcnow()
    db.session.flush()


def error_of(job: BackgroundJob) -> str | None:
    """Why a job failed, or None."""
    if job.error:
        return job.error
    if (job.makes_file or job.steps_total is not None) and job.finished_at is None \
            and job.created_at < utcnow() - GIVEN_UP_AFTER:
        return DID_NOT_FINISH
    return None


def job_of(owner_id: int, job_id: int) -> BackgroundJob | None:
    """The job, if it is this person's: nobody else's jobs are theirs to see."""
    job = db.session.get(BackgroundJob, job_id)
    return job if job is not None and job.owner_id == owner_id else None


def progress_of(jobs: list[BackgroundJob]) -> dict[int, Progress]:
    """Each job's progress, in one query however many jobs: a batch's from
    its emails; a file job's is one step, done or failed."""
    progress = {job.id: Progress(1, int(job.finished_at is not None and not error_of(job)), int(bool(error_of(job))))
                for job in jobs if job.makes_file}
    progress.update({job.id: _steps_progress(job) for job in jobs if job.steps_total is not None})
    return {**_batches_progress([job.id for job in jobs if not job.makes_file and job.steps_total is None]),
            **progress}


def _steps_progress(job: BackgroundJob) -> Progress:
    """Work counted in steps (a spreadsheet's rows): the steps done; once it
    ends, all of them, or those left counted as failed when it stopped."""
    total = job.steps_total or 0
    if job.finished_at is None and not error_of(job):
        return Progress(total, min(job.steps_done, total), 0)
    if job.error:
        return Progress(total, 0, total)
    return Progress(total, total, 0)


def _batches_progress(job_ids: list[int]) -> dict[int, Progress]:
    if not job_ids:
        return {}
    counted = (
        select(OutboxMessage.job_id, func.count(),
               func.sum(case((OutboxMessage.status == OutboxStatus.SENT, 1), else_=0)),
               func.sum(case((OutboxMessage.status == OutboxStatus.FAILED, 1), else_=0)))
        .where(OutboxMessage.job_id.in_(job_ids)).group_by(OutboxMessage.job_id)
    )
    found = {job_id: Progress(total, sent or 0, failed or 0) for job_id, total, sent, failed in db.session.execute(counted)}
    return {job_id: found.get(job_id, Progress()) for job_id in job_ids}


def recent_jobs_of(owner_id: int) -> list[tuple[BackgroundJob, Progress]]:
    jobs = list(db.session.scalars(select(BackgroundJob).where(BackgroundJob.owner_id == owner_id)
                                   .order_by(BackgroundJob.created_at.desc(), BackgroundJob.id.desc())
                                   .limit(RECENT_JOBS)))
    progress = progress_of(jobs)
    return [(job, progress[job.id]) for job in jobs]
