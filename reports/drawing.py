"""Reports built by the job queue's worker: a report's PDF, and a year's
progress report (its page and its PDF, from one build). A year of every
event takes longer than a page should keep someone waiting, so the request
only asks for it and the person watches it on the job's page (core.progress).

`draw_later` and `prepare_progress_later` flush but never commit; the job
runs once its request has committed, and what it draws is what the person
asked for then: the scope, dates and baseline, and whether their role lets
them see breakdowns.
"""
import logging
from datetime import date, timedelta

from flask import current_app, render_template, url_for

from core import jobs, progress
from core.accounts.models import User
from core.database import in_london, lock_row, utcnow, write_lock
from core.extensions import db
from core.formatting import format_date
from core.models import BackgroundJob
from reports import baselines, findings, permissions, queries, services
from reports.pdf import progress_pdf, report_pdf
from reports.progress import build_progress

log = logging.getLogger(__name__)
# A progress report at county scale takes about a minute on the worker (docs/performance.md); one asked for
# longer ago than this and not finished has lost its worker or is stuck behind others: pressing again starts anew.
PROGRESS_TAKES_AT_MOST = timedelta(minutes=10)


def draw_later(scope: services.Scope, baseline: str, *, breakdowns_withheld: bool, reader_id: int,
               back_url: str) -> BackgroundJob:
    order = order_for(scope, baseline, breakdowns_withheld=breakdowns_withheld, reader_id=reader_id)
    job = progress.start_job(owner_id=reader_id, title=f"Diversity report (PDF): {findings.scope_title(scope)}",
                             back_url=back_url, makes_file=True, file_check={"check": "report", **order})
    jobs.queue_after_commit("draw-report-pdf", job.id, order)
    return job


def order_for(scope: services.Scope, baseline: str, *, breakdowns_withheld: bool, reader_id: int) -> dict:
    """What the worker needs to draw the report the person asked for, as plain values."""
    return {"kind": scope.kind, "object_id": scope.object_id, "baseline": baseline,
            "starts": scope.starts.isoformat() if scope.starts else None,
            "ends": scope.ends.isoformat() if scope.ends else None,
            "breakdowns_withheld": breakdowns_withheld, "reader_id": reader_id}


def report_file_name(scope: services.Scope, report: services.Report, today: date, extension: str) -> str:
    period = findings.period(report, today).replace("../", "to-").replace("/", "-to-")
    return f"diversity-report-{scope.kind}{'-' + str(scope.object_id) if scope.object_id else ''}-{period}.{extension}"


def draw(job_id: int, order: dict) -> str:
    """The worker's job: draw the PDF and keep it on the job, or say why not."""
    scope = services.Scope(order["kind"], order["object_id"],
                           date.fromisoformat(order["starts"]) if order["starts"] else None,
                           date.fromisoformat(order["ends"]) if order["ends"] else None)
    try:
        report = services.build(scope, findings.scope_title(scope), baselines.chosen(order["baseline"]),
                                breakdowns_withheld=order["breakdowns_withheld"], reader_id=order["reader_id"])
        today = in_london(utcnow()).date()
        body = report_pdf(report, brand_name=current_app.config["BRAND_NAME"], generated=format_date(today),
                          methodology_url=url_for("reports.methodology", _external=True))
        name = report_file_name(scope, report, today, "pdf")
    except Exception:
        log.exception("Drawing report job %s failed", job_id)
        body = name = None
    return _finish(job_id, name, body)


