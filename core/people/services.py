"""Merging two records of one person: the preview of what moves and what
conflicts, and the merge itself, in one transaction under a lock.

Rules (each refusal says why, on the preview page):
- a guest's records move into an account only when the guest's address is the
  one that account uses now and has confirmed: personal data reaches an
  account only through an address its owner proved, and an address it has
  moved off since may be someone else's now (proven_by_another_account's rule),
  so what was left under it is not offered;
- an account's records never move into a guest (keep the account);
- nothing moves into an account that never confirmed its own address (an
  address anyone could have typed shows nobody who owns the account);
- an account whose address was never confirmed moves into another account only
  when the other has proven that address (until then it is just an address
  anyone could have typed);
- an admin cannot merge their own account away.

Merging an account moves everything it holds to the kept one, its proven
addresses too (so whatever reached it through them stays reachable by proof),
points what it did (audit entries, "created by") at the kept account, and
then deletes it. The equality answers are re-pointed, never read: when both
people answered, the set changed last is kept and the other deleted.
"""
import hashlib
import re
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import delete, func, select, tuple_, union, update

from core import audit
from core.accounts.models import OidcIdentity, ProvenAddress, RecoveryCode, RoleGrant, User
from core.accounts.services import KEPT_APART, account_since, normalise_email
from core.database import holds_write_lock, lock_row
from core.equality.models import EqualityLink, EqualityResponse
from core.equality.services import changed_answers
from core.errors import DomainError
from core.extensions import db
from core.models import AuditEntry, BackgroundJob, ImportMapping, SpreadsheetImport
from core.people.registry import Change, Records, records

GUEST = "guest:"
USER = "user:"
# An account's key has one spelling: ASCII digits, no leading zero, short enough for any id column.
# (str.isdigit() takes full-width and superscript digits too, which int() reads or chokes on.)
USER_KEY = re.compile(r"user:([1-9][0-9]{0,17})")
GUEST_KEY_MAX_LENGTH = 260  # "guest:" and an address of at most 254 characters


class CannotMerge(DomainError):
    """The two records cannot be merged this way; the message says why."""


@dataclass(frozen=True)
class Person:
    """One record of a person: an account, or a guest known by the address they typed."""

    key: str
    user: Optional[User] = None

    @property
    def is_guest(self) -> bool:
        return self.user is None

    @property
    def email(self) -> str:
        """The address as recorded: the account's, or the guest's as typed."""
        return self.user.email if self.user is not None else self.key[len(GUEST):]


def person(key: str) -> Person | None:
    """The person a key names, or None for a key that names no one (a
    missing account, a malformed key). A guest key names a guest whether or
    not anything is recorded under it (`has_records` says)."""
    if not isinstance(key, str):
        return None
    account = USER_KEY.fullmatch(key)
    if account is not None:
        user = db.session.get(User, int(account.group(1)))
        return Person(key, user) if user is not None else None
    if key.startswith(GUEST) and "@" in key and len(key) <= GUEST_KEY_MAX_LENGTH:
        return Person(key)
    return None


def merged_away(key: str) -> bool:
    """Whether a merge took this record away (the audit log keeps every merge
    by its keys): a merged account is deleted, so its key names no one now."""
    return db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "person.merged", AuditEntry.details["merged"].as_string() == key).limit(1)) is not None


def proven_addresses(user: User) -> set[str]:
    """The addresses the account has proven: those it confirmed before and
    its own once confirmed. An address it has only typed proves nothing."""
    proven = set(db.session.scalars(select(ProvenAddress.email).where(ProvenAddress.user_id == user.id)))
    if user.email_confirmed:
        proven.add(user.email)
    return proven


