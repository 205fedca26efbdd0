"""The safeguarding gate (core.accounts.safeguarding): one predicate decides whose
contact and access details a viewer sees, and every output that shows them
goes through it.

The outputs are not listed here: they come from the registry each package
fills (`@shows_contact_details` on its routes). Each is rendered as people who
may not see a young member's details (a coordinator without a DBS check, the
meeting's organiser, an admin without one, another youth forum's checked
coordinator) and as those who may (the forum's DBS-checked coordinator, a
DBS-checked admin). Another test walks the URL map so that an output nobody
registered fails too."""
import html
import io
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from flask import url_for
from pypdf import PdfReader

from awards.models import PanelMember
from core import audit
from core.accounts import safeguarding
from core.accounts.models import User
from core.equality.services import give_consent
from core.extensions import db
from core.models import OutboxMessage, OutboxStatus
from events.models import Audience, EventInvitation, EventKind, EventQuestion, QuestionKind, RegistrationAnswer
from forums.models import ForumCoordinator, ForumInvitation, ForumKind, SafeguardingCheck
from forums.permissions import YOUNG_MEMBERS_NOTE, can_see_young_members_details
from tests.awards.factories import CategoryFactory, CycleFactory
from tests.awards.test_judging import eligible
from tests.conftest import sign_in
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import PASSWORD, UserFactory
from tests.forums.factories import ForumFactory, MembershipFactory

ACCESS_NEEDS = "Step-free seat by the door"
DIETARY_NEEDS = "Halal, and no sesame"
PHONE = "07700 900461"
PARENT_EMAIL = "grace.okafor@example.org"

# Routes that serve a file or data but hold nobody's contact or access details, each with why.
HOLD_NO_CONTACT_DETAILS = {
    "static": "the site's own CSS, JavaScript and images",
    "events.event_image": "an event's picture",
    "events.event_ics": "one event as a calendar file: time, place and organiser's contact address",
    "events.site_calendar": "public events only, no attendees",
    "events.kind_calendar": "public events only, no attendees",
    "events.priority_calendar": "public events only, no attendees",
    "forums.forum_calendar": "a forum's public meetings only, no attendees",
    "events.personal_calendar": "a person's own events, to that person's private address",
    "core.your_data_download": "a person's own data, to that person only",
    "core.refused_rows": "the rows of a spreadsheet as its uploader gave them, back to the uploader only: "
                         "nothing read from the database",
    "awards.certificates": "nominees' names and the award, printed for the ceremony",
    "awards.results_record": "how the winners were chosen: names and scores, no contact details",
    "reports.report_download": "aggregate figures with small numbers suppressed",
    "reports.report_pdf": "asks the worker to draw the report: aggregate figures with small numbers suppressed",
    "reports.open_data_csv": "published aggregate figures",
    "reports.progress_report": "aggregate figures with small numbers suppressed",
    "reports.prepare_progress_report": "asks the worker to prepare the report: aggregate figures with small numbers "
                                       "suppressed",
    "api.events": "public facts only (api/representations.py)",
    "api.event": "public facts only (api/representations.py)",
    "api.priorities": "public facts only",
    "api.venues": "venues of public events only",
    "api.openapi_document": "the API's description",
    "api.open_data_releases": "published aggregate figures",
    "api.open_data_release": "published aggregate figures",
    "core.healthz": "process health",
    "core.readyz": "database health",
}
DOWNLOAD = re.compile(r"\.(csv|pdf|json|xlsx|ics)$|\.<any\(")


def _text(response) -> str:
    """What a reader of this response sees, whitespace evened out (a PDF table wraps long cells)."""
    if response.mimetype == "application/pdf":
        reader = PdfReader(io.BytesIO(response.data))
        body = "\n".join(page.extract_text() for page in reader.pages)
    else:
        body = html.unescape(response.get_data(as_text=True))
    return " ".join(body.split())


