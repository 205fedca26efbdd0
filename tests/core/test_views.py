"""Accounts through the real forms: what a person sees and what is saved."""
import re

import pytest
from sqlalchemy import func, select

from core import audit
from core.accounts import services
from core.extensions import db
from core.models import AuditEntry
from core.accounts.models import SiteRole, User
from tests.conftest import csrf_token, error_summary, sign_in, sign_in_through_the_forms, submit
from tests.interleaving import interleave

GOOD_PASSWORD = "lantern orchard velvet"


def text_of(response):
    return response.get_data(as_text=True)


def link_in(message):
    return re.search(r"http://localhost(/\S+)", message.body).group(1)


def count_users(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_sign_up_signs_no_one_in_until_the_link_and_password_confirm_the_address(client, app, outbox):
    response = submit(client, "/sign-up", {"name": "Grace Okafor", "email": "Grace@Example.org",
                                           "password": GOOD_PASSWORD})
    assert response.status_code == 200 and "We have sent a link to <strong>grace@example.org</strong>" in text_of(response)
    assert client.get("/account").location.startswith("/sign-in")  # not signed in
    refused = submit(client, "/sign-in", {"email": "grace@example.org", "password": GOOD_PASSWORD})
    assert "Confirm your email address before you sign in" in text_of(refused)
    assert "Send the link again" in text_of(refused)

    [message] = outbox
    assert message.to == ["grace@example.org"] and message.subject == "Confirm your email address"
    confirm_url = link_in(message)
    assert client.get(confirm_url).status_code == 200  # a page asking for the password: GET changes nothing
    wrong = submit(client, confirm_url, {"password": "someone else clicked"})
    assert "Enter the password of the account" in text_of(wrong) and 'id="password-error"' in text_of(wrong)
    with app.app_context():
        assert not db.session.scalar(select(User)).email_confirmed
    response = submit(client, confirm_url, {"password": GOOD_PASSWORD})
    assert response.status_code == 302 and response.location == "/sign-in"
    assert "grace@example.org is confirmed as your email address" in text_of(client.get("/sign-in"))
    with app.app_context():
        assert db.session.scalar(select(User)).email_confirmed
    # The link works once (found walking the site: it asked for the password and "confirmed" again).
    used = client.get(confirm_url)
    assert used.status_code == 400 and "This link has been used" in text_of(used)
    assert 'name="password"' not in text_of(used)
    assert submit(client, "/sign-in", {"email": "grace@example.org", "password": GOOD_PASSWORD}).status_code == 302


def test_signing_up_on_the_way_to_an_invitation_leads_back_to_it_once_confirmed(client, app, outbox):
    """Found walking: an invitation's link asked to sign in, its "create an account" link forgot
    where they were going, and after confirming they had to find the email again."""
    going = "/forums/invitations/abc"
    sign_in_page = client.get(f"/sign-in?next={going}").get_data(as_text=True)
    assert 'href="/sign-up?next=/forums/invitations/abc"' in sign_in_page
    submit(client, f"/sign-up?next={going}", {"name": "Leroy Morgan", "email": "leroy@example.org",
                                                "password": GOOD_PASSWORD}, form_url="/sign-up")
    confirmed = submit(client, link_in(outbox[0]), {"password": GOOD_PASSWORD})
    assert confirmed.location == "/sign-in?next=/forums/invitations/abc"
    signed_in = submit(client, confirmed.location, {"email": "leroy@example.org", "password": GOOD_PASSWORD})
    assert signed_in.location == going
    off_site = app.test_client()  # a next that leaves the site goes to the account page, as at sign-in
    submit(off_site, "/sign-up?next=//evil.example", {"name": "Eve", "email": "eve@example.org",
                                                      "password": GOOD_PASSWORD}, form_url="/sign-up")
    assert submit(off_site, link_in(outbox[-1]), {"password": GOOD_PASSWORD}).location == "/sign-in?next=/account"


def test_a_new_confirmation_link_can_be_asked_for_without_saying_who_has_an_account(client, app, outbox):
    submit(client, "/sign-up", {"name": "Grace Okafor", "email": "grace@example.org", "password": GOOD_PASSWORD})
    outbox.clear()
    for email in ("grace@example.org", "nobody@example.org"):
        response = submit(client, "/confirm-email/resend", {"email": email}, form_url="/sign-up")
        assert response.status_code == 200 and f"We have sent a link to <strong>{email}</strong>" in text_of(response)
    [message] = outbox
    assert message.to == ["grace@example.org"]


def test_refusals_before_the_address_is_confirmed_are_kept_in_the_audit_log(client, app, outbox):
    """The right password before confirming, and a wrong one on the confirmation
    page, are refused and recorded; the confirmation is recorded too."""
    submit(client, "/sign-up", {"name": "Grace Okafor", "email": "grace@example.org", "password": GOOD_PASSWORD})
    submit(client, "/sign-in", {"email": "grace@example.org", "password": GOOD_PASSWORD})
    [message] = outbox
    submit(client, link_in(message), {"password": "someone else clicked"})
    submit(client, link_in(message), {"password": GOOD_PASSWORD})
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["account.created", "sign_in.failed", "email.confirmation_refused", "email.confirmed"]


@pytest.mark.parametrize("data, field, message", [
    ({"name": "", "email": "a@example.org", "password": GOOD_PASSWORD}, "name", "Enter your full name"),
    ({"name": "A" * 101, "email": "a@example.org", "password": GOOD_PASSWORD}, "name",
     "Full name must be 100 characters or fewer"),
    ({"name": "Ann", "email": "not-an-email", "password": GOOD_PASSWORD}, "email",
     "Enter an email address in the correct format"),
    ({"name": "Ann", "email": "a" * 250 + "@example.org", "password": GOOD_PASSWORD}, "email",
     "Email address must be 254 characters or fewer"),
    ({"name": "Ann", "email": "a@example.org", "password": "short"}, "password",
     "Password must be between 8 and 128 characters"),
    ({"name": "Ann", "email": "a@example.org", "password": "password123"}, "password",
     "Choose a password that is harder to guess"),
])
def test_sign_up_errors_appear_beside_the_field_and_keep_what_was_typed(client, app, data, field, message):
    response = submit(client, "/sign-up", data)
    page = text_of(response)
    assert response.status_code == 200
    assert "There is a problem" in page and f'href="#{field}"' in page
    assert f'<p id="{field}-error" class="govuk-error-message">' in page and message in page
    assert page.startswith("<!DOCTYPE html>") and "<title>Error: Create an account" in page
    if field != "name" and data["name"]:
        assert f'value="{data["name"]}"' in page
    assert f'value="{data["password"]}"' not in page  # passwords are never sent back
    assert count_users(app) == 0


def same_page_for_either_address(page: str, email: str) -> str:
    """A page with the address typed, and the form tokens (which change by the second), taken out."""
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", page).replace(email, "ADDRESS")


def test_sign_up_with_an_address_that_has_an_account_answers_as_for_a_new_one_and_tells_its_owner(
        client, app, make_user, outbox):
    """Reproduced: "An account already uses this email address" told anyone
    whether an address (a young member's too) has an account here."""
    owner = make_user(email="taken@example.org")
    new = submit(client, "/sign-up", {"name": "Ann", "email": "free@example.org", "password": GOOD_PASSWORD})
    taken = submit(client, "/sign-up", {"name": "Ann", "email": "taken@example.org", "password": GOOD_PASSWORD})
    assert new.status_code == taken.status_code == 200
    assert same_page_for_either_address(text_of(taken), "taken@example.org") == \
        same_page_for_either_address(text_of(new), "free@example.org")
    assert "We have sent a link to <strong>taken@example.org</strong>" in text_of(taken)
    assert count_users(app) == 2  # the owner's, and the new address's
    confirm, told = outbox
    assert confirm.to == ["free@example.org"] and confirm.subject == "Confirm your email address"
    assert told.to == ["taken@example.org"] and "already" in told.subject
    assert "/confirm-email/" not in told.body  # no way into a second account with the address
    assert "http://localhost/sign-in" in told.body and "http://localhost/forgot-password" in told.body
    # The owner's account is as it was: the password typed is not theirs and changes nothing.
    assert submit(client, "/sign-in", {"email": owner.email, "password": owner.password}).status_code == 302


def test_sign_up_refuses_a_guessable_password_whether_or_not_the_address_has_an_account(
        client, app, make_user, outbox):
    make_user(email="taken@example.org")
    for email in ("taken@example.org", "free@example.org"):
        response = submit(client, "/sign-up", {"name": "Ann", "email": email, "password": "password123"})
        assert 'id="password-error"' in text_of(response) and "Choose a password that is harder to guess" in \
            text_of(response)
    assert outbox == [] and count_users(app) == 1


def test_html_typed_into_a_form_is_shown_escaped(client, app):
    response = submit(client, "/sign-up", {"name": "<script>alert(1)</script>", "email": "bad", "password": "x"})
    page = text_of(response)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert count_users(app) == 0


def test_sign_in_with_a_wrong_password_or_unknown_email_gives_the_same_message(client, make_user):
    user = make_user()
    wrong = text_of(submit(client, "/sign-in", {"email": user.email, "password": "not the password"}))
    unknown = text_of(submit(client, "/sign-in", {"email": "nobody@example.org", "password": "not the password"}))
    for page in (wrong, unknown):
        assert "Enter a correct email address and password" in page
        assert "not the password" not in page
    assert f'value="{user.email}"' in wrong


def test_sign_in_then_out(client, make_user):
    user = make_user()
    response = sign_in_through_the_forms(client, user)
    assert response.location == "/account"
    assert user.email in text_of(client.get("/account"))
    response = submit(client, "/sign-out", form_url="/account")
    assert response.status_code == 302
    assert client.get("/account").status_code == 302


def test_sign_in_follows_next_only_within_the_site(client, make_user):
    user = make_user()
    token = csrf_token(client, "/sign-in")
    ok = client.post("/sign-in?next=/account/profile", data={"email": user.email, "password": user.password,
                                                              "csrf_token": token})
    assert ok.location == "/account/profile"
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account")})
    token = csrf_token(client, "/sign-in")
    evil = client.post("/sign-in?next=//evil.example/x", data={"email": user.email, "password": user.password,
                                                                "csrf_token": token})
    assert evil.location == "/account"


def test_a_signed_in_person_is_sent_to_their_account_from_sign_in_and_sign_up(client, make_user):
    sign_in(client, make_user())
    assert client.get("/sign-in").location == "/account"
    assert client.get("/sign-up").location == "/account"


def test_forgotten_password_journey(client, app, make_user, outbox):
    user = make_user()
    response = submit(client, "/forgot-password", {"email": user.email.upper()})
    assert "Check your email" in text_of(response)
    [message] = outbox
    reset_url = link_in(message)
    assert "Choose a new password" in text_of(client.get(reset_url))

    weak = submit(client, reset_url, {"password": "password"})
    assert "Choose a password that is harder to guess" in text_of(weak)

    done = submit(client, reset_url, {"password": "granite meadow compass"})
    assert done.location == "/sign-in"
    assert client.get(reset_url).status_code == 400  # used once, now refused
    assert "already been used" in text_of(client.get(reset_url))
    sign_in(client, user, password="granite meadow compass")


def test_forgotten_password_for_an_unknown_email_looks_the_same(client, make_user, outbox):
    user = make_user()
    known = text_of(submit(client, "/forgot-password", {"email": user.email}))
    unknown = text_of(submit(client, "/forgot-password", {"email": "nobody@example.org"}))
    assert known.replace(user.email, "X") == unknown.replace("nobody@example.org", "X")
    assert len(outbox) == 1


def test_a_forged_reset_link_is_explained_not_a_500(client):
    response = client.get("/reset-password/not-a-real-token")
    assert response.status_code == 400
    assert "This link is not valid" in text_of(response)


def test_change_password_signs_out_other_sessions_but_not_this_one(app, make_user):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user)
    sign_in(phone, user)
    wrong = submit(laptop, "/account/password", {"current_password": "nope", "new_password": "granite meadow compass"})
    assert "Your current password is not correct" in text_of(wrong)
    done = submit(laptop, "/account/password", {"current_password": user.password,
                                                "new_password": "granite meadow compass"})
    assert done.location == "/account"
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302


