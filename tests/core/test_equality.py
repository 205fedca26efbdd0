"""Equality monitoring answers: consent first, every question optional, the
16+ questions only for people who say they are 16 or over, stored apart
from identity, and deleted on withdrawal or with the account."""
import re

from markupsafe import escape
from sqlalchemy import func, select

from core.equality import services as equality
from core.extensions import db
from core.models import AuditEntry
from core.equality.models import EqualityLink, EqualityResponse
from core.accounts.models import User
from core.views.about_you import equality_link
from tests.conftest import sign_in, submit

ANSWERS = {"age_band": "25_34", "ethnic_group": "asian", "religion": "muslim", "sex": "female", "disability": "yes",
           "postcode_district": " nn1 "}
FOLLOW_UP = {"ethnic_background": "pakistani", "disability_impact": "a_little"}


def stored(app):
    with app.app_context():
        return [(link.person_key, response) for link, response in db.session.execute(
            select(EqualityLink, EqualityResponse).join(
                EqualityResponse, EqualityResponse.subject_id == EqualityLink.subject_id))]


def test_a_member_agrees_then_answers_and_sees_only_their_own_answers(client, app, make_user):
    member = make_user()
    sign_in(client, member)
    page = client.get("/about-you").get_data(as_text=True)
    assert "special category data" in page and "equality of opportunity monitoring" in page
    assert "makes no difference to your place" in page and "3 years" in page
    # No consent yet: the questions send people back to the statement.
    assert client.get("/about-you/questions").location == "/about-you"

    assert submit(client, "/about-you/consent", form_url="/about-you").location == "/about-you/questions"
    response = submit(client, "/about-you/questions", ANSWERS)
    assert response.location == "/about-you/follow-up"  # Asian background; the condition's effect
    page = client.get("/about-you/follow-up").get_data(as_text=True)
    assert "Which of these best describes your Asian or Asian British background?" in page
    assert "Pakistani" in page and "Caribbean" not in page  # only the chosen group's backgrounds
    assert 'value="prefer_not_to_say"' in page
    response = submit(client, "/about-you/follow-up", FOLLOW_UP)
    assert response.location == "/about-you/more-questions"  # 25 to 34: asked the two 16+ questions
    submit(client, "/about-you/more-questions", {"gender_identity": "yes", "sexual_orientation": "bisexual"})

    [(key, answers)] = stored(app)
    assert key == f"user:{member.id}"
    assert (answers.ethnic_group, answers.ethnic_background, answers.religion, answers.disability_impact,
            answers.postcode_district, answers.sexual_orientation) == (
        "asian", "pakistani", "muslim", "a_little", "NN1", "bisexual")
    assert answers.consent_version == equality.CONSENT_VERSION and answers.consented_at is not None
    # The answers table names no one: no column holds who they are, and its key is a random id.
    columns = set(EqualityResponse.__table__.columns.keys())
    assert not columns & {"user_id", "person_key", "email", "name"}
    assert re.fullmatch(r"[0-9a-f]{32}", answers.subject_id) and answers.subject_id != key

    page = client.get("/about-you").get_data(as_text=True)
    assert "Asian or Asian British: Pakistani" in page and "Bisexual" in page and "NN1" in page


def test_someone_under_16_is_not_asked_the_16_plus_questions_and_old_answers_go(client, app, make_user):
    sign_in(client, make_user())
    submit(client, "/about-you/consent", form_url="/about-you")
    submit(client, "/about-you/questions", {**ANSWERS, "age_band": "16_24", "disability": "no",
                                            "ethnic_group": "prefer_not_to_say"})
    submit(client, "/about-you/more-questions", {"gender_identity": "no", "sexual_orientation": "gay_or_lesbian"})

    response = submit(client, "/about-you/questions", {**ANSWERS, "age_band": "under_16", "disability": "no",
                                                       "ethnic_group": "prefer_not_to_say"})
    assert response.location == "/about-you"  # nothing follows on, and no 16+ questions
    assert client.get("/about-you/more-questions").location == "/about-you"
    page = client.get("/about-you").get_data(as_text=True)
    assert "sexual orientation" not in page.lower()
    [(_, answers)] = stored(app)
    assert answers.gender_identity is None and answers.sexual_orientation is None


