"""The extra questions an organiser asks people registering, and the checking
of the answers they give.

Functions flush but never commit.
"""
from sqlalchemy import func, select

from core import audit
from core.extensions import db
from core.i18n import _
from core.accounts.models import User
from events.models import Event, EventQuestion, QuestionKind, RegistrationAnswer
from events.services.errors import EventRuleBroken


MAX_OPTIONS = 20


def event_questions(event: Event) -> list[EventQuestion]:
    return list(db.session.scalars(select(EventQuestion).where(EventQuestion.event_id == event.id)
                                   .order_by(EventQuestion.position, EventQuestion.id)))


def add_question(event: Event, *, label: str, kind: QuestionKind, options: list[str], required: bool,
                 actor: User) -> EventQuestion:
    options = [option.strip() for option in options if option.strip()] if kind == QuestionKind.CHOICE else []
    if kind == QuestionKind.CHOICE:
        if not 2 <= len(options) <= MAX_OPTIONS:
            raise EventRuleBroken(f"Give between 2 and {MAX_OPTIONS} answers to choose from, one a line",
                                  field="options")
        if len(set(o.lower() for o in options)) != len(options):
            raise EventRuleBroken("Each answer to choose from must be different", field="options")
        if any(len(option) > 100 for option in options):
            raise EventRuleBroken("Each answer to choose from must be 100 characters or fewer", field="options")
    position = len(event_questions(event))
    question = EventQuestion(event_id=event.id, label=" ".join(label.split()), kind=kind, options=options,
                             required=required, position=position)
    db.session.add(question)
    db.session.flush()
    audit.record("question.added", actor=actor, subject=question, details={"event": event.id})
    return question


def answer_counts(event: Event) -> dict[int, int]:
    """How many people have answered each of the event's questions, in one
    query (a question nobody has answered is left out)."""
    rows = db.session.execute(select(RegistrationAnswer.question_id, func.count())
                              .join(EventQuestion, EventQuestion.id == RegistrationAnswer.question_id)
                              .where(EventQuestion.event_id == event.id).group_by(RegistrationAnswer.question_id))
    return dict(rows.all())


def answer_count(question: EventQuestion) -> int:
    return db.session.scalar(select(func.count()).select_from(RegistrationAnswer)
                             .where(RegistrationAnswer.question_id == question.id))


def delete_question(question: EventQuestion, *, answers_seen: int = 0, actor: User) -> int:
    """Remove a question and everyone's answers to it. `answers_seen`: how many
    answers the organiser was told would go with it; more than that (someone
    answered since) and nothing is removed, so no answer is deleted unasked.
    Returns the number of answers deleted."""
    answers = answer_count(question)
    if answers > answers_seen:
        raise EventRuleBroken("Since the page was shown, more people have answered this question. "
                              "Check how many before you remove it.")
    audit.record("question.deleted", actor=actor, subject=question,
                 details={"label": question.label, "answers": answers})
    db.session.delete(question)
    db.session.flush()
    return answers


def _answers_for(event: Event, answers: dict[int, str]) -> list[RegistrationAnswer]:
    """Check answers against the event's questions: required ones given,
    choices from the list. Returns the answers to store."""
    stored = []
    for question in event_questions(event):
        value = (answers.get(question.id) or "").strip()
        if not value:
            if question.required:
                raise EventRuleBroken(_("Answer the question: %(question)s", question=question.label),
                                      field=f"question_{question.id}")
            continue
        if question.kind != QuestionKind.TEXT and value not in question.choices:
            raise EventRuleBroken(_("Choose an answer from the list for: %(question)s", question=question.label),
                                  field=f"question_{question.id}")
        stored.append(RegistrationAnswer(question_id=question.id, value=value[:2000]))
    return stored
