"""Nominating: the window, self-nomination, age and word limits, every
problem with a sent nomination at once, one nomination of a nominee per
nominator, a guest's email confirmation and the emailed link, withdrawing,
and a guest's nominations becoming their account's. Functions flush but
never commit."""
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, url_for
from sqlalchemy import func, select

from awards.errors import AwardRuleBroken
from awards.models import (
    SELF_NOMINATION, AwardCategory, Nomination, NominationAnswer, NominationStatus, NomineeKind, Referee, Stage,
)
from awards.screening import same_name, screening_flags
from core.content_languages import lazily
from core import audit
from core.accounts.models import User
from core.accounts.services import (
    email_confirmed, link_token, link_token_data, normalise_email, proven_by_another_account,
)
from core.database import lock_row, utcnow
from core.email import queue_email
from core.errors import DomainErrors, InvalidLink
from core.extensions import db
from core.i18n import _, _l, current_language, ngettext

MAX_REFEREES = 2
_LINK_SALT = "award-nomination"
_WORD = re.compile(r"\S+")


def count_words(text: str) -> int:
    """Words as the design system's word count counts them: runs of non-space."""
    return len(_WORD.findall(text or ""))


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
        raise AwardRuleBroken(_("Nominations for %(cycle)s are not open yet", cycle=cycle.name))
    if cycle.stage(now) != Stage.NOMINATING:
        raise AwardRuleBroken(_("Nominations for %(cycle)s are closed", cycle=cycle.name))
    if nomination is not None and (nomination.status != NominationStatus.DRAFT or nomination.nominator_id != user.id):
        raise AwardRuleBroken(_("This nomination has already been sent, so it cannot be changed"))
    if user is None and not submit:
        raise AwardRuleBroken(_("Sign in to save a nomination as a draft"))
    if submit:
        _check_complete(category, details, user)
    else:
        _check_word_limits(category, details)
    if nomination is None:
        _check_not_a_repeat(category, details, user)
    nomination = nomination or Nomination(created_at=now)
    _fill(nomination, category, details, user)
    nomination.nominator_language = current_language().code
    if not submit:
        nomination.status = NominationStatus.DRAFT
    elif user is None:
        nomination.status = NominationStatus.UNCONFIRMED
    else:
        _send(nomination, now)
    db.session.add(nomination)  # only now: everything it needs is filled in
    db.session.flush()
    if nomination.status == NominationStatus.UNCONFIRMED:
        queue_email(to=nomination.nominator_email,
                    subject=_l("Confirm your nomination: %(category)s", category=lazily(category, "name")),
                    template="award_nomination_confirm", nomination=nomination, link=nomination_link(nomination),
                    reply_to=current_app.config["CONTACT_EMAIL"], language=nomination.nominator_language)
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
        raise AwardRuleBroken(_("You have already nominated %(name)s for %(category)s. Check your email for it, or "
                                "see My nominations.", name=details.nominee_name.strip(), category=category.name),
                              field="nominee_name")


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
            raise AwardRuleBroken(ngettext("Your answer to “%(question)s” has %(num)d word: keep it to %(limit)d "
                                           "or fewer",
                                           "Your answer to “%(question)s” has %(num)d words: keep it to %(limit)d "
                                           "or fewer", words, question=question.text, limit=question.word_limit),
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
        need(details.nominator_name, "nominator_name", _("Enter your full name"))
        need(details.nominator_email, "nominator_email", _("Enter your email address"))
    if not category.self_nomination:
        yourself = _("You cannot nominate yourself for %(category)s. Ask someone who knows your work to "
                     "nominate you.", category=category.name)
        if details.nominating_self:
            problems.append(AwardRuleBroken(yourself, field="nominating"))
        elif _names_the_nominator(details, user):
            problems.append(AwardRuleBroken(yourself, field="nominee_name"))
    if not details.nominating_self:
        need(details.relationship, "relationship", _("Say how you know the nominee"))
    need(details.nominee_name, "nominee_name", _("Enter the nominee's name"))
    need(details.nominee_area, "nominee_area", _("Enter the town or area the nominee is in"))
    if category.nominee_kind == NomineeKind.INDIVIDUAL and category.has_age_limits:
        check(_check_age, category, details.nominee_age)
    if category.nominee_kind == NomineeKind.GROUP:
        need(details.group_activity, "group_activity", _("Say what the group does"))
    for question in category.questions:
        need(details.answers.get(question.id, ""), f"question_{question.id}",
             _("Answer “%(question)s”", question=question.text))
    check(_check_word_limits, category, details)
    for n, (name, relation, statement) in enumerate(details.referees[:MAX_REFEREES], start=1):
        if any(part.strip() for part in (name, relation, statement)):
            need(name, f"referee_{n}_name", _("Enter referee %(n)d's name, or leave all their boxes empty", n=n))
            need(relation, f"referee_{n}_relationship", _("Say how referee %(n)d knows the nominee", n=n))
            need(statement, f"referee_{n}_statement", _("Enter referee %(n)d's statement", n=n))
            if count_words(statement) > 300:
                problems.append(AwardRuleBroken(_("Keep referee %(n)d's statement to %(words)d words or fewer",
                                                  n=n, words=300), field=f"referee_{n}_statement"))
    if details.nominee_knows is None:
        problems.append(AwardRuleBroken(_("Say whether the nominee knows about this nomination"),
                                        field="nominee_knows"))
    elif not details.nominee_knows:
        need(details.nominee_not_told_reason, "nominee_not_told_reason", _("Say why the nominee cannot be told yet"))
    if not details.data_consent:
        problems.append(AwardRuleBroken(_("Tick the box to agree to how we use this information"),
                                        field="data_consent"))
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
    names = {"category": category.name, "youngest": low, "oldest": high}
    if age is None:
        if low is not None and high is not None:
            message = _("Enter the nominee's age: %(category)s is for people aged %(youngest)d to %(oldest)d", **names)
        elif low is not None:
            message = _("Enter the nominee's age: %(category)s is for people aged %(youngest)d or over", **names)
        else:
            message = _("Enter the nominee's age: %(category)s is for people aged %(oldest)d or under", **names)
        raise AwardRuleBroken(message, field="nominee_age")
    if (low is not None and age < low) or (high is not None and age > high):
        names["age"] = age
        if low is not None and high is not None:
            message = _("%(category)s is for people aged %(youngest)d to %(oldest)d, and the nominee is %(age)d. "
                        "Another category may suit them.", **names)
        elif low is not None:
            message = _("%(category)s is for people aged %(youngest)d or over, and the nominee is %(age)d. "
                        "Another category may suit them.", **names)
        else:
            message = _("%(category)s is for people aged %(oldest)d or under, and the nominee is %(age)d. "
                        "Another category may suit them.", **names)
        raise AwardRuleBroken(message, field="nominee_age")


def _send(nomination: Nomination, now: datetime) -> None:
    nomination.status, nomination.submitted_at = NominationStatus.SUBMITTED, now
    nomination.screening_flags = "\n".join(screening_flags(nomination))


def _email_copy(nomination: Nomination) -> None:
    queue_email(to=nomination.nominator_email,
                subject=_l("Your nomination: %(category)s", category=lazily(nomination.category, "name")),
                template="award_nomination_copy", nomination=nomination, link=nomination_link(nomination),
                reply_to=current_app.config["CONTACT_EMAIL"], language=nomination.nominator_language)


def confirm_nomination(nomination: Nomination, *, now: datetime | None = None) -> Nomination:
    """The guest followed the emailed link: the nomination is sent."""
    now = now or utcnow()
    if nomination.status != NominationStatus.UNCONFIRMED:
        return nomination
    if now >= nomination.category.cycle.nominations_close_at:
        raise AwardRuleBroken(_("Nominations have closed, so this nomination can no longer be confirmed"))
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
        raise AwardRuleBroken(_("Nominations have closed, so it can no longer be withdrawn. Contact the awards "
                                "team."))
    nomination.status = NominationStatus.WITHDRAWN
    db.session.flush()
    audit.record("awards.nomination_withdrawn", actor=actor, subject=nomination)


@email_confirmed.connect
def claim_guest_nominations(user: User, **_) -> None:
    """Nominations sent as a guest from this address become the account's
    when it proves the address is its own (core.accounts.services.email_confirmed),
    unless another account proved it before (they may be that person's)."""
    if proven_by_another_account(user):
        return
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
        raise InvalidLink(_("This link is no longer valid."))
    return nomination
