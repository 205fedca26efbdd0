"""Award rules: setting up a cycle and its categories, nominating (window,
self-nomination, age and word limits, a guest's email confirmation,
withdrawing), and screening. Functions flush but never commit."""
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from core import audit
from core.database import lock_row, utcnow
from core.email import queue_email
from core.errors import DomainError, DomainErrors, InvalidLink
from core.extensions import db
from core.accounts.models import User
from core.accounts.services import email_confirmed, link_token, link_token_data, normalise_email
from awards.models import (
    LIVE_NOMINATIONS, AwardCategory, AwardCycle, CategoryQuestion, Criterion, Decision, Exclusion, Nomination,
    NominationAnswer, NominationStatus, NomineeKind, Outcome, PanelMember, Referee, Stage,
)

MAX_REFEREES = 2
SELF_NOMINATION = "Nominating myself"  # what the record says of how a self-nominator knows the nominee
_LINK_SALT = "award-nomination"
_WORD = re.compile(r"\S+")


class AwardRuleBroken(DomainError):
    pass


def count_words(text: str) -> int:
    """Words as the design system's word count counts them: runs of non-space."""
    return len(_WORD.findall(text or ""))


# --- cycles --------------------------------------------------------------------------------

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


# --- categories -----------------------------------------------------------------------------

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
    """Last year's categories, with their questions and rubric, into this
    year's cycle (any it already has by name are left alone)."""
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
                                                position=c.position) for c in old.criteria])
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


# --- nominating -------------------------------------------------------------------------------

@dataclass
class NominationDetails:
    """What a nominator writes. Everything may be missing in a draft."""
    nominator_name: str = ""
    nominator_email: str = ""
    nominator_phone: str = ""
    relationship: str = ""
    nominating_self: bool = False
    nominee_name: str = ""
    nominee_kind: NomineeKind | None = None
    nominee_area: str = ""
    nominee_email: str = ""
    nominee_phone: str = ""
    nominee_age: int | None = None
    group_started: str = ""
    group_activity: str = ""
    answers: dict[int, str] = field(default_factory=dict)
    referees: list[tuple[str, str, str]] = field(default_factory=list)  # name, relationship, statement
    nominee_knows: bool | None = None
    nominee_not_told_reason: str = ""
    data_consent: bool = False


def nominate(category: AwardCategory, details: NominationDetails, *, user: User | None, submit: bool,
             nomination: Nomination | None = None, now: datetime | None = None) -> Nomination:
    """Save a nomination: a draft (signed-in nominators only), or sent. A
    guest's nomination counts once they follow the emailed link; a signed-in
    nominator's at once. Either way the nominator is emailed a copy."""
    now = now or utcnow()
    cycle = category.cycle
    if cycle.stage(now) == Stage.NOT_OPEN:
        raise AwardRuleBroken(f"Nominations for {cycle.name} are not open yet")
    if cycle.stage(now) != Stage.NOMINATING:
        raise AwardRuleBroken(f"Nominations for {cycle.name} are closed")
    if nomination is not None and (nomination.status != NominationStatus.DRAFT or nomination.nominator_id != user.id):
        raise AwardRuleBroken("This nomination has already been sent, so it cannot be changed")
    if user is None and not submit:
        raise AwardRuleBroken("Sign in to save a nomination as a draft")
    if submit:
        _check_complete(category, details, user)
    else:
        _check_word_limits(category, details)
    if nomination is None:
        _check_not_a_repeat(category, details, user)
    nomination = nomination or Nomination(created_at=now)
    _fill(nomination, category, details, user)
    if not submit:
        nomination.status = NominationStatus.DRAFT
    elif user is None:
        nomination.status = NominationStatus.UNCONFIRMED
    else:
        _send(nomination, now)
    db.session.add(nomination)  # only now: everything it needs is filled in
    db.session.flush()
    if nomination.status == NominationStatus.UNCONFIRMED:
        queue_email(to=nomination.nominator_email, subject=f"Confirm your nomination: {category.name}",
                    template="award_nomination_confirm", nomination=nomination, link=nomination_link(nomination))
    elif nomination.status == NominationStatus.SUBMITTED:
        _email_copy(nomination)
    audit.record("awards.nomination_saved", actor=user, subject=nomination,
                 details={"status": nomination.status.value})
    return nomination


