"""Award cycles, their categories (questions and scoring rubric), the
nominations people make, who is excluded from winning, and judging: panels,
conflicts of interest and scores."""
import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import http_cache
from core.content_languages import VersionColumns
from core.database import utcnow
from core.extensions import db
from core.i18n import _, _l
from core.models import EMAIL_MAX_LENGTH, enum_values
from core.accounts.models import NAME_MAX_LENGTH, User
from core.partners.models import PartnerOrganisation


class Stage(enum.Enum):
    """Where a cycle is in its year, from its dates."""
    NOT_OPEN = "not_open"
    NOMINATING = "nominating"
    SCREENING = "screening"
    JUDGING = "judging"
    DECIDING = "deciding"
    ANNOUNCED = "announced"

    @property
    def label(self) -> str:
        return str({Stage.NOT_OPEN: _l("Nominations open soon"), Stage.NOMINATING: _l("Nominations open"),
                    Stage.SCREENING: _l("Nominations closed: checking nominations"), Stage.JUDGING: _l("Judging"),
                    Stage.DECIDING: _l("The panel is deciding"), Stage.ANNOUNCED: _l("Winners announced")}[self])

    @property
    def tag(self) -> str:
        """The GOV.UK tag colour it is shown in (templates/_macros/status.html):
        every stage alike, since none is good or bad news."""
        return "govuk-tag--blue"


class AwardCycle(db.Model):
    """One year's awards, e.g. "Community Cohesion Awards 2027"."""

    __tablename__ = "award_cycles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True)
    introduction: Mapped[str] = mapped_column(Text, default="")
    nominations_open_at: Mapped[datetime]
    nominations_close_at: Mapped[datetime]
    judging_opens_at: Mapped[datetime]
    judging_closes_at: Mapped[datetime]
    announce_at: Mapped[datetime]
    # The ceremony is an event (events package).
    ceremony_id: Mapped[Optional[int]] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    # Judges do not see who nominated (and, optionally, the nominee's contact details).
    blind_judging: Mapped[bool] = mapped_column(default=False)
    hide_nominee_contacts: Mapped[bool] = mapped_column(default=True)
    # Judges see each other's scores for a nomination once they have submitted their own, or never.
    show_other_scores: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Scores are normalised per judge only when every judge in a category has scored at least this many.
    normalise_after: Mapped[int] = mapped_column(default=3, server_default="3")
    # When administrators published the shortlist and the results; published decisions are locked.
    shortlist_published_at: Mapped[Optional[datetime]]
    results_published_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    categories: Mapped[list["AwardCategory"]] = relationship(
        back_populates="cycle", order_by="AwardCategory.position, AwardCategory.id", lazy="selectin")

    __table_args__ = (
        CheckConstraint("nominations_close_at > nominations_open_at", name="nominations_close_after_open"),
        CheckConstraint("judging_opens_at >= nominations_close_at", name="judging_after_nominations"),
        CheckConstraint("judging_closes_at > judging_opens_at", name="judging_closes_after_open"),
        CheckConstraint("announce_at >= judging_closes_at", name="announce_after_judging"),
    )

    def stage_label(self, now: datetime) -> str:
        """The stage as the public reads it: "Winners announced" only once the
        winners are published (the announcement date alone, or results
        reopened, leaves them still to come)."""
        stage = self.stage(now)
        if stage == Stage.ANNOUNCED and self.results_published_at is None:
            return _("Winners to be announced")
        return stage.label

    def stage(self, now: datetime) -> Stage:
        if now < self.nominations_open_at:
            return Stage.NOT_OPEN
        if now < self.nominations_close_at:
            return Stage.NOMINATING
        if now < self.judging_opens_at:
            return Stage.SCREENING
        if now < self.judging_closes_at:
            return Stage.JUDGING
        if now < self.announce_at:
            return Stage.DECIDING
        return Stage.ANNOUNCED


class NomineeKind(enum.Enum):
    INDIVIDUAL = "individual"
    GROUP = "group"

    @property
    def label(self) -> str:
        return str({NomineeKind.INDIVIDUAL: _l("A person"), NomineeKind.GROUP: _l("A group or organisation")}[self])


