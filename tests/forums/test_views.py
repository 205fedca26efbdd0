"""Forum pages through real forms: applying, the coordinator's decision and
who sees whose contact details."""
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from sqlalchemy import select

from core.database import write_lock
from core.extensions import db
from core.models import OutboxMessage
from core.accounts.models import User
from forums.services import consent
from forums.models import Faith, Forum, ForumCoordinator, ForumKind, Membership, MembershipStatus, SafeguardingCheck
from tests.conftest import error_summary, sign_in, submit
from tests.forums.factories import ForumFactory, MembershipFactory


def text_of(response):
    return response.get_data(as_text=True)


def test_a_member_applies_and_a_coordinator_approves(app, client, make_user):
    applicant, coordinator = make_user(), make_user()
    with app.app_context():
        forum = ForumFactory(name="Faith Community Leadership Group")
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        db.session.commit()
        forum_id = forum.id
    sign_in(client, applicant)
    refused = submit(client, f"/forums/{forum_id}/apply", {"reason": "I lead the gurdwara's outreach"})
    assert "Choose the faith community you represent" in text_of(refused)
    assert "I lead the gurdwara&#39;s outreach" in text_of(refused)
    done = submit(client, f"/forums/{forum_id}/apply", {"reason": "Outreach", "faith": "sikh",
                                                         "organisation": "Gurdwara"}, follow_redirects=True)
    assert "The coordinators will look at your application" in text_of(done) and "Applied" in text_of(done)

    coordinating = app.test_client()
    sign_in(coordinating, coordinator)
    with app.app_context():
        membership_id = db.session.scalar(select(Membership.id))
    page = f"/forums/{forum_id}/manage/memberships/{membership_id}"
    submit(coordinating, page, {"action": "approve", "role": "faith_representative"})
    with app.app_context():
        membership = db.session.get(Membership, membership_id)
        assert (membership.status, membership.role.value) == (MembershipStatus.ACTIVE, "faith_representative")
    assert "Faith representative" in text_of(client.get(f"/forums/{forum_id}/members"))


def test_young_members_contacts_reach_only_coordinators_with_a_current_dbs_check(app, make_user):
    adult, child, coordinator = make_user(), make_user(), make_user()
    with app.app_context():
        forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25)
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        MembershipFactory(forum=forum, user=db.session.get(User, adult.id), date_of_birth=date(2003, 1, 1),
                          share_email=True)
        MembershipFactory(forum=forum, user=db.session.get(User, child.id), date_of_birth=date(2011, 6, 1))
        db.session.commit()
        forum_id = forum.id
    member_view, coordinator_view = app.test_client(), app.test_client()
    sign_in(member_view, adult)
    sign_in(coordinator_view, coordinator)
    seen_by_member = text_of(member_view.get(f"/forums/{forum_id}/members"))
    assert escape(child.name) in seen_by_member and child.email not in seen_by_member and adult.email in seen_by_member
    unchecked = text_of(coordinator_view.get(f"/forums/{forum_id}/members"))
    assert child.email not in unchecked and "no DBS check on record" in unchecked
    with app.app_context():
        db.session.add(SafeguardingCheck(user_id=coordinator.id, checked_on=date.today()))
        db.session.commit()
    assert child.email in text_of(coordinator_view.get(f"/forums/{forum_id}/members"))
    assert "no DBS check" not in text_of(coordinator_view.get(f"/forums/{forum_id}/manage"))