def prepare_progress_later(year: int, *, breakdowns_withheld: str | None, reader_id: int,
                           back_url: str) -> tuple[BackgroundJob, bool]:
    """Start preparing the year's progress report for the reader, or, if it
    is being prepared for them already (a second press, a second tab), join
    that job. Returns the job, and whether this started it."""
    lock_row(db.session, User, reader_id)  # two presses at once: the second waits, then finds the first's job
    running = preparing_progress(reader_id, back_url)
    if running is not None:
        return running, False
    order = {"year": year, **order_for(services.Scope("all"), "census", breakdowns_withheld=breakdowns_withheld,
                                       reader_id=reader_id)}
    job = progress.start_job(owner_id=reader_id, title=f"Progress report {year}: its page and PDF", back_url=back_url,
                             makes_file=True, file_check={"check": "report", **order})
    jobs.queue_after_commit("prepare-progress-report", job.id, order)
    return job, True


def failed_progress(reader_id: int, back_url: str) -> BackgroundJob | None:
    """The reader's last attempt at this progress report, if it failed or
    has not finished in the time one takes at most."""
    last = progress.latest_job_for(reader_id, back_url)
    if last is None or (last.finished_at is not None and not last.error):
        return None
    if last.error or last.created_at < utcnow() - PROGRESS_TAKES_AT_MOST:
        return last
    return None


def preparing_progress(reader_id: int, back_url: str) -> BackgroundJob | None:
    """The reader's job preparing this progress report, if one is still expected to finish."""
    return progress.preparing_page(reader_id, back_url, within=PROGRESS_TAKES_AT_MOST)


def prepare_progress(job_id: int, order: dict) -> str:
    """The worker's job: build the year's progress report once, and keep its
    page and its PDF (the same figures) on the job."""
    year = order["year"]
    job = db.session.get(BackgroundJob, job_id)
    if job is not None and progress.latest_job_for(job.owner_id, job.back_url).id != job.id:
        # Waiting in the queue, it was overtaken by a newer press (it seemed lost): that one is drawn instead.
        return _finish(job_id, None, None, error="A newer one was asked for, so this one was not drawn.")
    try:
        built = build_progress(year, baselines.shipped(), breakdowns_withheld=order["breakdowns_withheld"],
                               reader_id=order["reader_id"])
        page = render_template("reports/_progress_body.html", progress=built,
                               key_findings=findings.key_findings(built.overall),
                               notes=findings.method_notes(built.threshold, built.minimum_respondents))
        body = progress_pdf(built, brand_name=current_app.config["BRAND_NAME"],
                            generated=format_date(in_london(utcnow()).date()),
                            methodology_url=url_for("reports.methodology", _external=True))
    except Exception:
        log.exception("Preparing progress report job %s failed", job_id)
        body = page = None
    return _finish(job_id, f"progress-report-{year}.pdf", body, page=page)


def _finish(job_id: int, name: str | None, body: bytes | None, *, page: str | None = None,
            error: str = "The report could not be drawn. Try again; if it happens again, tell the partnership.") -> str:
    """Keep what the job drew on it, or say (`error`) why it drew nothing."""
    # End the reads first: on SQLite the write below must begin with the write lock, not upgrade to it.
    db.session.rollback()
    with write_lock():
        if body is None:
            progress.finish_with_error(job_id, error)
        else:
            progress.finish_with_file(job_id, name=name, content_type="application/pdf", content=body, page=page)
        db.session.commit()
    return f"job {job_id}: " + (f"{len(body):,} bytes" if body is not None else "failed")


def _may_still_have(viewer, order: dict) -> bool:
    """A report's file is its owner's while they may still see that report,
    and, if it shows breakdowns, still may see those."""
    try:
        subject = queries.report_subject(order["kind"], order["object_id"])
    except queries.NoSuchScope:
        return False
    if not permissions.can_report_on(viewer, order["kind"], subject):
        return False
    return order["breakdowns_withheld"] is not None or permissions.breakdowns_withheld(
        viewer, order["kind"], subject) is None


jobs.register(50, "draw-report-pdf", draw, priority=jobs.LOW_PRIORITY)
jobs.register(51, "prepare-progress-report", prepare_progress, priority=jobs.LOW_PRIORITY)
progress.register_file_check("report", _may_still_have)
