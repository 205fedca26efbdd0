"""The right of access: "Your data" shows, and downloads as JSON, everything
held about the signed-in person, and nothing about anyone else."""
import ast
import json
from pathlib import Path

from flask_babel.speaklater import LazyString
from markupsafe import escape

from core import audit
from core.privacy import registry, your_data
from core.equality import services as equality
from core.extensions import db
from core.accounts.services import email_confirmed
from events.models import AccessRequestKind, Attendance, RegistrationAccessRequest
from awards.models import Nomination, NominationAnswer, NominationStatus, NomineeKind
from forums.models import Apology
from tests.awards.factories import CategoryFactory
from tests.conftest import sign_in_through_the_forms
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory
from tests.forums.factories import MembershipFactory

SCRIPT = "<script>alert('x')</script>"
ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "events", "forums", "awards", "reports", "api", "seed")


def nomination_by(category, *, name, email, nominee, user=None):
    nomination = Nomination(category=category, status=NominationStatus.SUBMITTED, nominator_id=user.id if user else None,
                            nominator_name=name, nominator_email=email, relationship_to_nominee="Neighbour",
                            nominee_name=nominee, nominee_kind=NomineeKind.INDIVIDUAL, nominee_area="Corby")
    db.session.add(nomination)
    db.session.flush()
    db.session.add(NominationAnswer(nomination_id=nomination.id, text=f"What {nominee} did for the street"))
    return nomination


def a_full_life(app, make_user):
    """A member who has done a bit of everything, and a stranger who has too."""
    member = make_user(name="Amira Hussain", email="amira@example.org")
    with app.test_request_context():
        person = db.session.get(UserFactory._meta.model, member.id)
        stranger = UserFactory(name="Oskar Nowak", email="oskar@example.org")
        supper = EventFactory(title="Interfaith supper")
        booked = RegistrationFactory(event=supper, user=person, name=person.name, email=person.email,
                                     access_needs=f"Step-free access {SCRIPT}", access_requests=[
                                         RegistrationAccessRequest(kind=AccessRequestKind.SPOKEN_LANGUAGE_INTERPRETER,
                                                                   detail="Urdu"),
                                         RegistrationAccessRequest(kind=AccessRequestKind.QUIET_SPACE, detail="")])
        db.session.add(Attendance(event_id=supper.id, registration_id=booked.id))
        RegistrationFactory(event=EventFactory(title="Park clean-up"), name="Amira", email="AMIRA@example.org")
        email_confirmed.send(person)  # she booked that as a guest, then confirmed her account's address
        RegistrationFactory(event=supper, user=stranger, name=stranger.name, email=stranger.email,
                            access_needs="A hearing loop", access_requests=[
                                RegistrationAccessRequest(kind=AccessRequestKind.SPOKEN_LANGUAGE_INTERPRETER,
                                                          detail="Tigrinya")])
        membership = MembershipFactory(user=person, forum__name="Youth Forum", parent_name="Samira Hussain",
                                       parent_email="samira@example.org")
        db.session.add(Apology(event_id=supper.id, user_id=person.id, note="Away with school"))
        category = CategoryFactory(name="Good Neighbour")
        nomination_by(category, name=person.name, email=person.email, nominee="Mrs Patel", user=person)
        nomination_by(category, name=stranger.name, email=stranger.email, nominee="Mr Jones", user=stranger)
        for user, religion in ((person, "muslim"), (stranger, "christian")):
            key = equality.person_key(user)
            equality.give_consent(key, user=user)
            equality.save_answers(key, {"religion": religion, "age_band": "16_24"})
        audit.record("membership.updated", actor=UserFactory(name="A Coordinator"), subject=membership)
        audit.record("account.updated", actor=person, subject=person)
        db.session.commit()
    return member