def test_a_new_address_signs_out_other_sessions_but_not_the_one_that_confirmed_it(app, make_user, outbox):
    """Found by attacking: a confirmed change of address left every other
    session signed in, though a password change and the undo end them."""
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user)
    sign_in(phone, user)
    submit(laptop, "/account/email", {"email": "moved@example.org", "password": user.password})
    [sent] = [message for message in outbox if message.to == ["moved@example.org"]]
    link = "/confirm-email/" + sent.body.split("/confirm-email/")[1].split()[0]
    assert submit(laptop, link, {"password": user.password}).location == "/account"
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302


def test_sign_out_ends_the_remember_me_cookie_too(app, make_user):
    user = make_user()
    browser = app.test_client()
    token = csrf_token(browser, "/sign-in")
    browser.post("/sign-in", data={"email": user.email, "password": user.password, "remember": "y",
                                   "csrf_token": token})
    remember = browser.get_cookie("remember_token")
    assert remember is not None and remember.http_only
    submit(browser, "/sign-out", form_url="/account")

    thief = app.test_client()
    thief.set_cookie("remember_token", remember.value)
    assert thief.get("/account").status_code == 302


def test_a_name_that_turns_the_text_after_it_around_is_refused(client, app, make_user):
    """Found by attacking: "Mo <U+202E>nimdA etiS" read as "Site Admin oM" on an organiser's page. The
    joiners that Urdu and the Indic scripts need in a name are kept."""
    user = make_user(name="Mo Member")
    sign_in(client, user)
    for name in ("Mo \u202enimdA etiS", "Mo \u2067x", "Mo \u202ax"):
        refused = submit(client, "/account/profile", {"name": name})
        assert ("#name", "Full name must not include invisible control characters") in error_summary(refused)
    assert submit(client, "/account/profile", {"name": "می\u200cرا ਸਿੰ\u200dਘ"}).location == "/account"
    with app.app_context():
        assert db.session.get(User, user.id).name == "می\u200cرا ਸਿੰ\u200dਘ"