def check(merged: Person, kept: Person, *, actor=None) -> None:
    """Refuse a merge the rules do not allow (see the module's docstring)."""
    if _identity(merged) == _identity(kept):
        raise CannotMerge("Choose two different records")
    if actor is not None and merged.user is not None and merged.user.id == getattr(actor, "id", None):
        raise CannotMerge("You cannot merge your own account into another. Keep your account and merge the other "
                          "into it, or ask another admin.")
    if kept.is_guest and not merged.is_guest:
        raise CannotMerge("An account cannot be merged into guest records. Keep the account and merge the guest "
                          "records into it.")
    if merged.is_guest and not kept.is_guest:
        address = normalise_email(merged.email)
        if address not in proven_addresses(kept.user):
            raise CannotMerge(f"{kept.user.name}'s account has not proven it owns {merged.email}, so the guest's "
                              "records cannot be added to it. They can add the address to their account and confirm "
                              "it from its inbox first.")
        if address != kept.user.email:
            raise CannotMerge(f"{kept.user.name}'s account proved {merged.email} once but uses another address now. "
                              "Records left under an address after its owner moved off it may be someone else's "
                              "(addresses are given up and handed on), so the guest's records cannot be added to it.")
    if not kept.is_guest and not kept.user.email_confirmed:
        raise CannotMerge(f"{kept.user.name}'s account never confirmed its own address, so nothing shows who owns "
                          "it, and no records can be moved into it. Keep the other record instead, or ask them to "
                          "confirm their address first.")
    if not merged.is_guest and not merged.user.email_confirmed \
            and merged.user.email not in proven_addresses(kept.user):
        raise CannotMerge(f"{merged.user.name}'s account never confirmed its address, and {kept.user.name}'s account "
                          "has not proven it either, so nothing shows these are one person.")
    if not merged.is_guest and not kept.is_guest and KEPT_APART <= merged.user.site_roles | kept.user.site_roles:
        raise CannotMerge("One of these accounts is an admin and the other does equality monitoring, and one account "
                          "cannot do both: admins can change the records the reports count. Take one of the two "
                          "roles away first.")
    if merged.is_guest and kept.is_guest and normalise_email(merged.email) != normalise_email(kept.email):
        raise CannotMerge("Guest records are merged only when their addresses are the same but for capitals or "
                          "spaces.")


def _identity(someone: Person) -> tuple:
    """Who a record is, whatever its key looked like: an account by its id, a guest by its key."""
    return (USER, someone.user.id) if someone.user is not None else (GUEST, someone.key)


def guest_keys():
    """Every guest's person key any domain holds records under (a UNION, one column "key")."""
    selects = [contribution.guest_keys() for contribution in records if contribution.guest_keys is not None]
    return union(*selects).subquery() if len(selects) > 1 else selects[0].subquery()


def has_records(someone: Person) -> bool:
    if someone.user is not None:
        return True
    found = guest_keys()
    return db.session.scalar(select(found.c[0]).where(found.c[0] == someone.key).limit(1)) is not None


def preview(merged: Person, kept: Person) -> list[tuple[str, list[Change]]]:
    """What the merge would move and what conflicts, by domain, without changing anything."""
    return [(contribution.name, contribution.preview(merged, kept)) for contribution in records]


def as_previewed(merged: Person, kept: Person) -> str:
    """What a merge preview showed, for its form to carry back: each record's key and, for an
    account, when it was made. On SQLite the next account takes a deleted newest account's id, so
    a stale form for a merged-away account would otherwise merge (delete) whoever has its id now."""
    shown = [f"{person.key}@{account_since(person.user) if person.user else ''}" for person in (merged, kept)]
    return hashlib.sha256("|".join(shown).encode()).hexdigest()[:32]


