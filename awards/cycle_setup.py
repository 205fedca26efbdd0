"""Setting up an award cycle: its dates and options, its categories with
their questions and scoring rubric (or last year's, copied), and the list of
names excluded from it; and the cycles, newest first. Functions flush but
never commit."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from awards.errors import AwardRuleBroken
from awards.models import (
    AwardCategory, AwardCycle, CategoryQuestion, CategoryTranslation, Criterion, Exclusion, Nomination, NomineeKind,
)
from core import audit
from core.accounts.models import User
from core.database import utcnow
from core.extensions import db


@dataclass
class CycleDetails:
    name: str
    nominations_open_at: datetime
    nominations_close_at: datetime
    judging_opens_at: datetime
    judging_closes_at: datetime
    announce_at: datetime
    introduction: str = ""
    ceremony_id: int | None = None
    blind_judging: bool = False
    hide_nominee_contacts: bool = True
    show_other_scores: bool = False
    normalise_after: int = 3


def save_cycle(cycle: AwardCycle | None, details: CycleDetails, *, actor: User) -> AwardCycle:
    name = " ".join(details.name.split())
    clash = db.session.scalar(select(AwardCycle).where(func.lower(AwardCycle.name) == name.lower()))
    if clash is not None and clash is not cycle:
        raise AwardRuleBroken("There is already a cycle with that name", field="name")
    for earlier, later, later_field, message in [
        (details.nominations_open_at, details.nominations_close_at, "nominations_close",
         "Nominations must close after they open"),
        (details.nominations_close_at, details.judging_opens_at, "judging_opens",
         "Judging must start on or after the day nominations close"),
        (details.judging_opens_at, details.judging_closes_at, "judging_closes", "Judging must end after it starts"),
        (details.judging_closes_at, details.announce_at, "announce", "Announce the results after judging ends"),
    ]:
        too_soon = later <= earlier if later_field in ("nominations_close", "judging_closes") else later < earlier
        if too_soon:
            raise AwardRuleBroken(message, field=later_field)
    if cycle is not None and cycle.results_published_at is not None and details.announce_at > utcnow():
        # Judging would open again under published results (scores and decisions locked until reopened).
        raise AwardRuleBroken("The results are published, so the announcement date cannot move into the future. "
                              "Reopen the results first.", field="announce")
    if cycle is None:
        cycle = AwardCycle()
        db.session.add(cycle)
    cycle.name, cycle.introduction = name, details.introduction.strip()
    cycle.nominations_open_at, cycle.nominations_close_at = details.nominations_open_at, details.nominations_close_at
    cycle.judging_opens_at, cycle.judging_closes_at = details.judging_opens_at, details.judging_closes_at
    cycle.announce_at, cycle.ceremony_id = details.announce_at, details.ceremony_id
    cycle.blind_judging, cycle.hide_nominee_contacts = details.blind_judging, details.hide_nominee_contacts
    cycle.show_other_scores, cycle.normalise_after = details.show_other_scores, details.normalise_after
    db.session.flush()
    audit.record("awards.cycle_saved", actor=actor, subject=cycle)
    return cycle


def latest_cycle() -> AwardCycle | None:
    """The newest cycle alone (for the home page), without its categories."""
    return db.session.scalars(select(AwardCycle).options(lazyload("*"))
                              .order_by(AwardCycle.nominations_open_at.desc(), AwardCycle.id).limit(1)).first()


def cycles(*, newest_first: bool = True) -> list[AwardCycle]:
    order = AwardCycle.nominations_open_at.desc() if newest_first else AwardCycle.nominations_open_at
    return list(db.session.scalars(select(AwardCycle).order_by(order, AwardCycle.id)))


@dataclass
class CategoryDetails:
    name: str
    nominee_kind: NomineeKind
    description: str = ""
    eligibility: str = ""
    self_nomination: bool = False
    min_age: int | None = None
    max_age: int | None = None
    scale_max: int = 5


def save_category(cycle: AwardCycle, category: AwardCategory | None, details: CategoryDetails, *,
                  actor: User) -> AwardCategory:
    name = " ".join(details.name.split())
    clash = db.session.scalar(select(AwardCategory).where(AwardCategory.cycle_id == cycle.id,
                                                          func.lower(AwardCategory.name) == name.lower()))
    if clash is not None and clash is not category:
        raise AwardRuleBroken(f"{cycle.name} already has a category called {clash.name}", field="name")
    individual = details.nominee_kind == NomineeKind.INDIVIDUAL
    low, high = (details.min_age, details.max_age) if individual else (None, None)
    if low is not None and high is not None and high < low:
        raise AwardRuleBroken("The oldest age must be the same as or more than the youngest", field="max_age")
    if category is not None and category.scale_max != details.scale_max and _has_nominations(category):
        raise AwardRuleBroken("The scale cannot change once nominations have come in", field="scale_max")
    if category is None:
        category = AwardCategory(cycle=cycle, position=len(cycle.categories))
        db.session.add(category)
    category.name, category.nominee_kind = name, details.nominee_kind
    category.description, category.eligibility = details.description.strip(), details.eligibility.strip()
    category.self_nomination, category.min_age, category.max_age = details.self_nomination, low, high
    category.scale_max = details.scale_max
    db.session.flush()
    audit.record("awards.category_saved", actor=actor, subject=category)
    return category


def _has_nominations(category: AwardCategory) -> bool:
    return db.session.scalar(select(Nomination.id).where(Nomination.category_id == category.id).limit(1)) is not None


def add_question(category: AwardCategory, *, text: str, word_limit: int, actor: User) -> CategoryQuestion:
    question = CategoryQuestion(category_id=category.id, text=text.strip(), word_limit=word_limit,
                                position=len(category.questions))
    category.questions.append(question)
    db.session.flush()
    audit.record("awards.question_added", actor=actor, subject=category, details={"question": question.id})
    return question


def remove_question(question: CategoryQuestion, *, actor: User) -> None:
    """Answers already given stay in their nominations' record."""
    db.session.delete(question)
    db.session.flush()
    audit.record("awards.question_removed", actor=actor, subject=question)