def test_edit_profile_keeps_input_on_error_and_saves_when_valid(client, app, make_user):
    user = make_user()
    sign_in(client, user)
    refused = submit(client, "/account/profile", {"name": "x" * 101})
    assert "Full name must be 100 characters or fewer" in text_of(refused)
    saved = submit(client, "/account/profile", {"name": "Renamed"})
    assert saved.location == "/account"
    assert "Your name has been saved" in text_of(client.get("/account"))
    with app.app_context():
        assert db.session.get(User, user.id).name == "Renamed"


def test_changing_email_needs_the_password_and_waits_for_the_new_address(client, app, make_user, outbox):
    user = make_user()
    sign_in(client, user)
    wrong = submit(client, "/account/email", {"email": "new@example.org", "password": "not it"})
    assert "Your password is not correct" in text_of(wrong) and 'value="new@example.org"' in text_of(wrong)
    assert outbox == []
    sent = submit(client, "/account/email", {"email": "New@Example.org", "password": user.password})
    assert sent.location == "/account"
    with app.app_context():
        assert db.session.get(User, user.id).email == user.email  # nothing changes yet
    [message] = outbox
    assert message.to == ["new@example.org"] and message.subject == "Confirm your new email address"
    outbox.clear()
    assert submit(client, link_in(message), {"password": user.password}).location == "/account"
    with app.app_context():
        fresh = db.session.get(User, user.id)
        assert (fresh.email, fresh.email_confirmed) == ("new@example.org", True)
    [notice] = outbox
    assert notice.to == [user.email] and "change it back" in notice.body