class AwardCategory(db.Model):
    __tablename__ = "award_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    eligibility: Mapped[str] = mapped_column(Text, default="")
    nominee_kind: Mapped[NomineeKind] = mapped_column(
        Enum(NomineeKind, name="nominee_kind", values_callable=enum_values))
    self_nomination: Mapped[bool] = mapped_column(default=False)
    # Individuals only: the nominee's age on the day nominations close.
    min_age: Mapped[Optional[int]]
    max_age: Mapped[Optional[int]]
    # The rubric's scale: each criterion is scored from 1 to this.
    scale_max: Mapped[int] = mapped_column(default=5)
    position: Mapped[int] = mapped_column(default=0)

    cycle: Mapped[AwardCycle] = relationship(back_populates="categories")
    questions: Mapped[list["CategoryQuestion"]] = relationship(
        order_by="CategoryQuestion.position, CategoryQuestion.id", cascade="all, delete-orphan", lazy="selectin")
    criteria: Mapped[list["Criterion"]] = relationship(
        order_by="Criterion.position, Criterion.id", cascade="all, delete-orphan", lazy="selectin")
    # Its name, description and eligibility in other languages (core.content_languages).
    translations: Mapped[list["CategoryTranslation"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="CategoryTranslation.language")

    __table_args__ = (
        UniqueConstraint("cycle_id", "name", name="uq_award_categories_cycle_name"),
        CheckConstraint("min_age IS NULL OR max_age IS NULL OR max_age >= min_age", name="age_range_in_order"),
        CheckConstraint("scale_max BETWEEN 2 AND 10", name="scale_max_sensible"),
    )

    @property
    def has_age_limits(self) -> bool:
        return self.min_age is not None or self.max_age is not None

    @property
    def ages(self) -> str:
        """Its age limits in words, in the reader's language ("aged 11 to 25"); "" without any."""
        if self.min_age is not None and self.max_age is not None:
            return _("aged %(youngest)d to %(oldest)d", youngest=self.min_age, oldest=self.max_age)
        if self.min_age is not None:
            return _("aged %(youngest)d or over", youngest=self.min_age)
        if self.max_age is not None:
            return _("aged %(oldest)d or under", oldest=self.max_age)
        return ""


class CategoryTranslation(VersionColumns, db.Model):
    """An award category's name, description and eligibility in another
    language. An empty description or eligibility shows the English one in
    its place."""

    __tablename__ = "award_category_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("award_categories.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    eligibility: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        UniqueConstraint("category_id", "language", name="uq_award_category_translations_category_language"),
        CheckConstraint("language <> 'en'", name="not_english"),
    )


class CategoryQuestion(db.Model):
    """A question every nomination in the category answers, within a word limit."""

    __tablename__ = "award_category_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("award_categories.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    word_limit: Mapped[int] = mapped_column(default=300)
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (CheckConstraint("word_limit BETWEEN 10 AND 2000", name="word_limit_sensible"),)


class Criterion(db.Model):
    """One line of the category's scoring rubric."""

    __tablename__ = "award_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("award_categories.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    # What a low, middling and high score look like, for judges.
    guidance: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int] = mapped_column(default=1)
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (CheckConstraint("weight BETWEEN 1 AND 10", name="weight_sensible"),)


class NominationStatus(enum.Enum):
    DRAFT = "draft"                  # a signed-in nominator is still writing
    UNCONFIRMED = "unconfirmed"      # a guest has not yet followed the emailed link
    SUBMITTED = "submitted"          # waiting to be screened
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return str({NominationStatus.DRAFT: _l("Draft"),
                    NominationStatus.UNCONFIRMED: _l("Waiting for email confirmation"),
                    NominationStatus.SUBMITTED: _l("Submitted"), NominationStatus.ELIGIBLE: _l("Eligible"),
                    NominationStatus.INELIGIBLE: _l("Ineligible"), NominationStatus.WITHDRAWN: _l("Withdrawn")}[self])

    @property
    def tag(self) -> str:
        """The GOV.UK tag colour it is shown in (templates/_macros/status.html):
        yellow while it waits for someone."""
        return {NominationStatus.ELIGIBLE: "govuk-tag--green", NominationStatus.INELIGIBLE: "govuk-tag--red",
                NominationStatus.WITHDRAWN: "govuk-tag--red"}.get(self, "govuk-tag--yellow")


# Nominations that count: sent, and not withdrawn or (yet) ruled out.
LIVE_NOMINATIONS = (NominationStatus.SUBMITTED, NominationStatus.ELIGIBLE)