def merge(merged: Person, kept: Person, *, actor, previewed: str | None = None) -> dict[str, int]:
    """Move everything recorded about `merged` to `kept`, in the caller's
    transaction, under a lock that a second merge of either person (or a
    booking for them) waits for. Returns how many records of each kind moved.
    `previewed`: from a preview's form (`as_previewed`), refused unless these are its records still."""
    _lock(merged, kept)
    merged, kept = _fresh(merged), _fresh(kept)
    check(merged, kept, actor=actor)
    if previewed is not None and previewed != as_previewed(merged, kept):
        raise CannotMerge("Nothing was merged: these are not the records the preview showed. Open the preview "
                          "again and check it.")
    counts: dict[str, int] = {}
    for contribution in records:
        for what, count in contribution.move(merged, kept).items():
            if count:
                counts[what] = counts.get(what, 0) + count
    if merged.user is not None:
        _delete_merged_account(merged.user, kept.user)
    # Both records by their keys ("user:<id>", or "guest:<address>", which the audit log screens as any address).
    audit.record("person.merged", actor=actor, subject=kept.user, details={
        "kept": kept.key, "merged": merged.key, "moved": counts})
    db.session.flush()
    return counts


def _lock(*people: Person) -> None:
    """Lock both people in one order (so two merges of an overlapping pair
    queue rather than deadlock): account rows on PostgreSQL, and an advisory
    lock on a guest's key; on SQLite the request already holds the write lock."""
    for someone in sorted(people, key=lambda p: p.key):
        if someone.user is not None:
            lock_row(db.session, User, someone.user.id)
        elif db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext(someone.key))))
        elif not holds_write_lock(db.session):
            raise RuntimeError("merging on SQLite needs a transaction begun inside core.database.write_lock()")


def _fresh(someone: Person) -> Person:
    """The person as the database holds them now the lock is held: a second
    admin's merge that waited for the first finds the account gone."""
    if someone.user is not None:
        db.session.expire(someone.user)
    found = person(someone.key)
    if found is None or not has_records(found):
        raise CannotMerge("These records have already been merged (or deleted). Nothing was changed.")
    return found


