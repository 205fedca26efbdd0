"""The coordinators' page for one membership, and a parent's consent page,
as people used them in a browser: Enter pressed in a box, a page a
colleague or another tab has since overtaken."""
import re
from urllib.parse import quote
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.database import utcnow, write_lock
from core.extensions import db
from core.models import OutboxMessage
from core.accounts.models import User
from forums.services import consent
from forums.services.errors import ForumRuleBroken
from events.models import Audience, EventKind, Registration, RegistrationStatus
from forums.models import ForumCoordinator, ForumKind, Membership, MembershipRole, MembershipStatus
from tests.conftest import csrf_token, sign_in, submit
from tests.events.factories import EventFactory, RegistrationFactory
from tests.forums.factories import ForumFactory, MembershipFactory
from tests.forums.test_views import text_of


def coordinated(app, make_user, *, status, young=False, **fields):
    """A membership in `status` and a signed-in coordinator's browser on its page."""
    coordinator = make_user()
    with app.test_request_context():
        forum = ForumFactory(**({"kind": ForumKind.YOUTH, "min_age": 11, "max_age": 18} if young else
                                {"kind": ForumKind.OTHER}))
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        if young:
            fields = {"date_of_birth": date(date.today().year - 14, 1, 1), "parent_name": "Sam Carer",
                      "parent_email": "carer@example.org", **fields}
        membership = MembershipFactory(forum=forum, status=status, **fields)
        db.session.commit()
        page = f"/forums/{forum.id}/manage/memberships/{membership.id}"
        membership_id = membership.id
    browser = app.test_client()
    sign_in(browser, coordinator)
    return browser, page, membership_id


def forms_of(html: str) -> list[str]:
    return re.findall(r'<form method="post" novalidate>(.*?)</form>', html, re.S)


def buttons(form: str) -> list[str]:
    return re.findall(r'name="action" value="(\w+)"', form)


@pytest.mark.parametrize("status, decision_with_boxes", [(MembershipStatus.APPLIED, "approve"),
                                                          (MembershipStatus.ACTIVE, "change_role"),
                                                          (MembershipStatus.SUSPENDED, None)])
def test_enter_in_a_box_presses_only_the_button_of_the_decision_the_box_is_for(app, make_user, status,
                                                                              decision_with_boxes):
    """Found walking it: Enter in a suspended member's "Term ends" pressed
    the first button of the one form, Reinstate."""
    browser, page, membership_id = coordinated(app, make_user, status=status)
    forms = forms_of(browser.get(page).get_data(as_text=True))
    with app.app_context():
        version = db.session.get(Membership, membership_id).updated_at.isoformat()
    with_term = [form for form in forms if 'name="term_ends_on' in form]
    assert [buttons(form) for form in with_term] == ([[decision_with_boxes]] if decision_with_boxes else [])
    for form in forms:
        if 'name="reason"' in form:
            assert buttons(form) == ["decline"]
        assert f'name="seen" type="hidden" value="{version}"' in form


def seen_on(html: str) -> str:
    return re.search(r'name="seen" type="hidden" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("colleague_changed", ["status", "role"])
def test_a_decision_made_on_a_page_a_colleague_has_since_overtaken_is_refused(app, make_user, colleague_changed):
    """Found walking it with two coordinators: Remove pressed on a page
    showing an active member went through after the other had suspended
    them, a role was saved on a membership already removed, and a role saved
    on a stale page replaced the one a colleague had just chosen."""
    browser, page, membership_id = coordinated(app, make_user, status=MembershipStatus.ACTIVE)
    html = browser.get(page).get_data(as_text=True)  # the page shows an active member
    token, seen = csrf_token(browser, page), seen_on(html)
    with app.app_context():  # the colleague, meanwhile
        changed = db.session.get(Membership, membership_id)
        if colleague_changed == "status":
            changed.status = MembershipStatus.SUSPENDED
        else:
            changed.role = MembershipRole.CHAIR
        db.session.commit()
    for decision in ("remove", "change_role"):
        refused = browser.post(page, data={"csrf_token": token, "action": decision, "seen": seen, "role": "secretary"})
        assert refused.status_code == 200 and "This membership changed a moment ago" in text_of(refused)
    with app.app_context():
        after = db.session.get(Membership, membership_id)
        assert after.status != MembershipStatus.REMOVED and after.role != MembershipRole.SECRETARY
    # The page as it is now goes through.
    now = seen_on(browser.get(page).get_data(as_text=True))
    assert submit(browser, page, {"action": "remove", "seen": now}).status_code == 302


def test_a_young_person_whose_parent_withdrew_is_not_offered_reinstating_or_photos(app, make_user):
    browser, page, membership_id = coordinated(app, make_user, status=MembershipStatus.SUSPENDED, young=True,
                                               parent_consented_at=utcnow(), parent_consent_withdrawn_at=utcnow())
    html = browser.get(page).get_data(as_text=True)
    offered = [value for form in forms_of(html) for value in buttons(form)] + re.findall(r"confirm=(\w+)", html)
    assert offered == ["resend_consent", "remove"] and "once their parent or carer consents again" in html
    with app.test_request_context(), write_lock():
        with pytest.raises(ForumRuleBroken, match="photos stay off"):
            consent.record_photo_consent(db.session.get(Membership, membership_id), True,
                                         actor=db.session.get(User, 1))


def consent_page(app, *, status):
    with app.test_request_context():
        forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=18)
        membership = MembershipFactory(forum=forum, status=status, date_of_birth=date(date.today().year - 14, 1, 1),
                                       parent_name="Sam Carer", parent_email="carer@example.org",
                                       parent_consented_at=utcnow())
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=MembershipFactory(forum=forum).user_id))
        db.session.commit()
        return consent.consent_link(membership).split("localhost", 1)[-1], membership.id