def test_changing_to_an_address_another_account_uses_looks_the_same_and_tells_that_address(
        client, app, make_user, outbox):
    """Reproduced: "Another account already uses this email address" for a
    taken address, a redirect for a free one."""
    user, other = make_user(), make_user()
    sign_in(client, user)
    answers = {}
    for email in (other.email.upper(), "free@example.org"):
        response = submit(client, "/account/email", {"email": email, "password": user.password})
        assert response.status_code == 302 and response.location == "/account"
        answers[email.lower()] = text_of(client.get("/account"))
    assert same_page_for_either_address(answers[other.email], other.email) == \
        same_page_for_either_address(answers["free@example.org"], "free@example.org")
    told, confirm = outbox
    assert confirm.to == ["free@example.org"] and confirm.subject == "Confirm your new email address"
    assert told.to == [other.email] and "/confirm-email/" not in told.body
    assert "already uses this email address" in told.body
    with app.app_context():
        assert db.session.get(User, user.id).email == user.email
        assert db.session.get(User, other.id).email == other.email


def test_links_to_a_new_email_address_are_limited_per_account(client, app, make_user, outbox):
    """Reproduced: one account could have a "Confirm your new email address"
    email sent to any number of addresses."""
    app.config["EMAIL_CHANGE_LIMIT_PER_ACCOUNT"] = "2 per hour"
    user, other = make_user(), make_user()
    sign_in(client, user)
    for email in ("first@example.org", other.email):
        assert submit(client, "/account/email", {"email": email, "password": user.password}).status_code == 302
    refused = submit(client, "/account/email", {"email": "third@example.org", "password": user.password})
    assert refused.status_code == 429 and len(outbox) == 2
    elsewhere = app.test_client()  # the account's limit, not this browser's
    sign_in(elsewhere, user)
    assert submit(elsewhere, "/account/email", {"email": "fourth@example.org",
                                                "password": user.password}).status_code == 429
    sign_in(client, other)  # another account is not slowed by it
    assert submit(client, "/account/email", {"email": "fifth@example.org",
                                             "password": other.password}).status_code == 302


