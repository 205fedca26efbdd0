"""The second factor: codes from an authenticator app for everyone who sees
other people's data, recovery codes, remembered browsers, an admin's reset,
and the sign-in held between the password and the code."""
import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from core.accounts import second_factor
from core.database import utcnow
from core.extensions import db
from core.models import AuditEntry
from core.accounts.models import RecoveryCode, User
from tests.conftest import SECRET_ON_PAGE, authenticator_code, csrf_token, sign_in_through_the_forms, submit
from tests.factories import PASSWORD, TOTP_SECRET, UserFactory
from tests.core.test_permissions import MATRIX, SIGN_IN


def _step_now() -> int:
    return int(utcnow().timestamp()) // second_factor.STEP_SECONDS


def text_of(response) -> str:
    return response.get_data(as_text=True)


def error_beside(html: str, field: str) -> str:
    """The error message drawn beside a field (GOV.UK: in the field's group)."""
    match = re.search(rf'<p id="{field}-error" class="govuk-error-message">(.*?)</p>', html, re.S)
    assert match, f"no error beside {field}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def password_step(client, email, password=PASSWORD, next_page=None):
    token = csrf_token(client, "/sign-in")
    response = client.post("/sign-in" + (f"?next={next_page}" if next_page else ""),
                           data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302
    return response, token


# --- services ---------------------------------------------------------------------

@pytest.fixture
def context(app):
    with app.test_request_context():
        yield


def test_who_must_have_one(context):
    from awards.models import PanelMember
    from forums.models import ForumCoordinator
    from tests.awards.factories import CategoryFactory
    from tests.forums.factories import ForumFactory

    member, organiser, coordinator, judge = UserFactory(), UserFactory(roles=["organiser"]), UserFactory(), UserFactory()
    db.session.add_all([ForumCoordinator(forum_id=ForumFactory().id, user_id=coordinator.id),
                        PanelMember(category_id=CategoryFactory().id, email=judge.email, user_id=judge.id)])
    db.session.commit()
    assert not second_factor.needs_second_factor(member)
    for staff in (organiser, coordinator, judge):
        assert second_factor.needs_second_factor(staff)


def test_setting_up_needs_the_first_code_and_gives_ten_recovery_codes_stored_hashed(context):
    user = UserFactory()
    secret = second_factor.new_secret()
    with pytest.raises(second_factor.WrongCode):
        second_factor.set_up(user, secret=secret, code="000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert user.totp_secret is None
    codes = second_factor.set_up(user, secret=secret, code=pyotp.TOTP(secret).now())
    assert user.totp_secret == secret and user.totp_last_step == _step_now()
    assert len(set(codes)) == second_factor.RECOVERY_CODE_COUNT
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert not any(code.replace("-", "") in hashed for code in codes for hashed in stored)


def test_a_code_is_accepted_once(context):
    user = UserFactory(totp_secret=TOTP_SECRET)
    code = pyotp.TOTP(TOTP_SECRET).now()
    second_factor.check_code(user, code)
    with pytest.raises(second_factor.WrongCode):
        second_factor.check_code(user, code)  # replayed: refused
    # The next step's code still works (a second sign-in within 30 seconds); then nothing older does.
    second_factor.check_code(user, pyotp.TOTP(TOTP_SECRET).generate_otp(_step_now() + 1))
    with pytest.raises(second_factor.WrongCode):
        second_factor.check_code(user, pyotp.TOTP(TOTP_SECRET).generate_otp(_step_now()))
    refused = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in.code_refused")).all()
    assert len(refused) == 2


def test_a_code_from_too_long_ago_or_too_far_ahead_is_refused(context):
    user = UserFactory(totp_secret=TOTP_SECRET)
    for step in (_step_now() - 2, _step_now() + 2):
        with pytest.raises(second_factor.WrongCode):
            second_factor.check_code(user, pyotp.TOTP(TOTP_SECRET).generate_otp(step))
    second_factor.check_code(user, pyotp.TOTP(TOTP_SECRET).generate_otp(_step_now() - 1))


def test_a_recovery_code_works_once(context):
    user = UserFactory()
    codes = second_factor.set_up(user, secret=TOTP_SECRET, code=pyotp.TOTP(TOTP_SECRET).now())
    assert second_factor.use_recovery_code(user, codes[3].upper().replace("-", " ")) == 9  # typed loosely
    with pytest.raises(second_factor.WrongCode):
        second_factor.use_recovery_code(user, codes[3])
    with pytest.raises(second_factor.WrongCode):
        second_factor.use_recovery_code(UserFactory(totp_secret=TOTP_SECRET), codes[4])  # someone else's
    assert second_factor.use_recovery_code(user, codes[4]) == 8


def test_new_recovery_codes_replace_the_old_and_need_a_code_or_the_password(context):
    user = UserFactory()
    old = second_factor.set_up(user, secret=TOTP_SECRET, code=pyotp.TOTP(TOTP_SECRET).now())
    with pytest.raises(second_factor.WrongCode):
        second_factor.new_recovery_codes(user, code_or_password="a guess")
    new = second_factor.new_recovery_codes(user, code_or_password=PASSWORD)
    with pytest.raises(second_factor.WrongCode):
        second_factor.use_recovery_code(user, old[0])
    second_factor.use_recovery_code(user, new[0])
    second_factor.new_recovery_codes(user, code_or_password=authenticator_code(TOTP_SECRET, after=user.totp_last_step))


def test_a_remembered_browser_is_forgotten_when_the_second_factor_is_reset_or_after_30_days(context, monkeypatch):
    admin, user = UserFactory(roles=["admin"]), UserFactory(roles=["organiser"])
    token = second_factor.remember_browser_token(user)
    assert second_factor.browser_remembered(user, token)
    assert not second_factor.browser_remembered(admin, token)  # another person on the same browser
    assert not second_factor.browser_remembered(user, token[:-2] + "xx")  # altered

    later = utcnow() + timedelta(days=second_factor.REMEMBER_BROWSER_DAYS, minutes=1)
    monkeypatch.setattr(second_factor, "utcnow", lambda: later)
    assert not second_factor.browser_remembered(user, token)
    monkeypatch.undo()

    second_factor.reset(user, actor=admin)
    second_factor.set_up(user, secret=TOTP_SECRET, code=pyotp.TOTP(TOTP_SECRET).now())  # the same app again
    assert not second_factor.browser_remembered(user, token)


def test_staff_cannot_turn_it_off_but_members_can(context, app):
    staff, member = UserFactory(roles=["organiser"]), UserFactory(totp_secret=TOTP_SECRET)
    with pytest.raises(second_factor.SecondFactorRule):
        second_factor.turn_off(staff, code_or_password=PASSWORD)
    with pytest.raises(second_factor.WrongCode):
        second_factor.turn_off(member, code_or_password="a guess")
    second_factor.turn_off(member, code_or_password=PASSWORD)
    assert member.totp_secret is None and staff.totp_secret == TOTP_SECRET


def test_an_admin_reset_is_audited_emailed_ends_sessions_and_not_for_oneself(context):
    from core.models import OutboxMessage

    admin, user = UserFactory(roles=["admin"]), UserFactory(roles=["organiser"])
    second_factor._replace_recovery_codes(user)
    version = user.session_version
    with pytest.raises(second_factor.SecondFactorRule):
        second_factor.reset(admin, actor=admin)
    second_factor.reset(user, actor=admin)
    assert user.totp_secret is None and user.session_version == version + 1
    assert second_factor.recovery_codes_left(user) == 0
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "second_factor.reset")).one()
    assert (entry.actor_id, entry.object_id) == (admin.id, str(user.id))
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == user.email)).one()
    assert "reset" in message.subject and admin.name in message.body
    with pytest.raises(second_factor.SecondFactorRule):
        second_factor.reset(user, actor=admin)  # nothing left to reset