def test_the_download_holds_every_kind_of_record_about_the_person(app, client, make_user):
    member = a_full_life(app, make_user)
    sign_in_through_the_forms(client, member)  # the sign-in is part of their record
    response = client.get("/account/your-data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="your-data-')
    assert response.headers["Cache-Control"] == "private, no-store"
    data = json.loads(response.data)

    [account] = data["account"]
    assert (account["Full name"], account["Email address"]) == ("Amira Hussain", "amira@example.org")
    events = {record.get("Event"): record for record in data["registrations"]}
    assert set(events) == {"Interfaith supper", "Park clean-up"}  # the guest booking with her address too
    assert events["Interfaith supper"]["Access needs"] == f"Step-free access {SCRIPT}"
    assert events["Interfaith supper"]["Access requests"] == ["Interpreter for Urdu", "Quiet space"]
    assert events["Park clean-up"]["Access requests"] == []
    assert events["Interfaith supper"]["Checked in"] and events["Park clean-up"]["Checked in"] is None
    [membership] = data["forum_memberships"]
    assert (membership["Forum"], membership["Parent or carer"]) == ("Youth Forum", "Samira Hussain")
    assert [record["Note"] for record in data["forum_activity"]] == ["Away with school"]
    [nomination] = data["nominations"]
    assert nomination["Nominee"] == "Mrs Patel"
    assert nomination["What you wrote"] == ["What Mrs Patel did for the street"]
    [answers] = data["equality_answers"]
    assert (answers["Religion"], answers["Age"]) == ("Muslim", "16 to 24") and answers["Consent given"]
    assert [(record["What"], record["By you"]) for record in data["audit_entries"]] == [
        ("Registrations made as a guest added to the account", True), ("Membership updated", False),
        ("Account updated", True),
        ("Sign in succeeded", True)]


def test_nothing_about_anyone_else_is_in_it(app, client, make_user):
    member = a_full_life(app, make_user)
    sign_in_through_the_forms(client, member)  # the sign-in is part of their record
    body = client.get("/account/your-data.json").get_data(as_text=True)
    for theirs in ("Oskar", "oskar@example.org", "A hearing loop", "Tigrinya", "Mr Jones", "Christian",
                   "A Coordinator"):
        assert theirs not in body


def test_the_page_shows_the_same_records_readably_and_escaped(app, client, make_user):
    member = a_full_life(app, make_user)
    sign_in_through_the_forms(client, member)  # the sign-in is part of their record
    page = client.get("/account/your-data")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    for heading in ("Events you registered for", "Forum memberships", "Nominations you made",
                    "Equality monitoring answers", "Emails we sent you"):
        assert f">{heading}</h2>" in text
    assert str(escape(f"Step-free access {SCRIPT}")) in text and SCRIPT not in text
    assert "Samira Hussain" in text and "Muslim" in text and "Oskar" not in text
    assert 'href="/account/your-data.json"' in text


def test_someone_new_sees_their_account_and_nothing_else(client, make_user):
    sign_in_through_the_forms(client, make_user(name="Ben Carter"))
    text = client.get("/account/your-data").get_data(as_text=True)
    # Every section but the account and the record of changes (which holds this sign-in) is empty.
    assert "Ben Carter" in text and "Sign in succeeded" in text
    assert text.count('<p class="govuk-body">Nothing.</p>') == 10


def test_visitors_are_sent_to_sign_in(client):
    for path in ("/account/your-data", "/account/your-data.json"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def recorded_actions() -> tuple[dict[str, str], list[str]]:
    """Every action the code records, read from its `audit.record(...)` calls
    (action -> where), and the calls whose action is not written out in the
    call (built from a variable or an f-string), which cannot be checked."""
    actions, unreadable = {}, []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for call in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                        and call.func.attr == "record" and ast.unparse(call.func.value).split(".")[-1] == "audit"):
                    continue
                where = f"{path.relative_to(ROOT)}:{call.lineno}"
                given = call.args[0] if call.args else next(
                    (keyword.value for keyword in call.keywords if keyword.arg == "action"), None)
                written = _written_out(given)
                if written is None:
                    unreadable.append(where)
                for action in written or ():
                    actions.setdefault(action, where)
    return actions, unreadable


def _written_out(node) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):  # "a.one" if ... else "a.other"
        body, orelse = _written_out(node.body), _written_out(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def test_every_audit_action_the_code_records_has_a_name_in_the_persons_language(app):
    """An action recorded without a name would show in "Your data" in
    English made from its code: core names its own, each domain its own in
    its privacy.py (registry.audit_action_names)."""
    actions, unreadable = recorded_actions()
    assert unreadable == [], "write the action out in the audit.record call, so its name can be checked"
    assert len(actions) > 100  # the reading found them
    names = your_data.action_names()
    assert {action: where for action, where in actions.items() if action not in names} == {}, \
        "name these actions in their domain's privacy.py (registry.audit_action_names)"
    assert sorted(set(names) - set(actions)) == [], "these names are of actions nothing records"
    contributions = [your_data._ACTIONS, *registry.audit_action_names]
    named_twice = [action for action in names if sum(action in names_of for names_of in contributions) > 1]
    assert named_twice == []
    assert all(isinstance(name, LazyString) for name in names.values())  # _l: read in the person's language


def test_a_domains_action_reads_by_its_name(app, client, make_user):
    member = make_user(name="Ben Carter")
    with app.test_request_context():
        person = db.session.get(UserFactory._meta.model, member.id)
        audit.record("calendar_link.renewed", actor=person, subject=person)
        audit.record("membership.suspended", actor=UserFactory(), subject=MembershipFactory(user=person))
        db.session.commit()
    sign_in_through_the_forms(client, member)
    data = json.loads(client.get("/account/your-data.json").data)
    assert [record["What"] for record in data["audit_entries"]][:2] == [
        "Private calendar address renewed", "Forum membership suspended"]