def _world(app):
    """A youth forum with a 15-year-old member who booked its members-only
    meeting and a public event (with access and dietary needs, and a phone
    number as the answer to each event's question), invited to both and to
    the forum; an adult member who booked too; and everyone who might look."""
    with app.app_context():
        forum, elsewhere = (ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25) for _ in range(2))
        young = UserFactory(name="Maya Okafor", email="maya.okafor@example.org")
        adult = UserFactory(name="Tom Reyes", email="tom.reyes@example.org")
        membership = MembershipFactory(forum=forum, user=young, date_of_birth=date.today() - timedelta(days=15 * 366),
                                       parent_name="Grace Okafor", parent_email=PARENT_EMAIL)
        MembershipFactory(forum=forum, user=adult, date_of_birth=date(1990, 5, 1))
        viewers = {
            "coordinator without a DBS check": UserFactory(),
            "coordinator with a DBS check": UserFactory(),
            "another youth forum's checked coordinator": UserFactory(),
            "meeting's organiser": UserFactory(roles=["organiser"]),
            "admin without a DBS check": UserFactory(roles=["admin"]),
            "admin with a DBS check": UserFactory(roles=["admin"]),
        }
        db.session.add_all([
            ForumCoordinator(forum_id=forum.id, user_id=viewers["coordinator without a DBS check"].id),
            ForumCoordinator(forum_id=forum.id, user_id=viewers["coordinator with a DBS check"].id),
            ForumCoordinator(forum_id=elsewhere.id, user_id=viewers["another youth forum's checked coordinator"].id),
            ForumInvitation(forum_id=forum.id, email=young.email)])
        for checked in ("coordinator with a DBS check", "another youth forum's checked coordinator",
                        "admin with a DBS check"):
            db.session.add(SafeguardingCheck(user_id=viewers[checked].id, checked_on=date.today()))
        organiser = viewers["meeting's organiser"]
        meeting = EventFactory(title="Youth forum meeting", forum_id=forum.id, kind=EventKind.FORUM_MEETING,
                               audience=Audience.FORUM_MEMBERS, allow_guests=False, organisers=[organiser])
        public = EventFactory(title="Big Lunch", organisers=[organiser])
        for event in (meeting, public):
            question = EventQuestion(event_id=event.id, label="A phone number for the day", kind=QuestionKind.TEXT)
            db.session.add(question)
            db.session.flush()
            RegistrationFactory(event=event, user=young, name=young.name, email=young.email,
                                access_needs=ACCESS_NEEDS, dietary_needs=DIETARY_NEEDS,
                                answers=[RegistrationAnswer(question_id=question.id, value=PHONE)])
            RegistrationFactory(event=event, user=adult, name=adult.name, email=adult.email,
                                access_needs="Hearing loop")
            db.session.add(EventInvitation(event_id=event.id, email=young.email, name=young.name))
        # An address in an audit entry's details, at the top, in a list and nested (each screened).
        audit.record("forum.invitation_sent", subject=forum, details={
            "email": young.email, "sent_to": [young.email, "someone.else@example.org"], "change": {"to": young.email}})
        category = CategoryFactory(cycle=CycleFactory(judging=True))
        nomination = eligible(category, name="Amira Hussain")  # nominated by the young member, phone and all
        nomination.nominator_id, nomination.nominator_name = young.id, young.name
        nomination.nominator_email, nomination.nominator_phone = young.email, PHONE
        db.session.add(PanelMember(category_id=category.id, email=young.email, user_id=young.id))  # a young judge
        # Emails that could not be sent, for an admin to look at: one to the young member, and one to their
        # parent asking for consent, which names the child (found by attacking it: the parent's was shown).
        db.session.add(OutboxMessage(recipient=young.email, subject="Your booking", body="...", attempts=8,
                                     status=OutboxStatus.FAILED, last_error="SMTPRecipientsRefused"))
        db.session.add(OutboxMessage(recipient=PARENT_EMAIL, subject=f"Your consent for {young.name} to join",
                                     body="...", attempts=8, status=OutboxStatus.FAILED, last_error="Refused",
                                     about_user_id=young.id))
        # Equality answers given as a guest under the young member's address in capitals: a likely duplicate.
        give_consent(f"guest:{young.email.title()}")
        db.session.commit()
        return SimpleNamespace(
            forum=forum.id, membership=membership.id, meeting=meeting.id, public=public.id, young=young.id,
            nomination=nomination.id, category=category.id,
            young_name=young.name, young_email=young.email, adult_email=adult.email, venue=meeting.venue_id,
            viewers={role: SimpleNamespace(email=user.email, password=PASSWORD) for role, user in viewers.items()})


SECRETS = {"email": lambda world: world.young_email, "access needs": lambda world: ACCESS_NEEDS,
           "dietary needs": lambda world: DIETARY_NEEDS, "answers": lambda world: PHONE,
           "parent or carer": lambda world: PARENT_EMAIL}
