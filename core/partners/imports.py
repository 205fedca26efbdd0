"""Importing the partnership's contacts list from a spreadsheet (the
framework is core.imports; this is the contacts kind): one row per contact
person at a community group, school, faith group, public body or business.

Organisations are found by name as the partners list finds them (ignoring
capitals and spaces) or created with the row's kind; an organisation already
listed keeps its details as staff entered them, and only gains contacts. A
contact already at the organisation (the same email address, or the same
name) is skipped. A row with an organisation and no contact creates or finds
the organisation alone. Nobody is emailed.

There is no forum or event to import into: the scope is the partnership's
one contacts list, `PARTNERSHIP`, with scope id 1 (routes take no id 0), and
those who manage partners may import into it; any other id is not found.
"""
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import url_for
from sqlalchemy import func, select

from core import audit, imports
from core.accounts.models import NAME_MAX_LENGTH
from core.database import holds_write_lock
from core.extensions import db
from core.imports import Column, Kind, Problem
from core.models import EMAIL_MAX_LENGTH
from core.partners import permissions
from core.partners.models import PARTNER_NAME_MAX_LENGTH, PartnerContact, PartnerKind, PartnerOrganisation, name_key
from core.partners.services import ContactDetails, PartnerDetails, add_contact, create_partner

KIND = "contacts"


@dataclass(frozen=True)
class Partnership:
    """The partnership's contacts list, the one scope a contacts import has."""

    id: int = 1
    name: str = "Partner organisations"


PARTNERSHIP = Partnership()

COLUMNS = (
    Column("organisation", "Organisation", required=True,
           synonyms=("organization", "organisation name", "organization name", "name of organisation", "group",
                     "group name", "community group", "partner", "partner organisation", "org")),
    Column("kind", "Kind of organisation", synonyms=("kind", "type", "organisation type", "organization type",
                                                    "type of organisation", "category", "sector")),
    Column("area", "Area", synonyms=("town", "location", "district", "place", "locality", "borough")),
    Column("website", "Website", synonyms=("web", "web site", "url", "web address", "site", "homepage")),
    Column("name", "Contact name", synonyms=("contact", "contact person", "name", "full name", "person",
                                             "main contact", "key contact")),
    Column("role", "Role or title", synonyms=("role", "title", "job title", "position", "role/title")),
    Column("email", "Email address", synonyms=("email", "e-mail", "e-mail address", "mail", "contact email",
                                               "email address")),
    Column("phone", "Phone number", synonyms=("phone", "telephone", "tel", "mobile", "phone no", "contact number",
                                              "telephone number")),
    Column("may_contact", "May we contact", synonyms=("may we contact them", "may contact", "consent",
                                                      "contact consent", "agreed to be contacted", "opt in",
                                                      "ok to contact", "can we contact")),
)

# Words people write for each kind, matched ignoring capitals and punctuation: the whole cell, or else
# one of its words ("Parish church", "Borough Council").
_KIND_WORDS = {
    PartnerKind.FAITH_GROUP: ("faith group", "faith", "faith organisation", "faith community", "religious group",
                              "place of worship", "church", "mosque", "masjid", "gurdwara", "gurudwara", "temple",
                              "mandir", "synagogue", "chapel", "parish", "cathedral", "vihara", "interfaith"),
    PartnerKind.SCHOOL: ("school", "school or college", "college", "academy", "university", "sixth form",
                         "nursery", "education", "primary", "secondary"),
    PartnerKind.VOLUNTARY_GROUP: ("voluntary group", "voluntary or community group", "voluntary", "community group",
                                  "charity", "charitable", "vcs", "vcse", "community organisation",
                                  "residents association", "tenants association", "cic", "club", "trust",
                                  "association", "volunteers", "youth group", "youth club", "scouts", "guides"),
    PartnerKind.PUBLIC_BODY: ("public body", "public sector", "council", "local authority", "nhs", "police",
                              "fire and rescue", "fire service", "government", "library", "health"),
    PartnerKind.BUSINESS: ("business", "company", "firm", "employer", "private sector", "shop", "ltd", "limited",
                           "plc", "chamber of commerce"),
    PartnerKind.OTHER: ("other",),
}
_KIND_BY_PHRASE = {" ".join(re.sub(r"[^a-z0-9 ]", "", words).split()): kind
                   for kind, phrases in _KIND_WORDS.items() for words in phrases}
for _kind in PartnerKind:
    _KIND_BY_PHRASE[" ".join(re.sub(r"[^a-z0-9 ]", " ", _kind.label.lower()).split())] = _kind
    _KIND_BY_PHRASE[_kind.value.replace("_", " ")] = _kind

_YES = {"yes", "y", "true", "1", "agreed", "ok", "x"}
_NO = {"no", "n", "false", "0", "not agreed"}
_PHONE = re.compile(r"\+?[\d ()\-.]{6,30}(?: ?(?:ext|x)\.? ?\d{1,6})?")