def test_admin_grants_and_removes_roles(client, app, make_user):
    admin = make_user(roles=["admin"])
    person = make_user(name="Sam Person")  # a made-up name may hold an apostrophe, which the page escapes
    sign_in(client, admin)
    assert person.name in text_of(client.get("/admin/users"))
    url = f"/admin/users/{person.id}"
    response = submit(client, url, {"roles": ["organiser", "awards_administrator"]})
    assert response.location == url
    assert "Roles for" in text_of(client.get(url))
    with app.app_context():
        assert db.session.get(User, person.id).site_roles == {SiteRole.ORGANISER, SiteRole.AWARDS_ADMINISTRATOR}
    submit(client, url, {"roles": []})
    with app.app_context():
        assert db.session.get(User, person.id).site_roles == set()
    audit = text_of(client.get("/admin/audit"))
    assert "role.granted" in audit and "role.removed" in audit


def test_the_audit_log_shows_details_as_people_read_them(client, app, make_user):
    """Found walking the site: nested details showed as Python's own text, with times in UTC."""
    admin = make_user(roles=["admin"])
    with app.test_request_context():
        audit.record("event.updated", details={"changed": ["time", "place"], "reported_as": {
            "before": {"starts_at": "2027-11-02T18:30:00+00:00", "priority_ids": [1, 2]}}})
        db.session.commit()
    sign_in(client, admin)
    page = text_of(client.get("/admin/audit"))
    assert "changed: time, place" in page
    assert "reported as, before, starts at: Tuesday 2 November 2027 at 6:30pm" in page
    assert "reported as, before, priority ids: 1, 2" in page and "{" not in page.split("<main")[1]


def test_admin_cannot_remove_the_last_admin(client, app, make_user):
    admin = make_user(roles=["admin"])
    sign_in(client, admin)
    response = submit(client, f"/admin/users/{admin.id}", {"roles": ["organiser"]})
    assert "There must always be at least one admin" in text_of(response)
    with app.app_context():
        assert db.session.get(User, admin.id).site_roles == {SiteRole.ADMIN}