MAY_SEE = {"coordinator with a DBS check", "admin with a DBS check"}


def _registered_outputs(app) -> dict[str, safeguarding.Output]:
    marked = {output.view: output for output in safeguarding.outputs()}
    found = {endpoint: marked[view] for endpoint, view in app.view_functions.items() if view in marked}
    assert set(found.values()) == set(marked.values()), "an output is marked away from its route decorator"
    return found


# Outputs whose address names what they show in its query string.
QUERIES = {"core.merge_preview": lambda world: {"keep": f"user:{world.young}",
                                                "merge": f"guest:{world.young_email.title()}"}}


def _urls(app, endpoint, world) -> list[str]:
    """The endpoint's addresses in this world (every event for an event's route), or [] if it takes other things."""
    fills = {"event_id": [world.meeting, world.public], "forum_id": [world.forum],
             "membership_id": [world.membership], "user_id": [world.young], "venue_id": [world.venue],
             "nomination_id": [world.nomination], "category_id": [world.category]}
    urls = [QUERIES[endpoint](world)] if endpoint in QUERIES else [{}]
    for rule in app.url_map.iter_rules(endpoint):
        if "GET" not in rule.methods or not rule.arguments <= (fills.keys() | set(rule.defaults or {})):
            continue
        for name in rule.arguments - set(rule.defaults or {}):
            urls = [{**args, name: value} for args in urls for value in fills[name]]
        with app.test_request_context():
            return [url_for(endpoint, **args) for args in urls]
    return []


def test_every_registered_output_shows_a_young_members_details_only_to_those_the_gate_allows(app):
    world = _world(app)
    outputs = _registered_outputs(app)
    assert {"events.manage_event", "events.check_in_page", "events.book_for", "events.registrations_csv",
            "events.attendees_pdf", "events.badges_pdf", "forums.directory", "forums.members_csv",
            "forums.membership", "core.admin_users", "core.admin_user", "core.audit_log", "core.email_delivery",
            "awards.screen", "awards.panel"} <= set(outputs)
    browsers = {}
    for role, viewer in world.viewers.items():
        browsers[role] = app.test_client()
        sign_in(browsers[role], viewer)

    problems, rendered = [], 0
    for endpoint, output in sorted(outputs.items()):
        urls = _urls(app, endpoint, world)
        assert urls, f"{endpoint}: no address to render it at"
        for url in urls:
            seen_by = {"may": 0, "may not": 0}
            for role, browser in browsers.items():
                response = browser.get(url)
                if response.status_code != 200:
                    continue  # the route's own permission keeps this viewer out altogether
                rendered += 1
                text = _text(response)
                if role in MAY_SEE:
                    seen_by["may"] += 1
                    missing = [kind for kind in output.details if SECRETS[kind](world) not in text]
                    if missing:
                        problems.append(f"{url} as the {role}: {', '.join(missing)} missing")
                    continue
                seen_by["may not"] += 1
                leaked = [kind for kind, secret in SECRETS.items() if secret(world) in text]
                if leaked:
                    problems.append(f"{url} as the {role}: shows the young member's {', '.join(leaked)}")
                if output.names_people and world.young_name not in text:
                    problems.append(f"{url} as the {role}: the young member's name is missing")
                if output.details and YOUNG_MEMBERS_NOTE not in text:
                    problems.append(f"{url} as the {role}: no note saying who holds the details")
            if not all(seen_by.values()):
                problems.append(f"{url}: rendered for nobody who {'may' if not seen_by['may'] else 'may not'} "
                                "see the details, so the check proves nothing")
    assert not problems, "\n".join(problems)
    assert rendered >= 60


def test_an_organiser_still_sees_an_adults_details_beside_the_young_members_note(app):
    world = _world(app)
    browser = app.test_client()
    sign_in(browser, world.viewers["meeting's organiser"])
    for url in (f"/manage/events/{world.public}", f"/manage/events/{world.public}/registrations.csv",
                f"/manage/events/{world.meeting}/check-in", f"/manage/events/{world.meeting}/attendees.pdf"):
        text = _text(browser.get(url))
        assert "Hearing loop" in text and YOUNG_MEMBERS_NOTE in text and ACCESS_NEEDS not in text, url
    assert world.adult_email in _text(browser.get(f"/manage/events/{world.public}"))