def kind_named(text: str) -> PartnerKind | None:
    """The kind a cell names: "Mosque" is a faith group, "Charity" a voluntary group, "Council" a public body."""
    wanted = " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower().replace("'", "")).split())
    if wanted in _KIND_BY_PHRASE:
        return _KIND_BY_PHRASE[wanted]
    found = {_KIND_BY_PHRASE[word] for word in wanted.split() if word in _KIND_BY_PHRASE}
    return found.pop() if len(found) == 1 else None


def _text(text: dict, column: str, label: str, limit: int, problems: list[Problem]) -> str:
    # Control characters and formula-like text are checked for every kind's cells in core.imports.cell_problems.
    value = text.get(column, "")
    if len(value) > limit:
        problems.append(Problem(column, f"{label} must be {limit} characters or fewer"))
    return value


def _website(value: str, problems: list[Problem]) -> str:
    if not value:
        return ""
    address = value if value.lower().startswith(("https://", "http://")) else f"https://{value}"
    parts = urlsplit(address)
    if " " in address or "." not in parts.netloc or len(address) > 300:
        problems.append(Problem("website", "Not a website address, like https://www.example.org"))
        return ""
    return address


def _clean(scope, cells: dict) -> tuple[dict | None, list[Problem]]:
    # text_of joins whitespace (tabs, new lines) into single spaces; other control characters are left to find.
    text = {name: imports.text_of(value) for name, value in cells.items()}
    problems: list[Problem] = []
    row = {"organisation": _text(text, "organisation", "The organisation", PARTNER_NAME_MAX_LENGTH, problems)}
    if not row["organisation"]:
        problems.append(Problem("organisation", "Enter the organisation's name"))
    row["kind_text"] = _text(text, "kind", "The kind of organisation", 100, problems)
    row["kind"] = kind_named(row["kind_text"]) if row["kind_text"] else None
    row["area"] = _text(text, "area", "The area", 150, problems)
    row["website"] = _website(_text(text, "website", "The website", 300, problems), problems)
    row["name"] = _text(text, "name", "The contact's name", NAME_MAX_LENGTH, problems)
    row["role"] = _text(text, "role", "The role or title", 150, problems)
    # A phone number may start with "+"; the pattern below lets nothing else through.
    row["phone"] = _text(text, "phone", "The phone number", 30, problems)
    if row["phone"] and not _PHONE.fullmatch(row["phone"]):
        problems.append(Problem("phone", "Not a phone number, like 01604 123456 or +44 7700 900123"))
    email = text.get("email", "")
    row["email"] = ""
    if email:
        try:
            row["email"] = imports.email_of(email)
        except ValueError as refused:
            problems.append(Problem("email", str(refused)))
        else:
            if len(row["email"]) > EMAIL_MAX_LENGTH:
                problems.append(Problem("email", f"The email address must be {EMAIL_MAX_LENGTH} characters or "
                                                 "fewer"))
    answer = text.get("may_contact", "").strip().lower().rstrip(".!")
    row["may_contact"] = answer in _YES
    if answer and answer not in _YES | _NO:
        problems.append(Problem("may_contact", "Write yes or no, or leave it empty for no"))
    about_contact = any(text.get(column) for column in ("role", "email", "phone", "may_contact"))
    if not row["name"] and about_contact:
        problems.append(Problem("name", "Enter the contact's name, or leave the contact's columns empty to add "
                                        "the organisation alone"))
    elif row["name"] and not email and not row["phone"]:
        problems.append(Problem("email", "Enter an email address or a phone number, so the contact can be reached"))
    row["key"] = name_key(row["organisation"])
    return (None, problems) if problems else (row, [])


def _keys(row: dict) -> list[tuple[str, str]]:
    if not row["name"]:
        return [("organisation, with no contact,", row["key"])]
    keys = [("organisation and contact name", f"{row['key']}|{name_key(row['name'])}")]
    if row["email"]:
        keys.insert(0, ("organisation and email address", f"{row['key']}|{row['email']}"))
    return keys


def _partners_named(rows: list[dict]) -> dict[str, PartnerOrganisation]:
    wanted = {row["key"] for row in rows}
    if not wanted:
        return {}
    return {partner.name_key: partner for partner in db.session.scalars(
        select(PartnerOrganisation).where(PartnerOrganisation.name_key.in_(wanted)))}


def _already(scope, rows: list[dict]) -> dict[int, str]:
    """Rows the contacts list has already: the organisation alone, or a
    contact there with the same email address or name."""
    partners = _partners_named(rows)
    contacts: dict[int, list[PartnerContact]] = {}
    if partners:
        for contact in db.session.scalars(select(PartnerContact).where(
                PartnerContact.partner_id.in_([partner.id for partner in partners.values()]))):
            contacts.setdefault(contact.partner_id, []).append(contact)
    skipped = {}
    for index, row in enumerate(rows):
        partner = partners.get(row["key"])
        if partner is None:
            continue
        if not row["name"]:
            skipped[index] = f"{partner.name} is already a partner, and the row names no contact to add"
            continue
        for contact in contacts.get(partner.id, []):
            if row["email"] and contact.email == row["email"]:
                skipped[index] = f"Already a contact at {partner.name} with this email address ({contact.name})"
                break
            if name_key(contact.name) == name_key(row["name"]):
                skipped[index] = f"Already a contact at {partner.name} with this name"
                break
    return skipped


