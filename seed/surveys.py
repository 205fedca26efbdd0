"""Demo outcome surveys for `flask seed-demo`: past demo events whose
surveys have closed, two with enough answers for results to show and one
(the Community Iftar) with too few, plus the surveys emailed for the event
that ended last week (its links are in the demo's mail log). Answers are
drawn at random, seeded, so every demo is the same. Idempotent: an event
that has survey invitations is left alone, and sending skips anyone sent one."""
import hashlib
import random
import secrets
from datetime import timedelta

from sqlalchemy import exists, select

from core.database import utcnow
from core.extensions import db
from events.models import SURVEY_QUESTIONS, Attendance, Event, Registration, SurveyAnswer, SurveyInvitation
from events.services.surveys import send_surveys

# Title, and the share of those who came who answered.
ANSWERED = [("Community festival (demo)", 0.35), ("Young voices workshop (demo 2)", 0.6), ("Community Iftar", 0.5)]
WEIGHTS = {
    "overall": {"very_good": 45, "good": 35, "neither": 12, "poor": 5, "very_poor": 3},
    "met_someone": {"yes": 62, "no": 28, "not_sure": 10},
    "get_on_well": {"definitely_agree": 30, "tend_to_agree": 44, "tend_to_disagree": 12, "definitely_disagree": 4,
                    "dont_know": 7, "too_few_people": 2, "all_same": 1},
    "influence": {"definitely_agree": 8, "tend_to_agree": 24, "tend_to_disagree": 35, "definitely_disagree": 18,
                  "dont_know": 15},
}
SKIPPED_SHARE = 0.07
COMMENTS = ["The food was wonderful and I talked to people I would never have met otherwise.",
            "More seating for older people, please.", "Could the next one be on a weekend?",
            "I came with my neighbour and we stayed until the end."]


def seed_demo_surveys() -> None:
    draw = random.Random(24)
    for title, share in ANSWERED:
        event = db.session.scalar(select(Event).where(Event.title == title).order_by(Event.id))
        if event is None or db.session.scalar(select(exists().where(SurveyInvitation.event_id == event.id))):
            continue
        came = db.session.scalars(select(Registration).join(Attendance, Attendance.registration_id == Registration.id)
                                  .where(Registration.event_id == event.id).order_by(Registration.id)).all()
        sent_at = event.ends_at + timedelta(hours=1)
        for registration in came:
            invitation = SurveyInvitation(event_id=event.id, registration_id=registration.id, language="en",
                                          token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                                          sent_at=sent_at, expires_at=sent_at + timedelta(days=14))
            db.session.add(invitation)
            if draw.random() < share:
                invitation.answered = True
                db.session.add(_answer(event, draw))
        db.session.flush()
    send_surveys(now=utcnow())
    db.session.commit()


def _answer(event: Event, draw: random.Random) -> SurveyAnswer:
    answers = {question.key: None if draw.random() < SKIPPED_SHARE else
               draw.choices(list(WEIGHTS[question.key]), weights=list(WEIGHTS[question.key].values()))[0]
               for question in SURVEY_QUESTIONS}
    # Enough comments at the festival for them to show (more than the minimum must write something).
    comment = draw.choice(COMMENTS) if draw.random() < 0.3 else ""
    return SurveyAnswer(id=secrets.token_hex(16), event_id=event.id, anything_else=comment, **answers)