# --- signing in --------------------------------------------------------------------------

def test_staff_without_an_app_set_one_up_at_their_next_sign_in(client, make_user):
    staff = make_user(roles=["admin"])
    with client.application.app_context():  # the factory gave staff an app; this one has none yet
        user = db.session.get(User, staff.id)
        user.totp_secret = user.totp_enrolled_at = None
        db.session.commit()
    response, token = password_step(client, staff.email, next_page="/admin/users")
    assert response.location == "/sign-in/set-up-code"
    assert client.get("/account").location.startswith("/sign-in")  # not signed in yet
    page = text_of(client.get("/sign-in/set-up-code"))
    assert 'src="data:image/svg+xml' in page  # the QR code, allowed by the CSP's img-src data:
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    wrong = client.post("/sign-in/set-up-code", data={"code": "12345", "csrf_token": token})
    assert "Enter the code as 6 digits" in error_beside(text_of(wrong), "code")
    done = client.post("/sign-in/set-up-code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    html = text_of(done)
    assert "Save your recovery codes" in html and len(re.findall(r"<li><code>[a-z2-9-]{14}</code></li>", html)) == 10
    assert 'href="/admin/users"' in html  # carries on to where they were going
    assert client.get("/admin/users").status_code == 200


def test_a_wrong_code_keeps_staff_out_with_the_error_beside_the_field(client, make_user):
    staff = make_user(roles=["admin"])
    _, token = password_step(client, staff.email)
    wrong = client.post("/sign-in/code", data={"code": "000000" if pyotp.TOTP(TOTP_SECRET).now() != "000000"
                                               else "111111", "csrf_token": token})
    html = text_of(wrong)
    assert wrong.status_code == 200 and "govuk-error-summary" in html
    assert "The code is not correct" in error_beside(html, "code")
    assert client.get("/admin/users").location.startswith("/sign-in")
    right = client.post("/sign-in/code", data={"code": authenticator_code(TOTP_SECRET), "csrf_token": token})
    assert right.location == "/account"
    assert client.get("/admin/users").status_code == 200


def test_code_entry_is_rate_limited_per_account(app, make_user):
    staff = make_user(roles=["organiser"])
    wrong = "000000" if pyotp.TOTP(TOTP_SECRET).now() != "000000" else "111111"
    attacker = app.test_client()
    for attempt in range(5):
        _, token = password_step(attacker, staff.email)
        assert attacker.post("/sign-in/code", data={"code": wrong, "csrf_token": token}).status_code == 200
    _, token = password_step(attacker, staff.email)
    limited = attacker.post("/sign-in/code", data={"code": authenticator_code(TOTP_SECRET), "csrf_token": token})
    assert limited.status_code == 429
    assert "recovery codes" in limited.get_data(as_text=True)  # about codes, not a forgotten password
    assert "forgotten your password" not in limited.get_data(as_text=True)
    # The account's limit, not this browser's: the recovery code page shares it too.
    elsewhere = app.test_client()
    _, token = password_step(elsewhere, staff.email, next_page=None)
    assert elsewhere.post("/sign-in/recovery-code", data={"code": "abcd-efgh-jkmn",
                                                          "csrf_token": token}).status_code == 429


def test_a_member_with_no_app_signs_in_with_the_password_alone(client, make_user):
    member = make_user()
    assert password_step(client, member.email)[0].location == "/account"


def test_a_member_sets_one_up_from_the_account_page_then_needs_codes_and_can_turn_it_off(client, make_user, outbox):
    member = make_user()
    sign_in_through_the_forms(client, member)
    page = text_of(client.get("/account/sign-in-codes"))
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    done = submit(client, "/account/sign-in-codes", {"code": pyotp.TOTP(secret).now()})
    assert "Your authenticator app is set up" in text_of(done)
    submit(client, "/sign-out", form_url="/account")
    response, token = password_step(client, member.email)
    assert response.location == "/sign-in/code"
    sign_in_done = client.post("/sign-in/code", data={"code": authenticator_code(secret, after=_step_now()),
                                                      "csrf_token": token})
    assert sign_in_done.location == "/account"
    refused = submit(client, "/account/sign-in-codes/turn-off", {"code_or_password": "a guess"})
    assert "Enter a code from your authenticator app, or your password, correctly" in error_beside(
        text_of(refused), "code_or_password")
    off = submit(client, "/account/sign-in-codes/turn-off", {"code_or_password": PASSWORD})
    assert off.location == "/account"
    assert outbox[-1].subject == "You no longer need a code to sign in"
    submit(client, "/sign-out", form_url="/account")
    assert password_step(client, member.email)[0].location == "/account"


def test_staff_cannot_turn_it_off_from_their_account(client, make_user):
    staff = make_user(roles=["awards_administrator"])
    sign_in_through_the_forms(client, staff)
    assert "You cannot turn this off" in text_of(client.get("/account/sign-in-codes/turn-off"))
    token = csrf_token(client, "/account")
    refused = client.post("/account/sign-in-codes/turn-off", data={"code_or_password": PASSWORD,
                                                                   "csrf_token": token})
    assert refused.status_code == 200
    with client.application.app_context():
        assert db.session.get(User, staff.id).totp_secret == TOTP_SECRET


def test_signing_in_with_a_recovery_code_once(client, app, make_user):
    staff = make_user(roles=["organiser"])
    with app.test_request_context():
        codes = second_factor._replace_recovery_codes(db.session.get(User, staff.id))
        db.session.commit()
    _, token = password_step(client, staff.email)
    done = client.post("/sign-in/recovery-code", data={"code": codes[0], "csrf_token": token})
    assert done.location == "/account"
    assert "You have 9 recovery codes left" in text_of(client.get("/account"))
    submit(client, "/sign-out", form_url="/account")
    _, token = password_step(client, staff.email)
    again = client.post("/sign-in/recovery-code", data={"code": codes[0], "csrf_token": token})
    assert "has been used already" in error_beside(text_of(again), "code")
    assert client.get("/account").location.startswith("/sign-in")


def test_a_remembered_browser_skips_the_code_until_an_admin_resets_it(app, make_user, outbox):
    staff, admin = make_user(roles=["organiser"]), make_user(roles=["admin"])
    browser = app.test_client()
    _, token = password_step(browser, staff.email)
    browser.post("/sign-in/code", data={"code": authenticator_code(TOTP_SECRET), "remember_browser": "y",
                                        "csrf_token": token})
    submit(browser, "/sign-out", form_url="/account")
    assert password_step(browser, staff.email)[0].location == "/account"  # no code asked
    assert password_step(app.test_client(), staff.email)[0].location == "/sign-in/code"  # another browser: asked

    admins = app.test_client()
    sign_in_through_the_forms(admins, admin)
    reset = submit(admins, f"/admin/users/{staff.id}/reset-sign-in-codes", form_url=f"/admin/users/{staff.id}")
    assert reset.location == f"/admin/users/{staff.id}"
    assert "authenticator app has been reset" in text_of(admins.get(reset.location))
    assert outbox[-1].to == [staff.email] and "reset" in outbox[-1].subject
    assert browser.get("/account").location.startswith("/sign-in")  # signed out everywhere
    assert password_step(browser, staff.email)[0].location == "/sign-in/set-up-code"


def test_a_held_sign_in_lapses(client, make_user, monkeypatch):
    staff = make_user(roles=["organiser"])
    _, token = password_step(client, staff.email)
    later = utcnow() + timedelta(minutes=second_factor.PENDING_MINUTES, seconds=1)
    monkeypatch.setattr(second_factor, "utcnow", lambda: later)
    late = client.post("/sign-in/code", data={"code": pyotp.TOTP(TOTP_SECRET).at(later), "csrf_token": token})
    assert late.location == "/sign-in"
    assert client.get("/account").location.startswith("/sign-in")


# --- attacks ---------------------------------------------------------------------------------

def test_the_password_alone_reaches_no_protected_page(client, make_user):
    """Between the password and the code, the person is not signed in:
    every page that needs signing in (every role's) still sends them there."""
    admin = make_user(roles=["admin"])
    password_step(client, admin.email)
    protected = [path for method, path, expected in MATRIX.values()
                 if method == "GET" and expected["visitor"] == SIGN_IN and "{" not in path]
    assert len(protected) > 20
    for path in protected:
        response = client.get(path)
        assert response.status_code == 302 and response.location.startswith("/sign-in"), path
    assert client.get("/sign-in").status_code == 200  # the sign-in page, not "already signed in"


def test_a_held_sign_in_cannot_be_finished_from_another_browser_nor_a_code_used_twice(app, make_user):
    admin = make_user(roles=["admin"])
    victim = app.test_client()
    _, token = password_step(victim, admin.email)
    code = authenticator_code(TOTP_SECRET)

    attacker = app.test_client()  # no password step here: nothing is held in this browser
    stolen = attacker.post("/sign-in/code", data={"code": code, "csrf_token": csrf_token(attacker, "/sign-in")})
    assert stolen.location == "/sign-in"
    assert attacker.get("/admin/users").location.startswith("/sign-in")

    assert victim.post("/sign-in/code", data={"code": code, "csrf_token": token}).location == "/account"
    # The attacker who also has the password cannot reuse the code the owner just typed.
    _, token = password_step(attacker, admin.email)
    replayed = attacker.post("/sign-in/code", data={"code": code, "csrf_token": token})
    assert replayed.status_code == 200 and "has been used already" in text_of(replayed)
    assert attacker.get("/admin/users").location.startswith("/sign-in")


def test_signing_out_everywhere_voids_a_held_sign_in(app, make_user):
    staff = make_user(roles=["organiser"])
    held = app.test_client()
    _, token = password_step(held, staff.email)
    owner = app.test_client()
    sign_in_through_the_forms(owner, staff)
    submit(owner, "/sign-out", form_url="/account")  # signs out on every device
    late = held.post("/sign-in/code", data={"code": authenticator_code(TOTP_SECRET, after=_step_now()),
                                            "csrf_token": token})
    assert late.location == "/sign-in"


# --- issue 18: seats given to someone signed in, the set-up secret, the code limit, the email ---------

def _sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and response.location.startswith("/sign-in")


def _without_an_app(app, user_id: int) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        user.totp_secret = user.totp_enrolled_at = None
        db.session.commit()


def _wrong_code(secret: str) -> str:
    accepted = {pyotp.TOTP(secret).generate_otp(_step_now() + delta) for delta in (-1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444") if code not in accepted)


def _give_a_seat(app, admin_client, kind: str, member) -> str:
    """As an admin, through the pages: give `member` a seat of `kind`;
    returns a page that seat opens."""
    from tests.awards.factories import CategoryFactory
    from tests.forums.factories import ForumFactory

    if kind == "organiser role":
        done = submit(admin_client, f"/admin/users/{member.id}", {"roles": ["organiser"]})
        assert done.status_code == 302
        return "/manage/events"
    if kind == "forum coordinator seat":
        with app.app_context():
            forum_id = ForumFactory().id
        done = submit(admin_client, f"/admin/forums/{forum_id}/coordinators", {"email": member.email},
                      form_url=f"/admin/forums/{forum_id}/edit")
        assert done.status_code == 302
        return f"/forums/{forum_id}/manage"
    with app.app_context():
        category_id = CategoryFactory().id
    done = submit(admin_client, f"/manage/awards/categories/{category_id}/panel", {"email": member.email})
    assert done.status_code == 302
    return "/judging"


@pytest.mark.parametrize("kind", ["organiser role", "forum coordinator seat", "judging panel seat"])
def test_a_seat_given_to_someone_signed_in_ends_their_sessions_until_they_set_up_an_app(app, make_user, kind):
    member, admin = make_user(), make_user(roles=["admin"])
    browser = app.test_client()
    token = csrf_token(browser, "/sign-in")
    signed_in = browser.post("/sign-in", data={"email": member.email, "password": PASSWORD, "remember": "y",
                                               "csrf_token": token})
    assert signed_in.location == "/account"  # a member: the password alone
    remembered = app.test_client()  # the same browser a day later: only the 14-day remember-me cookie left
    remembered.set_cookie("remember_token", browser.get_cookie("remember_token").value)
    assert remembered.get("/account").status_code == 200

    admins = app.test_client()
    sign_in_through_the_forms(admins, admin)
    staff_page = _give_a_seat(app, admins, kind, member)

    for old in (browser, remembered):
        assert _sent_to_sign_in(old.get(staff_page)), staff_page
        assert _sent_to_sign_in(old.get("/account"))
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "second_factor.sessions_ended")).one()
        assert (entry.actor_id, entry.object_id) == (admin.id, str(member.id))
    assert password_step(app.test_client(), member.email)[0].location == "/sign-in/set-up-code"


def test_a_judging_seat_claimed_by_confirming_an_address_ends_sessions_too(app, make_user):
    from awards import judging
    from awards.models import PanelMember
    from tests.awards.factories import CategoryFactory

    member = make_user()
    browser = app.test_client()
    sign_in_through_the_forms(browser, member)
    with app.test_request_context():  # appointed before the account had this address
        db.session.add(PanelMember(category_id=CategoryFactory().id, email=member.email, user_id=None))
        db.session.flush()
        judging.claim_appointments(db.session.get(User, member.id))
        db.session.commit()
    assert _sent_to_sign_in(browser.get("/judging"))
    assert password_step(app.test_client(), member.email)[0].location == "/sign-in/set-up-code"


def test_someone_with_an_app_keeps_their_session_when_given_a_seat(app, make_user):
    organiser, admin = make_user(roles=["organiser"]), make_user(roles=["admin"])
    browser = app.test_client()
    sign_in_through_the_forms(browser, organiser)
    admins = app.test_client()
    sign_in_through_the_forms(admins, admin)
    submit(admins, f"/admin/users/{organiser.id}", {"roles": ["organiser", "awards_administrator"]})
    assert browser.get("/manage/events").status_code == 200


def test_a_set_up_secret_shown_to_one_account_is_never_enrolled_by_another(app, make_user):
    first, second = make_user(roles=["organiser"]), make_user(roles=["organiser"])
    for person in (first, second):
        _without_an_app(app, person.id)
    browser = app.test_client()
    password_step(browser, first.email)
    seen = SECRET_ON_PAGE.search(text_of(browser.get("/sign-in/set-up-code"))).group(1).replace(" ", "")

    _, token = password_step(browser, second.email)  # the same browser: someone else signs in
    shown = SECRET_ON_PAGE.search(text_of(browser.get("/sign-in/set-up-code"))).group(1).replace(" ", "")
    assert shown != seen
    planted = browser.post("/sign-in/set-up-code", data={"code": pyotp.TOTP(seen).now(), "csrf_token": token})
    assert "The code is not correct" in error_beside(text_of(planted), "code")
    with app.app_context():
        assert db.session.get(User, second.id).totp_secret is None

    password_step(browser, first.email)  # a new sign-in for the same account: a new secret too
    again = SECRET_ON_PAGE.search(text_of(browser.get("/sign-in/set-up-code"))).group(1).replace(" ", "")
    assert again not in (seen, shown)


def test_setting_up_an_app_at_sign_in_does_not_count_against_the_code_limit(app, make_user):
    staff = make_user(roles=["organiser"])  # the limit is 5 wrong codes per account in 5 minutes
    _without_an_app(app, staff.id)
    browser = app.test_client()
    _, token = password_step(browser, staff.email)
    secret = SECRET_ON_PAGE.search(text_of(browser.get("/sign-in/set-up-code"))).group(1).replace(" ", "")
    done = browser.post("/sign-in/set-up-code", data={"code": authenticator_code(secret), "csrf_token": token})
    assert "Save your recovery codes" in text_of(done)
    submit(browser, "/sign-out", form_url="/account")

    for attempt in range(4):
        _, token = password_step(browser, staff.email)
        assert browser.post("/sign-in/code", data={"code": _wrong_code(secret), "csrf_token": token}).status_code == 200
    _, token = password_step(browser, staff.email)
    right = browser.post("/sign-in/code", data={"code": authenticator_code(secret, after=_step_now()),
                                                "csrf_token": token})
    assert right.location == "/account"


@pytest.mark.parametrize("where", ["account page", "sign-in"])
def test_the_owner_is_emailed_when_an_app_is_set_up(app, make_user, outbox, where):
    person = make_user(roles=[] if where == "account page" else ["organiser"])
    browser = app.test_client()
    if where == "account page":
        sign_in_through_the_forms(browser, person)
        url = "/account/sign-in-codes"
        token = csrf_token(browser, url)
    else:
        _without_an_app(app, person.id)
        url = "/sign-in/set-up-code"
        _, token = password_step(browser, person.email)
    secret = SECRET_ON_PAGE.search(text_of(browser.get(url))).group(1).replace(" ", "")
    browser.post(url, data={"code": authenticator_code(secret), "csrf_token": token})
    told = [message for message in outbox if message.to == [person.email]]
    assert len(told) == 1 and "authenticator app" in told[0].subject
    assert "If you did not do this" in told[0].body and "reset your password" in told[0].body.lower()


def test_a_set_up_secret_belongs_to_one_account(context):
    first, second = UserFactory(), UserFactory()
    second_factor.hold_sign_in(first, remember=False, next_page=None)
    secret = second_factor.secret_being_set_up(first)
    assert second_factor.secret_being_set_up(first) == secret  # the page reloaded: the app may have it already
    assert second_factor.secret_being_set_up(second) != secret