def test_no_one_is_both_an_admin_and_an_equality_monitor(client, app, make_user):
    """Admins can change the records reports count; monitors see the
    breakdowns: one person holding both could look before and after."""
    admin = make_user(roles=["admin"])
    monitor = make_user(roles=["equality_monitor"])
    sign_in(client, admin)
    for account, asked in ((admin, ["admin", "equality_monitor"]), (monitor, ["equality_monitor", "admin"])):
        response = submit(client, f"/admin/users/{account.id}", {"roles": asked})
        assert response.status_code == 200 and "An admin cannot also do equality monitoring" in text_of(response)
    with app.app_context():
        assert db.session.get(User, admin.id).site_roles == {SiteRole.ADMIN}
        assert db.session.get(User, monitor.id).site_roles == {SiteRole.EQUALITY_MONITOR}
        with pytest.raises(services.RolesKeptApart):
            services.grant_role(db.session.get(User, admin.id), SiteRole.EQUALITY_MONITOR, actor=None)
    # Swapping one for the other at once is allowed: the old role goes before the new one comes.
    response = submit(client, f"/admin/users/{monitor.id}", {"roles": ["admin"]})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, monitor.id).site_roles == {SiteRole.ADMIN}


def test_two_admins_giving_one_account_the_two_roles_kept_apart_at_once_leave_it_one(app, make_user, database_url):
    """Found attacking it on PostgreSQL: one admin saving "admin" and another
    "equality monitoring" for the same account at the same moment left it
    both. The second waits for the first's lock and starts from its roles."""
    person, admin = make_user(), make_user(roles=["admin"])

    def second_admin_reads():
        read = db.session.get(User, person.id)
        assert read.site_roles == set()  # what their page showed
        return lambda: services.set_site_roles(read, {SiteRole.EQUALITY_MONITOR}, actor=db.session.get(User, admin.id))

    interleave(app, database_url, lambda: services.set_site_roles(
        db.session.get(User, person.id), {SiteRole.ADMIN}, actor=db.session.get(User, admin.id)), second_admin_reads)
    with app.app_context():
        assert db.session.get(User, person.id).site_roles == {SiteRole.EQUALITY_MONITOR}


def test_admin_rejects_an_unknown_role(client, make_user):
    admin = make_user(roles=["admin"])
    person = make_user()
    sign_in(client, admin)
    response = submit(client, f"/admin/users/{person.id}", {"roles": ["superuser"]})
    assert response.status_code == 200 and "Select site roles from the list" in text_of(response)


def test_admin_user_search(client, make_user):
    admin = make_user(roles=["admin"])
    make_user(name="Zainab Hussain")
    make_user(name="Tom Baker")
    sign_in(client, admin)
    page = text_of(client.get("/admin/users?q=zainab"))
    assert "Zainab Hussain" in page and "Tom Baker" not in page
    assert client.get("/admin/users?page=999").status_code == 200


def test_admin_user_list_pages_through_everyone(client, make_user):
    admin = make_user(roles=["admin"], name="Aaron Admin")
    for n in range(50):
        make_user(name=f"Person {n:02d}")
    sign_in(client, admin)
    first = text_of(client.get("/admin/users"))
    assert "51 people" in first and "Person 48" in first and "Person 49" not in first
    assert 'href="/admin/users?page=2"' in first
    second = text_of(client.get("/admin/users?page=2"))
    assert "Person 49" in second and 'href="/admin/users?page=1"' in second


def test_failed_and_successful_sign_ins_are_in_the_audit_log(client, app, make_user):
    user = make_user()
    submit(client, "/sign-in", {"email": user.email, "password": "wrong password"})
    sign_in_through_the_forms(client, user)
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["sign_in.failed", "sign_in.succeeded"]


@pytest.mark.parametrize("path, status, heading", [
    ("/no-such-page", 404, "Page not found"),
])
def test_error_pages_are_styled(client, path, status, heading):
    response = client.get(path)
    assert response.status_code == status
    assert heading in text_of(response) and "govuk-template" in text_of(response)


def test_a_post_without_csrf_token_is_refused_and_changes_nothing(client, app):
    response = client.post("/sign-up", data={"name": "Ann", "email": "ann@example.org", "password": GOOD_PASSWORD})
    assert response.status_code == 400
    assert "There is a problem with your request" in text_of(response)
    assert count_users(app) == 0


def test_content_pages_are_public(client):
    for path, words in [("/", "Upcoming events"), ("/accessibility", "WCAG"),
                        ("/privacy", "lawful basis"), ("/cookies", "remember_<wbr>token")]:
        response = client.get(path)
        assert response.status_code == 200 and words in text_of(response)


