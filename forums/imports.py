"""Importing a forum's members from a coordinator's spreadsheet (the
framework is core.imports; this is the forum-members kind).

Nobody becomes a member without their own agreement: every row is kept as an
imported invitation holding the details (whether or not an account has proven
the address, so the import reveals nothing about accounts), which becomes a
membership only when the person accepts it, by the invitation's link or on
their forums page once they have proven the address (`invitations_waiting_for`).
Accepting goes through the forum's own application (forums.services.applying):
under-18s in a youth forum then wait for a parent or carer's consent through
the existing flow. Nobody is emailed unless the coordinator asks.
"""
from datetime import date

from flask import url_for
from sqlalchemy import func, select

from core import imports
from core.accounts.models import User
from core.accounts.services import proven_by_another_account
from core.email import queue_email
from core.extensions import db
from core.i18n import _l
from core.imports import BadDate, Column, Kind, Problem
from forums import permissions
from forums.models import Faith, Forum, ForumInvitation, Membership, MembershipRole, MembershipStatus
from forums.services.applying import same_mailbox
from forums.services.errors import ForumRuleBroken
from forums.services.invitations import invitation_link
from forums.services.safeguarding import ADULT_AGE, age_on
from forums.services.seats import lock_forum

KIND = "forum-members"

COLUMNS = (
    Column("name", "Name", required=True, synonyms=("full name", "member name", "member", "person", "name of member")),
    Column("email", "Email address", required=True,
           synonyms=("email", "e-mail", "e-mail address", "email address", "emails", "mail", "contact email")),
    Column("role", "Role", synonyms=("position", "office", "membership role", "member type")),
    Column("faith", "Faith", synonyms=("religion", "faith community", "belief", "faith or belief",
                                       "religion or belief", "community")),
    Column("organisation", "Organisation", synonyms=("organization", "group", "place of worship", "represents",
                                                     "org")),
    Column("date_of_birth", "Date of birth", synonyms=("dob", "d.o.b.", "birth date", "birthday", "born"), date=True),
    Column("parent_name", "Parent or carer's name",
           synonyms=("parent name", "parent", "carer", "parent/carer", "parent or carer", "guardian",
                     "parent/carer name", "guardian name")),
    Column("parent_email", "Parent or carer's email",
           synonyms=("parent email", "parent e-mail", "carer email", "parent/carer email", "guardian email",
                     "parent email address")),
    Column("joined_on", "Date joined", synonyms=("joined", "joined on", "start date", "member since",
                                                 "date joined", "since"), date=True),
)

_FAITH_WORDS = {
    Faith.NO_RELIGION: ("no religion", "none", "humanist", "atheist", "agnostic", "no faith", "non-religious"),
    Faith.BAHAI: ("bahai", "baha'i", "bahá'í"),
    Faith.BUDDHIST: ("buddhist", "buddhism"),
    Faith.CHRISTIAN: ("christian", "christianity", "church of england", "anglican", "catholic", "roman catholic",
                      "methodist", "baptist", "orthodox", "pentecostal", "quaker", "c of e"),
    Faith.HINDU: ("hindu", "hinduism"),
    Faith.JAIN: ("jain", "jainism"),
    Faith.JEWISH: ("jewish", "judaism", "jew"),
    Faith.MUSLIM: ("muslim", "islam", "islamic", "moslem"),
    Faith.PAGAN: ("pagan", "paganism", "wiccan", "druid"),
    Faith.SIKH: ("sikh", "sikhism"),
    Faith.ZOROASTRIAN: ("zoroastrian", "zoroastrianism", "parsi"),
    Faith.OTHER: ("other", "another faith or belief", "any other religion"),
}


def _faith_named(text: str) -> Faith | None:
    wanted = " ".join(text.lower().replace("’", "'").split())
    for faith, words in _FAITH_WORDS.items():
        if wanted in words or wanted == str(faith.label).lower():
            return faith
    return None


def _role_named(text: str) -> MembershipRole | None:
    wanted = "".join(ch for ch in text.lower() if ch.isalnum())
    for role in MembershipRole:
        if wanted in {"".join(ch for ch in str(name).lower() if ch.isalnum())
                      for name in (role.value, role.label, role.plural)}:
            return role
    return {"rep": MembershipRole.FAITH_REPRESENTATIVE, "vicechairperson": MembershipRole.VICE_CHAIR,
            "chairperson": MembershipRole.CHAIR, "youthrep": MembershipRole.YOUTH_REPRESENTATIVE}.get(wanted)


