"""Long jobs a person watches (a batch of invitations on its way), and the
emails that need an admin (parked after failing, or interrupted)."""
import html
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from core import progress
from core.database import utcnow
from core.email import queue_email
from core.extensions import db
from core.accounts.models import User
from core.views.admin import failure_in_plain_words
from core.models import AuditEntry, OutboxMessage, OutboxStatus
from forums.models import ForumCoordinator
from tests.conftest import preview_and_send, sign_in, submit
from tests.events.factories import EventFactory
from tests.factories import UserFactory
from tests.forums.factories import ForumFactory, MembershipFactory


def text_of(response) -> str:
    if isinstance(response, str):
        return " ".join(response.split())
    return " ".join(response.get_data(as_text=True).split())


def test_invitations_lead_to_their_sendings_page_which_only_their_sender_sees(app, make_user):
    organiser, stranger = make_user(roles=["organiser"]), make_user()
    with app.app_context():
        event_id = EventFactory(organisers=[db.session.get(User, organiser.id)]).id
    client = app.test_client()
    sign_in(client, organiser)
    sent = submit(client, f"/manage/events/{event_id}/invitations",
                  {"people": "a@example.org\nb@example.org\nc@example.org"})
    job_url = sent.headers["Location"]
    page = text_of(client.get(job_url))
    assert "3 invitations on their way." in page and "Finished. 3 of 3 emails sent." in page
    assert '<progress id="job-progress" class="app-progress" max="3" value="3">' in page
    assert "Reload this page" not in page and "You can leave this page" not in page  # nothing more will happen
    assert client.get(job_url + "/progress").get_json() == {
        "total": 3, "sent": 3, "failed": 0, "finished": True, "summary": "3 of 3 emails sent.",
        "status": "Finished. 3 of 3 emails sent.", "file": None, "file_name": None}
    assert "3 invitations to" in text_of(client.get("/jobs"))  # told apart from another batch to the same event

    nosy = app.test_client()
    sign_in(nosy, stranger)
    assert nosy.get(job_url).status_code == 404 and nosy.get(job_url + "/progress").status_code == 404
    assert "invitations to" not in text_of(nosy.get("/jobs"))


def test_a_jobs_page_follows_its_emails_as_the_worker_sends_them(app):
    with app.test_request_context():
        owner = UserFactory()
        job = progress.start_job(owner_id=owner.id, title="Pizza night", back_url="/forums")
        messages = [queue_email(to=f"m{n}@example.org", subject="Pizza", template="password_changed", user=owner,
                                job_id=job.id) for n in range(2)]  # written, and not sent: no request committed them
        db.session.commit()
        ids = [message.id for message in messages]
        job_id, owner = job.id, SimpleNamespace(id=owner.id, email=owner.email)
    client = app.test_client()
    sign_in(client, owner)
    page = text_of(client.get(f"/jobs/{job_id}"))
    assert "0 of 2 emails sent; 2 still to go." in page and 'value="0"' in page
    assert "You can leave this page" in page and "Finished." not in page
    assert "Reload this page to see how far it has got." in page  # for a browser that runs no script
    with app.app_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == ids[0])
                           .values(status=OutboxStatus.SENT))
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == ids[1])
                           .values(status=OutboxStatus.FAILED, last_error="SMTPRecipientsRefused"))
        db.session.commit()
    said = "1 of 2 emails sent; 1 could not be sent, and the partnership's admins have been shown why."
    assert client.get(f"/jobs/{job_id}/progress").get_json() == {
        "total": 2, "sent": 1, "failed": 1, "finished": True, "summary": said, "status": "Finished. " + said,
        "file": None, "file_name": None}
    page = text_of(client.get(f"/jobs/{job_id}"))
    assert 'max="2" value="1"' in page  # the failed email is not progress
    assert f"Finished. {said}" in html.unescape(text_of(page))  # what the script writes when it finishes


def test_a_batch_whose_emails_all_failed_has_an_empty_bar(app):
    with app.test_request_context():
        owner = UserFactory()
        job = progress.start_job(owner_id=owner.id, title="Pizza night", back_url="/forums")
        message = queue_email(to="m@example.org", subject="Pizza", template="password_changed", user=owner,
                              job_id=job.id)
        message.status = OutboxStatus.FAILED
        db.session.commit()
        job_id, owner = job.id, SimpleNamespace(id=owner.id, email=owner.email)
    client = app.test_client()
    sign_in(client, owner)
    page = text_of(client.get(f"/jobs/{job_id}"))
    assert 'max="1" value="0"' in page and "0 of 1 email sent; 1 could not be sent" in page