def add_criterion(category: AwardCategory, *, name: str, guidance: str, weight: int, actor: User) -> Criterion:
    criterion = Criterion(category_id=category.id, name=name.strip(), guidance=guidance.strip(), weight=weight,
                          position=len(category.criteria))
    category.criteria.append(criterion)
    db.session.flush()
    audit.record("awards.criterion_added", actor=actor, subject=category, details={"criterion": criterion.id})
    return criterion


def remove_criterion(criterion: Criterion, *, actor: User) -> None:
    db.session.delete(criterion)
    db.session.flush()
    audit.record("awards.criterion_removed", actor=actor, subject=criterion)


def copy_categories(source: AwardCycle, target: AwardCycle, *, actor: User) -> list[AwardCategory]:
    """Last year's categories, with their questions, rubric and versions in
    other languages, into this year's cycle (any it already has by name are left alone)."""
    if source.id == target.id:
        raise AwardRuleBroken("Choose a different cycle to copy from", field="source_id")
    have = {category.name.lower() for category in target.categories}
    copied = []
    for old in source.categories:
        if old.name.lower() in have:
            continue
        new = AwardCategory(cycle=target, name=old.name, description=old.description, eligibility=old.eligibility,
                            nominee_kind=old.nominee_kind, self_nomination=old.self_nomination, min_age=old.min_age,
                            max_age=old.max_age, scale_max=old.scale_max,
                            position=len(target.categories) + len(copied),
                            questions=[CategoryQuestion(text=q.text, word_limit=q.word_limit, position=q.position)
                                       for q in old.questions],
                            criteria=[Criterion(name=c.name, guidance=c.guidance, weight=c.weight,
                                                position=c.position) for c in old.criteria],
                            translations=[CategoryTranslation(language=t.language, name=t.name,
                                                              description=t.description, eligibility=t.eligibility)
                                          for t in old.translations])
        db.session.add(new)
        copied.append(new)
    if not copied:
        raise AwardRuleBroken(f"{target.name} already has every category {source.name} had", field="source_id")
    db.session.flush()
    audit.record("awards.categories_copied", actor=actor, subject=target,
                 details={"from": source.id, "categories": [c.id for c in copied]})
    return copied


def add_exclusion(cycle: AwardCycle, *, name: str, reason: str, actor: User) -> Exclusion:
    exclusion = Exclusion(cycle_id=cycle.id, name=" ".join(name.split()), reason=reason.strip())
    db.session.add(exclusion)
    db.session.flush()
    audit.record("awards.exclusion_added", actor=actor, subject=cycle, details={"name": exclusion.name})
    return exclusion


def remove_exclusion(exclusion: Exclusion, *, actor: User) -> None:
    db.session.delete(exclusion)
    db.session.flush()
    audit.record("awards.exclusion_removed", actor=actor, subject=exclusion, details={"name": exclusion.name})


def exclusions_of(cycle: AwardCycle) -> list[Exclusion]:
    return list(db.session.scalars(select(Exclusion).where(Exclusion.cycle_id == cycle.id).order_by(Exclusion.name)))