def test_coordinators_filter_and_download_members_without_young_contacts_unless_checked(app, make_user):
    coordinator, lapsed, child = make_user(), make_user(), make_user()
    with app.app_context():
        forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25)
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        MembershipFactory(forum=forum, user=db.session.get(User, lapsed.id), date_of_birth=date(2003, 1, 1),
                          term_starts_on=date(2024, 1, 1), term_ends_on=date(2025, 1, 1))
        MembershipFactory(forum=forum, user=db.session.get(User, child.id), date_of_birth=date(2012, 6, 1))
        db.session.commit()
        forum_id = forum.id
    browser = app.test_client()
    sign_in(browser, coordinator)
    lapsed_only = text_of(browser.get(f"/forums/{forum_id}/manage?status=lapsed"))
    assert escape(lapsed.name) in lapsed_only and escape(child.name) not in lapsed_only
    spreadsheet = browser.get(f"/forums/{forum_id}/manage/members.csv").get_data(as_text=True)
    assert f"{lapsed.name},{lapsed.email},Lapsed" in spreadsheet
    assert child.name in spreadsheet and child.email not in spreadsheet
    assert browser.get(f"/forums/{forum_id}/manage/members.csv?status=nonsense").status_code == 400


def test_coordinators_set_their_forums_rules_but_not_its_kind_or_coordinators(app, make_user):
    coordinator, member = make_user(), make_user()
    with app.app_context():
        forum = ForumFactory(name="Leadership group", faith_cap=2)
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        MembershipFactory(forum=forum, user=db.session.get(User, member.id), faith=Faith.SIKH)
        db.session.commit()
        forum_id = forum.id
    browser = app.test_client()
    sign_in(browser, coordinator)
    page = f"/admin/forums/{forum_id}/edit"
    assert "Add coordinator" not in text_of(browser.get(page))
    fields = {"name": "Leadership group", "kind": "interfaith", "purpose": "Leaders together", "area": "The county",
              "open_to_apply": "invitation", "faith_cap": "1"}
    refused = submit(browser, page, {**fields, "kind": "other"})
    assert "Only an admin can change the kind of forum" in text_of(refused)
    submit(browser, page, fields)
    with app.app_context():
        saved = db.session.get(Forum, forum_id)
        assert (saved.faith_cap, saved.open_to_apply, saved.kind) == (1, False, ForumKind.INTERFAITH)
    # The new cap holds: a second Sikh representative waits for a seat.
    with app.app_context():
        applicant = MembershipFactory(forum=db.session.get(Forum, forum_id), faith=Faith.SIKH,
                                      status=MembershipStatus.APPLIED)
        db.session.commit()
        applicant_id = applicant.id
    capped = submit(browser, f"/forums/{forum_id}/manage/memberships/{applicant_id}", {"action": "approve",
                                                                                         "role": "member"})
    assert "its limit for one faith community" in text_of(capped)


class PrefilledForms(HTMLParser):
    """What a browser sends from each form on a page if the person changes nothing."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attributes):
        attributes = dict(attributes)
        if tag == "form":
            self._form = {}
            self.forms.append(self._form)
        elif self._form is None or (not attributes.get("name") and tag != "option"):
            return
        elif tag == "input" and attributes.get("type") in ("radio", "checkbox"):
            if "checked" in attributes:
                self._form[attributes["name"]] = attributes.get("value", "on")
        elif tag == "input" and attributes.get("type") != "submit":
            self._form[attributes["name"]] = attributes.get("value") or ""
        elif tag == "select":
            self._select = attributes["name"]
        elif tag == "option" and self._select and "selected" in attributes:
            self._form[self._select] = attributes.get("value", "")
        elif tag == "textarea":
            self._textarea = attributes["name"]
            self._form[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def prefilled(page_html: str, *, with_field: str) -> dict:
    """The values of the page's form that has `with_field`, as shown."""
    parser = PrefilledForms()
    parser.feed(page_html)
    return next(form for form in parser.forms if with_field in form)


