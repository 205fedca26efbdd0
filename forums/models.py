"""Forums, coordinators, memberships, safeguarding checks, and what forums
do between meetings: papers, apologies, actions, announcements and
invitations. A meeting itself is an event (events.Event.forum_id)."""
import enum
from datetime import date, datetime
from typing import Optional

from flask import current_app
from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text, UniqueConstraint, and_, false, or_, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import http_cache
from core.content_languages import VersionColumns
from core.database import utcnow
from core.extensions import db
from core.i18n import _l
from core.models import EMAIL_MAX_LENGTH, enum_values
from core.accounts.models import NAME_MAX_LENGTH, User
from core.partners.models import PartnerOrganisation


class ForumKind(enum.Enum):
    INTERFAITH = "interfaith"
    YOUTH = "youth"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str({ForumKind.INTERFAITH: _l("Interfaith forum"), ForumKind.YOUTH: _l("Youth forum"),
                    ForumKind.OTHER: _l("Forum")}[self])


class Faith(enum.Enum):
    """The census religions, plus those interfaith bodies also seat."""
    NO_RELIGION = "no_religion"
    BAHAI = "bahai"
    BUDDHIST = "buddhist"
    CHRISTIAN = "christian"
    HINDU = "hindu"
    JAIN = "jain"
    JEWISH = "jewish"
    MUSLIM = "muslim"
    PAGAN = "pagan"
    SIKH = "sikh"
    ZOROASTRIAN = "zoroastrian"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str({Faith.NO_RELIGION: _l("No religion (for example humanist)"), Faith.BAHAI: _l("Baha'i"),
                    Faith.BUDDHIST: _l("Buddhist"), Faith.CHRISTIAN: _l("Christian"), Faith.HINDU: _l("Hindu"),
                    Faith.JAIN: _l("Jain"), Faith.JEWISH: _l("Jewish"), Faith.MUSLIM: _l("Muslim"),
                    Faith.PAGAN: _l("Pagan"),
                    Faith.SIKH: _l("Sikh"), Faith.ZOROASTRIAN: _l("Zoroastrian"),
                    Faith.OTHER: _l("Another faith or belief")}[self])


class MembershipStatus(enum.Enum):
    APPLIED = "applied"                   # waiting for a coordinator
    AWAITING_CONSENT = "awaiting_consent"  # approved, waiting for a parent or carer
    ACTIVE = "active"
    DECLINED = "declined"
    SUSPENDED = "suspended"
    REMOVED = "removed"
    WITHDRAWN = "withdrawn"               # the applicant changed their mind

    @property
    def label(self) -> str:
        return str({MembershipStatus.APPLIED: _l("Applied"),
                    MembershipStatus.AWAITING_CONSENT: _l("Waiting for parent or carer"),
                    MembershipStatus.ACTIVE: _l("Active"), MembershipStatus.DECLINED: _l("Declined"),
                    MembershipStatus.SUSPENDED: _l("Suspended"), MembershipStatus.REMOVED: _l("Removed"),
                    MembershipStatus.WITHDRAWN: _l("Withdrawn")}[self])

    @property
    def tag(self) -> str:
        """The GOV.UK tag colour it is shown in (templates/_macros/status.html):
        green for a member, yellow while waiting or suspended, grey once over."""
        return {MembershipStatus.ACTIVE: "govuk-tag--green", MembershipStatus.APPLIED: "govuk-tag--yellow",
                MembershipStatus.AWAITING_CONSENT: "govuk-tag--yellow",
                MembershipStatus.SUSPENDED: "govuk-tag--yellow"}.get(self, "govuk-tag--grey")


# Statuses that hold a seat (for faith caps) and block a second application.
LIVE_STATUSES = (MembershipStatus.APPLIED, MembershipStatus.AWAITING_CONSENT, MembershipStatus.ACTIVE,
                 MembershipStatus.SUSPENDED)


