"""Equality monitoring: the questions (ONS Census 2021 / GSS harmonised
categories), the consent that comes before them, and one person's answers.

Answers are special category data (UK GDPR Art. 9). They are kept under a
random subject id in `equality_responses`; which person that id belongs to is
only in `equality_links`. Only the person sees their own answers; reports
count them in aggregate (reports/)."""
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select

from core import audit
from core.database import utcnow
from core.errors import DomainError
from core.extensions import db
from core.i18n import _, _l
from core.equality.models import EqualityLink, EqualityResponse
from core.accounts.models import User
from core.accounts.services import email_confirmed, proven_by_another_account
from core.registry import Slot

# Change the version whenever the consent wording in
# templates/core/equality.html changes: each answer records the
# version its person agreed to.
CONSENT_VERSION = "2026-11"
RETENTION_YEARS = 3

PREFER_NOT_TO_SAY = "prefer_not_to_say"
NOT_ANSWERED = "not_answered"  # in reports only: no answer stored
UNDER_16 = "under_16"
PREFER_NOT_TO_SAY_LABEL = _l("Prefer not to say")
NOT_ANSWERED_LABEL = _l("Not answered")

# What is kept from answers in aggregate (events/tallies.py: settled events'
# tallies by answer): functions person_keys -> None, called after every change
# to whose answers are whose or what they say, in the same transaction, so
# nothing counted from the answers goes stale.
answers_changed = Slot("what is counted from equality answers")


def changed_answers(*keys: str | None) -> None:
    """Tell what counts the answers that these people's answers changed (flush first)."""
    keys = sorted({key for key in keys if key})
    if keys:
        for recount in answers_changed:
            recount(keys)


def record_key_secret() -> str:
    """The secret behind every record key (reports/perturbation.py). Changing
    it changes every perturbed figure, so differences between old and new
    reports would be noise of two kinds: keep it fixed."""
    configured = current_app.config.get("REPORT_RECORD_KEY_SECRET")
    return configured or hmac.new(current_app.config["SECRET_KEY"].encode(), b"report record keys",
                                  hashlib.sha256).hexdigest()


