"""Where replies to a forum's emails go: its contact address, set by its
coordinators on the forum's form, or the partnership's when it has none;
never a coordinator's own address unless they typed it as the forum's."""
from datetime import date, time, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from core.database import london_datetime, write_lock
from core.extensions import db
from core.models import OutboxMessage
from events.services.scheduling import cancel_event
from forums import meetings
from forums.meetings import MeetingDetails
from forums.models import Forum, ForumCoordinator, ForumKind, MembershipStatus
from forums.services import announcements, applying, consent, invitations, memberships, renewal
from forums.services.applying import Application
from tests.conftest import error_summary, sign_in, submit
from tests.events.factories import VenueFactory
from tests.factories import UserFactory
from tests.forums.factories import ForumFactory, MembershipFactory

FORUM_CONTACT = "leaders@example.org"


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def replies_to(address) -> set[str | None]:
    return set(db.session.scalars(select(OutboxMessage.reply_to).where(OutboxMessage.recipient == address)))


def every_reply_to() -> set[str | None]:
    return set(db.session.scalars(select(OutboxMessage.reply_to)))


def a_meeting(forum, coordinator):
    starts = london_datetime(date.today() + timedelta(days=7), time(18, 0))
    return meetings.schedule_meeting(forum, MeetingDetails(title="Spring meeting", starts_at=starts,
                                                           ends_at=starts + timedelta(hours=2),
                                                           venue_id=VenueFactory().id), actor=coordinator)


@pytest.mark.parametrize("contact, expected", [(FORUM_CONTACT, FORUM_CONTACT), (None, "cohesion@example.org")])
def test_what_a_coordinator_sends_the_members_replies_to_the_forum_not_to_them(ctx, contact, expected):
    forum = ForumFactory(contact_email=contact)
    coordinator = UserFactory(email="coordinator.at.home@example.org")
    db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
    member = MembershipFactory(forum=forum).user
    announcements.announce(forum, subject="Minutes", body="They are on the page.", role=None, essential=False,
                           actor=coordinator)
    meeting = a_meeting(forum, coordinator)
    assert meeting.contact_email == expected  # what the meeting's page and its booking emails name too
    cancel_event(meeting, actor=coordinator, reason="The hall flooded.")
    invitations.invite(forum, "newcomer@example.org", actor=coordinator)
    to_member = db.session.scalars(select(OutboxMessage.reply_to).where(OutboxMessage.recipient == member.email)).all()
    assert len(to_member) == 3  # the announcement, the meeting, its cancellation
    assert set(to_member) == replies_to("newcomer@example.org") == {expected}
    assert coordinator.email not in every_reply_to()


def test_a_members_journey_replies_to_the_forums_contact(ctx):
    forum = ForumFactory(contact_email=FORUM_CONTACT)
    coordinator = UserFactory()
    approved, declined, ended = (memberships.membership_of(person, forum) or applying.apply(
        forum, person, Application(reason="To take part", faith=faith))
        for person, faith in ((UserFactory(), "christian"), (UserFactory(), "sikh"), (UserFactory(), "hindu")))
    memberships.approve(approved, actor=coordinator)                       # welcome
    memberships.decline(declined, reason="The forum is full", actor=coordinator)
    memberships.approve(ended, actor=coordinator)
    memberships.suspend(ended, actor=coordinator)                          # paused
    memberships.reinstate(ended, actor=coordinator)                        # a member again
    memberships.remove(ended, actor=coordinator)                           # ended
    approved.term_ends_on = date.today() + timedelta(days=10)
    assert renewal.send_renewal_reminders() == 1
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 7
    assert every_reply_to() == {FORUM_CONTACT}


def test_a_parent_is_asked_with_the_forums_contact_and_coordinators_hear_with_none(ctx):
    """A parent or carer may well want to ask before agreeing; the note to the
    coordinators that consent was withdrawn is theirs, and names the partnership for questions."""
    forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=18, contact_email=FORUM_CONTACT)
    coordinator = UserFactory(email="coordinator@example.org")
    db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
    membership = applying.apply(forum, UserFactory(), Application(
        reason="I want a say", date_of_birth=date.today().replace(year=date.today().year - 14),
        parent_name="Sam Carer", parent_email="carer@example.org"))
    consent.resend_consent_request(membership, actor=coordinator)
    assert replies_to("carer@example.org") == {FORUM_CONTACT}
    consent.give_consent(membership, photo_consent=False)
    memberships.approve(membership, actor=coordinator)
    consent.withdraw_consent(membership)
    assert membership.status == MembershipStatus.SUSPENDED
    assert replies_to(membership.user.email) == {FORUM_CONTACT}
    [told] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == coordinator.email))
    assert told.reply_to is None and "reply" not in told.body.lower() and "cohesion@example.org" in told.body


# --- the forum's form and page ----------------------------------------------------------------

def a_coordinated_forum(app, coordinator, **fields):
    with app.app_context():
        forum = ForumFactory(name="Leadership group", **fields)
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        db.session.commit()
        return forum.id


FIELDS = {"name": "Leadership group", "kind": "interfaith", "purpose": "Leaders together", "area": "The county",
          "open_to_apply": "open"}