def _check_not_a_repeat(category: AwardCategory, details: NominationDetails, user: User | None) -> None:
    """One nominator, one nomination of a nominee per category: a double-
    clicked Send makes one. Locks the category so two clicks cannot both pass."""
    lock_row(db.session, AwardCategory, category.id)
    email = user.email if user else normalise_email(details.nominator_email)
    if not details.nominee_name.strip():
        return
    theirs = db.session.scalars(select(Nomination.nominee_name).where(
        Nomination.category_id == category.id, Nomination.nominator_email == email,
        Nomination.status != NominationStatus.WITHDRAWN)).all()
    if any(same_name(existing, details.nominee_name) for existing in theirs):
        raise AwardRuleBroken(f"You have already nominated {details.nominee_name.strip()} for {category.name}. "
                              "Check your email for it, or see My nominations.", field="nominee_name")


def _fill(nomination: Nomination, category: AwardCategory, details: NominationDetails, user: User | None) -> None:
    nomination.category = category
    nomination.nominator_id = user.id if user else None
    nomination.nominator_name = user.name if user else details.nominator_name.strip()
    nomination.nominator_email = user.email if user else normalise_email(details.nominator_email)
    nomination.nominator_phone = details.nominator_phone.strip()
    nomination.relationship_to_nominee = (SELF_NOMINATION if details.nominating_self
                                          else details.relationship.strip())
    nomination.nominee_name = " ".join(details.nominee_name.split())
    nomination.nominee_kind = category.nominee_kind
    nomination.nominee_area = details.nominee_area.strip()
    nomination.nominee_email = details.nominee_email.strip().lower()
    nomination.nominee_phone = details.nominee_phone.strip()
    individual = category.nominee_kind == NomineeKind.INDIVIDUAL
    nomination.nominee_age = details.nominee_age if individual else None
    nomination.group_started = "" if individual else details.group_started.strip()
    nomination.group_activity = "" if individual else details.group_activity.strip()
    nomination.nominee_knows = bool(details.nominee_knows)
    nomination.nominee_not_told_reason = "" if details.nominee_knows else details.nominee_not_told_reason.strip()
    nomination.data_consent = details.data_consent
    _fill_answers(nomination, category, details.answers)
    nomination.referees = [Referee(name=name.strip(), relationship_to_nominee=relation.strip(),
                                   statement=statement.strip())
                           for name, relation, statement in details.referees[:MAX_REFEREES] if name.strip()]


def _fill_answers(nomination: Nomination, category: AwardCategory, answers: dict[int, str]) -> None:
    """A draft saved again or sent keeps one answer row per question, changed
    in place: replacing the list would insert the new rows before deleting
    the old ones and break the one-answer-per-question constraint. Answers to
    questions removed from the category since stay in the record."""
    given = {question.id: answers.get(question.id, "").strip() for question in category.questions}
    kept = {answer.question_id: answer for answer in nomination.answers}
    for question_id, text in given.items():
        answer = kept.get(question_id)
        if text and answer is not None:
            answer.text = text
        elif text:
            nomination.answers.append(NominationAnswer(question_id=question_id, text=text))
        elif answer is not None:
            nomination.answers.remove(answer)


def _check_word_limits(category: AwardCategory, details: NominationDetails) -> None:
    for question in category.questions:
        words = count_words(details.answers.get(question.id, ""))
        if words > question.word_limit:
            raise AwardRuleBroken(f"Your answer has {words} words: keep it to {question.word_limit} or fewer",
                                  field=f"question_{question.id}")