def _delete_merged_account(merged: User, kept: User) -> None:
    """Point what the merged account did at the kept one (audit entries,
    "created by", "approved by": nothing turns anonymous), check that no
    record about them is left behind, then delete the account."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            for foreign_key in column.foreign_keys:
                if foreign_key.column.table.name != User.__tablename__:
                    continue
                if foreign_key.ondelete == "SET NULL":
                    db.session.execute(update(table).where(column == merged.id).values({column.name: kept.id}))
                elif db.session.scalar(select(func.count()).select_from(table).where(column == merged.id)):
                    # A table nobody registered a mover for: refusing beats deleting someone's records.
                    raise RuntimeError(f"{table.name}.{column.name} still holds records of the merged account")
    db.session.execute(delete(User).where(User.id == merged.id))
    db.session.expire_all()


# The kernel's own records: the account's roles, proven addresses and sign-in, and the equality answers.

def _account_preview(merged: Person, kept: Person) -> list[Change]:
    if merged.user is None:
        return []
    changes = []
    for grant in merged.user.role_grants:
        already = kept.user is not None and kept.user.has_role(grant.role)
        changes.append(Change(f"Site role: {grant.role.label}", "already held by the kept account" if already
                              else "moves to the kept account"))
    # Counted, not listed: the preview's lines pass no safeguarding gate, so they name no address.
    kept_addresses = proven_addresses(kept.user) if kept.user else set()
    theirs = proven_addresses(merged.user)
    if theirs:
        changes.append(Change(f"Proven addresses: {len(theirs)}", f"{len(theirs - kept_addresses)} move to the kept "
                              f"account; {len(theirs & kept_addresses)} it has proven already"))
    identities = db.session.scalar(select(func.count()).where(OidcIdentity.user_id == merged.user.id))
    if identities:
        changes.append(Change("Sign-in through the partnership's account", "moves to the kept account"))
    changes.append(Change(f"Account {merged.user.id}",
                          "deleted once everything has moved; its password and second factor stop working"))
    return changes


def _account_move(merged: Person, kept: Person) -> dict[str, int]:
    if merged.user is None:
        return {}
    source, target = merged.user, kept.user
    held = target.site_roles
    roles = 0
    for grant in list(source.role_grants):
        if grant.role not in held:
            db.session.add(RoleGrant(user_id=target.id, role=grant.role, granted_at=grant.granted_at,
                                     granted_by_id=grant.granted_by_id))
            roles += 1
    db.session.execute(delete(RoleGrant).where(RoleGrant.user_id == source.id))
    kept_addresses = proven_addresses(target) | set(db.session.scalars(
        select(ProvenAddress.email).where(ProvenAddress.user_id == target.id)))
    addresses = 0
    for address in sorted(proven_addresses(source) - kept_addresses):
        db.session.add(ProvenAddress(user_id=target.id, email=address))
        addresses += 1
    db.session.execute(delete(ProvenAddress).where(ProvenAddress.user_id == source.id))
    identities = db.session.execute(update(OidcIdentity).where(OidcIdentity.user_id == source.id)
                                    .values(user_id=target.id)).rowcount
    db.session.execute(update(BackgroundJob).where(BackgroundJob.owner_id == source.id).values(owner_id=target.id))
    db.session.execute(update(SpreadsheetImport).where(SpreadsheetImport.owner_id == source.id)
                       .values(owner_id=target.id))
    # Remembered column choices: the kept account's own, where both remembered some for the same headings.
    kept_choices = select(ImportMapping.kind, ImportMapping.headers_key).where(ImportMapping.owner_id == target.id)
    db.session.execute(delete(ImportMapping).where(
        ImportMapping.owner_id == source.id, tuple_(ImportMapping.kind, ImportMapping.headers_key).in_(kept_choices)))
    db.session.execute(update(ImportMapping).where(ImportMapping.owner_id == source.id).values(owner_id=target.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == source.id))
    db.session.flush()
    return {"site roles": roles, "proven addresses": addresses, "sign-in identities": identities}


def _links_of(someone: Person) -> list[EqualityLink]:
    clause = EqualityLink.person_key == someone.key
    if someone.user is not None:
        clause = clause | (EqualityLink.user_id == someone.user.id)
    return list(db.session.scalars(select(EqualityLink).where(clause).order_by(EqualityLink.id)))


def _changed_at(link: EqualityLink):
    """When the set under a link last changed (never its contents)."""
    return db.session.scalar(select(EqualityResponse.updated_at).where(EqualityResponse.subject_id == link.subject_id))


def _equality_preview(merged: Person, kept: Person) -> list[Change]:
    """Says only whether answer sets exist: never what they are."""
    theirs, ours = _links_of(merged), _links_of(kept)
    if not theirs:
        return []
    if ours and merged.key != kept.key:
        return [Change("Equality monitoring answers", "both have a set: one set kept (the one changed last), the "
                       "other deleted", conflict=True)]
    return [Change("Equality monitoring answers", "one set kept: moves to the kept record, unread")]


def _equality_move(merged: Person, kept: Person) -> dict[str, int]:
    """Re-point the link (person_key, user_id) at the kept person; the answers
    stay under their pseudonymous subject id and are never copied or read."""
    theirs, ours = _links_of(merged), _links_of(kept)
    if not theirs:
        return {}
    newest = max(theirs + ours, key=lambda link: (_changed_at(link) is not None, _changed_at(link) or 0, link.id))
    for link in theirs + ours:
        if link is not newest:
            db.session.execute(delete(EqualityResponse).where(EqualityResponse.subject_id == link.subject_id))
            db.session.delete(link)
    db.session.flush()
    newest.person_key, newest.user_id = kept.key, kept.user.id if kept.user else None
    db.session.flush()
    changed_answers(merged.key, kept.key)
    return {"equality answer sets kept": 1}


def _equality_guest_keys():
    return select(EqualityLink.person_key).where(EqualityLink.person_key.startswith(GUEST))


records.add(10, Records("Account", _account_preview, _account_move), name="core.accounts")
records.add(90, Records("Equality monitoring", _equality_preview, _equality_move, _equality_guest_keys),
            name="core.equality")