@pytest.mark.parametrize("open_to_apply", [True, False])
def test_a_forums_settings_save_as_they_are_shown_the_first_time(app, make_user, open_to_apply):
    """Issue 20: "How people join" was not pre-selected, so saving the page
    unchanged failed with "Not a valid choice"."""
    coordinator = make_user()
    with app.app_context():
        forum = ForumFactory(name="Leadership group", open_to_apply=open_to_apply)
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        db.session.commit()
        forum_id = forum.id
    browser = app.test_client()
    sign_in(browser, coordinator)
    page = f"/admin/forums/{forum_id}/edit"
    shown = prefilled(text_of(browser.get(page)), with_field="purpose")
    assert shown["open_to_apply"] == ("open" if open_to_apply else "invitation")
    saved = browser.post(page, data=shown)
    assert saved.status_code == 302, text_of(saved)
    with app.app_context():
        assert db.session.get(Forum, forum_id).open_to_apply is open_to_apply
    unchosen = submit(browser, page, {k: v for k, v in shown.items() if k not in ("open_to_apply", "csrf_token")})
    assert "Choose how people join" in text_of(unchosen) and "Not a valid choice" not in text_of(unchosen)


def test_someone_removed_from_a_forum_is_not_offered_to_apply_again(app, make_user):
    """Applying would only say they were removed (applying.apply), so the page
    says so instead of showing 'Apply to join' (found by
    tests/forums/test_membership_machine.py)."""
    person = make_user()
    with app.app_context():
        forum = ForumFactory()
        MembershipFactory(forum=forum, user=db.session.get(User, person.id), status=MembershipStatus.REMOVED)
        db.session.commit()
        forum_id = forum.id
    browser = app.test_client()
    sign_in(browser, person)
    page = text_of(browser.get(f"/forums/{forum_id}"))
    assert "Apply to join" not in page
    assert "The coordinators ended your membership. Contact them if you would like to rejoin." in page


def test_a_term_end_that_is_not_in_the_future_is_refused_beside_the_date_and_kept(app, make_user):
    applicant, coordinator = make_user(), make_user()
    with app.app_context():
        forum = ForumFactory()
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        membership = MembershipFactory(forum=forum, user=db.session.get(User, applicant.id), faith=Faith.SIKH,
                                       status=MembershipStatus.APPLIED, term_starts_on=None, term_ends_on=None)
        db.session.commit()
        forum_id, membership_id = forum.id, membership.id
    browser = app.test_client()
    sign_in(browser, coordinator)
    page = f"/forums/{forum_id}/manage/memberships/{membership_id}"
    refused = submit(browser, page, {"action": "approve", "role": "member",
                                     "term_ends_on": ["1", "1", "2020"]})
    html = text_of(refused)
    assert refused.status_code == 200 and "Term ends must be in the future" in html, refused.location
    assert 'href="#term_ends_on' in html  # the error summary points at the date field
    assert 'value="2020"' in html
    with app.app_context():
        assert db.session.get(Membership, membership_id).status == MembershipStatus.APPLIED
        assert not db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == applicant.email)).all()


def test_a_lapsed_member_is_called_lapsed_on_their_page_and_the_coordinators(app, make_user):
    lapsed, coordinator = make_user(), make_user()
    with app.app_context():
        forum = ForumFactory()
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        membership = MembershipFactory(forum=forum, user=db.session.get(User, lapsed.id), faith=Faith.SIKH,
                                       term_starts_on=date(2024, 1, 1), term_ends_on=date(2025, 1, 1))
        db.session.commit()
        forum_id, membership_id = forum.id, membership.id
    member = app.test_client()
    sign_in(member, lapsed)
    own = text_of(member.get(f"/forums/{forum_id}"))
    assert "Lapsed" in own and "Your term ended on 1 January 2025" in own and "You are a member" not in own
    assert "Renew my membership" in own
    assert member.get(f"/forums/{forum_id}/members").status_code == 403
    coordinating = app.test_client()
    sign_in(coordinating, coordinator)
    assert "Lapsed" in text_of(coordinating.get(f"/forums/{forum_id}/manage/memberships/{membership_id}"))


def young_applicant(child, status: MembershipStatus) -> Membership:
    """A 14-year-old's membership of a youth forum whose parent's consent is asked for (call in a request context)."""
    forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=18)
    membership = MembershipFactory(forum=forum, user=db.session.get(User, child.id), status=status,
                                   date_of_birth=date(2012, 5, 1), parent_name="Sam Carer",
                                   parent_email="carer@example.org")
    db.session.commit()
    return membership


