"""Factories for award cycles, categories and nominations."""
from datetime import timedelta

import factory

from awards.models import AwardCategory, AwardCycle, CategoryQuestion, Criterion, NomineeKind
from core.database import utcnow
from tests.events.factories import _Base


class CycleFactory(_Base):
    """A cycle open for nominations now, by default; `judging=True` for one
    whose judging window is open now; `announcing=True` for one whose
    judging has closed and whose announcement date has come."""

    class Meta:
        model = AwardCycle

    class Params:
        judging = factory.Trait(
            nominations_open_at=factory.LazyFunction(lambda: utcnow() - timedelta(days=40)),
            nominations_close_at=factory.LazyFunction(lambda: utcnow() - timedelta(days=10)),
            judging_opens_at=factory.LazyFunction(lambda: utcnow() - timedelta(days=5)))
        announcing = factory.Trait(
            nominations_open_at=factory.LazyFunction(lambda: utcnow() - timedelta(days=90)),
            nominations_close_at=factory.LazyFunction(lambda: utcnow() - timedelta(days=60)),
            judging_opens_at=factory.LazyFunction(lambda: utcnow() - timedelta(days=50)),
            judging_closes_at=factory.LazyFunction(lambda: utcnow() - timedelta(days=20)),
            announce_at=factory.LazyFunction(lambda: utcnow() - timedelta(days=1)))

    name = factory.Sequence(lambda n: f"Community Cohesion Awards {2027 + n}")
    nominations_open_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=10))
    nominations_close_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=20))
    judging_opens_at = factory.LazyAttribute(lambda c: c.nominations_close_at + timedelta(days=1))
    judging_closes_at = factory.LazyAttribute(lambda c: c.judging_opens_at + timedelta(days=30))
    announce_at = factory.LazyAttribute(lambda c: c.judging_closes_at + timedelta(days=10))


class CategoryFactory(_Base):
    class Meta:
        model = AwardCategory

    cycle = factory.SubFactory(CycleFactory)
    name = factory.Sequence(lambda n: f"Unsung Hero {n}")
    nominee_kind = NomineeKind.INDIVIDUAL
    questions = factory.LazyFunction(lambda: [
        CategoryQuestion(text="What has the nominee done?", word_limit=20, position=0),
        CategoryQuestion(text="What difference has it made?", word_limit=20, position=1)])
    criteria = factory.LazyFunction(lambda: [Criterion(name="Impact", weight=2), Criterion(name="Reach", weight=1)])