def _check_complete(category: AwardCategory, details: NominationDetails, user: User | None) -> None:
    """Everything a panel needs, and the category's rules: every problem at
    once, each with a message beside the box that needs it."""
    problems: list[AwardRuleBroken] = []

    def need(value, field_name, message):
        if not (value.strip() if isinstance(value, str) else value):
            problems.append(AwardRuleBroken(message, field=field_name))

    def check(rule, *args):
        try:
            rule(*args)
        except AwardRuleBroken as problem:
            problems.append(problem)

    if user is None:
        need(details.nominator_name, "nominator_name", "Enter your full name")
        need(details.nominator_email, "nominator_email", "Enter your email address")
    if not category.self_nomination:
        yourself = (f"You cannot nominate yourself for {category.name}. Ask someone who knows your work to "
                    "nominate you.")
        if details.nominating_self:
            problems.append(AwardRuleBroken(yourself, field="nominating"))
        elif _names_the_nominator(details, user):
            problems.append(AwardRuleBroken(yourself, field="nominee_name"))
    if not details.nominating_self:
        need(details.relationship, "relationship", "Say how you know the nominee")
    need(details.nominee_name, "nominee_name", "Enter the nominee's name")
    need(details.nominee_area, "nominee_area", "Enter the town or area the nominee is in")
    if category.nominee_kind == NomineeKind.INDIVIDUAL and category.has_age_limits:
        check(_check_age, category, details.nominee_age)
    if category.nominee_kind == NomineeKind.GROUP:
        need(details.group_activity, "group_activity", "Say what the group does")
    for question in category.questions:
        need(details.answers.get(question.id, ""), f"question_{question.id}", "Answer this question")
    check(_check_word_limits, category, details)
    for n, (name, relation, statement) in enumerate(details.referees[:MAX_REFEREES], start=1):
        if any(part.strip() for part in (name, relation, statement)):
            need(name, f"referee_{n}_name", "Enter the referee's name, or leave all their boxes empty")
            need(relation, f"referee_{n}_relationship", "Say how the referee knows the nominee")
            need(statement, f"referee_{n}_statement", "Enter the referee's statement")
            if count_words(statement) > 300:
                problems.append(AwardRuleBroken("Keep the statement to 300 words or fewer",
                                                field=f"referee_{n}_statement"))
    if details.nominee_knows is None:
        problems.append(AwardRuleBroken("Say whether the nominee knows about this nomination", field="nominee_knows"))
    elif not details.nominee_knows:
        need(details.nominee_not_told_reason, "nominee_not_told_reason", "Say why the nominee cannot be told yet")
    if not details.data_consent:
        problems.append(AwardRuleBroken("Tick the box to agree to how we use this information", field="data_consent"))
    if problems:
        raise DomainErrors(problems)


def _names_the_nominator(details: NominationDetails, user: User | None) -> bool:
    """Whether the nominee's name is the nominator's own, as typed on the form
    or as on their account: saying "someone else" while typing your own name
    is still nominating yourself. (Not the email address: a parent may give
    their own as a child nominee's.)"""
    own_names = [name for name in (details.nominator_name, user.name if user else "") if name.strip()]
    return bool(details.nominee_name.strip()) and any(same_name(details.nominee_name, name) for name in own_names)


def _check_age(category: AwardCategory, age: int | None) -> None:
    low, high = category.min_age, category.max_age
    span = f"{low} to {high}" if low is not None and high is not None else (
        f"{low} or over" if low is not None else f"{high} or under")
    if age is None:
        raise AwardRuleBroken(f"Enter the nominee's age: {category.name} is for people aged {span}",
                              field="nominee_age")
    if (low is not None and age < low) or (high is not None and age > high):
        raise AwardRuleBroken(f"{category.name} is for people aged {span}, and the nominee is {age}. Another "
                              "category may suit them.", field="nominee_age")


def _send(nomination: Nomination, now: datetime) -> None:
    nomination.status, nomination.submitted_at = NominationStatus.SUBMITTED, now
    nomination.screening_flags = "\n".join(screening_flags(nomination))


def same_name(one: str, other: str) -> bool:
    """The same name as people type it: the same words in any order, ignoring
    case, spacing, accents, punctuation and invisible characters (Zoë Şahin,
    zoe  sahin, "Sahin, Zoe", "Zoë Şahin (Zoë)" and Zoë Şahin with a zero-width
    space are one person's name). Punctuation is read as a break and as
    nothing, and the letters are compared run together too, so Mary-Jane
    O'Neil is mary jane oneil. Digits are kept: a look-alike such as "Z0e" is
    another name."""
    return any(mine and mine == theirs for mine, theirs in zip(_name_keys(one), _name_keys(other)))


def _name_keys(name: str) -> tuple:
    # Invisible format characters (Unicode Cf: zero-width spaces, joiners,
    # direction marks) are dropped here only: ZWNJ is part of how Persian and
    # Urdu names are spelt, so names keep them.
    letters = "".join(c for c in unicodedata.normalize("NFKD", name.casefold())
                      if not unicodedata.combining(c) and unicodedata.category(c) not in ("Cf", "Me"))
    broken, joined = ("".join(gap if unicodedata.category(c)[0] in "PS" else c for c in letters) for gap in (" ", ""))
    return frozenset(broken.split()), frozenset(joined.split()), "".join(joined.split())