def test_consent_given_while_signed_in_as_the_young_applicant_is_refused(app, make_user):
    child = make_user()
    with app.test_request_context():
        membership = young_applicant(child, MembershipStatus.APPLIED)
        link, membership_id = consent.consent_link(membership), membership.id
    browser = app.test_client()
    sign_in(browser, child)
    path = link.split("localhost", 1)[-1]
    refused = submit(browser, path, {"agree": "y", "photo_consent": "y"})
    assert refused.status_code == 200 and "You cannot give consent for yourself" in text_of(refused)
    with app.app_context():
        assert db.session.get(Membership, membership_id).parent_consented_at is None
    parent = app.test_client()
    agreed = submit(parent, path, {"agree": "y"}, follow_redirects=True)
    assert "You have agreed" in text_of(agreed)


def test_a_consent_link_older_than_the_setting_cannot_give_consent_but_still_withdraws_it(app, make_user):
    child = make_user()
    with app.test_request_context():
        membership = young_applicant(child, MembershipStatus.AWAITING_CONSENT)
        days = app.config["PARENT_CONSENT_LINK_DAYS"]
        old = consent.consent_link(membership, today=date.today() - timedelta(days=days + 1))
        last_day = consent.consent_link(membership, today=date.today() - timedelta(days=days))
        membership_id = membership.id
    parent = app.test_client()
    path = old.split("localhost", 1)[-1]
    page = text_of(parent.get(path))
    assert "This link is too old to give consent with" in page and "I agree to them joining" not in page
    refused = submit(parent, path, {"agree": "y", "photo_consent": "y"}, form_url=last_day.split("localhost", 1)[-1])
    assert refused.status_code == 200 and "This link is too old to give consent with" in text_of(refused)
    with app.app_context():
        assert db.session.get(Membership, membership_id).status == MembershipStatus.AWAITING_CONSENT
    agreed = submit(parent, last_day.split("localhost", 1)[-1], {"agree": "y"}, follow_redirects=True)
    assert "You have agreed" in text_of(agreed)
    withdrawn = submit(parent, f"{path}/withdraw", {}, form_url=path, follow_redirects=True)
    assert "You have withdrawn your consent" in text_of(withdrawn)
    with app.app_context():
        assert db.session.get(Membership, membership_id).status == MembershipStatus.SUSPENDED


def test_a_young_persons_application_lists_everything_it_still_needs_at_once(app, make_user):
    """Found walking the site: each submit showed one error, so a young person
    on a phone made four round trips to find what the form needed."""
    child = make_user()
    with app.app_context():
        forum_id = ForumFactory(name="County Youth Forum", kind=ForumKind.YOUTH, min_age=11, max_age=18).id
    browser = app.test_client()
    sign_in(browser, child)
    page = f"/forums/{forum_id}/apply"
    assert error_summary(submit(browser, page, {})) == [
        ("#reason", "Tell the coordinators why you want to join"), ("#date_of_birth", "Enter your date of birth"),
        ("#parent_name", "If you are under 18, enter your parent or carer's name"),
        ("#parent_email", "If you are under 18, enter your parent or carer's email address")]
    born = ["1", "1", str(date.today().year - 15)]
    assert [message for _, message in error_summary(submit(browser, page, {"date_of_birth": born}))] == [
        "Tell the coordinators why you want to join", "Enter your parent or carer's name",
        "Enter your parent or carer's email address"]
    applied = submit(browser, page, {"reason": "A say for young people", "date_of_birth": born,
                                     "parent_name": "Sam Carer", "parent_email": "carer@example.org"})
    assert applied.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Membership.parent_email)) == "carer@example.org"