def test_an_announcement_leads_to_its_sendings_page(app, make_user):
    coordinator = make_user()
    with app.app_context():
        forum = ForumFactory()
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        MembershipFactory(forum=forum, user=UserFactory())
        forum_id = forum.id
    client = app.test_client()
    sign_in(client, coordinator)
    sent = preview_and_send(client, f"/forums/{forum_id}/announcements/new",
                            {"subject": "Pizza night", "body": "Come along"}, follow_redirects=True)
    page = text_of(sent)
    assert "on its way to 1 member" in page and "1 of 1 email sent." in page
    assert "Announcement to 1 member of" in page and "Pizza night" in page
    assert f'href="/forums/{forum_id}"' in page  # back to the forum


def test_an_admin_sees_parked_and_interrupted_emails_and_sends_one_again_once(app):
    with app.test_request_context():
        admin = UserFactory(roles=["admin"])
        parked = queue_email(to="gone@example.org", subject="Your booking", template="password_changed", user=admin)
        stuck = queue_email(to="maybe@example.org", subject="Your place", template="password_changed", user=admin)
        recent = queue_email(to="now@example.org", subject="Just claimed", template="password_changed", user=admin)
        db.session.flush()
        parked.status, parked.attempts, parked.last_error = OutboxStatus.FAILED, 8, "SMTPRecipientsRefused: no mailbox"
        stuck.status, stuck.claimed_at = OutboxStatus.SENDING, utcnow() - timedelta(hours=1)
        recent.status, recent.claimed_at = OutboxStatus.SENDING, utcnow()  # being sent right now: not held
        db.session.commit()
        parked_id, admin = parked.id, SimpleNamespace(id=admin.id, email=admin.email)
    client = app.test_client()
    sign_in(client, admin)
    page = text_of(client.get("/admin/email"))
    assert "2 emails to look at" in page
    assert "gone@example.org" in page
    assert "The mail server refused this address. Could not be sent after 8 tries." in page  # a sentence first,
    assert "The error: SMTPRecipientsRefused: no mailbox" in page  # and the raw error the admin may need
    buttons = re.findall(r'aria-label="(Send again[^"]*)"', page)
    assert len(buttons) == 2 and len(set(buttons)) == 2  # told apart by a screen reader too
    assert "maybe@example.org" in page and "may or may not have arrived" in page
    assert "now@example.org" not in page

    again = submit(client, f"/admin/email/{parked_id}/send-again", form_url="/admin/email", follow_redirects=True)
    assert "The email is being sent again." in text_of(again) and "gone@example.org" not in text_of(again)
    with app.app_context():
        message = db.session.get(OutboxMessage, parked_id)
        assert message.status == OutboxStatus.SENT and message.attempts == 0  # sent straight after the commit
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "email.sent_again"))
    twice = submit(client, f"/admin/email/{parked_id}/send-again", form_url="/admin/email", follow_redirects=True)
    assert "no longer waiting for you" in text_of(twice)
    assert len(app.extensions["mailman"].outbox) == 1  # sent once


@pytest.mark.parametrize("error, said", [
    ("ConnectionRefusedError: [Errno 111] Connection refused", "The mail server could not be reached."),
    ("SMTPServerDisconnected: Connection unexpectedly closed", "The mail server could not be reached."),
    ("SMTPRecipientsRefused: {'<address withheld>': (550, b'No mailbox')}", "The mail server refused this address."),
    ("SMTPDataError: (554, b'Message rejected')", "The mail server refused it."),
])
def test_an_emails_failure_is_said_in_plain_words_first(error, said):
    assert failure_in_plain_words(error) == said


def test_a_failure_is_kept_for_admins_without_the_address_the_relay_named(app):
    """A relay's refusal names the recipient, who may be a young member that
    the admin reading Email delivery may not see."""
    from smtplib import SMTPRecipientsRefused
    from core import email
    with app.test_request_context():
        message = queue_email(to="maya.okafor@example.org", subject="Your booking", template="password_changed",
                              user=UserFactory())
        db.session.commit()
        email._record_failure(message.id, SMTPRecipientsRefused({"maya.okafor@example.org": (550, b"No mailbox")}))
        kept = db.session.get(OutboxMessage, message.id, populate_existing=True).last_error
    assert kept.startswith("SMTPRecipientsRefused") and "No mailbox" in kept and "maya" not in kept