class MembershipRole(enum.Enum):
    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"
    SECRETARY = "secretary"
    TREASURER = "treasurer"
    MEMBER = "member"
    FAITH_REPRESENTATIVE = "faith_representative"
    OBSERVER = "observer"
    YOUTH_REPRESENTATIVE = "youth_representative"

    @property
    def label(self) -> str:
        return str({MembershipRole.CHAIR: _l("Chair"), MembershipRole.VICE_CHAIR: _l("Vice-chair"),
                    MembershipRole.SECRETARY: _l("Secretary"), MembershipRole.TREASURER: _l("Treasurer"),
                    MembershipRole.MEMBER: _l("Member"),
                    MembershipRole.FAITH_REPRESENTATIVE: _l("Faith representative"),
                    MembershipRole.OBSERVER: _l("Observer (also present)"),
                    MembershipRole.YOUTH_REPRESENTATIVE: _l("Youth representative")}[self])

    @property
    def plural(self) -> str:
        """"Only secretaries", not "Only secretarys"."""
        return str({MembershipRole.CHAIR: _l("Chairs"), MembershipRole.VICE_CHAIR: _l("Vice-chairs"),
                    MembershipRole.SECRETARY: _l("Secretaries"), MembershipRole.TREASURER: _l("Treasurers"),
                    MembershipRole.MEMBER: _l("Members"),
                    MembershipRole.FAITH_REPRESENTATIVE: _l("Faith representatives"),
                    MembershipRole.OBSERVER: _l("Observers"),
                    MembershipRole.YOUTH_REPRESENTATIVE: _l("Youth representatives")}[self])