def test_every_route_that_shows_a_young_members_details_or_serves_a_file_is_registered_or_marked(app):
    """Walks the URL map as a DBS-checked admin (who may see everything): a
    route that shows the young member's details, or answers with anything but
    a page, must be a registered output or be marked above as holding no
    one's details; so must every route whose address names a download."""
    world = _world(app)
    registered = set(_registered_outputs(app))
    allowed = registered | set(HOLD_NO_CONTACT_DETAILS)
    assert set(HOLD_NO_CONTACT_DETAILS) <= set(app.view_functions), "marked routes that no longer exist"
    unmarked = sorted(rule.endpoint for rule in app.url_map.iter_rules()
                      if DOWNLOAD.search(rule.rule) and rule.endpoint not in allowed)
    assert not unmarked, f"downloads that are neither registered outputs nor marked: {unmarked}"
    assert not set(HOLD_NO_CONTACT_DETAILS) & registered, "marked as holding no details, yet registered"

    browser = app.test_client()
    sign_in(browser, world.viewers["admin with a DBS check"])
    problems, walked = [], 0
    for endpoint in sorted({rule.endpoint for rule in app.url_map.iter_rules()}):
        for url in _urls(app, endpoint, world):
            response = browser.get(url)
            walked += 1
            if endpoint in allowed:
                continue
            if response.mimetype not in ("text/html", "text/plain"):
                problems.append(f"{endpoint} ({url}) answers {response.mimetype}: register it or mark it")
            shown = [kind for kind, secret in SECRETS.items() if secret(world) in _text(response)]
            if shown:
                problems.append(f"{endpoint} ({url}) shows {', '.join(shown)} but is not a registered output")
    assert not problems, "\n".join(problems)
    assert walked >= 80


# --- the predicate itself ------------------------------------------------------------------------

def test_the_gate_protects_a_young_member_everywhere_and_nobody_from_themselves(app):
    with app.app_context():
        forum, interfaith = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25), ForumFactory()
        young, adult, coordinator, admin = UserFactory(), UserFactory(), UserFactory(), UserFactory(roles=["admin"])
        MembershipFactory(forum=forum, user=young, date_of_birth=date.today() - timedelta(days=16 * 366))
        MembershipFactory(forum=interfaith, user=adult)
        interfaith_coordinator = UserFactory()
        db.session.add_all([ForumCoordinator(forum_id=forum.id, user_id=coordinator.id),
                            ForumCoordinator(forum_id=interfaith.id, user_id=interfaith_coordinator.id),
                            SafeguardingCheck(user_id=interfaith_coordinator.id, checked_on=date.today())])
        db.session.commit()
        guest_booking = RegistrationFactory(email=young.email)  # booked as a guest, signed out, with their address

        see = safeguarding.may_see_contact_details
        assert see(young, young) and see(young, guest_booking)
        assert see(interfaith_coordinator, adult)
        for viewer in (coordinator, admin, interfaith_coordinator, adult):
            assert not see(viewer, young) and not see(viewer, guest_booking)
        assert not can_see_young_members_details(coordinator, forum)

        db.session.add_all([SafeguardingCheck(user_id=person.id, checked_on=date.today())
                            for person in (coordinator, admin)])
        db.session.commit()
        assert see(coordinator, young) and see(admin, guest_booking) and can_see_young_members_details(coordinator,
                                                                                                        forum)
        assert not see(interfaith_coordinator, young)  # a DBS check, but not this young person's forum

        db.session.get(SafeguardingCheck, db.session.scalar(
            db.select(SafeguardingCheck.id).where(SafeguardingCheck.user_id == coordinator.id))
        ).checked_on = date(2010, 1, 1)  # long out of date
        db.session.commit()
        assert not see(coordinator, young) and not can_see_young_members_details(coordinator, forum)


def test_at_eighteen_a_member_is_no_longer_protected(app):
    with app.app_context():
        forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25)
        born = date.today() - timedelta(days=18 * 366)  # just over 18
        member, organiser = UserFactory(), UserFactory()
        MembershipFactory(forum=forum, user=member, date_of_birth=born)
        db.session.commit()
        assert safeguarding.may_see_contact_details(organiser, member)
        assert "forums.young_members" in safeguarding.guards()