def screening_flags(nomination: Nomination) -> list[str]:
    """Why an administrator should look twice (by name, ignoring case,
    spacing and accents): the nominee is on the cycle's exclusion list, judges this
    cycle, or won this category last time."""
    def same(name: str) -> bool:
        return same_name(name, nomination.nominee_name)

    cycle = nomination.category.cycle
    flags = [f"{exclusion.name} is excluded: {exclusion.reason}" for exclusion in db.session.scalars(
        select(Exclusion).where(Exclusion.cycle_id == cycle.id)) if same(exclusion.name)]
    judges = db.session.scalars(select(User.name).join(PanelMember, PanelMember.user_id == User.id)
                                .join(PanelMember.category).where(AwardCategory.cycle_id == cycle.id)).all()
    flags += [f"{name} is a judge this year" for name in set(judges) if same(name)]
    previous = db.session.scalar(select(AwardCycle).where(AwardCycle.nominations_open_at < cycle.nominations_open_at)
                                 .order_by(AwardCycle.nominations_open_at.desc()).limit(1))
    if previous is not None:
        won = db.session.scalars(select(Nomination.nominee_name).join(Decision, Decision.nomination_id == Nomination.id)
                                 .join(Nomination.category).where(
            AwardCategory.cycle_id == previous.id, AwardCategory.name == nomination.category.name,
            Decision.outcome == Outcome.WINNER)).all()
        flags += [f"{name} won {nomination.category.name} in {previous.name}" for name in won if same(name)]
    return flags


def _email_copy(nomination: Nomination) -> None:
    queue_email(to=nomination.nominator_email, subject=f"Your nomination: {nomination.category.name}",
                template="award_nomination_copy", nomination=nomination, link=nomination_link(nomination))


def confirm_nomination(nomination: Nomination, *, now: datetime | None = None) -> Nomination:
    """The guest followed the emailed link: the nomination is sent."""
    now = now or utcnow()
    if nomination.status != NominationStatus.UNCONFIRMED:
        return nomination
    if now >= nomination.category.cycle.nominations_close_at:
        raise AwardRuleBroken("Nominations have closed, so this nomination can no longer be confirmed")
    _send(nomination, now)
    db.session.flush()
    _email_copy(nomination)
    audit.record("awards.nomination_confirmed", subject=nomination)
    return nomination


def withdraw_nomination(nomination: Nomination, *, actor: User | None, now: datetime | None = None) -> None:
    now = now or utcnow()
    if nomination.status == NominationStatus.WITHDRAWN:
        return
    if now >= nomination.category.cycle.nominations_close_at:
        raise AwardRuleBroken("Nominations have closed, so it can no longer be withdrawn. Contact the awards team.")
    nomination.status = NominationStatus.WITHDRAWN
    db.session.flush()
    audit.record("awards.nomination_withdrawn", actor=actor, subject=nomination)


def remove_at_nominees_request(nomination: Nomination, *, actor: User) -> int:
    """The nominee asked not to be considered (UK GDPR: their details are in
    it). The nomination goes, with every one grouped under it (the same
    person), their answers, referees, scores and decision; each nominator is
    told why. The audit entry names no one. How many went."""
    lock_row(db.session, Nomination, nomination.id)
    removed = [nomination, *grouped_under(nomination)]
    for each in removed:
        if each.nominator_email:
            queue_email(to=each.nominator_email, subject=f"Your nomination: {each.category.name}",
                        template="award_nomination_removed", nomination=each)
    category_id = nomination.category_id
    for each in removed:
        db.session.delete(each)
    db.session.flush()
    audit.record("awards.nomination_removed_at_nominees_request", actor=actor,
                 details={"category": category_id, "nominations": len(removed)})
    return len(removed)