class Forum(db.Model):
    __tablename__ = "forums"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True)
    kind: Mapped[ForumKind] = mapped_column(Enum(ForumKind, name="forum_kind", values_callable=enum_values))
    purpose: Mapped[str] = mapped_column(String(300))
    area: Mapped[str] = mapped_column(String(150))
    public_text: Mapped[str] = mapped_column(Text, default="")
    open_to_apply: Mapped[bool] = mapped_column(default=True)
    # Youth forums only: who may join, by age on the day they apply.
    min_age: Mapped[Optional[int]]
    max_age: Mapped[Optional[int]]
    # Interfaith forums: at most this many members for any one faith community.
    faith_cap: Mapped[Optional[int]]
    # Where replies to the forum's emails go, and the address its page shows; empty: the partnership's.
    contact_email: Mapped[Optional[str]] = mapped_column(String(EMAIL_MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    coordinators: Mapped[list[User]] = relationship(
        secondary="forum_coordinators", primaryjoin="Forum.id == ForumCoordinator.forum_id",
        secondaryjoin="ForumCoordinator.user_id == User.id", lazy="selectin", order_by="User.name", viewonly=True)
    # Its purpose and public text in other languages (core.content_languages).
    translations: Mapped[list["ForumTranslation"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="ForumTranslation.language")

    __table_args__ = (
        CheckConstraint("min_age IS NULL OR min_age >= 0", name="min_age_not_negative"),
        CheckConstraint("min_age IS NULL OR max_age IS NULL OR max_age >= min_age", name="age_range_in_order"),
        CheckConstraint("faith_cap IS NULL OR faith_cap >= 1", name="faith_cap_positive"),
    )

    @property
    def contact_address(self) -> str:
        """Where replies to the forum's emails go, and the address its page
        shows: its own contact, or else the partnership's."""
        return self.contact_email or current_app.config["CONTACT_EMAIL"]

    @property
    def is_youth(self) -> bool:
        return self.kind == ForumKind.YOUTH

    @property
    def is_interfaith(self) -> bool:
        return self.kind == ForumKind.INTERFAITH


class ForumTranslation(VersionColumns, db.Model):
    """A forum's purpose and public text in another language. An empty
    public text shows the English one in its place."""

    __tablename__ = "forum_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(300))
    public_text: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        UniqueConstraint("forum_id", "language", name="uq_forum_translations_forum_language"),
        CheckConstraint("language <> 'en'", name="not_english"),
    )


class ForumCoordinator(db.Model):
    """A person who runs one forum (granted by an admin)."""

    __tablename__ = "forum_coordinators"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (UniqueConstraint("forum_id", "user_id", name="uq_forum_coordinators_forum_user"),)


class SafeguardingCheck(db.Model):
    """When a person's DBS check was done, as an admin recorded it. Youth
    forum coordinators need a current one to see young members' details."""

    __tablename__ = "safeguarding_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    checked_on: Mapped[date]
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Membership(db.Model):
    """One person's place on one forum, from application to leaving."""

    __tablename__ = "forum_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[MembershipStatus] = mapped_column(
        Enum(MembershipStatus, name="membership_status", values_callable=enum_values))
    role: Mapped[MembershipRole] = mapped_column(
        Enum(MembershipRole, name="membership_role", values_callable=enum_values), default=MembershipRole.MEMBER)
    reason: Mapped[str] = mapped_column(Text, default="")
    faith: Mapped[Optional[Faith]] = mapped_column(Enum(Faith, name="faith", values_callable=enum_values))
    # What the applicant typed; partner_id is the partner organisation a coordinator (or an exact
    # match of that text when they applied) linked it to (forums/services/partners.py).
    organisation: Mapped[str] = mapped_column(String(150), default="")
    partner_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("partner_organisations.id", ondelete="RESTRICT"), index=True)
    # Youth forums: needed to check the age range and whether a parent must consent.
    date_of_birth: Mapped[Optional[date]]
    parent_name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), default="")
    parent_email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), default="")
    parent_consented_at: Mapped[Optional[datetime]]
    parent_consent_withdrawn_at: Mapped[Optional[datetime]]
    photo_consent: Mapped[bool] = mapped_column(default=False)
    # What other members may see besides name and role.
    share_email: Mapped[bool] = mapped_column(default=False)
    # Announcements that are not essential go only to members who keep this on.
    announcement_emails: Mapped[bool] = mapped_column(default=True, server_default=true())
    term_starts_on: Mapped[Optional[date]]
    term_ends_on: Mapped[Optional[date]]
    renewal_reminded_at: Mapped[Optional[datetime]]
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[Optional[datetime]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    forum: Mapped[Forum] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")
    partner: Mapped[Optional[PartnerOrganisation]] = relationship()

    __table_args__ = (
        UniqueConstraint("forum_id", "user_id", name="uq_forum_memberships_forum_user"),
        Index("ix_forum_memberships_forum_status", "forum_id", "status"),
    )

    @property
    def is_live(self) -> bool:
        """Applied, waiting for consent, active or suspended: it holds a seat
        and blocks a second application."""
        return self.status in LIVE_STATUSES

    def is_lapsed(self, today: date) -> bool:
        return self.status == MembershipStatus.ACTIVE and self.term_ends_on is not None and self.term_ends_on < today

    @classmethod
    def taking_part(cls, today: date):
        """As SQL: active and not lapsed, the members a forum's rights and emails are for."""
        return and_(cls.status == MembershipStatus.ACTIVE, or_(cls.term_ends_on.is_(None), cls.term_ends_on >= today))


class MembershipSpell(db.Model):
    """A stretch of time someone was an active member of a forum, from the
    moment their membership started (approved, or their parent agreed) to
    the moment it stopped (suspended or removed; None while it lasts).
    Reports count a forum's members as they were at the end of a quarter
    from these, so that one person joining or leaving cannot be seen in the
    breakdowns a day later (reports.queries.forum_members). Written only by
    forums.services.memberships.set_status."""

    __tablename__ = "forum_membership_spells"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("forum_memberships.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[Optional[datetime]]

    __table_args__ = (CheckConstraint("ended_at IS NULL OR ended_at >= started_at",
                                      name="ends_after_start"),)


class MeetingPapers(db.Model):
    """A meeting's agenda and minutes. Members see each once a coordinator
    publishes it; changed minutes go back to draft until approved again."""

    __tablename__ = "forum_meeting_papers"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    agenda: Mapped[str] = mapped_column(Text, default="")
    agenda_published_at: Mapped[Optional[datetime]]
    minutes: Mapped[str] = mapped_column(Text, default="")
    minutes_approved_at: Mapped[Optional[datetime]]
    minutes_approved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Apology(db.Model):
    """A member cannot come to a meeting and has said so."""

    __tablename__ = "forum_apologies"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("event_id", "user_id", name="uq_forum_apologies_event_user"),)


class ActionStatus(enum.Enum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    @property
    def label(self) -> str:
        return str({ActionStatus.OPEN: _l("Open"), ActionStatus.IN_PROGRESS: _l("In progress"),
                    ActionStatus.DONE: _l("Done")}[self])

    @property
    def tag(self) -> str:
        """The GOV.UK tag colour it is shown in (templates/_macros/status.html)."""
        return {ActionStatus.OPEN: "govuk-tag--grey", ActionStatus.IN_PROGRESS: "govuk-tag--blue",
                ActionStatus.DONE: "govuk-tag--green"}[self]


class ActionItem(db.Model):
    """Something a member agreed to do, carried from meeting to meeting until done."""

    __tablename__ = "forum_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    # The meeting where it was agreed, if any.
    event_id: Mapped[Optional[int]] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), index=True)
    description: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[Optional[date]]
    status: Mapped[ActionStatus] = mapped_column(
        Enum(ActionStatus, name="forum_action_status", values_callable=enum_values), default=ActionStatus.OPEN)
    completed_at: Mapped[Optional[datetime]]
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[Optional[User]] = relationship(foreign_keys=[owner_id], lazy="joined")

    __table_args__ = (Index("ix_forum_actions_forum_status", "forum_id", "status"),)


