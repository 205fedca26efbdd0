"""Headers, cookies, sessions, and the limits on guessing a password or a
code: at sign-in, and inside a signed-in account."""
import os
import re

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry
from core.accounts.models import RecoveryCode, User
from tests.conftest import authenticator_code, csrf_token, make_app, sign_in, sign_in_through_the_forms, submit
from tests.factories import TOTP_SECRET
from tests.http_client import HttpClient
from tests.live_server import live_server

PAGES = ["/", "/sign-in", "/sign-up", "/forgot-password", "/privacy", "/no-such-page"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    for directive in ["default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                      "base-uri 'none'", "frame-ancestors 'none'"]:
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers  # plain http here


def test_hsts_is_sent_over_https(client):
    headers = client.get("/", base_url="https://localhost").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_have_no_inline_script_or_style(client):
    """Scripts come from static files. The one inline <script> allowed is the
    event page's schema.org data (type application/ld+json), which browsers
    never run and which search engines only read inline."""
    for path in PAGES:
        page = client.get(path).get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert re.fullmatch(r'<script type="module" src="/static/[^"]+">', tag), tag
        assert " style=" not in page and "<style" not in page
        assert not re.search(r"\son[a-z]+=", page)  # no inline event handlers


def test_session_cookie_is_secure_httponly_and_lax_by_default(database_url, make_user):
    app = make_app(database_url, SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    client = app.test_client()
    user = make_user()
    token = csrf_token(client, "/sign-in")
    response = client.post("/sign-in", data={"email": user.email, "password": user.password, "remember": "y",
                                             "csrf_token": token})
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        assert "Secure" in cookies[name] and "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name]
    assert "Max-Age=1209600" in cookies["remember_token"] or "Expires=" in cookies["remember_token"]


def test_sign_in_starts_a_new_session(app, client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in_through_the_forms(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_sign_in_is_limited_per_account_with_a_429_page(client, make_user, app):
    user = make_user()
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 5 minutes"
    for _ in range(3):
        response = submit(client, "/sign-in", {"email": user.email, "password": "wrong password"})
        assert response.status_code == 200
    blocked = submit(client, "/sign-in", {"email": user.email, "password": user.password})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    assert "If you have forgotten your password" in blocked.get_data(as_text=True)
    # another account from the same place is not blocked by this one's limit
    sign_in_through_the_forms(client, make_user())


def test_someone_guessing_a_password_cannot_lock_the_owner_out_of_their_own_device(client, make_user, app):
    user = make_user()
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 5 minutes"
    owner = app.test_client()
    sign_in_through_the_forms(owner, user)  # the owner's browser keeps a signed note of the account
    note = owner.get_cookie("known_device")
    assert note is not None and note.http_only
    submit(owner, "/sign-out", form_url="/account")
    attacker = client
    for _ in range(3):
        submit(attacker, "/sign-in", {"email": user.email, "password": "a guess"}, environ_base={
            "REMOTE_ADDR": "203.0.113.9"})
    assert submit(attacker, "/sign-in", {"email": user.email, "password": user.password}).status_code == 429
    assert submit(app.test_client(), "/sign-in", {"email": user.email, "password": user.password}).status_code \
        == 429  # a new device waits out the limit like anyone
    assert submit(owner, "/sign-in", {"email": user.email, "password": user.password}).status_code == 302
    forged = app.test_client()
    forged.set_cookie("known_device", "made-up", domain="localhost")
    assert submit(forged, "/sign-in", {"email": user.email, "password": user.password}).status_code == 429


def test_successful_sign_ins_do_not_use_up_the_limit(client, make_user, app):
    user = make_user()
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "2 per 5 minutes"
    for _ in range(4):
        sign_in_through_the_forms(client, user)
        submit(client, "/sign-out", form_url="/account")


def test_sign_in_is_limited_per_ip_across_accounts(client, make_user, app):
    app.config["SIGN_IN_LIMIT_PER_IP"] = "3 per 5 minutes"
    for n in range(3):
        submit(client, "/sign-in", {"email": f"guess{n}@example.org", "password": "wrong password"})
    assert submit(client, "/sign-in", {"email": "guess9@example.org", "password": "x"}).status_code == 429


# --- the password or a code asked again inside a signed-in account -------------------------------
# Reproduced: 40 wrong answers on the new-recovery-codes page were all answered 200 and left no trace,
# then the right password gave 10 fresh codes; the same on the email, password and delete pages.

IN_ACCOUNT_CHECKS = [  # the page, the field that asks, the form's other fields
    ("/account/email", "password", {"email": "elsewhere@example.org"}),
    ("/account/password", "current_password", {"new_password": "granite meadow compass"}),
    ("/account/delete", "password", {}),
    ("/account/sign-in-codes/recovery-codes", "code_or_password", {}),
    ("/account/sign-in-codes/turn-off", "code_or_password", {}),
]


def refusals_recorded(app, user) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.like("sign_in.%"), AuditEntry.object_id == str(user.id))).all()


def account_as_it_is(app, user) -> tuple:
    with app.app_context():
        account = db.session.get(User, user.id)
        codes = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
        return account is not None and (account.email, account.password_hash, account.totp_secret, sorted(codes))


@pytest.mark.parametrize("page, field, others", IN_ACCOUNT_CHECKS)
def test_wrong_answers_inside_an_account_are_limited_per_account_and_kept_in_the_audit_log(
        app, make_user, page, field, others):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = app.config["SECOND_FACTOR_LIMIT_PER_ACCOUNT"] = "3 per 5 minutes"
    user = make_user(totp_secret=TOTP_SECRET)  # a member with an app: every page here is theirs to use
    browser = app.test_client()
    sign_in(browser, user)
    before = account_as_it_is(app, user)
    for guess in range(3):
        assert submit(browser, page, {**others, field: f"a wrong guess {guess}"}).status_code == 200
    assert len(refusals_recorded(app, user)) == 3  # kept though each attempt was refused
    blocked = submit(browser, page, {**others, field: user.password})
    assert blocked.status_code == 429 and "Too many attempts" in blocked.get_data(as_text=True)
    # The account's limit, not this browser's.
    elsewhere = app.test_client()
    sign_in(elsewhere, user)
    assert submit(elsewhere, page, {**others, field: user.password}).status_code == 429
    assert account_as_it_is(app, user) == before
    # Another account is not slowed by this one's limit.
    someone = make_user(totp_secret=TOTP_SECRET)
    sign_in(browser, someone)
    assert submit(browser, page, {**others, field: "a wrong guess"}).status_code == 200


def test_the_pages_inside_an_account_share_one_count_of_wrong_passwords(app, make_user):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = app.config["SECOND_FACTOR_LIMIT_PER_ACCOUNT"] = "4 per 5 minutes"
    user = make_user(totp_secret=TOTP_SECRET)
    browser = app.test_client()
    sign_in(browser, user)
    for page, field, others in IN_ACCOUNT_CHECKS[:4]:
        assert submit(browser, page, {**others, field: "a wrong guess"}).status_code == 200
    for page, field, others in IN_ACCOUNT_CHECKS:
        assert submit(browser, page, {**others, field: user.password}).status_code == 429, page


def test_wrong_codes_inside_an_account_count_with_those_at_sign_in(app, make_user):
    """One count of wrong codes per account, wherever they are typed: a
    session cannot be used to guess codes the sign-in page would stop."""
    app.config["SECOND_FACTOR_LIMIT_PER_ACCOUNT"] = "3 per 5 minutes"
    user = make_user(totp_secret=TOTP_SECRET)
    browser = app.test_client()
    sign_in(browser, user)
    for _ in range(3):
        submit(browser, "/account/sign-in-codes/recovery-codes", {"code_or_password": "not a code"})
    signing_in = app.test_client()
    token = csrf_token(signing_in, "/sign-in")
    signing_in.post("/sign-in", data={"email": user.email, "password": user.password, "csrf_token": token})
    assert signing_in.post("/sign-in/code", data={"code": authenticator_code(TOTP_SECRET),
                                                  "csrf_token": token}).status_code == 429


def test_only_a_wrong_password_or_code_counts_inside_an_account(app, make_user):
    """A new password too easy to guess, or new recovery codes shown (a 200),
    are not wrong answers."""
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = app.config["SECOND_FACTOR_LIMIT_PER_ACCOUNT"] = "2 per 5 minutes"
    user = make_user(totp_secret=TOTP_SECRET)
    browser = app.test_client()
    sign_in(browser, user)
    for _ in range(3):
        weak = submit(browser, "/account/password", {"current_password": user.password, "new_password": "password1"})
        assert "Choose a password that is harder to guess" in weak.get_data(as_text=True)
        shown = submit(browser, "/account/sign-in-codes/recovery-codes", {"code_or_password": user.password})
        assert shown.status_code == 200 and "Save your recovery codes" in shown.get_data(as_text=True)
    changed = submit(browser, "/account/password", {"current_password": user.password,
                                                    "new_password": "granite meadow compass"})
    assert changed.status_code == 302


@pytest.mark.either_database  # the count is kept in Redis, in front of the database
def test_the_limit_is_shared_between_worker_processes(app, database_url, make_user):
    """Two server processes stand in for two gunicorn workers. With Redis (as
    CI runs it) they share one count; memory storage would count apart."""
    if not os.environ.get("RATELIMIT_STORAGE_URI", "").startswith("redis"):
        pytest.skip("needs RATELIMIT_STORAGE_URI=redis://... (CI sets it)")
    user = make_user()
    limit = {"SIGN_IN_LIMIT_PER_ACCOUNT": "2 per 5 minutes"}
    with live_server(database_url, **limit) as first, live_server(database_url, **limit) as second:
        statuses = [attempt_sign_in(base, user.email, "wrong password") for base in (first, second, first)]
    assert statuses == [200, 200, 429]


def attempt_sign_in(base_url, email, password) -> int:
    client = HttpClient(base_url)
    return client.post("/sign-in", {"email": email, "password": password}, client.csrf_token("/sign-in"))[0]



def test_behind_a_trusted_proxy_forwarded_https_turns_on_hsts(database_url):
    app = make_app(database_url, PROXY_FIX_X_PROTO=1)
    response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers


def test_forwarded_headers_are_ignored_unless_a_proxy_is_trusted(client):
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_the_event_page_adds_only_its_structured_data(app, client):
    from tests.events.factories import EventFactory

    with app.app_context():
        event_id = EventFactory().id
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    tags = re.findall(r"<script\b[^>]*>", page)
    assert tags.count('<script type="application/ld+json">') == 1
    for tag in tags:
        assert tag == '<script type="application/ld+json">' or re.fullmatch(
            r'<script type="module" src="/static/[^"]+">', tag), tag
    assert " style=" not in page and not re.search(r"\son[a-z]+=", page)