@email_confirmed.connect
def claim_guest_nominations(user: User, **_) -> None:
    """Nominations sent as a guest from this address become the account's
    when it proves the address is its own (core.accounts.services.email_confirmed)."""
    claimed = db.session.scalars(select(Nomination).where(
        func.lower(Nomination.nominator_email) == user.email, Nomination.nominator_id.is_(None))).all()
    for nomination in claimed:
        nomination.nominator_id = user.id
    if claimed:
        db.session.flush()
        audit.record("awards.nominations_claimed", actor=user, subject=user, details={"nominations": len(claimed)})


def nominations_by(user: User) -> list[Nomination]:
    return list(db.session.scalars(select(Nomination).where(Nomination.nominator_id == user.id)
                                   .order_by(Nomination.created_at.desc(), Nomination.id.desc())))


def nomination_link(nomination: Nomination) -> str:
    token = link_token(_LINK_SALT, {"nomination": nomination.id, "email": nomination.nominator_email})
    return url_for("awards.nomination_by_link", token=token, _external=True)


def nomination_for_token(token: str) -> Nomination:
    data = link_token_data(_LINK_SALT, token)
    nomination = db.session.get(Nomination, data.get("nomination")) if isinstance(data, dict) else None
    if nomination is None or nomination.nominator_email != data.get("email"):
        raise InvalidLink("This link is no longer valid.")
    return nomination


# --- screening -------------------------------------------------------------------------------

def nominations_to_screen(cycle: AwardCycle, *, category_id: int | None = None,
                          status: NominationStatus | None = None) -> list[Nomination]:
    query = select(Nomination).join(Nomination.category).where(
        AwardCategory.cycle_id == cycle.id,
        Nomination.status.not_in([NominationStatus.DRAFT, NominationStatus.UNCONFIRMED]))
    if category_id:
        query = query.where(Nomination.category_id == category_id)
    if status:
        query = query.where(Nomination.status == status)
    return list(db.session.scalars(query.order_by(AwardCategory.position, AwardCategory.id,
                                                  Nomination.nominee_name, Nomination.id)))


def unscreened_count(cycle: AwardCycle) -> int:
    """How many of the cycle's sent nominations nobody has screened yet."""
    return db.session.scalar(select(func.count(Nomination.id)).join(Nomination.category).where(
        AwardCategory.cycle_id == cycle.id, Nomination.status == NominationStatus.SUBMITTED))


def nomination_counts(cycle: AwardCycle) -> dict[int, dict[NominationStatus, int]]:
    """For each category, how many nominations are in each status (one query)."""
    counts: dict[int, dict[NominationStatus, int]] = {category.id: {} for category in cycle.categories}
    for category_id, status, count in db.session.execute(
            select(Nomination.category_id, Nomination.status, func.count(Nomination.id))
            .join(Nomination.category).where(AwardCategory.cycle_id == cycle.id)
            .group_by(Nomination.category_id, Nomination.status)):
        counts.setdefault(category_id, {})[status] = count
    return counts


# --- the same nominee, nominated more than once -------------------------------------------

def _words_of(name: str) -> set[str]:
    return {word for word in re.findall(r"[a-z0-9']+", name.lower()) if len(word) >= 3}


def similar_nominations(nomination: Nomination) -> list[Nomination]:
    """Other live nominations in the category that look like the same
    nominee: the same name (ignoring case, spacing and punctuation), or the
    same area and a shared name word. A suggestion; an administrator decides."""
    name = " ".join(sorted(_words_of(nomination.nominee_name)))
    area = nomination.nominee_area.strip().lower()
    others = db.session.scalars(select(Nomination).where(
        Nomination.category_id == nomination.category_id, Nomination.id != nomination.id,
        Nomination.status.in_(LIVE_NOMINATIONS), Nomination.group_with_id.is_(None)).order_by(Nomination.id))
    return [other for other in others
            if " ".join(sorted(_words_of(other.nominee_name))) == name
            or (other.nominee_area.strip().lower() == area
                and _words_of(other.nominee_name) & _words_of(nomination.nominee_name))]