def test_every_question_can_be_skipped_or_declined(client, app, make_user):
    sign_in(client, make_user())
    submit(client, "/about-you/consent", form_url="/about-you")
    assert submit(client, "/about-you/questions", {}).location == "/about-you"
    [(_, answers)] = stored(app)
    assert answers.age_band is None and answers.religion is None

    submit(client, "/about-you/questions", {key: equality.PREFER_NOT_TO_SAY for key in (
        "age_band", "ethnic_group", "religion", "sex", "disability")})
    [(_, answers)] = stored(app)
    assert (answers.age_band, answers.ethnic_group, answers.disability) == ("prefer_not_to_say",) * 3
    assert "Prefer not to say" in client.get("/about-you").get_data(as_text=True)

    submit(client, "/about-you/questions", {"ethnic_group": "black"})
    submit(client, "/about-you/follow-up", {"ethnic_background": equality.PREFER_NOT_TO_SAY})
    [(_, answers)] = stored(app)
    assert (answers.ethnic_group, answers.ethnic_background) == ("black", "prefer_not_to_say")


def test_bad_answers_are_shown_beside_their_question_and_kept(client, app, make_user):
    sign_in(client, make_user())
    submit(client, "/about-you/consent", form_url="/about-you")
    response = submit(client, "/about-you/questions", {**ANSWERS, "religion": "pastafarian",
                                                       "postcode_district": "NN1 4AB"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Select an answer to “What is your religion?” from the list" in page
    assert "Enter only the first half of your postcode" in page or "Enter the first half of your postcode" in page
    assert 'value="asian" checked' in page  # what they chose is kept
    [(_, answers)] = stored(app)
    assert answers.religion is None  # nothing half-saved
    submit(client, "/about-you/questions", ANSWERS)
    response = submit(client, "/about-you/follow-up", {**FOLLOW_UP, "ethnic_background": "irish"})
    assert escape("Select an ethnic background from the list") in response.get_data(as_text=True)


def test_withdrawing_deletes_the_answers_and_the_link(client, app, make_user):
    sign_in(client, make_user())
    submit(client, "/about-you/consent", form_url="/about-you")
    submit(client, "/about-you/questions", ANSWERS)
    response = submit(client, "/about-you/withdraw", form_url="/about-you")
    assert "Your answers have been deleted" in client.get(response.location).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EqualityResponse)) == 0
        assert db.session.scalar(select(func.count()).select_from(EqualityLink)) == 0
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "equality.withdraw")).all()
        assert entry.details == {}  # says someone withdrew, never what they had said


def test_deleting_an_account_deletes_its_answers(client, app, make_user):
    member = make_user()
    sign_in(client, member)
    submit(client, "/about-you/consent", form_url="/about-you")
    submit(client, "/about-you/questions", ANSWERS)
    with app.app_context():
        db.session.delete(db.session.get(User, member.id))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(EqualityResponse)) == 0


def test_a_guest_answers_through_their_link_and_nobody_else_sees_it(client, app, make_user):
    with app.test_request_context():
        link = equality_link("Guest@Example.org").removeprefix("http://localhost")
    assert client.get(link).status_code == 200
    submit(client, link + "/consent", form_url=link)
    submit(client, link + "/questions", ANSWERS, form_url=link + "/questions")
    assert submit(client, link + "/follow-up", FOLLOW_UP).location == link + "/more-questions"
    [(key, _)] = stored(app)
    assert key == "guest:guest@example.org"
    assert "Pakistani" in client.get(link).get_data(as_text=True)

    # An altered link, or a signed-in member's own page, shows nothing of the guest's.
    assert client.get(link[:-3] + "xyz").status_code == 400
    other = app.test_client()
    sign_in(other, make_user(roles=["admin"]))
    assert "Pakistani" not in other.get("/about-you").get_data(as_text=True)


def test_the_questions_need_a_sign_in_or_a_link(client):
    response = client.get("/about-you")
    assert response.status_code == 302 and response.location.startswith("/sign-in")
    assert client.post("/about-you/withdraw").status_code in (302, 400)
