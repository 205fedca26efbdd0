"""Demo data for the reports: a year of past events (two a month, and a
spring standing conference) attended by several hundred synthetic people,
most of whom answered the equality questions. Answers are drawn at random
(seeded, so every demo is the same) with shares loosely like the county's
but more mixed, so that every report shows real figures. Idempotent: skipped
when the first demo event exists."""
import random
import secrets
from datetime import date, time, timedelta

from sqlalchemy import select

from core.equality import services as equality
from core.database import london_datetime, utcnow
from core.extensions import db
from core.equality.models import EqualityLink, EqualityResponse
from core.accounts.models import User
from reports import open_data
from events.models import (
    Attendance, CohesionPriority, Event, EventKind, EventStatus, Registration, RegistrationStatus, Venue,
)

PEOPLE = 450
TITLES = ["Neighbourhood conversations", "Cook and share", "Young voices workshop", "Faith trail walk",
          "Hate crime awareness workshop", "Community litter pick", "Welcome cafe", "Intergenerational games"]
WEIGHTS = {
    "age_band": {"under_16": 6, "16_24": 14, "25_34": 18, "35_49": 22, "50_64": 18, "65_74": 10, "75_plus": 5,
                 "prefer_not_to_say": 3},
    "ethnic_group": {"white": 58, "asian": 16, "black": 10, "mixed": 8, "other": 6, "prefer_not_to_say": 2},
    "religion": {"christian": 36, "none": 30, "muslim": 13, "hindu": 6, "sikh": 4, "jewish": 2, "buddhist": 2,
                 "other": 2, "prefer_not_to_say": 5},
    "sex": {"female": 55, "male": 42, "prefer_not_to_say": 3},
    "disability": {"no": 78, "yes": 18, "prefer_not_to_say": 4},
    "disability_impact": {"a_lot": 30, "a_little": 50, "not_at_all": 20},
    "gender_identity": {"yes": 94, "no": 2, "prefer_not_to_say": 4},
    "sexual_orientation": {"straight": 82, "gay_or_lesbian": 5, "bisexual": 5, "other": 2, "prefer_not_to_say": 6},
}
ANSWERED_SHARE = 0.75
SKIPPED_SHARE = 0.08  # of those who answered, each question left blank this often


def _pick(draw: random.Random, key: str) -> str:
    options = WEIGHTS[key]
    return draw.choices(list(options), weights=list(options.values()))[0]


def _answers(draw: random.Random) -> dict[str, str | None]:
    answers = {key: (None if draw.random() < SKIPPED_SHARE else _pick(draw, key))
               for key in ("age_band", "ethnic_group", "religion", "sex", "disability")}
    if answers["ethnic_group"] in equality.ETHNIC_BACKGROUNDS:
        answers["ethnic_background"] = draw.choice(equality.ETHNIC_BACKGROUNDS[answers["ethnic_group"]])[0]
    if answers["disability"] == "yes":
        answers["disability_impact"] = _pick(draw, "disability_impact")
    if answers["age_band"] not in (None, equality.UNDER_16, equality.PREFER_NOT_TO_SAY):
        answers["gender_identity"] = _pick(draw, "gender_identity")
        answers["sexual_orientation"] = _pick(draw, "sexual_orientation")
    answers["postcode_district"] = draw.choice(["NN1", "NN2", "NN3", "NN4", "NN5", "NN14", "NN15", "NN16"])
    return answers


def seed_demo_reports(organiser: User, admin: User) -> None:
    first_title = f"{TITLES[0]} (demo 1)"
    if db.session.scalar(select(Event.id).where(Event.title == first_title)):
        return
    draw = random.Random(2026)
    emails = [f"participant{n}@example.org" for n in range(1, PEOPLE + 1)]
    # People who came once, to a fair a year ago, and never since: without them the first
    # quarter's report would differ from the next by too few people for breakdowns.
    visitors = [f"fair-visitor{n}@example.org" for n in range(1, 31)]
    for email in emails + visitors:
        if draw.random() < ANSWERED_SHARE:
            # Written directly (a new demo has none of these people), as give_consent would.
            link = EqualityLink(person_key=equality.person_key(None, email), subject_id=secrets.token_hex(16))
            db.session.add_all([link, EqualityResponse(subject_id=link.subject_id, consented_at=utcnow(),
                                                       consent_version=equality.CONSENT_VERSION, **_answers(draw))])
    priorities = list(db.session.scalars(select(CohesionPriority).order_by(CohesionPriority.position)))
    venues = list(db.session.scalars(select(Venue).order_by(Venue.id)))
    today = date.today()
    for n in range(24):
        day = today - timedelta(days=360 - 15 * n)
        kind = EventKind.WORKSHOP if "workshop" in TITLES[n % len(TITLES)] else EventKind.COMMUNITY_EVENT
        title = f"{TITLES[n % len(TITLES)]} (demo {n // len(TITLES) + 1})"
        _past_event(title, kind, day, organiser, venues[n % len(venues)],
                    priorities[n % len(priorities)] if priorities else None,
                    draw.sample(emails, draw.randint(25, 70)), draw)
    _past_event("Winter fair (demo)", EventKind.COMMUNITY_EVENT, today - timedelta(days=355), organiser, venues[0],
                priorities[-1] if priorities else None, visitors + draw.sample(emails, 20), draw)
    _past_event("Standing conference: spring review", EventKind.STANDING_CONFERENCE, today - timedelta(days=200),
                organiser, venues[0], priorities[0] if priorities else None, draw.sample(emails, 220), draw)
    _past_event("Community festival (demo)", EventKind.COMMUNITY_EVENT, today - timedelta(days=120),
                organiser, venues[0], priorities[-1] if priorities else None, draw.sample(emails, 200), draw)
    db.session.flush()
    # The last quarter whose events have all settled (a fortnight into a quarter, the one before).
    last_quarter = next(quarter for quarter in open_data.recent_quarters(today)
                        if open_data.settled_by(quarter) <= today)
    if last_quarter.period not in open_data.published():
        open_data.publish(last_quarter, actor=admin, today=today)
    db.session.commit()


def _past_event(title, kind, day, organiser, venue, priority, emails, draw) -> None:
    starts = london_datetime(day, time(18, 0))
    event = Event(title=title, summary="A demo event from the past year, for the reports.", kind=kind,
                  status=EventStatus.PUBLISHED, starts_at=starts, ends_at=starts + timedelta(hours=2),
                  venue_id=venue.id, contact_email="cohesion@example.org", organisers=[organiser],
                  created_by_id=organiser.id, priorities=[priority] if priority else [])
    db.session.add(event)
    db.session.flush()
    for email in emails:
        registration = Registration(event=event, person_key=equality.person_key(None, email),
                                    name=email.split("@")[0].capitalize(), email=email,
                                    status=RegistrationStatus.CONFIRMED, confirmed_at=starts - timedelta(days=7),
                                    created_at=starts - timedelta(days=7))
        db.session.add(registration)
        if draw.random() < 0.82:
            db.session.add(Attendance(event_id=event.id, registration=registration, checked_in_at=starts,
                                      checked_in_by_id=organiser.id))
    if draw.random() < 0.5:
        db.session.add(Attendance(event_id=event.id, walk_in_name="Walk-ins at the door", people=draw.randint(1, 6),
                                  checked_in_at=starts + timedelta(minutes=15)))