def test_a_screen_asks_each_guard_once_for_a_whole_list(app):
    calls = []

    def guard(viewer, user_ids):
        calls.append(set(user_ids))
        return {user_id for user_id in user_ids if user_id % 2}

    with app.app_context():
        people = [UserFactory() for _ in range(4)]
        safeguarding.register_guard("test.odd", guard, note="Held elsewhere")
        try:
            screen = safeguarding.screen(None, people)
        finally:
            safeguarding._RULES.pop("test.odd")
        assert calls == [{person.id for person in people}]
        assert [screen.note(person) for person in people] == [
            "Held elsewhere" if person.id % 2 else "" for person in people]


def test_a_young_members_old_address_is_still_theirs(app):
    """What was left under an address the young member has since moved from
    (a guest booking, say) is still protected: the gate remembers every
    address an account proved (core.models.ProvenAddress)."""
    from core.accounts import services
    from core.database import write_lock
    from events.services.registration import register

    with app.test_request_context(), write_lock(every_transaction=True):
        forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25)
        young = UserFactory(email="old.address@example.org")
        services.email_confirmed.send(young)  # she proved it when she signed up
        MembershipFactory(forum=forum, user=young, date_of_birth=date.today() - timedelta(days=15 * 366))
        organiser = UserFactory(roles=["organiser"])
        booking = register(EventFactory(), name="Guest", email="old.address@example.org",
                           access_needs=ACCESS_NEEDS)
        services.confirm_email(services.email_confirmation_token(young, "new.address@example.org"),
                               password=PASSWORD)
        db.session.commit()
        assert young.email == "new.address@example.org" and booking.user_id is None
        assert not safeguarding.may_see_contact_details(organiser, booking)


OLD_ADDRESS, NEW_ADDRESS = "ellie@example.org", "ellie.new@example.org"


def _a_young_member_left_a_guest_booking_under_an_address_she_has_since_moved_from(app):
    """Ellie, 15 and in a youth forum, proved her address, booked an
    organiser's public event as a guest under it with her needs, then moved
    her account to a new address and proved that one too."""
    from core.accounts import services
    from core.database import write_lock
    from events.services.registration import register

    with app.test_request_context(), write_lock(every_transaction=True):
        forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25)
        ellie = UserFactory(name="Ellie Hart", email=OLD_ADDRESS)
        services.email_confirmed.send(ellie)  # she proved it when she signed up
        MembershipFactory(forum=forum, user=ellie, date_of_birth=date.today() - timedelta(days=15 * 366))
        organiser, admin = UserFactory(roles=["organiser"]), UserFactory(roles=["admin"])
        event = EventFactory(title="Big Lunch", organisers=[organiser])
        booking = register(event, name="Ellie Hart", email=OLD_ADDRESS, access_needs=ACCESS_NEEDS,
                           dietary_needs=DIETARY_NEEDS)
        services.confirm_email(services.email_confirmation_token(ellie, NEW_ADDRESS), password=PASSWORD)
        db.session.commit()
        return SimpleNamespace(event=event.id, booking=booking.id, organiser=organiser.email, admin=admin.email)


def _what_staff_without_a_dbs_check_see(app, world) -> dict[str, str]:
    pages = {}
    for viewer, urls in ((world.organiser, (f"/manage/events/{world.event}",
                                            f"/manage/events/{world.event}/registrations.csv")),
                         (world.admin, ("/admin/audit",))):
        browser = app.test_client()
        sign_in(browser, SimpleNamespace(email=viewer, password=PASSWORD))
        for url in urls:
            response = browser.get(url)
            assert response.status_code == 200, url
            pages[url] = _text(response)
    return pages


def _assert_her_details_are_withheld(pages: dict[str, str]) -> None:
    problems = []
    for url, text in pages.items():
        shown = [secret for secret in (OLD_ADDRESS, ACCESS_NEEDS, DIETARY_NEEDS) if secret in text]
        if shown:
            problems.append(f"{url} shows {', '.join(shown)}")
        if YOUNG_MEMBERS_NOTE not in text:
            problems.append(f"{url}: no note saying who holds the details")
    assert not problems, "\n".join(problems)


def test_a_stranger_signing_up_with_a_young_members_old_address_does_not_lift_her_protection(app):
    """An address nobody has proven is nobody's: the stranger who signs up
    with it and never confirms takes neither the address nor her protection
    away from the young member who proved it (found by a security test: her
    email, needs and old address were shown to the organiser and in the audit log)."""
    from core.accounts import services

    world = _a_young_member_left_a_guest_booking_under_an_address_she_has_since_moved_from(app)
    with app.test_request_context():
        services.sign_up(name="Stranger", email=OLD_ADDRESS, password="lantern orchard velvet")
        db.session.commit()
    _assert_her_details_are_withheld(_what_staff_without_a_dbs_check_see(app, world))