# What the record says of how a self-nominator knows the nominee (in English, whoever wrote it).
SELF_NOMINATION = "Nominating myself"


class Nomination(db.Model):
    """Somebody's nomination of a person or group in one category."""

    __tablename__ = "award_nominations"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("award_categories.id", ondelete="RESTRICT"))
    status: Mapped[NominationStatus] = mapped_column(
        Enum(NominationStatus, name="nomination_status", values_callable=enum_values))
    # The nominator: an account, or a guest who confirms by email.
    nominator_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    nominator_name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    nominator_email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH))
    nominator_phone: Mapped[str] = mapped_column(String(30), default="")
    # The language they nominated in (core/i18n.py): a guest nominator's emails are written in it.
    nominator_language: Mapped[Optional[str]] = mapped_column(String(8))
    relationship_to_nominee: Mapped[str] = mapped_column(String(150))
    # The nominee.
    nominee_name: Mapped[str] = mapped_column(String(150))
    nominee_kind: Mapped[NomineeKind] = mapped_column(
        Enum(NomineeKind, name="nominee_kind", values_callable=enum_values))
    nominee_area: Mapped[str] = mapped_column(String(150))
    nominee_email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), default="")
    nominee_phone: Mapped[str] = mapped_column(String(30), default="")
    nominee_age: Mapped[Optional[int]]
    group_started: Mapped[str] = mapped_column(String(50), default="")
    group_activity: Mapped[str] = mapped_column(Text, default="")
    nominee_knows: Mapped[bool] = mapped_column(default=False)
    nominee_not_told_reason: Mapped[str] = mapped_column(Text, default="")
    data_consent: Mapped[bool] = mapped_column(default=False)
    # Why an administrator should look twice (an excluded person, say); never a silent drop.
    screening_flags: Mapped[str] = mapped_column(Text, default="")
    screening_reason: Mapped[str] = mapped_column(Text, default="")
    screened_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    screened_at: Mapped[Optional[datetime]]
    # The partner organisation the awards team linked it to: the group nominated, or the organisation a
    # nominated person does this work with (awards/partners.py).
    partner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("partner_organisations.id", ondelete="RESTRICT"),
                                                      index=True)
    # Another nomination of the same nominee, confirmed by an administrator: judged as one, under that one.
    group_with_id: Mapped[Optional[int]] = mapped_column(ForeignKey("award_nominations.id", ondelete="SET NULL"),
                                                         index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[Optional[datetime]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    category: Mapped[AwardCategory] = relationship(lazy="joined")
    partner: Mapped[Optional[PartnerOrganisation]] = relationship()
    answers: Mapped[list["NominationAnswer"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    referees: Mapped[list["Referee"]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                     order_by="Referee.id")

    __table_args__ = (
        Index("ix_award_nominations_category_status", "category_id", "status"),
        CheckConstraint("nominee_age IS NULL OR nominee_age BETWEEN 0 AND 120", name="nominee_age_sensible"),
    )

    def answer_to(self, question_id: int) -> str:
        return next((a.text for a in self.answers if a.question_id == question_id), "")

    @property
    def relationship_shown(self) -> str:
        """How the nominator knows the nominee, as a page or email shows it:
        the words the record keeps for a self-nomination, in the reader's language."""
        if self.relationship_to_nominee == SELF_NOMINATION:
            return _("Nominating myself")
        return self.relationship_to_nominee


class NominationAnswer(db.Model):
    __tablename__ = "award_nomination_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("award_nominations.id", ondelete="CASCADE"))
    # A question removed later keeps its answers in the record, without the question.
    question_id: Mapped[Optional[int]] = mapped_column(ForeignKey("award_category_questions.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("nomination_id", "question_id", name="uq_award_answers_nomination_question"),)


class Referee(db.Model):
    """A supporting statement from someone who knows the nominee (at most two)."""

    __tablename__ = "award_referees"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("award_nominations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    relationship_to_nominee: Mapped[str] = mapped_column(String(150))
    statement: Mapped[str] = mapped_column(Text)


class Exclusion(db.Model):
    """Someone who cannot win this cycle (partnership staff, say): their
    nominations are flagged for screening, not dropped."""

    __tablename__ = "award_exclusions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    reason: Mapped[str] = mapped_column(String(300))


class PanelMember(db.Model):
    """A judge on one category's panel. Appointed by email: someone without
    an account yet is matched once they sign in with that (confirmed) address."""

    __tablename__ = "award_panel_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("award_categories.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    appointed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    appointed_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[Optional[User]] = relationship(foreign_keys=[user_id], lazy="joined")
    category: Mapped[AwardCategory] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("category_id", "email", name="uq_award_panel_members_category_email"),)


class ConflictKind(enum.Enum):
    NONE = "none"
    FAMILY = "family"
    EMPLOYMENT = "employment"
    MEMBER_OF_GROUP = "member_of_group"
    CLOSE_FRIEND = "close_friend"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {ConflictKind.NONE: "No conflict", ConflictKind.FAMILY: "Family",
                ConflictKind.EMPLOYMENT: "Employer or employee",
                ConflictKind.MEMBER_OF_GROUP: "Trustee or member of the nominee group",
                ConflictKind.CLOSE_FRIEND: "Close friend", ConflictKind.OTHER: "Other"}[self]


class ConflictDeclaration(db.Model):
    """What a judge said about their connection to a nomination before
    seeing it, or what an administrator recorded for them. A conflict takes
    the judge off the nomination: their scores for it cannot exist."""

    __tablename__ = "award_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("award_nominations.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ConflictKind] = mapped_column(Enum(ConflictKind, name="conflict_kind", values_callable=enum_values))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)

    judge: Mapped[User] = relationship(foreign_keys=[judge_id], lazy="joined")

    __table_args__ = (UniqueConstraint("nomination_id", "judge_id", name="uq_award_conflicts_nomination_judge"),)

    @property
    def is_conflict(self) -> bool:
        return self.kind != ConflictKind.NONE


class ScoreSheet(db.Model):
    """One judge's scoring of one nomination: a draft until submitted."""

    __tablename__ = "award_score_sheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("award_nominations.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[Optional[datetime]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    judge: Mapped[User] = relationship(lazy="joined")
    scores: Mapped[list["Score"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    __table_args__ = (UniqueConstraint("nomination_id", "judge_id", name="uq_award_score_sheets_nomination_judge"),)

    def score_for(self, criterion_id: int) -> int | None:
        return next((s.value for s in self.scores if s.criterion_id == criterion_id), None)


class Score(db.Model):
    """One criterion's score on a sheet: one per judge, nomination and criterion."""

    __tablename__ = "award_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("award_score_sheets.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("award_criteria.id", ondelete="CASCADE"))
    value: Mapped[int]

    __table_args__ = (
        UniqueConstraint("sheet_id", "criterion_id", name="uq_award_scores_sheet_criterion"),
        CheckConstraint("value >= 1", name="value_positive"),
    )


class Outcome(enum.Enum):
    WINNER = "winner"
    HIGHLY_COMMENDED = "highly_commended"
    SHORTLISTED = "shortlisted"
    NOT_SHORTLISTED = "not_shortlisted"

    @property
    def label(self) -> str:
        return str({Outcome.WINNER: _l("Winner"), Outcome.HIGHLY_COMMENDED: _l("Highly commended"),
                    Outcome.SHORTLISTED: _l("Shortlisted"), Outcome.NOT_SHORTLISTED: _l("Not shortlisted")}[self])

    @property
    def tag(self) -> str:
        """The GOV.UK tag colour it is shown in (templates/_macros/status.html)."""
        return "govuk-tag--green" if self is Outcome.WINNER else "govuk-tag--blue"


# Outcomes that put a nomination on the public shortlist.
ON_SHORTLIST = (Outcome.WINNER, Outcome.HIGHLY_COMMENDED, Outcome.SHORTLISTED)


class Decision(db.Model):
    """What the panel meeting decided for a nomination, and why."""

    __tablename__ = "award_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("award_nominations.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[Outcome] = mapped_column(Enum(Outcome, name="award_outcome", values_callable=enum_values))
    rationale: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    nomination: Mapped[Nomination] = relationship(lazy="joined")


# What the awards' public pages and the home page show (core/http_cache.py): a change to any of these gives
# them a new validator. Not the judging (scores, conflicts, panels), which no public page shows.
PAGES_SCOPE = "awards"
http_cache.track_scope(PAGES_SCOPE, http_cache.tables_of(__name__, leaving_out={
    "award_score_sheets", "award_scores", "award_conflicts", "award_panel_members", "award_referees",
    "award_nomination_answers", "award_exclusions"}) | {"partner_organisations", "users"}, columns={"users": ["name"]})
