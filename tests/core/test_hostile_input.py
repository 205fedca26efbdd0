"""Random and hostile text in the sign-up and sign-in forms: never a 500,
never a half-made account, and anything typed is shown escaped."""
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.accounts import services
from core.extensions import db
from core.models import OutboxMessage
from core.accounts.models import User
from tests.conftest import csrf_token

HOSTILE = st.sampled_from([
    "<script>alert(1)</script>", "' OR '1'='1' --", "Robert'); DROP TABLE users;--", "\x00", "a\x00b",
    "\u202e\u0000\ufeff", "😀" * 40, "x" * 5000, " ", "名前@例え.jp", "\r\nBcc: victim@example.org",
])
TEXT = st.one_of(HOSTILE, st.text(st.characters(exclude_categories=("Cs",)), max_size=300))

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def roomy_limits(app):
    app.config["PUBLIC_FORM_LIMIT_PER_IP"] = app.config["PUBLIC_FORM_LIMIT_PER_EMAIL"] = "10000 per minute"
    app.config["SIGN_IN_LIMIT_PER_IP"] = "10000 per minute"
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "10000 per minute"


def counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (User, OutboxMessage))


@SETTINGS
@given(name=TEXT, email=st.one_of(TEXT, st.emails()), password=st.one_of(TEXT, st.just("lantern orchard velvet")))
@example(name="", email="\x00", password="")  # a NUL, which PostgreSQL refuses in any text it is sent
def test_sign_up_survives_anything(app, roomy_limits, name, email, password):
    client = app.test_client()
    users_before, mail_before = counts(app)
    with app.app_context():  # examples share the database: an address may have signed up already
        # Compared here rather than queried: PostgreSQL refuses a NUL in a query's text (the form never sends one).
        had_an_account = services.normalise_email(email) in set(db.session.scalars(select(User.email)))
    response = client.post("/sign-up", data={"name": name, "email": email, "password": password,
                                             "csrf_token": csrf_token(client, "/sign-up")})
    assert response.status_code == 200
    users_after, mail_after = counts(app)
    if "Check your email" in response.get_data(as_text=True):
        # One email either way: the link, or a note to the owner of an address that has an account.
        assert (users_after, mail_after) == (users_before + (0 if had_an_account else 1), mail_before + 1)
    else:
        assert (users_after, mail_after) == (users_before, mail_before)
        page = response.get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page


@SETTINGS
@given(email=TEXT, password=TEXT)
def test_sign_in_survives_anything(app, roomy_limits, email, password):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": password,
                                             "csrf_token": csrf_token(client, "/sign-in")})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