def record_key_fingerprint() -> str:
    """Names the secret without giving it away: what was keyed under another one is not added to today's."""
    return hashlib.sha256(("fingerprint:" + record_key_secret()).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Characteristic:
    key: str  # the column in equality_responses, and the name in CSV files
    label: str
    question: str
    categories: tuple[tuple[str, str], ...]  # (code, label), without "Prefer not to say"
    adults_only: bool = False  # asked only of people aged 16 or over

    def label_of(self, code: str) -> str:
        if code == PREFER_NOT_TO_SAY:
            return PREFER_NOT_TO_SAY_LABEL
        if code == NOT_ANSWERED:
            return NOT_ANSWERED_LABEL
        return dict(self.categories)[code]

    @property
    def codes(self) -> list[str]:
        return [code for code, _ in self.categories]

    @property
    def report_codes(self) -> list[str]:
        """Every row a report shows, non-response included."""
        return [*self.codes, PREFER_NOT_TO_SAY, NOT_ANSWERED]


AGE_BAND = Characteristic("age_band", _l("Age"), _l("How old are you?"), (
    (UNDER_16, _l("Under 16")), ("16_24", _l("16 to 24")), ("25_34", _l("25 to 34")), ("35_49", _l("35 to 49")),
    ("50_64", _l("50 to 64")), ("65_74", _l("65 to 74")), ("75_plus", _l("75 or over")),
))
ETHNIC_GROUP = Characteristic("ethnic_group", _l("Ethnic group"), _l("What is your ethnic group?"), (
    ("asian", _l("Asian or Asian British")),
    ("black", _l("Black, Black British, Caribbean or African")),
    ("mixed", _l("Mixed or multiple ethnic groups")),
    ("white", _l("White")),
    ("other", _l("Other ethnic group")),
))
RELIGION = Characteristic("religion", _l("Religion"), _l("What is your religion?"), (
    ("none", _l("No religion")), ("christian", _l("Christian")), ("buddhist", _l("Buddhist")), ("hindu", _l("Hindu")),
    ("jewish", _l("Jewish")), ("muslim", _l("Muslim")), ("sikh", _l("Sikh")), ("other", _l("Any other religion")),
))
SEX = Characteristic("sex", _l("Sex"), _l("What is your sex?"), (("female", _l("Female")), ("male", _l("Male"))))
GENDER_IDENTITY = Characteristic(
    "gender_identity", _l("Gender identity same as sex registered at birth"),
    _l("Is the gender you identify with the same as your sex registered at birth?"),
    (("yes", _l("Yes")), ("no", _l("No"))), adults_only=True)
SEXUAL_ORIENTATION = Characteristic(
    "sexual_orientation", _l("Sexual orientation"),
    _l("Which of the following best describes your sexual orientation?"), (
        ("straight", _l("Straight or heterosexual")), ("gay_or_lesbian", _l("Gay or lesbian")),
        ("bisexual", _l("Bisexual")), ("other", _l("Other sexual orientation")),
    ), adults_only=True)
DISABILITY = Characteristic(
    "disability", _l("Long-term condition or illness"),
    _l("Do you have any physical or mental health conditions or illnesses lasting or expected to last "
       "12 months or more?"), (("yes", _l("Yes")), ("no", _l("No"))))
DISABILITY_IMPACT = Characteristic(
    "disability_impact", _l("Condition reduces day-to-day activities"),
    _l("Do any of your conditions or illnesses reduce your ability to carry out day-to-day activities?"), (
        ("a_lot", _l("Yes, a lot")), ("a_little", _l("Yes, a little")), ("not_at_all", _l("Not at all")),
    ))

CHARACTERISTICS = (AGE_BAND, ETHNIC_GROUP, RELIGION, SEX, GENDER_IDENTITY, SEXUAL_ORIENTATION, DISABILITY,
                   DISABILITY_IMPACT)
BY_KEY = {characteristic.key: characteristic for characteristic in CHARACTERISTICS}

ETHNIC_BACKGROUNDS: dict[str, tuple[tuple[str, str], ...]] = {
    "asian": (("bangladeshi", _l("Bangladeshi")), ("chinese", _l("Chinese")), ("indian", _l("Indian")),
              ("pakistani", _l("Pakistani")), ("other_asian", _l("Any other Asian background"))),
    "black": (("african", _l("African")), ("caribbean", _l("Caribbean")),
              ("other_black", _l("Any other Black background"))),
    "mixed": (("white_and_asian", _l("White and Asian")), ("white_and_black_african", _l("White and Black African")),
              ("white_and_black_caribbean", _l("White and Black Caribbean")),
              ("other_mixed", _l("Any other mixed background"))),
    "white": (("british", _l("English, Welsh, Scottish, Northern Irish or British")), ("irish", _l("Irish")),
              ("gypsy_or_irish_traveller", _l("Gypsy or Irish Traveller")), ("roma", _l("Roma")),
              ("other_white", _l("Any other White background"))),
    "other": (("arab", _l("Arab")), ("any_other", _l("Any other ethnic group"))),
}

# A postcode district: the outward code, like NN1 or NN12.
POSTCODE_DISTRICT_PATTERN = r"^[A-Z]{1,2}[0-9][0-9A-Z]?$"


class NoConsent(DomainError):
    pass


def person_key(user: User | None, email: str | None = None) -> str:
    """How registrations and equality answers name a person: an account, or a guest's email."""
    return f"user:{user.id}" if user else f"guest:{email.strip().lower()}"


@email_confirmed.connect
def claim_guest_answers(user: User, **_) -> None:
    """Answers given as a guest with this address become the account's when
    it proves the address is its own (unless the account has answers already:
    then the guest's stay under the address, and erasing the account deletes both;
    or another account proved the address before: they may be that person's)."""
    if proven_by_another_account(user):
        return
    guest = db.session.scalar(select(EqualityLink).where(EqualityLink.person_key == person_key(None, user.email)))
    if guest is None or answers_of(person_key(user)) is not None:
        return
    guest.person_key, guest.user_id = person_key(user), user.id
    db.session.flush()
    changed_answers(person_key(None, user.email), person_key(user))


def answers_of(key: str) -> EqualityResponse | None:
    """The person's own answers (consent given), or None."""
    return db.session.scalar(
        select(EqualityResponse).join(EqualityLink, EqualityLink.subject_id == EqualityResponse.subject_id)
        .where(EqualityLink.person_key == key))


def give_consent(key: str, *, user: User | None = None) -> EqualityResponse:
    """Record the person's explicit consent to this version of the wording,
    creating their pseudonymous subject on first use."""
    response = answers_of(key)
    if response is None:
        link = EqualityLink(person_key=key, user_id=user.id if user else None, subject_id=secrets.token_hex(16))
        db.session.add(link)
        response = EqualityResponse(subject_id=link.subject_id, consented_at=utcnow(),
                                    consent_version=CONSENT_VERSION)
        db.session.add(response)
    else:
        response.consented_at = utcnow()
        response.consent_version = CONSENT_VERSION
    db.session.flush()
    changed_answers(key)
    return response


def asks_adult_questions(response: EqualityResponse) -> bool:
    """Sexual orientation and gender identity are asked only of people who
    have said they are 16 or over."""
    return response.age_band not in (None, UNDER_16, PREFER_NOT_TO_SAY)


def _allowed(characteristic: Characteristic, value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if value != PREFER_NOT_TO_SAY and value not in characteristic.codes:
        raise DomainError(_("Select an answer to “%(question)s” from the list", question=characteristic.question),
                          field=characteristic.key)
    return value


def save_answers(key: str, answers: dict[str, str | None]) -> EqualityResponse:
    """Save the answers from the main questions page. Any question may be
    left unanswered. Answers that no longer apply are cleared: an ethnic
    background outside the group now chosen, the condition's impact when
    there is none, the 16+ questions for someone under 16."""
    response = _consented(key)
    for characteristic in (AGE_BAND, ETHNIC_GROUP, RELIGION, SEX, DISABILITY):
        setattr(response, characteristic.key, _allowed(characteristic, answers.get(characteristic.key)))
    if response.ethnic_background not in {*dict(ETHNIC_BACKGROUNDS.get(response.ethnic_group, ())), PREFER_NOT_TO_SAY}:
        response.ethnic_background = None
    if response.disability != "yes":
        response.disability_impact = None
    if not asks_adult_questions(response):
        response.gender_identity = None
        response.sexual_orientation = None
    district = (answers.get("postcode_district") or "").strip().upper()
    response.postcode_district = district or None
    db.session.flush()
    changed_answers(key)
    return response


def follow_up_questions(response: EqualityResponse) -> list[str]:
    """The questions that depend on earlier answers, asked on a page of their
    own: the ethnic background within the group chosen, and whether a
    condition reduces day-to-day activities."""
    return [key for key, applies in (("ethnic_background", response.ethnic_group in ETHNIC_BACKGROUNDS),
                                     ("disability_impact", response.disability == "yes")) if applies]


def save_follow_up_answers(key: str, answers: dict[str, str | None]) -> EqualityResponse:
    response = _consented(key)
    asked = follow_up_questions(response)
    if "ethnic_background" in asked:
        background = answers.get("ethnic_background") or None
        allowed = {*dict(ETHNIC_BACKGROUNDS[response.ethnic_group]), PREFER_NOT_TO_SAY}
        if background is not None and background not in allowed:
            raise DomainError(_("Select an ethnic background from the list"), field="ethnic_background")
        response.ethnic_background = background
    if "disability_impact" in asked:
        response.disability_impact = _allowed(DISABILITY_IMPACT, answers.get("disability_impact"))
    db.session.flush()
    changed_answers(key)
    return response


def _consented(key: str) -> EqualityResponse:
    response = answers_of(key)
    if response is None:
        raise NoConsent(_("Agree to the statement about how we use your answers before answering the questions"))
    return response


def save_adult_answers(key: str, answers: dict[str, str | None]) -> EqualityResponse:
    response = _consented(key)
    if not asks_adult_questions(response):
        raise DomainError(_("These questions are only for people aged 16 or over"))
    for characteristic in (GENDER_IDENTITY, SEXUAL_ORIENTATION):
        setattr(response, characteristic.key, _allowed(characteristic, answers.get(characteristic.key)))
    db.session.flush()
    changed_answers(key)
    return response


def withdraw(key: str, *, actor: User | None = None) -> None:
    """Delete the person's answers and the link to them. The audit entry
    says that someone withdrew, never what they had answered."""
    subject_ids = select(EqualityLink.subject_id).where(EqualityLink.person_key == key).scalar_subquery()
    db.session.execute(delete(EqualityResponse).where(EqualityResponse.subject_id == subject_ids))
    db.session.execute(delete(EqualityLink).where(EqualityLink.person_key == key))
    changed_answers(key)
    audit.record("equality.withdraw", actor=actor)