def _clean(forum: Forum, cells: dict) -> tuple[dict | None, list[Problem]]:
    text = {name: imports.text_of(value) for name, value in cells.items()}
    problems, row = [], {}
    row["name"] = imports.person_name(text, problems)
    email = text.get("email", "")
    if not email:
        problems.append(Problem("email", "Enter the person's email address"))
    else:
        try:
            row["email"] = imports.email_of(email)
        except ValueError as refused:
            problems.append(Problem("email", str(refused)))
    role = text.get("role", "")
    row["role"] = _role_named(role) if role else MembershipRole.MEMBER
    if row["role"] is None:
        problems.append(Problem("role", f"Unknown role “{role}”: use one of "
                                        + ", ".join(str(each.label) for each in MembershipRole)))
    faith = text.get("faith", "")
    row["faith"] = None
    if forum.is_interfaith:
        if not faith:
            problems.append(Problem("faith", "Enter the faith community they represent"))
        else:
            row["faith"] = _faith_named(faith)
            if row["faith"] is None:
                problems.append(Problem("faith", f"Unknown faith “{faith}”: use one of "
                                                 + ", ".join(str(each.label) for each in Faith)))
    organisation = text.get("organisation", "")
    if len(organisation) > 150:
        problems.append(Problem("organisation", "The organisation must be 150 characters or fewer"))
    row["organisation"] = organisation
    row["joined_on"] = _date(cells.get("joined_on"), "joined_on", problems)
    if row["joined_on"] is not None and row["joined_on"] > date.today():
        problems.append(Problem("joined_on", "The date joined is in the future"))
    row.update(date_of_birth=None, parent_name="", parent_email="")
    if forum.is_youth:
        problems += _youth(forum, cells, text, row)
    return (None, problems) if problems else (row, [])


def _date(cell, column: str, problems: list[Problem]) -> date | None:
    try:
        return imports.date_of(cell)
    except BadDate as refused:
        problems.append(Problem(column, refused.explained("Not a date: write it as 25/03/2010 (day first) or "
                                                          "2010-03-25")))
        return None


def _youth(forum: Forum, cells: dict, text: dict, row: dict) -> list[Problem]:
    problems: list[Problem] = []
    born = _date(cells.get("date_of_birth"), "date_of_birth", problems)
    today = date.today()
    if problems:
        return problems
    if born is None:
        return [Problem("date_of_birth", "Enter their date of birth: a youth forum needs it")]
    if born >= today:
        return [Problem("date_of_birth", "The date of birth is not in the past")]
    age = age_on(born, today)
    if not forum.min_age <= age <= forum.max_age:
        return [Problem("date_of_birth", f"They are {age}: {forum.name} is for ages {forum.min_age} to "
                                         f"{forum.max_age}")]
    row["date_of_birth"] = born
    if age >= ADULT_AGE:
        return []
    parent_name, parent_email = text.get("parent_name", ""), text.get("parent_email", "")
    if not parent_name:
        problems.append(Problem("parent_name", "Under 18: enter their parent or carer's name, who must consent"))
    if not parent_email:
        problems.append(Problem("parent_email", "Under 18: enter their parent or carer's email address, who must "
                                                "consent"))
    else:
        try:
            row["parent_email"] = imports.email_of(parent_email)
        except ValueError as refused:
            problems.append(Problem("parent_email", str(refused)))
        else:
            if row.get("email") and same_mailbox(row["parent_email"], row["email"]):
                problems.append(Problem("parent_email", "The parent or carer's address is the young person's own"))
    row["parent_name"] = parent_name[:100]
    return problems


def _refuse_importer(actor: User, forum: Forum) -> None:
    """A youth forum's import shows who is already a member and is a young
    person's details: only for those who may see young people's details
    (a coordinator or admin with a current DBS check), at every step."""
    if forum.is_youth and not permissions.can_see_young_members_details(actor, forum):
        raise ForumRuleBroken("Importing members into a youth forum needs a current DBS check recorded for you, "
                              "because the import shows young people's details. Ask an admin to record your DBS "
                              "check, then try again.", field="spreadsheet")


def _keys(row: dict) -> list[tuple[str, str]]:
    keys = [("email address", row["email"])]
    if row.get("date_of_birth"):
        keys.append(("name and date of birth", f"{row['name'].lower()}|{row['date_of_birth'].isoformat()}"))
    return keys


def _already(forum: Forum, rows: list[dict]) -> dict[int, str]:
    """Rows for people the forum has already: a membership of the account
    that proved the address, or an invitation to it."""
    emails = {row["email"] for row in rows}
    if not emails:
        return {}
    members = dict(db.session.execute(
        select(User.email, Membership.status).join(Membership, Membership.user_id == User.id)
        .where(Membership.forum_id == forum.id, User.email.in_(emails), User.email_confirmed_at.is_not(None))).all())
    invited = set(db.session.scalars(select(ForumInvitation.email).where(
        ForumInvitation.forum_id == forum.id, ForumInvitation.email.in_(emails))))
    skipped = {}
    for index, row in enumerate(rows):
        if row["email"] in members:
            skipped[index] = "Already has a membership: see the members list"
        elif row["email"] in invited:
            skipped[index] = "Already invited or imported: see the invitations on the members page"
    return skipped


