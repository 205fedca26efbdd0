"""Worlds whose report figures are worked out by hand in the tests: a small
one of ten named people at two settled events (one earlier event outside
the dates), two walk-ins, and equality answers for eight of them; and a
crowd big enough for breakdowns to be published."""
import hashlib
import random
from datetime import time, timedelta

from core.equality import services as equality
from core.database import london_datetime, utcnow
from core.extensions import db
from events.models import Attendance, EventKind
from reports.quarters import settled_until
from tests.conftest import submit
from tests.events.factories import EventFactory, RegistrationFactory

WHITE_CHRISTIAN = {"ethnic_group": "white", "religion": "christian", "age_band": "25_34"}
ANSWERS = {
    1: WHITE_CHRISTIAN, 2: WHITE_CHRISTIAN, 3: WHITE_CHRISTIAN, 4: WHITE_CHRISTIAN, 5: WHITE_CHRISTIAN,
    6: {"ethnic_group": "asian", "religion": "muslim", "age_band": "16_24"},
    7: {"ethnic_group": "prefer_not_to_say", "religion": "none", "age_band": "under_16"},
    8: {"ethnic_group": "asian", "religion": "hindu", "age_band": "50_64"},
    10: {"ethnic_group": "white", "religion": "none", "age_band": "35_49"},
}


def answer(email: str, answers: dict) -> None:
    key = equality.person_key(None, email)
    response = equality.give_consent(key)
    for name, value in answers.items():
        setattr(response, name, value)


def settled_day():
    """Midday on the last day reports count now (the end of the last quarter
    whose events have all settled): the worlds' days are counted back from it."""
    return london_datetime(settled_until(utcnow()), time(12))


def build_small_world() -> dict:
    """Event A (30 days before the last settled day): people 1-9 registered,
    1-7 came, plus a walk-in party of two. Event B (20 days before): 1, 6
    and 10 came. Event C (200 days before, so in an earlier quarter): person
    1 came."""
    now = settled_day()
    earlier = EventFactory(title="Event C", starts_at=now - timedelta(days=200), capacity=None)
    event_a = EventFactory(title="Event A", starts_at=now - timedelta(days=30), capacity=None)
    event_b = EventFactory(title="Event B", starts_at=now - timedelta(days=20), capacity=None,
                           kind=EventKind.WORKSHOP)
    email = {n: f"person{n}@example.org" for n in range(1, 11)}

    def came(event, n):
        registration = RegistrationFactory(event=event, email=email[n], name=f"Person {n}")
        db.session.add(Attendance(event_id=event.id, registration=registration))

    came(earlier, 1)
    for n in range(1, 8):
        came(event_a, n)
    for n in (8, 9):
        RegistrationFactory(event=event_a, email=email[n], name=f"Person {n}")
    db.session.add(Attendance(event_id=event_a.id, walk_in_name="Family at the door", people=2))
    for n in (1, 6, 10):
        came(event_b, n)
    for n, answers in ANSWERS.items():
        answer(email[n], answers)
    db.session.commit()
    return {"a": event_a.id, "b": event_b.id, "c": earlier.id}


ETHNIC_GROUPS = ("white", "asian", "black", "mixed", "other", "prefer_not_to_say", None)
RELIGIONS = ("christian", "muslim", "none", "hindu", "sikh", None)
AGE_BANDS = ("16_24", "25_34", "35_49", "50_64", "65_74", None)
SEXES = ("female", "male", None)


def build_crowd(people: int = 60, seed: int = 1) -> dict:
    """Two settled events (40 and 25 days before the last settled day) that `people` named people
    came to, most answering; the answers drawn from `seed`. Returns the
    event ids and, for each person's email, their answers."""
    chosen = random.Random(seed)
    now = settled_day()
    first = EventFactory(title="Crowd one", starts_at=now - timedelta(days=40), capacity=None)
    second = EventFactory(title="Crowd two", starts_at=now - timedelta(days=25), capacity=None)
    answers = {}
    for n in range(people):
        email = f"crowd{n}@example.org"
        for event in (first, second) if n % 3 else (first,):
            registration = RegistrationFactory(event=event, email=email, name=f"Crowd {n}")
            db.session.add(Attendance(event_id=event.id, registration=registration))
        if n % 7:
            answers[email] = {"ethnic_group": chosen.choice(ETHNIC_GROUPS), "religion": chosen.choice(RELIGIONS),
                              "age_band": chosen.choice(AGE_BANDS), "sex": chosen.choice(SEXES)}
            answer(email, answers[email])
    db.session.commit()
    return {"first": first.id, "second": second.id, "answers": answers}


def record_key(secret: str, email: str) -> int:
    """A guest's record key, worked out here as the methodology says: the
    first byte of md5(secret followed by who they are)."""
    return hashlib.md5((secret + f"guest:{email}").encode()).digest()[0]


def drawn_pdf(client, report_url: str):
    """The report's PDF as a person gets it: the "PDF report" button on the
    report's page asks the worker to draw it (here, at once), and the job's
    page offers the file."""
    page, _, query = report_url.partition("?")
    asked = submit(client, f"{page}/report.pdf" + (f"?{query}" if query else ""), form_url=report_url)
    if asked.status_code != 302:
        return asked
    return client.get(asked.headers["Location"] + "/file")


def prepared_progress(client, year: int):
    """The year's progress report as a person gets it: the page's button asks
    the worker to prepare it (here, at once); the page then shows it, and its
    PDF is the job's file. Returns (the page's HTML, the PDF's response)."""
    asked = submit(client, f"/reports/progress/{year}/prepare", form_url=f"/reports/progress/{year}")
    assert asked.status_code == 302, asked.status_code
    page = client.get(f"/reports/progress/{year}").get_data(as_text=True)
    return page, client.get(asked.headers["Location"] + "/file")