def _looks_alike(name: str) -> set[str]:
    """A name with its punctuation gone, both ways it may go: as a space
    ("central-mosque") or as nothing ("St Peter's" is "St Peters"); "&" is "and"."""
    words = re.sub(r"&", " and ", name.casefold())
    return {" ".join(re.sub(r"[^\w\s]", gap, words).split()) for gap in (" ", "")}


def _site(website: str) -> str:
    host = urlsplit(website).netloc.casefold().rstrip(".")
    return host.removeprefix("www.")


def _lookalikes(partners: list[PartnerOrganisation]) -> tuple[dict[str, PartnerOrganisation],
                                                                 dict[str, PartnerOrganisation]]:
    """The listed partners by each form of their name with its punctuation gone, and by website
    host: worked out once for a file, not once for each row and partner."""
    by_name, by_site = {}, {}
    for partner in partners:
        for form in _looks_alike(partner.name):
            by_name.setdefault(form, partner)
        if partner.website:
            by_site.setdefault(_site(partner.website), partner)
    return by_name, by_site


def _listed_lookalike(row: dict, by_name: dict, by_site: dict) -> str | None:
    """Why a new organisation looks like one already listed, if it does."""
    partner = next((by_name[form] for form in sorted(_looks_alike(row["organisation"])) if form in by_name), None)
    if partner is not None:
        return f"Looks like {partner.name}, already a partner (the same name but for punctuation)"
    partner = by_site.get(_site(row["website"])) if row["website"] else None
    if partner is not None:
        return f"Looks like {partner.name}, already a partner with the same website"
    return None


def _together(scope, rows: list[dict]) -> dict[int, Problem]:
    """A new organisation needs a kind: from its row, or another row for it
    in the file; and one that looks like a partner already listed (its name
    but for punctuation, or its website) is a problem, not a second partner."""
    listed = set(_partners_named(rows))
    given = {row["key"] for row in rows if row["kind"] is not None}
    by_name, by_site = _lookalikes(list(db.session.scalars(select(PartnerOrganisation))) if len(listed) < len(
        {row["key"] for row in rows}) else [])
    problems = {}
    for index, row in enumerate(rows):
        if row["key"] in listed:
            continue
        lookalike = _listed_lookalike(row, by_name, by_site)
        if lookalike:
            problems[index] = Problem("organisation", f"{lookalike}: write its name as it is listed to add the "
                                                      "contact there, or tell them apart by name")
            continue
        if row["key"] in given:
            continue
        if row["kind_text"]:
            problems[index] = Problem("kind", f"Unknown kind “{row['kind_text']}”: use one of "
                                              + ", ".join(kind.label for kind in PartnerKind))
        else:
            problems[index] = Problem("kind", "Enter the kind of organisation: it is not a partner yet")
    return problems


def _also_does(scope, rows: list[dict]) -> list[str]:
    """The organisations the import adds: the walk found nobody could tell before importing."""
    listed, new = set(_partners_named(rows)), {}
    for row in rows:
        if row["key"] not in listed:
            new.setdefault(row["key"], row["organisation"])
    if not new:
        return []
    names = sorted(new.values(), key=str.casefold)
    return [f"Adds {len(names)} {'organisation' if len(names) == 1 else 'organisations'} not listed yet: "
            + ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "") + "."]


def _lock(scope) -> None:
    """One contacts import at a time: PostgreSQL's advisory lock for the rest
    of the transaction; on SQLite the request holds the write lock already.
    The partners' unique names are the last line against anyone else."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext("partner-contacts-import"))))
    elif not holds_write_lock(db.session):
        raise RuntimeError("importing contacts on SQLite needs a transaction begun inside core.database.write_lock()")


def _apply(scope, rows: list[dict], *, actor, email_people: bool) -> int:
    partners = _partners_named(rows)
    created = added = 0
    for row in rows:
        partner = partners.get(row["key"])
        if partner is None:
            kind = next(each["kind"] for each in rows if each["key"] == row["key"] and each["kind"] is not None)
            partner = create_partner(PartnerDetails(name=row["organisation"], kind=kind, area=row["area"],
                                                    website=row["website"]), actor=actor)
            partners[row["key"]] = partner
            created += 1
        if row["name"]:
            add_contact(partner, ContactDetails(name=row["name"], role=row["role"], email=row["email"],
                                                phone=row["phone"], may_contact=row["may_contact"]), actor=actor)
            added += 1
    audit.record("partners.imported", actor=actor, details={"partners_created": created, "contacts_added": added})
    return len(rows)


def _may_import(user, scope) -> bool:
    return permissions.can_manage_partners(user)


imports.kinds.add(30, Kind(
    name=KIND, title="contacts", columns=COLUMNS,
    load_scope=lambda scope_id: PARTNERSHIP if scope_id == PARTNERSHIP.id else None,
    may_import=_may_import,
    scope_title=lambda scope: scope.name,
    back_url=lambda scope: url_for("core.partners"),
    clean=_clean, keys=_keys, already=_already, together=_together, lock=_lock, apply=_apply, also_does=_also_does,
), name=KIND)