class Announcement(db.Model):
    """A message a coordinator emailed to the forum, kept on its page."""

    __tablename__ = "forum_announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    # Only members in this role, or everyone when empty.
    role: Mapped[Optional[MembershipRole]] = mapped_column(
        Enum(MembershipRole, name="membership_role", values_callable=enum_values))
    # Essential messages (a meeting moved, a safeguarding notice) go to everyone.
    essential: Mapped[bool] = mapped_column(default=False)
    recipients: Mapped[int] = mapped_column(default=0)
    sent_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Sending it by email, whose page shows how many have gone (none when nobody gets it by email).
    job_id: Mapped[Optional[int]] = mapped_column(ForeignKey("background_jobs.id", ondelete="SET NULL"))
    # The preview's one-time key: the same preview sent twice (a double click, two tabs) sends once.
    # Empty on announcements sent before previews.
    draft: Mapped[Optional[str]] = mapped_column(String(64), unique=True)

    sent_by: Mapped[Optional[User]] = relationship(lazy="joined")


class ForumInvitation(db.Model):
    """A coordinator asked this email address to join; its emailed link lets
    them join even a forum that takes members by invitation only."""

    __tablename__ = "forum_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH))
    invited_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[Optional[datetime]]
    # Imported from a coordinator's spreadsheet (forums/imports.py): the person's details as the file gave
    # them. Nothing is linked to an account: the details become a membership only when the person accepts
    # the invitation themselves (forums.imports.invitations_waiting_for; forums.services.applying.apply).
    imported: Mapped[bool] = mapped_column(default=False, server_default=false())
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), default="", server_default="")
    role: Mapped[Optional[MembershipRole]] = mapped_column(
        Enum(MembershipRole, name="membership_role", values_callable=enum_values))
    faith: Mapped[Optional[Faith]] = mapped_column(Enum(Faith, name="faith", values_callable=enum_values))
    organisation: Mapped[str] = mapped_column(String(150), default="", server_default="")
    date_of_birth: Mapped[Optional[date]]
    parent_name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), default="", server_default="")
    parent_email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), default="", server_default="")
    joined_on: Mapped[Optional[date]]

    forum: Mapped[Forum] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("forum_id", "email", name="uq_forum_invitations_forum_email"),)


# What forums' public pages and the home page show (core/http_cache.py): a change to any of these gives them
# a new validator. A coordinator's name is on the forum's page; the time they last signed in is not.
PAGES_SCOPE = "forums"
http_cache.track_scope(PAGES_SCOPE, http_cache.tables_of(__name__, leaving_out={
    "safeguarding_checks", "forum_invitations"}) | {"partner_organisations", "users"}, columns={"users": ["name"]})
