"""Factories for forums and memberships."""
from datetime import date, timedelta

import factory

from forums.models import Forum, ForumKind, Membership, MembershipRole, MembershipStatus
from tests.events.factories import _Base


class ForumFactory(_Base):
    class Meta:
        model = Forum

    name = factory.Sequence(lambda n: f"Interfaith forum {n}")
    kind = ForumKind.INTERFAITH
    purpose = "Faith communities working together for the county."
    area = "The whole county"
    open_to_apply = True


class MembershipFactory(_Base):
    class Meta:
        model = Membership

    forum = factory.SubFactory(ForumFactory)
    user = factory.SubFactory("tests.factories.UserFactory")
    status = MembershipStatus.ACTIVE
    role = MembershipRole.MEMBER
    reason = "To bring my community's voice."
    term_starts_on = factory.LazyFunction(date.today)
    term_ends_on = factory.LazyFunction(lambda: date.today() + timedelta(days=365))