def test_a_coordinator_sets_the_forums_contact_and_its_page_shows_it(app, make_user):
    coordinator = make_user()
    forum_id = a_coordinated_forum(app, coordinator)
    browser = app.test_client()
    sign_in(browser, coordinator)
    page = f"/admin/forums/{forum_id}/edit"
    form = browser.get(page).get_data(as_text=True)
    assert "Replies to the forum&#39;s emails go here" in form and "Leave empty to use the partnership" in form
    assert 'autocomplete="off"' in form  # the forum's address, not the browser's guess of the coordinator's own
    public = app.test_client()
    assert 'href="mailto:cohesion@example.org"' in public.get(f"/forums/{forum_id}").get_data(as_text=True)

    saved = submit(browser, page, {**FIELDS, "contact_email": "Leaders@Example.org"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Forum, forum_id).contact_email == FORUM_CONTACT
    assert f'href="mailto:{FORUM_CONTACT}"' in public.get(f"/forums/{forum_id}").get_data(as_text=True)
    assert f'value="{FORUM_CONTACT}"' in browser.get(page).get_data(as_text=True)

    submit(browser, page, {**FIELDS, "contact_email": ""})
    with app.app_context():
        assert db.session.get(Forum, forum_id).contact_email is None  # back to the partnership's


def test_a_contact_that_is_not_an_email_address_is_refused_beside_the_field_and_kept(app, make_user):
    coordinator = make_user()
    forum_id = a_coordinated_forum(app, coordinator, contact_email=FORUM_CONTACT)
    browser = app.test_client()
    sign_in(browser, coordinator)
    page = f"/admin/forums/{forum_id}/edit"
    refused = submit(browser, page, {**FIELDS, "purpose": "Leaders of every faith",
                                     "contact_email": "leaders at example"})
    text = refused.get_data(as_text=True)
    message = "Enter an email address in the correct format, like name@example.com"
    assert refused.status_code == 200 and error_summary(refused) == [("#contact_email", message)]
    assert '<p id="contact_email-error" class="govuk-error-message">' in text
    assert 'value="leaders at example"' in text and 'value="Leaders of every faith"' in text
    with app.app_context():
        forum = db.session.get(Forum, forum_id)
        assert (forum.contact_email, forum.purpose) == (FORUM_CONTACT, "Faith communities working together for "
                                                                      "the county.")


HOSTILE_CONTACTS = [
    # Valid RFC 5322, and a mailto: link that adds a copy and a subject for whoever clicks it.
    ("x?cc=victim%40evil.example&subject=hi@example.org", "before the @"),
    ("leaders#news@example.org", "before the @"),
    ("o'brien@example.org", "before the @"),
    ("rené@example.org", "before the @"),  # becomes =?utf-8?b?...?=@..., which nobody can reply to
    ("rene@exämple.org", "after the @"),
]


@pytest.mark.parametrize("typed, where", HOSTILE_CONTACTS)
def test_a_contact_address_nobody_could_safely_click_or_reply_to_is_refused_and_kept(app, make_user, typed, where):
    coordinator = make_user()
    forum_id = a_coordinated_forum(app, coordinator, contact_email=FORUM_CONTACT)
    browser = app.test_client()
    sign_in(browser, coordinator)
    refused = submit(browser, f"/admin/forums/{forum_id}/edit", {**FIELDS, "contact_email": typed})
    [(link, message)] = error_summary(refused)
    assert refused.status_code == 200 and link == "#contact_email"
    assert message.startswith("Enter an email address with only the letters a to z, numbers") and where in message
    assert f'value="{escape(typed)}"' in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Forum, forum_id).contact_email == FORUM_CONTACT


def test_plain_contact_addresses_are_still_taken(app, make_user):
    coordinator = make_user()
    forum_id = a_coordinated_forum(app, coordinator)
    browser = app.test_client()
    sign_in(browser, coordinator)
    saved = submit(browser, f"/admin/forums/{forum_id}/edit",
                   {**FIELDS, "contact_email": "Youth.Forum+2027_x%y@my-town.example.org"})
    assert saved.status_code == 302, error_summary(saved)
    with app.app_context():
        assert db.session.get(Forum, forum_id).contact_email == "youth.forum+2027_x%y@my-town.example.org"


def test_the_forums_mailto_link_cannot_add_a_copy_or_a_subject_whatever_is_stored(app):
    with app.app_context():
        forum_id = ForumFactory(contact_email="x?cc=victim%40evil.example&subject=hi@example.org").id
    page = app.test_client().get(f"/forums/{forum_id}").get_data(as_text=True)
    assert 'href="mailto:x%3Fcc%3Dvictim%2540evil.example%26subject%3Dhi@example.org"' in page


def test_a_young_members_address_cannot_be_the_forums_public_contact(app, make_user):
    """A coordinator typed a youth forum member's own address as the forum's
    contact: it would be a public mailto: link and the Reply-To of the
    forum's emails. The gate would not show it to a visitor, so it is refused,
    without saying whose it is; an adult's address is taken."""
    coordinator = make_user()
    forum_id = a_coordinated_forum(app, coordinator, contact_email=FORUM_CONTACT)
    with app.app_context():
        youth = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=18)
        young = MembershipFactory(forum=youth, date_of_birth=date.today() - timedelta(days=15 * 366)).user
        adult = MembershipFactory(forum=youth, date_of_birth=date.today() - timedelta(days=30 * 366)).user
        db.session.commit()
        young_email, adult_email = young.email, adult.email
    browser = app.test_client()
    sign_in(browser, coordinator)
    page = f"/admin/forums/{forum_id}/edit"
    refused = submit(browser, page, {**FIELDS, "contact_email": young_email.upper()})
    message = "This address cannot be a public contact. Use the forum's or the partnership's own address."
    assert refused.status_code == 200 and error_summary(refused) == [("#contact_email", message)]
    assert f'value="{young_email.upper()}"' in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Forum, forum_id).contact_email == FORUM_CONTACT
    assert submit(browser, page, {**FIELDS, "contact_email": adult_email}).status_code == 302
    with app.app_context():
        assert db.session.get(Forum, forum_id).contact_email == adult_email