def group_nominations(nomination: Nomination, lead: Nomination, *, actor: User) -> None:
    """Judge `nomination` as part of `lead`: the panel reads every
    nominator's words together and scores once."""
    if lead.category_id != nomination.category_id or lead.id == nomination.id:
        raise AwardRuleBroken("Group it with another nomination in the same category", field="lead_id")
    if lead.group_with_id is not None:
        raise AwardRuleBroken("That nomination is itself grouped under another: choose that one", field="lead_id")
    if grouped_under(nomination):
        raise AwardRuleBroken("Other nominations are grouped under this one: group them under the other first",
                              field="lead_id")
    if _is_decided(nomination):
        raise AwardRuleBroken("The panel has decided on this nomination, so it is judged on its own",
                              field="lead_id")
    nomination.group_with_id = lead.id
    db.session.flush()
    audit.record("awards.nominations_grouped", actor=actor, subject=nomination, details={"lead": lead.id})


def ungroup_nomination(nomination: Nomination, *, actor: User) -> None:
    nomination.group_with_id = None
    db.session.flush()
    audit.record("awards.nomination_ungrouped", actor=actor, subject=nomination)


def grouped_under(lead: Nomination) -> list[Nomination]:
    return list(db.session.scalars(select(Nomination).where(Nomination.group_with_id == lead.id,
                                                            Nomination.status.in_(LIVE_NOMINATIONS))
                                   .order_by(Nomination.id)))


def mark_eligible(nomination: Nomination, *, actor: User) -> None:
    _check_screenable(nomination)
    nomination.status, nomination.screening_reason = NominationStatus.ELIGIBLE, ""
    _screened(nomination, actor, "eligible")


def mark_ineligible(nomination: Nomination, *, reason: str, actor: User) -> None:
    _check_screenable(nomination)
    if not reason.strip():
        raise AwardRuleBroken("Give the reason: it is emailed to the nominator", field="reason")
    nomination.status, nomination.screening_reason = NominationStatus.INELIGIBLE, reason.strip()
    _screened(nomination, actor, "ineligible")
    queue_email(to=nomination.nominator_email, subject=f"Your nomination: {nomination.category.name}",
                template="award_nomination_ineligible", nomination=nomination)


def move_nomination(nomination: Nomination, to: AwardCategory, *, actor: User) -> None:
    """Into a category that suits it better; it is screened again there."""
    _check_screenable(nomination)
    if to.cycle_id != nomination.category.cycle_id:
        raise AwardRuleBroken("Choose a category in the same cycle", field="category_id")
    if to.id == nomination.category_id:
        raise AwardRuleBroken("The nomination is already in that category", field="category_id")
    moved_from = nomination.category
    nomination.category, nomination.status, nomination.screening_reason = to, NominationStatus.SUBMITTED, ""
    _screened(nomination, actor, "moved", {"from": moved_from.id, "to": to.id})
    queue_email(to=nomination.nominator_email, subject=f"Your nomination has moved to {to.name}",
                template="award_nomination_moved", nomination=nomination, moved_from=moved_from)


def why_screening_is_closed(nomination: Nomination, *, now: datetime | None = None) -> str | None:
    """Why the nomination's screening (eligible, not eligible, moved) can no
    longer change, or None while it can: the screening page offers it only then."""
    if nomination.status not in (NominationStatus.SUBMITTED, NominationStatus.ELIGIBLE,
                                 NominationStatus.INELIGIBLE):
        return f"This nomination is {nomination.status.label.lower()}, so it cannot be screened"
    cycle = nomination.category.cycle
    if cycle.shortlist_published_at is not None or cycle.results_published_at is not None:
        return "The shortlist is published, so screening decisions can no longer change"
    # A nomination never screened can still be (its nominator hears how it went), until the shortlist is out.
    if (nomination.status != NominationStatus.SUBMITTED
            and cycle.stage(now or utcnow()) in (Stage.DECIDING, Stage.ANNOUNCED)):
        return "Judging has finished, so screening decisions can no longer change"
    if _is_decided(nomination):
        return "The panel has decided on this nomination, so its screening can no longer change"
    return None


def _is_decided(nomination: Nomination) -> bool:
    return db.session.scalar(select(Decision.id).where(Decision.nomination_id == nomination.id)) is not None


def _check_screenable(nomination: Nomination) -> None:
    reason = why_screening_is_closed(nomination)
    if reason is not None:
        raise AwardRuleBroken(reason)


def _screened(nomination: Nomination, actor: User, outcome: str, details: dict | None = None) -> None:
    nomination.screened_by_id, nomination.screened_at = actor.id, utcnow()
    db.session.flush()
    audit.record(f"awards.nomination_{outcome}", actor=actor, subject=nomination, details=details or {})
