"""What bench/run.py asks of the database, each in a fresh interpreter with
the app loaded on the benchmark's database (`python -m bench.probe NAME
'{"argument": ...}'` prints the answer as JSON): which objects the pages
show, where the report's sizes fall, the bare SQL a report rests on, how
long the worker takes over a year's progress report, and the registration
burst's event, sessions and outcome."""
import json
import sys
import time
from datetime import date, timedelta

from flask import current_app, g, session
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import func, select, text

from app import create_app
from awards.models import AwardCategory
from core.database import utcnow, write_lock
from core.extensions import db
from core.accounts.models import User
from events.models import (
    Attendance, Audience, Event, EventKind, EventStatus, ProgrammeSession, Registration, RegistrationStatus,
    event_organisers,
)
from events import tallies
from forums.models import Forum, ForumCoordinator
from reports import drawing, queries
from reports.services import Scope
from seed.bench import BENCH_COORDINATOR, BENCH_ORGANISER

PAGE_SIZE = 20


def empty_schema() -> None:
    """PostgreSQL: drop everything, for a new seed."""
    db.session.execute(text("DROP SCHEMA public CASCADE"))
    db.session.execute(text("CREATE SCHEMA public"))
    db.session.commit()


def sample_ids() -> dict:
    """An upcoming public event, the next standing conference with a
    programme, a forum, an award category, and how many pages of workshops."""
    upcoming = select(Event.id).where(Event.status == EventStatus.PUBLISHED, Event.audience == Audience.PUBLIC,
                                      Event.starts_at > utcnow()).order_by(Event.starts_at)
    workshops = select(func.count()).select_from(upcoming.where(Event.kind == EventKind.WORKSHOP).subquery())
    return {"event": db.session.scalar(upcoming.where(Event.kind == EventKind.COMMUNITY_EVENT)),
            "conference": db.session.scalar(upcoming.where(Event.kind == EventKind.STANDING_CONFERENCE,
                                                           Event.id.in_(select(ProgrammeSession.event_id)))),
            "forum": db.session.scalar(select(func.min(Forum.id))),
            "category": db.session.scalar(select(func.max(AwardCategory.id))),
            "workshop_pages": -(-db.session.scalar(workshops) // PAGE_SIZE)}


def signed_in_ids() -> dict:
    """The event the bench organiser runs and the forum the bench coordinator runs."""
    return {"managed_event": db.session.scalar(select(func.min(event_organisers.c.event_id)).join(
                User, User.id == event_organisers.c.user_id).where(User.email == BENCH_ORGANISER)),
            "coordinated_forum": db.session.scalar(select(func.min(ForumCoordinator.forum_id)).join(
                User, User.id == ForumCoordinator.user_id).where(User.email == BENCH_COORDINATOR))}


def report_bounds(sizes: list[int]) -> dict:
    """The first day of the shortest range ending today that holds at least
    each of `sizes` attendance records, and the total."""
    rows = db.session.execute(
        select(Event.starts_at, func.count(Attendance.id)).join(Attendance, Attendance.event_id == Event.id)
        .where(Event.starts_at <= utcnow()).group_by(Event.id, Event.starts_at).order_by(Event.starts_at.desc())
    ).all()
    found, total = {}, 0
    for starts, count in rows:
        total += count
        for size in sizes:
            if str(size) not in found and total >= size:
                found[str(size)] = starts.date().isoformat()
    return {"total": total, **found}


def bare_report_sql(starts: str | None, repetitions: int) -> list[float]:
    """Seconds for the aggregate statements the diversity report rests on:
    everyone who came, counted by every characteristic (different people
    across events, which no per-event tally can add up: always counted
    live), and each event's attendance added up from its settled tally, or
    counted live where it has none (events/tallies.py)."""
    scope = Scope("all", starts=date.fromisoformat(starts), ends=date.today()) if starts else Scope("all")
    events = scope.event_ids(settled=True)  # the same events the report page counts
    runs = []
    for _ in range(repetitions):
        began = time.perf_counter()
        queries.tally(queries.participants(events), ("attended",), "bench")
        queries.event_summaries(events, tallied=tallies.current_tallies())
        runs.append(time.perf_counter() - began)
    return runs


def report_pdf_job(starts: str | None, repetitions: int) -> list[float]:
    """Seconds the worker's job takes to draw the all-events report's PDF
    (the request that asks for it only queues the job)."""
    scope = Scope("all", starts=date.fromisoformat(starts), ends=date.today()) if starts else Scope("all")
    reader = db.session.scalar(select(User.id).order_by(User.id).limit(1))
    runs = []
    with current_app.test_request_context():  # the PDF links to the methodology page by its full address
        for _ in range(repetitions):
            job = drawing.draw_later(scope, "census", breakdowns_withheld=False, reader_id=reader, back_url="/")
            db.session.commit()
            began = time.perf_counter()
            drawing.draw(job.id, drawing.order_for(scope, "census", breakdowns_withheld=False, reader_id=reader))
            runs.append(time.perf_counter() - began)
    return runs


def progress_report_job(year: int) -> dict:
    """Seconds the worker's job takes to prepare a year's progress report
    (its page and its PDF, for a reader who sees breakdowns). In a request's
    context, as report_pdf_job: the bench's app has no SERVER_NAME, which a
    worker has to write the PDF's link to the methodology by its full address."""
    with current_app.test_request_context(), write_lock():
        reader = db.session.scalar(select(User.id).order_by(User.id).limit(1))
        job, _started = drawing.prepare_progress_later(year, breakdowns_withheld=None, reader_id=reader,
                                             back_url=f"/reports/progress/{year}")
        db.session.commit()
    began = time.perf_counter()
    with current_app.test_request_context():
        said = drawing.prepare_progress(job.id, {"year": year, "breakdowns_withheld": None, "reader_id": reader})
    return {"year": year, "seconds": round(time.perf_counter() - began, 2), "done": not said.endswith("failed")}


def burst_setup(places: int, people: int) -> dict:
    """An event with `places`, and a signed-in session with its CSRF token
    for each of `people` members (made here: signing in 500 times through
    the form would be a password-hashing benchmark)."""
    starts = utcnow() + timedelta(days=30)
    event = Event(title="Bench burst", summary="Many people at once.", kind=EventKind.COMMUNITY_EVENT,
                  status=EventStatus.PUBLISHED, audience=Audience.PUBLIC, starts_at=starts,
                  ends_at=starts + timedelta(hours=2), online_url="https://meet.example.org/burst",
                  contact_email="events@example.org", capacity=places)
    db.session.add(event)
    db.session.commit()
    members = db.session.scalars(select(User).where(User.email.like("person%")).order_by(User.id.desc())
                                 .limit(people)).all()
    app = current_app._get_current_object()
    serializer = app.session_interface.get_signing_serializer(app)
    sessions = []
    for member in members:
        with app.test_request_context("/"):
            login_user(member)
            g.pop("csrf_token", None)  # a token of each session's own
            token = generate_csrf()
            sessions.append([serializer.dumps(dict(session)), token])
    return {"event": event.id, "cookie": app.config["SESSION_COOKIE_NAME"], "sessions": sessions}


def burst_outcome(event_id: int) -> dict:
    """Who got a place, who waits, and whether the queue is in the order
    the registrations were saved."""
    rows = db.session.execute(select(Registration.id, Registration.status, Registration.waitlisted_at)
                              .where(Registration.event_id == event_id).order_by(Registration.id)).all()
    waiting = [row for row in rows if row.status == RegistrationStatus.WAITLISTED]
    queue = [row.id for row in sorted(waiting, key=lambda row: (row.waitlisted_at, row.id))]
    return {"registrations": len(rows), "confirmed": sum(row.status == RegistrationStatus.CONFIRMED for row in rows),
            "waitlisted": len(waiting), "queue_in_order": queue == [row.id for row in waiting]}


PROBES = {probe.__name__: probe for probe in (empty_schema, sample_ids, report_bounds, bare_report_sql,
                                               report_pdf_job, progress_report_job, burst_setup, burst_outcome,
                                               signed_in_ids)}

if __name__ == "__main__":
    name, arguments = sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    with create_app().app_context():
        print(json.dumps(PROBES[name](**arguments)))