def test_a_parent_withdrawing_in_a_second_tab_is_told_it_is_done_already(app):
    """Found walking it: the second tab's withdrawal was taken again, and the
    young person and the coordinators were emailed twice."""
    path, membership_id = consent_page(app, status=MembershipStatus.ACTIVE)
    parent = app.test_client()
    token = csrf_token(parent, path)  # both tabs show "Withdraw my consent"
    first = parent.post(f"{path}/withdraw", data={"csrf_token": token}, follow_redirects=True)
    again = parent.post(f"{path}/withdraw", data={"csrf_token": token}, follow_redirects=True)
    assert "membership is suspended" in text_of(first)
    assert "You have already withdrawn your consent" in text_of(again)
    with app.app_context():
        subjects = db.session.scalars(select(OutboxMessage.subject)).all()
        assert sum(subject.startswith("Consent withdrawn") for subject in subjects) == 1
        assert sum(subject.startswith("Your membership of") for subject in subjects) == 1


def test_withdrawing_before_the_coordinators_decide_says_the_application_will_not_go_ahead(app):
    """Found walking it: it said the membership was suspended, and that the
    coordinators would decide whether to reinstate someone not yet a member."""
    path, membership_id = consent_page(app, status=MembershipStatus.APPLIED)
    parent = app.test_client()
    withdrawn = submit(parent, f"{path}/withdraw", {}, form_url=path, follow_redirects=True)
    page = text_of(withdrawn)
    assert "will not become a member unless you agree again" in page and "suspended" not in page
    assert "You can give it again below." in page and "reinstate" not in page
    with app.app_context():
        assert db.session.get(Membership, membership_id).status == MembershipStatus.APPLIED


@pytest.mark.parametrize("status, says, offers", [
    (MembershipStatus.APPLIED, "If you withdraw your consent, they will not become a member.", "Withdraw my consent"),
    (MembershipStatus.ACTIVE, "If you withdraw your consent, their membership stops at once.", "Withdraw my consent"),
    (MembershipStatus.REMOVED, "This application or membership has ended, so there is nothing to consent to.", None),
    (MembershipStatus.DECLINED, "This application or membership has ended, so there is nothing to consent to.", None),
])
def test_the_parents_page_says_what_their_consent_still_does(app, status, says, offers):
    """Found walking it: a declined application still offered consent that
    could only be refused, and an application not yet decided spoke of a
    membership stopping."""
    path, _ = consent_page(app, status=status)
    page = text_of(app.test_client().get(path))
    assert says in page
    assert (offers in page) if offers else ("<form" not in page.split("<main")[1])


def test_a_parent_consenting_again_tells_the_coordinators_they_can_reinstate(app):
    """Found walking it: after a withdrawal the coordinators heard, but not
    when the parent agreed again, so no one knew to press Reinstate."""
    path, membership_id = consent_page(app, status=MembershipStatus.ACTIVE)
    parent = app.test_client()
    submit(parent, f"{path}/withdraw", {}, form_url=path)
    agreed = submit(parent, path, {"agree": "y"}, follow_redirects=True)
    assert "You have agreed" in text_of(agreed)
    with app.app_context():
        assert db.session.get(Membership, membership_id).status == MembershipStatus.SUSPENDED
        [told] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject.startswith("Consent given"))).all()
        assert f"/manage/memberships/{membership_id}" in told.body and "you can reinstate them now" in told.body