def _together(forum: Forum, rows: list[dict]) -> dict[int, Problem]:
    """Faith seats: the rows past a faith community's limit."""
    if forum.faith_cap is None:
        return {}
    taken = dict(db.session.execute(select(Membership.faith, func.count()).where(
        Membership.forum_id == forum.id, Membership.faith.is_not(None),
        Membership.status.in_([MembershipStatus.ACTIVE, MembershipStatus.AWAITING_CONSENT,
                               MembershipStatus.SUSPENDED])).group_by(Membership.faith)).all())
    problems = {}
    for index, row in enumerate(rows):
        if row["faith"] is None:
            continue
        taken[row["faith"]] = taken.get(row["faith"], 0) + 1
        if taken[row["faith"]] > forum.faith_cap:
            problems[index] = Problem("faith", f"{forum.name} has all {forum.faith_cap} seats for "
                                               f"{row['faith'].label} filled")
    return problems


def _apply(forum: Forum, rows: list[dict], *, actor: User, email_people: bool) -> int:
    """Every row becomes an imported invitation holding the file's details,
    whether or not an account has proven the address: nobody becomes a
    member without accepting (the invitation's link, or the invitation shown
    on their forums page once they prove the address). Every row is treated
    alike, so an import tells the coordinator nothing about who has an account."""
    for row in rows:
        invitation = ForumInvitation(forum=forum, email=row["email"], invited_by_id=actor.id, imported=True,
                                     name=row["name"], role=row["role"], faith=row["faith"],
                                     organisation=row["organisation"], date_of_birth=row["date_of_birth"],
                                     parent_name=row["parent_name"], parent_email=row["parent_email"],
                                     joined_on=row["joined_on"])
        db.session.add(invitation)
        if email_people:
            db.session.flush()
            queue_email(to=invitation.email, subject=_l("You are invited to join %(forum)s", forum=forum.name),
                        template="forum_invitation", forum=forum, inviter=actor, greeting_name=invitation.name,
                        link=invitation_link(invitation), reply_to=forum.contact_address)
    db.session.flush()
    return len(rows)


def invitations_waiting_for(user: User) -> list[tuple[ForumInvitation, str]]:
    """Imported invitations to the address this account has proven, each
    with its link: the person's forums page shows them to accept. Nothing
    for an address another account proved before (the details may be
    that person's), nor an account that has not proven its address."""
    if not getattr(user, "is_authenticated", False) or not user.email_confirmed or proven_by_another_account(user):
        return []
    waiting = db.session.scalars(select(ForumInvitation).where(
        ForumInvitation.email == user.email, ForumInvitation.imported.is_(True),
        ForumInvitation.accepted_at.is_(None)).order_by(ForumInvitation.invited_at)).all()
    joined = set(db.session.scalars(select(Membership.forum_id).where(
        Membership.user_id == user.id, Membership.status.in_([
            MembershipStatus.ACTIVE, MembershipStatus.AWAITING_CONSENT, MembershipStatus.APPLIED,
            MembershipStatus.SUSPENDED]))))
    return [(invitation, invitation_link(invitation)) for invitation in waiting if invitation.forum_id not in joined]


def imported_waiting(forum: Forum) -> list[ForumInvitation]:
    """People imported who have not accepted yet (the members page lists them by the name in the file)."""
    return list(db.session.scalars(select(ForumInvitation).where(
        ForumInvitation.forum_id == forum.id, ForumInvitation.imported.is_(True),
        ForumInvitation.accepted_at.is_(None)).order_by(ForumInvitation.name)))


imports.kinds.add(20, Kind(
    name=KIND, title="forum members", columns=COLUMNS,
    load_scope=lambda forum_id: db.session.get(Forum, forum_id),
    may_import=permissions.can_manage_forum,
    scope_title=lambda forum: forum.name,
    back_url=lambda forum: url_for("forums.manage", forum_id=forum.id),
    clean=_clean, keys=_keys, already=_already, together=_together, lock=lock_forum, apply=_apply,
    refuse_importer=_refuse_importer,
    needs=lambda forum: ("faith",) if forum.is_interfaith else ("date_of_birth",) if forum.is_youth else (),
    emails_people=True,
    what_email_does="Everyone gets an invitation to join, which they accept themselves (a young person's parent "
                    "or carer is asked for consent when they do). Without it nobody is emailed: people with an "
                    "account see the invitation on their forums page.",
), name=KIND)