@pytest.mark.parametrize("path, signed_in, messages", [
    ("/sign-in", False, ["Enter your email address", "Enter your password"]),
    ("/forgot-password", False, ["Enter your email address"]),
    ("/account/profile", True, ["Enter your full name"]),
    ("/account/email", True, ["Enter your new email address", "Enter your password"]),
    ("/account/password", True, ["Enter your current password", "Enter a new password"]),
])
def test_every_form_submitted_empty_says_what_is_missing(client, make_user, path, signed_in, messages):
    if signed_in:
        sign_in(client, make_user())
    response = submit(client, path, {})
    page = text_of(response)
    assert response.status_code == 200 and "There is a problem" in page
    for message in messages:
        assert page.count(message) == 2  # in the summary and beside the field


def test_reset_form_submitted_empty_or_too_long_keeps_the_link_working(client, make_user, outbox):
    user = make_user()
    submit(client, "/forgot-password", {"email": user.email})
    reset_url = link_in(outbox[0])
    assert "Enter a new password" in text_of(submit(client, reset_url, {}))
    too_long = text_of(submit(client, reset_url, {"password": "x" * 129}))
    assert "Password must be between 8 and 128 characters" in too_long
    assert submit(client, reset_url, {"password": "granite meadow compass"}).location == "/sign-in"


def test_profile_rejects_control_characters_and_over_long_names(client, app, make_user):
    user = make_user()
    sign_in(client, user)
    nul = text_of(submit(client, "/account/profile", {"name": "Bad\x00Name", "email": user.email}))
    assert "Full name must not include invisible control characters" in nul
    long = text_of(submit(client, "/account/profile", {"name": "N" * 101, "email": user.email}))
    assert "Full name must be 100 characters or fewer" in long
    with app.app_context():
        assert db.session.get(User, user.id).name == user.name


@pytest.mark.parametrize("path", [
    "/events/1099511627776", "/events/1099511627776/event.ics", "/manage/events/1099511627776",
    "/calendar/priority/%00.ics", "/calendar/personal/%00.ics", "/api/v1/events/1099511627776",
])
def test_addresses_no_object_could_have_are_not_found_rather_than_errors(client, path):
    """Ids beyond the database's integer and text it cannot hold (NUL) must not reach it."""
    assert client.get(path).status_code == 404


def test_the_home_page_shows_what_is_coming_up_the_forums_and_this_years_awards(app, client):
    from datetime import timedelta
    from core.database import utcnow
    from events.models import EventStatus
    from tests.awards.factories import CycleFactory
    from tests.events.factories import EventFactory
    from tests.forums.factories import ForumFactory

    empty = text_of(client.get("/"))
    assert "No events are coming up just now" in empty and "Nominations open here when" in empty
    with app.app_context():
        for n in range(5):
            EventFactory(title=f"Coming event {n}", starts_at=utcnow() + timedelta(days=n + 1),
                         ends_at=utcnow() + timedelta(days=n + 1, hours=2))
        EventFactory(title="Finished event", starts_at=utcnow() - timedelta(days=2),
                     ends_at=utcnow() - timedelta(days=2, hours=-2))
        EventFactory(title="Draft event", status=EventStatus.DRAFT)
        ForumFactory(name="Kettering Interfaith Forum")
        CycleFactory(name="Community Cohesion Awards 2027")
    page = text_of(client.get("/"))
    shown = [f"Coming event {n}" for n in range(5) if f"Coming event {n}" in page]
    assert shown == ["Coming event 0", "Coming event 1", "Coming event 2", "Coming event 3"]  # the next four
    assert "Finished event" not in page and "Draft event" not in page
    assert "Kettering Interfaith Forum" in page
    assert "Community Cohesion Awards 2027: nominations open." in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))


def test_the_home_page_costs_the_same_queries_for_2_or_12_forums(app, client):
    from tests.events.test_views import queries_for
    from tests.forums.factories import ForumFactory

    with app.app_context():
        for _ in range(2):
            ForumFactory()
    few = queries_for(app, client, "/")
    with app.app_context():
        for _ in range(10):
            ForumFactory()
    assert queries_for(app, client, "/") == few