def test_a_file_jobs_page_waits_then_offers_the_file_to_its_owner_alone(app, make_user):
    owner, stranger = make_user(), make_user()
    with app.app_context():
        job = progress.start_job(owner_id=owner.id, title="Diversity report (PDF): All events", back_url="/reports",
                                 makes_file=True)
        db.session.commit()
        job_id = job.id
    client, nosy = app.test_client(), app.test_client()
    sign_in(client, owner)
    sign_in(nosy, stranger)
    page = text_of(client.get(f"/jobs/{job_id}"))
    assert '<progress id="job-progress" class="app-progress" max="1">' in page  # no value: still being drawn
    assert "Being drawn" in page and client.get(f"/jobs/{job_id}/file").status_code == 404
    with app.app_context():
        progress.finish_with_file(job_id, name="report.pdf", content_type="application/pdf", content=b"%PDF-1.4 x")
        db.session.commit()
    answer = client.get(f"/jobs/{job_id}/progress").get_json()
    assert answer["file"] == f"/jobs/{job_id}/file" and answer["file_name"] == "report.pdf"
    assert answer["status"] == "Finished. The file is ready to download."
    page = text_of(client.get(f"/jobs/{job_id}"))
    assert "Download report.pdf" in page and answer["status"] in page and 'max="1" value="1"' in page
    download = client.get(f"/jobs/{job_id}/file")
    assert download.data == b"%PDF-1.4 x" and 'filename="report.pdf"' in download.headers["Content-Disposition"]
    assert "no-store" in download.headers["Cache-Control"]
    assert nosy.get(f"/jobs/{job_id}/file").status_code == 404


def test_a_file_job_that_failed_or_never_finished_says_so(app, make_user):
    owner = make_user()
    with app.app_context():
        failed = progress.start_job(owner_id=owner.id, title="A", back_url="/", makes_file=True)
        lost = progress.start_job(owner_id=owner.id, title="B", back_url="/", makes_file=True)
        lost.created_at = utcnow() - progress.GIVEN_UP_AFTER - timedelta(minutes=1)
        progress.finish_with_error(failed.id, "The report could not be drawn.")
        db.session.commit()
        failed_id, lost_id = failed.id, lost.id
    client = app.test_client()
    sign_in(client, owner)
    assert client.get(f"/jobs/{failed_id}/progress").get_json() == {
        "total": 1, "sent": 0, "failed": 1, "finished": True, "summary": "The report could not be drawn.",
        "status": "Stopped. The report could not be drawn.", "file": None, "file_name": None}
    page = text_of(client.get(f"/jobs/{failed_id}"))
    assert 'max="1" value="0"' in page and "Stopped. The report could not be drawn." in page  # an empty bar
    assert "It did not finish" in client.get(f"/jobs/{lost_id}/progress").get_json()["summary"]
    assert "It did not finish" in text_of(client.get("/jobs"))


def test_a_job_counted_in_rows_shows_the_rows_checked_then_done_or_why_it_stopped(app, client, make_user):
    owner = make_user()
    with app.app_context():
        job = progress.start_job(owner_id=owner.id, title="Import of members.csv", back_url="/imports/1")
        job.steps_total, job.steps_done = 500, 200
        db.session.commit()
        job_id = job.id
    sign_in(client, owner)
    assert client.get(f"/jobs/{job_id}/progress").json["summary"] == (
        "200 of 500 rows checked; then they are imported all at once.")
    with app.app_context():
        db.session.execute(update(progress.BackgroundJob).where(progress.BackgroundJob.id == job_id)
                           .values(finished_at=utcnow(), steps_done=500))
        db.session.commit()
    done = client.get(f"/jobs/{job_id}/progress").json
    assert (done["finished"], done["status"]) == (True, "Finished. All 500 rows done.")
    with app.app_context():
        progress.finish_with_error(job_id, "The forum no longer exists.")
        db.session.commit()
    assert client.get(f"/jobs/{job_id}/progress").json["status"] == "Stopped. The forum no longer exists."
