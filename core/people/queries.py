"""Finding likely duplicates, for admins: pairs of person keys with the
reason they look like one person, worked out in one SQL query.

The reasons:
- "address_written_differently": two guests' addresses the same but for capitals
  or spaces (old or imported rows, keys typed before addresses were lower-cased);
- "guest_under_proven_address": a guest's records under the address (in any case)
  an account uses now and has confirmed; they can be merged into that account
  (not under an address it has moved off: someone else may use it now);
- "same_proven_address": two accounts that have both proven one address (an
  address moved from one account to another; or handed on to someone else, so
  the admin decides);
- "same_name_plus_tag": two accounts with the same name whose addresses differ only
  by a "+tag" (name+events@example.org and name@example.org reach one inbox at
  nearly every mail provider).

Not reasons: dots in an address (only some providers ignore them: j.smith and
jsmith are different people elsewhere); the same name alone (common names are
shared); and anything equality monitoring holds. Its postcode district is
special-category monitoring data stored apart and never used to match people.
No identity record holds a person's postcode, so "same name and postcode" has
nothing to match on; a domain that starts keeping one adds it here.
"""
from sqlalchemy import String, and_, case, cast, func, literal, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import Integer

from core.accounts.models import ProvenAddress, User
from core.people.services import GUEST, USER, guest_keys

REASONS = {
    "address_written_differently": "Same guest address, written with different capitals or spaces",
    "guest_under_proven_address": "Guest records under an address this account has proven",
    "same_proven_address": "Both accounts have proven the same address",
    "same_name_plus_tag": "Same name; addresses differ only by a +tag",
}


class position_of(GenericFunction):
    """position_of(text, part): where `part` first starts in `text` (1 for
    the first character), 0 when absent; instr on SQLite, strpos on PostgreSQL."""
    type = Integer()
    inherit_cache = True


@compiles(position_of)
def _position_of_sqlite(element, compiler, **kw):
    text, part = list(element.clauses)
    return f"instr({compiler.process(text, **kw)}, {compiler.process(part, **kw)})"


@compiles(position_of, "postgresql")
def _position_of_postgresql(element, compiler, **kw):
    text, part = list(element.clauses)
    return f"strpos({compiler.process(text, **kw)}, {compiler.process(part, **kw)})"


def _address(key):
    return func.lower(func.trim(func.substr(key, len(GUEST) + 1)))


def _without_plus_tag(email):
    plus, at = position_of(email, "+"), position_of(email, "@")
    return case((and_(plus > 0, plus < at), func.substr(email, 1, plus - 1, type_=String) + func.substr(email, at, type_=String)), else_=email)


def _user_key(user_id):
    return literal(USER) + cast(user_id, String)


def candidate_pairs():
    """A SELECT of (first, second, reason): first is the record an admin would
    usually keep (the account, or the guest key already in lower case)."""
    guests = guest_keys()
    one, other = guests.alias("one"), guests.alias("other")
    key, other_key = one.c[0], other.c[0]
    proven = union_all(
        select(ProvenAddress.user_id.label("user_id"), ProvenAddress.email.label("email")),
        select(User.id, User.email).where(User.email_confirmed_at.is_not(None)),
    ).subquery()
    proven_again = proven.alias("proven_again")
    first, second = User.__table__.alias("first"), User.__table__.alias("second")
    written_differently = select(key.label("first"), other_key.label("second"),
                                 literal("address_written_differently").label("reason")).where(
        _address(key) == _address(other_key), key > other_key)
    under_proven = select(_user_key(User.id), key, literal("guest_under_proven_address")).where(
        _address(key) == User.email, User.email_confirmed_at.is_not(None))
    same_proven = select(_user_key(proven.c.user_id), _user_key(proven_again.c.user_id),
                         literal("same_proven_address")).where(
        proven.c.email == proven_again.c.email, proven.c.user_id < proven_again.c.user_id)
    plus_tag = select(_user_key(first.c.id), _user_key(second.c.id), literal("same_name_plus_tag")).where(
        func.lower(func.trim(first.c.name)) == func.lower(func.trim(second.c.name)),
        first.c.email != second.c.email, _without_plus_tag(first.c.email) == _without_plus_tag(second.c.email),
        first.c.id < second.c.id)
    pairs = union_all(written_differently, under_proven, same_proven, plus_tag).subquery()
    return (select(pairs.c.first, pairs.c.second, pairs.c.reason).distinct()
            .order_by(pairs.c.reason, pairs.c.first, pairs.c.second))