def test_an_interfaith_application_lists_everything_it_still_needs_at_once(app, make_user):
    applicant = make_user()
    with app.app_context():
        forum_id = ForumFactory(name="Faith Community Leadership Group").id
    browser = app.test_client()
    sign_in(browser, applicant)
    refused = submit(browser, f"/forums/{forum_id}/apply", {"reason": "   ", "organisation": "Gurdwara"})
    assert error_summary(refused) == [("#reason", "Tell the coordinators why you want to join"),
                                      ("#faith", "Choose the faith community you represent")]
    assert 'value="Gurdwara"' in text_of(refused)
    with app.app_context():
        assert db.session.scalar(select(Membership.id)) is None


def test_a_parent_without_an_account_is_written_to_in_their_childs_language(app, make_user, monkeypatch):
    """A parent or carer has no account to choose a language on: the consent
    request (and a second one, sent by a coordinator reading English) is in
    the language the young person reads the site in."""
    from core import email
    written_in = {}
    chosen = email.in_language

    def spy(code):
        written_in.setdefault("codes", []).append(code)
        return chosen(code)
    monkeypatch.setattr(email, "in_language", spy)
    child, coordinator = make_user(), make_user()
    with app.app_context():
        db.session.get(User, child.id).language = "ur"
        forum = ForumFactory(name="County Youth Forum", kind=ForumKind.YOUTH, min_age=11, max_age=18)
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        db.session.commit()
        forum_id = forum.id
    browser = app.test_client()
    sign_in(browser, child)
    applied = submit(browser, f"/forums/{forum_id}/apply", {
        "reason": "A say for young people", "date_of_birth": ["1", "1", str(date.today().year - 15)],
        "parent_name": "Sam Carer", "parent_email": "carer@example.org"})
    assert applied.status_code == 302 and written_in["codes"] == ["ur"]
    with app.app_context(), write_lock():
        membership = db.session.scalar(select(Membership))
        consent.resend_consent_request(membership, actor=db.session.get(User, coordinator.id))
    assert written_in["codes"] == ["ur", "ur"]


def test_the_coordinators_page_costs_the_same_queries_for_3_or_30_members(app, make_user):
    from sqlalchemy import event as sa_event
    coordinator = make_user()
    with app.app_context():
        forum = ForumFactory()
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        for _ in range(3):
            MembershipFactory(forum=forum)
        db.session.commit()
        forum_id = forum.id
    browser = app.test_client()
    sign_in(browser, coordinator)

    def selects() -> int:
        with app.app_context():
            seen = []
            listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
            sa_event.listen(db.engine, "before_cursor_execute", listener)
            try:
                assert browser.get(f"/forums/{forum_id}/manage").status_code == 200
            finally:
                sa_event.remove(db.engine, "before_cursor_execute", listener)
        return sum(s.lstrip().upper().startswith("SELECT") for s in seen)

    few = selects()
    with app.app_context():
        for _ in range(27):
            MembershipFactory(forum=db.session.get(Forum, forum_id))
        db.session.commit()
    assert selects() == few


def test_the_member_filter_offers_faith_only_on_an_interfaith_forum_however_often_it_is_drawn(app, make_user):
    """The filter's fields are remembered once drawn (core.forms.rendered_fields):
    an interfaith forum's filter, drawn first, never lends its faith filter to another forum's."""
    coordinator = make_user()
    with app.app_context():
        forums = [ForumFactory(kind=ForumKind.INTERFAITH), ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=18)]
        db.session.add_all([ForumCoordinator(forum_id=forum.id, user_id=coordinator.id) for forum in forums])
        db.session.commit()
        interfaith, youth = [forum.id for forum in forums]
    browser = app.test_client()
    sign_in(browser, coordinator)
    for _ in range(2):
        assert 'name="faith"' in text_of(browser.get(f"/forums/{interfaith}/manage"))
        assert 'name="faith"' not in text_of(browser.get(f"/forums/{youth}/manage"))
        assert 'name="faith"' in text_of(browser.get(f"/forums/{interfaith}/manage?faith=sikh"))
