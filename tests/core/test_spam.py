"""Public forms against bots: a honeypot box, and limits per IP address and
per email address that every worker shares."""
import os
import uuid

import pytest
from sqlalchemy import func, select

from awards.models import Nomination
from core.extensions import db
from core.models import AuditEntry
from core.accounts.models import User
from events.models import Registration
from tests.awards.test_views import a_category, answers
from tests.conftest import csrf_token, sign_in
from tests.events.factories import EventFactory
from tests.http_client import HttpClient
from tests.live_server import live_server

HONEYPOT = '<input type="text" id="leave_empty" name="leave_empty" value="" tabindex="-1" autocomplete="off">'


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def post(client, url, data, ip="192.0.2.1"):
    token = csrf_token(client, url)
    return client.post(url, data={**data, "csrf_token": token}, environ_base={"REMOTE_ADDR": ip})


def public_forms(app):
    """Each public form: where it is, what a person fills in, and what it saves."""
    with app.app_context():
        event_id = EventFactory().id
    category_id, question_ids = a_category(app)
    return [
        ("/sign-up", {"name": "Nia Patel", "email": "nia@example.org", "password": "lantern orchard velvet"}, User),
        (f"/events/{event_id}/register", {"name": "Nia Patel", "email": "nia@example.org"}, Registration),
        (f"/awards/categories/{category_id}/nominate", {
            "nominator_name": "Nia Patel", "nominator_email": "nia@example.org", "nominating": "other",
            "relationship": "Neighbour", "nominee_name": "Amira Hussain", "nominee_area": "Corby",
            "nominee_knows": "yes", "data_consent": "y", **answers(question_ids)}, Nomination),
    ]


def test_a_filled_honeypot_is_refused_and_saves_nothing_on_every_public_form(app, client):
    for url, data, model in public_forms(app):
        assert HONEYPOT in client.get(url).get_data(as_text=True)
        refused = post(client, url, {**data, "leave_empty": "http://spam.example"})
        assert refused.status_code == 400 and count(app, model) == 0, url
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "spam.refused")) == 3
    for url, data, model in public_forms(app)[1:]:
        assert post(client, url, data).status_code in (200, 302) and count(app, model) == 1, url


def test_one_email_address_is_limited_across_addresses_and_forms(app, client):
    app.config["PUBLIC_FORM_LIMIT_PER_EMAIL"] = "2 per hour"
    with app.app_context():
        events = [EventFactory().id for _ in range(3)]
    guest = {"name": "Nia Patel", "email": "Nia@Example.org"}
    assert post(client, f"/events/{events[0]}/register", guest, ip="192.0.2.1").status_code == 200
    assert post(client, f"/events/{events[1]}/register", guest, ip="192.0.2.2").status_code == 200
    limited = post(client, f"/events/{events[2]}/register", {**guest, "email": "nia@example.org"}, ip="192.0.2.3")
    assert limited.status_code == 429 and count(app, Registration) == 2
    assert "password" not in limited.get_data(as_text=True)  # a booking form asks for none
    sign_up = {"name": "Nia", "email": "nia@example.org", "password": "lantern orchard velvet"}
    assert post(client, "/sign-up", sign_up, ip="192.0.2.4").status_code == 429  # the same address, another form
    other = post(client, f"/events/{events[2]}/register", {**guest, "email": "ben@example.org"}, ip="192.0.2.3")
    assert other.status_code == 200 and count(app, Registration) == 3


def test_one_ip_address_is_limited_on_guest_registration_but_members_are_not(app, client, make_user):
    app.config["PUBLIC_FORM_LIMIT_PER_IP"] = "2 per 10 minutes"
    with app.app_context():
        event_id = EventFactory(capacity=50).id
    url = f"/events/{event_id}/register"
    statuses = [post(client, url, {"name": f"Guest {n}", "email": f"guest{n}@example.org"}).status_code
                for n in range(3)]
    assert statuses == [200, 200, 429]
    member = app.test_client()
    sign_in(member, make_user())
    assert post(member, url, {}).status_code in (200, 302) and count(app, Registration) == 3


@pytest.mark.either_database  # the count is kept in Redis, in front of the database
def test_the_email_limit_is_shared_between_worker_processes(app, database_url):
    """Two server processes stand in for two workers (or hosts); with Redis, as
    CI runs it, they share one count."""
    if not os.environ.get("RATELIMIT_STORAGE_URI", "").startswith("redis"):
        pytest.skip("needs RATELIMIT_STORAGE_URI=redis://... (CI sets it)")
    with app.app_context():
        events = [EventFactory().id for _ in range(3)]
    # A prefix of this run's own, so an earlier run's count in Redis cannot matter.
    limit = {"PUBLIC_FORM_LIMIT_PER_EMAIL": "2 per hour", "RATELIMIT_KEY_PREFIX": f"spam-test-{uuid.uuid4().hex}"}
    with live_server(database_url, **limit) as first, live_server(database_url, **limit) as second:
        statuses = []
        for base, event_id in zip((first, second, first), events):
            client = HttpClient(base)
            url = f"/events/{event_id}/register"
            statuses.append(client.post(url, {"name": "Nia", "email": "nia@example.org"}, client.csrf_token(url))[0])
    assert statuses == [200, 200, 429]
    assert count(app, Registration) == 2


def test_password_reset_emails_to_one_address_are_limited_whatever_the_ip(app, client, make_user, outbox):
    """Found by attacking: only the per-IP limit guarded the reset form, so
    a few addresses could send one inbox thirty reset emails in seconds."""
    app.config["PUBLIC_FORM_LIMIT_PER_EMAIL"] = "2 per hour"
    user = make_user(email="bob@example.org")
    answers = [post(client, "/forgot-password", {"email": address}, ip=f"192.0.2.{n}").status_code
               for n, address in enumerate(["bob@example.org", "BOB@Example.org", "bob@example.org"], start=1)]
    assert answers == [200, 200, 429]
    assert len([message for message in outbox if message.to == [user.email]]) == 2