def test_suspending_and_removing_are_asked_about_first_with_the_places_they_give_up(app, make_user):
    """Found walking it: Suspend and Remove took effect at one press, emailing
    the member and giving up their places at members-only meetings, which
    reinstating does not give back."""
    browser, page, membership_id = coordinated(app, make_user, status=MembershipStatus.ACTIVE)
    with app.app_context():
        membership = db.session.get(Membership, membership_id)
        meeting = EventFactory(forum_id=membership.forum_id, kind=EventKind.FORUM_MEETING, title="Spring meeting",
                               audience=Audience.FORUM_MEMBERS, starts_at=utcnow() + timedelta(days=10))
        RegistrationFactory(event=meeting, user=membership.user, email=membership.user.email)
        db.session.commit()
        meeting_id = meeting.id
    html = browser.get(page).get_data(as_text=True)
    for decision, question in (("suspend", "Suspend"), ("remove", "Remove")):
        asked = browser.get(re.search(rf'href="([^"]*confirm={decision}[^"]*)"', html).group(1).replace("&amp;", "&"))
        text = text_of(asked)
        assert asked.status_code == 200 and question in text and "Spring meeting" in text
        assert "does not give these places back" in text
    with app.app_context():
        assert db.session.get(Membership, membership_id).status == MembershipStatus.ACTIVE  # asking changed nothing
    confirm = browser.get(f"{page}?confirm=remove").get_data(as_text=True)
    done = browser.post(page, data={"csrf_token": csrf_token(browser, f"{page}?confirm=remove"),
                                    "action": "remove", "seen": seen_on(confirm)})
    assert done.status_code == 302
    assert "has been removed from the forum, and they have been emailed" in text_of(browser.get(done.headers["Location"]))
    with app.app_context():
        assert db.session.get(Membership, membership_id).status == MembershipStatus.REMOVED
        assert db.session.scalar(select(Registration.status).where(Registration.event_id == meeting_id)) == \
            RegistrationStatus.CANCELLED


def test_the_question_carries_the_page_the_coordinator_decided_on(app, make_user):
    """A colleague's change between the membership page and the question is
    still refused: at once, found walking it (it was said only after the red
    button), and after the question too."""
    browser, page, membership_id = coordinated(app, make_user, status=MembershipStatus.ACTIVE)
    seen = seen_on(browser.get(page).get_data(as_text=True))
    asked = f"{page}?confirm=remove&seen={quote(seen)}"
    assert seen_on(browser.get(asked).get_data(as_text=True)) == seen  # the question, asked in time
    token = csrf_token(browser, asked)
    with app.app_context():
        db.session.get(Membership, membership_id).role = MembershipRole.CHAIR
        db.session.commit()
    overtaken = browser.get(asked)
    assert overtaken.status_code == 302 and overtaken.headers["Location"].endswith(page)
    assert "This membership changed a moment ago" in text_of(browser.get(page))
    refused = browser.post(page, data={"csrf_token": token, "action": "remove", "seen": seen})
    assert "This membership changed a moment ago" in text_of(refused)


def test_a_question_the_status_no_longer_allows_goes_back_to_the_membership(app, make_user):
    browser, page, _ = coordinated(app, make_user, status=MembershipStatus.SUSPENDED)
    assert browser.get(f"{page}?confirm=suspend").headers["Location"].endswith(page)
    assert "Remove" in text_of(browser.get(f"{page}?confirm=remove"))


@pytest.mark.parametrize("action, said", [("photos_yes", "photos allowed, as their parent or carer told you"),
                                          ("resend_consent", "The consent request was sent again to")])
def test_a_coordinator_is_told_what_their_decision_did(app, make_user, action, said):
    """Found walking it: recording a parent's photo decision said only "active, member"."""
    browser, page, _ = coordinated(app, make_user, status=MembershipStatus.SUSPENDED, young=True,
                                   **({"parent_consented_at": utcnow()} if action == "photos_yes" else {}))
    seen = seen_on(browser.get(page).get_data(as_text=True))
    done = submit(browser, page, {"action": action, "seen": seen})
    assert done.status_code == 302
    assert said in text_of(browser.get(done.headers["Location"]))