def test_an_account_that_proves_a_young_members_old_address_later_does_not_expose_what_she_left_under_it(app):
    """Someone else who later proves the address (it was recycled, say) gets
    none of what was left under it while it was hers, and her protection
    stays on it; what they book with their own account is theirs, and shown."""
    from core.accounts import services
    from core.database import write_lock
    from events.models import Registration
    from events.services.registration import register

    world = _a_young_member_left_a_guest_booking_under_an_address_she_has_since_moved_from(app)
    with app.test_request_context(), write_lock(every_transaction=True):
        newcomer = services.sign_up(name="Nat Newcomer", email=OLD_ADDRESS, password="lantern orchard velvet")
        services.confirm_email(services.email_confirmation_token(newcomer), password="lantern orchard velvet")
        assert db.session.get(Registration, world.booking).user_id is None  # not the newcomer's
        register(EventFactory(organisers=[db.session.scalar(db.select(User).where(User.email == world.organiser))]),
                 user=newcomer, access_needs="Hearing loop")
        db.session.commit()
    _assert_her_details_are_withheld(_what_staff_without_a_dbs_check_see(app, world))
    browser = app.test_client()
    sign_in(browser, SimpleNamespace(email=world.organiser, password=PASSWORD))
    with app.app_context():
        theirs = db.session.scalar(db.select(Registration).where(Registration.access_needs == "Hearing loop"))
        text = _text(browser.get(f"/manage/events/{theirs.event_id}"))
    assert OLD_ADDRESS in text and "Hearing loop" in text and YOUNG_MEMBERS_NOTE not in text


def test_searching_people_by_address_cannot_confirm_a_young_members_address(app):
    """People and roles finds an account by its whole address only where the
    gate would show that address: pieces of it, or `%` and `_`, find nothing."""
    world = _world(app)
    browsers = {}
    for role in ("admin without a DBS check", "admin with a DBS check"):
        browsers[role] = app.test_client()
        sign_in(browsers[role], world.viewers[role])

    def found(role, q):
        return world.young_name in browsers[role].get("/admin/users", query_string={"q": q}).get_data(as_text=True)

    assert not found("admin without a DBS check", world.young_email)
    assert found("admin with a DBS check", world.young_email)
    assert found("admin without a DBS check", world.young_name.split()[0])  # a name is a name
    for piece in (world.young_email.split("@")[0] + "@", "maya.okafor@example.o", "%okafor@%", "maya_okafor@"):
        assert not found("admin with a DBS check", piece), piece


def test_typing_an_address_does_not_tell_an_organiser_or_coordinator_whose_it_is(app):
    """Booking someone in keeps the name the organiser typed; inviting a
    member says nothing of their name or status (a young member's would be
    "waiting for parent or carer")."""
    from core.database import write_lock
    from events.services.registration import book_for
    from forums.models import Forum
    from forums.services.errors import ForumRuleBroken
    from forums.services.invitations import invite

    with app.test_request_context(), write_lock(every_transaction=True):
        forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25)
        young = UserFactory(name="Jay Brown", email="jay@example.org")
        MembershipFactory(forum=forum, user=young, date_of_birth=date.today() - timedelta(days=14 * 366))
        organiser = UserFactory(roles=["organiser"])
        booked = book_for(EventFactory(organisers=[organiser]), name="Someone Else", email="jay@example.org",
                          tickets=1, from_held_back=False, actor=organiser)
        assert booked.name == "Someone Else"
        try:
            invite(db.session.get(Forum, forum.id), "jay@example.org", actor=UserFactory())
        except ForumRuleBroken as refused:
            assert "Jay" not in refused.message and "parent" not in refused.message
        else:
            raise AssertionError("inviting a current member was not refused")


def test_nobody_records_their_own_dbs_check(app):
    from forums.services.errors import ForumRuleBroken
    from forums.services.safeguarding import record_safeguarding_check, safeguarding_check_current

    with app.test_request_context():
        admin = UserFactory(roles=["admin"])
        with pytest.raises(ForumRuleBroken, match="Another admin"):
            record_safeguarding_check(admin, date.today(), actor=admin)
        assert not safeguarding_check_current(admin)
