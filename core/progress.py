"""Long work someone started that finishes after their request returned:
sending a batch of emails (bulk invitations, announcements). A job's progress
is read from the work itself (its messages in the outbox, as the worker sends
them), so the page that shows it can never disagree with what happened.

Functions flush but never commit.
"""
from dataclasses import dataclass

from sqlalchemy import case, func, select

from core.extensions import db
from core.models import BackgroundJob, OutboxMessage, OutboxStatus

RECENT_JOBS = 20


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


def start_job(*, owner_id: int, title: str, back_url: str) -> BackgroundJob:
    job = BackgroundJob(owner_id=owner_id, title=title[:200], back_url=back_url)
    db.session.add(job)
    db.session.flush()
    return job


def job_of(owner_id: int, job_id: int) -> BackgroundJob | None:
    """The job, if it is this person's: nobody else's jobs are theirs to see."""
    job = db.session.get(BackgroundJob, job_id)
    return job if job is not None and job.owner_id == owner_id else None


def progress_of(job_ids: list[int]) -> dict[int, Progress]:
    """Each job's progress, in one query however many jobs."""
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
    progress = progress_of([job.id for job in jobs])
    return [(job, progress[job.id]) for job in jobs]
