"""What people ask for to take part (events.services.access_requests): the
rules without HTTP, then the pages: the registration form with its revealed
language box, the organisers' counts, the CSV and PDF attendee lists, and the
booking's own page where its holder changes what they asked for."""
import csv
import io
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event as sa_event, func, select

from core.accounts import safeguarding
from core.database import utcnow, write_lock
from core.extensions import db
from core.models import AuditEntry
from core.accounts.models import User
from events.models import (
    AccessRequestKind, EventStatus, Registration, RegistrationAccessRequest, RegistrationStatus,
)
from events.services.access_requests import (
    AccessChoices, AccessRequestsClosed, LanguageNeeded, access_request_counts, change_access_requests,
)
from events.services.registration import book_for, cancel_registration, register
from events.services.registration_links import registration_token
from tests.conftest import error_summary, sign_in, submit
from tests.events.factories import EventFactory, RegistrationFactory
from tests.events.test_pdf import pdf_text
from tests.factories import UserFactory

BSL, SPOKEN, LOOP = (AccessRequestKind.BSL_INTERPRETER, AccessRequestKind.SPOKEN_LANGUAGE_INTERPRETER,
                     AccessRequestKind.HEARING_LOOP)


def asking(*kinds, languages=""):
    return AccessChoices(frozenset(kinds), languages)


def asked(registration) -> list[tuple[AccessRequestKind, str]]:
    return [(request.kind, request.detail) for request in registration.access_requests_in_order]


def counted(counts) -> dict[str, tuple[int, int]]:
    return {str(row.label): (row.booked, row.waiting) for row in counts.rows}


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


# --- the rules ---------------------------------------------------------------------------------

@pytest.mark.parametrize("languages, message", [
    ("", "Enter the language you need an interpreter for"),
    (" , ", "Enter the language you need an interpreter for"),
    ("Polish 07700 900123", "Enter the language using letters only, like Polish or Urdu"),
    ("polish@example.org", "Enter the language using letters only, like Polish or Urdu"),
    ("P" * 61, "Each language must be 60 characters or fewer"),
])
def test_an_interpreter_for_a_spoken_language_needs_its_language(ctx, languages, message):
    event = EventFactory()
    with pytest.raises(LanguageNeeded) as refused:
        register(event, name="Ola", email="ola@example.org", access=asking(BSL, SPOKEN, languages=languages))
    assert refused.value.message == message and refused.value.field == "interpreter_languages"
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_each_language_is_one_request_and_a_language_without_the_tick_is_ignored(ctx):
    event = EventFactory(max_tickets=2)
    booking = register(event, name="Ola", email="ola@example.org",
                       access=asking(SPOKEN, LOOP, languages="Polish, urdu and POLISH; Punjabi (Shahmukhi)،اردو"))
    assert asked(booking) == [(SPOKEN, "Polish"), (SPOKEN, "urdu"), (SPOKEN, "Punjabi (Shahmukhi)"),
                              (SPOKEN, "اردو"), (LOOP, "")]
    other = register(event, name="Sam", email="sam@example.org", access=asking(BSL, languages="Polish"))
    assert asked(other) == [(BSL, "")]


def test_the_database_holds_a_language_only_for_a_spoken_language_interpreter(ctx):
    registration = RegistrationFactory()
    for kind, detail in ((SPOKEN, ""), (BSL, "Polish")):
        db.session.add(RegistrationAccessRequest(registration_id=registration.id, kind=kind, detail=detail))
        with pytest.raises(Exception, match="(?i)check"):
            db.session.flush()
        db.session.rollback()


def test_counts_are_of_live_bookings_with_the_waiting_list_apart(ctx):
    event = EventFactory(capacity=2)
    organiser = UserFactory(roles=["organiser"])
    register(event, name="A", email="a@example.org", access=asking(BSL, SPOKEN, languages="Polish"))
    register(event, name="B", email="b@example.org", access=asking(SPOKEN, LOOP, languages="polish, Urdu"))
    waiting = register(event, name="C", email="c@example.org", access=asking(BSL, SPOKEN, languages="Urdu"))
    assert waiting.status == RegistrationStatus.WAITLISTED
    gone = register(event, name="D", email="d@example.org", access=asking(BSL))
    cancel_registration(gone, actor=None)
    unconfirmed = RegistrationFactory(event=event, status=RegistrationStatus.PENDING, confirmed_at=None)
    unconfirmed.access_requests.append(RegistrationAccessRequest(kind=BSL, detail=""))
    db.session.flush()

    counts = access_request_counts(event, organiser)
    assert counted(counts) == {"British Sign Language (BSL) interpreter": (1, 1), "Interpreter for Polish": (2, 0),
                               "Interpreter for Urdu": (1, 1), "Hearing loop": (1, 0)}
    assert [row.kind for row in counts.rows] == [BSL, SPOKEN, SPOKEN, LOOP]  # the form's order, then by language
    assert counts.withheld == 0

    # A place offered from the waiting list is not taken yet: still waiting.
    waiting.status = RegistrationStatus.OFFERED
    db.session.flush()
    assert counted(access_request_counts(event, organiser))["Interpreter for Urdu"] == (1, 1)
    event.status = EventStatus.CANCELLED
    assert access_request_counts(event, organiser).rows == []


def test_counting_takes_one_query_however_many_book(app):
    def queries_counting(bookings: int) -> int:
        with app.test_request_context(), write_lock(every_transaction=True):
            event = EventFactory(capacity=None)
            for n in range(bookings):
                registration = RegistrationFactory(event=event, user=UserFactory() if n % 2 else None)
                registration.access_requests.append(RegistrationAccessRequest(kind=BSL, detail=""))
            db.session.commit()
            statements = []
            listener = lambda *args: statements.append(args[2])  # noqa: E731
            sa_event.listen(db.engine, "before_cursor_execute", listener)
            try:
                counts = access_request_counts(event, SimpleNamespace(is_authenticated=False))
            finally:
                sa_event.remove(db.engine, "before_cursor_execute", listener)
            assert counted(counts) == {"British Sign Language (BSL) interpreter": (bookings, 0)}
            return len(statements)
    assert queries_counting(3) == queries_counting(30)


def test_requests_the_viewer_may_not_see_are_left_out_and_said_to_be(ctx, monkeypatch):
    event = EventFactory()
    young, adult = UserFactory(), UserFactory()
    monkeypatch.setitem(safeguarding._RULES, "test", safeguarding._Rule(
        lambda viewer, ids: {young.id} & ids, "Under 18: ask the coordinators"))
    register(event, user=young, access=asking(SPOKEN, languages="Tigrinya"))
    register(event, user=adult, access=asking(SPOKEN, languages="Polish"))
    counts = access_request_counts(event, UserFactory(roles=["organiser"]))
    assert counted(counts) == {"Interpreter for Polish": (1, 0)}
    assert (counts.withheld, counts.withheld_booked, counts.withheld_note) == (1, 1, "Under 18: ask the coordinators")
    assert counted(access_request_counts(event, young)) == {"Interpreter for Tigrinya": (1, 0),
                                                           "Interpreter for Polish": (1, 0)}


def test_the_holder_changes_what_they_asked_for(ctx):
    event = EventFactory()
    member = UserFactory()
    booking = register(event, user=member, access_needs="Aisle seat", access=asking(BSL, SPOKEN, languages="Polish"))
    first_bsl = booking.access_requests_in_order[0].id
    change_access_requests(booking, asking(BSL, SPOKEN, LOOP, languages="Urdu"), access_needs=" Near the door ",
                           actor=member)
    assert asked(booking) == [(BSL, ""), (SPOKEN, "Urdu"), (LOOP, "")] and booking.access_needs == "Near the door"
    assert booking.access_requests_in_order[0].id == first_bsl  # what stays is kept, not written again
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registration.access_requests_changed"))
    assert entry.details == {"event": event.id} and "Urdu" not in str(entry.details)  # health: not in the log

    with pytest.raises(LanguageNeeded):
        change_access_requests(booking, asking(SPOKEN), access_needs="", actor=member)
    change_access_requests(booking, asking(), access_needs="", actor=member)
    assert asked(booking) == [] and db.session.scalar(
        select(func.count()).select_from(RegistrationAccessRequest)) == 0


def test_nothing_changes_once_the_booking_is_cancelled_or_the_event_over(ctx):
    event = EventFactory()
    booking = register(event, name="Ola", email="ola@example.org", access=asking(BSL))
    cancel_registration(booking, actor=None)
    with pytest.raises(AccessRequestsClosed):
        change_access_requests(booking, asking(LOOP), access_needs="", actor=None)
    past = RegistrationFactory(event=EventFactory(starts_at=utcnow() - timedelta(days=2)))
    with pytest.raises(AccessRequestsClosed):
        change_access_requests(past, asking(LOOP), access_needs="", actor=None)
    assert asked(booking) == [(BSL, "")] and asked(past) == []


def test_a_cancelled_booking_taken_up_again_asks_afresh(ctx):
    event = EventFactory()
    member = UserFactory()
    booking = register(event, user=member, access=asking(BSL))
    cancel_registration(booking, actor=member)
    again = register(event, user=member, access=asking(LOOP))
    assert again.id == booking.id and asked(again) == [(LOOP, "")]


def test_an_organiser_books_someone_in_with_what_they_need(ctx):
    event = EventFactory(reserved_places=2)
    organiser = UserFactory(roles=["organiser"])
    with pytest.raises(LanguageNeeded):
        book_for(event, name="Ola", email="ola@example.org", tickets=1, from_held_back=True, actor=organiser,
                 access=asking(SPOKEN))
    booking = book_for(event, name="Ola", email="ola@example.org", tickets=1, from_held_back=True, actor=organiser,
                       access=asking(SPOKEN, languages="Polish"))
    assert asked(booking) == [(SPOKEN, "Polish")]


# --- the pages ---------------------------------------------------------------------------------

def text_of(response):
    return response.get_data(as_text=True)


def test_the_form_asks_with_checkboxes_and_reveals_the_language_box(app, client):
    with app.app_context():
        event_id = EventFactory().id
    page = text_of(client.get(f"/events/{event_id}/register"))
    assert "Do you need any of these to take part?" in page and 'class="govuk-checkboxes"' in page
    for kind in AccessRequestKind:
        assert f'value="{kind.value}"' in page
    # GOV.UK's conditional reveal: the box sits under its checkbox, which controls it.
    spoken = page.index('value="spoken_language_interpreter"')
    box = page.index('id="interpreter_languages"')
    assert 'data-aria-controls="conditional-access_requests-2"' in page[spoken - 400:spoken + 200]
    assert page.rfind('class="govuk-checkboxes__conditional govuk-checkboxes__conditional--hidden"', 0, box) > spoken
    assert "Other access needs (optional)" in page


def test_a_missing_language_is_explained_beside_its_box_keeping_what_was_typed(app, client):
    with app.app_context():
        event_id = EventFactory().id
    response = submit(client, f"/events/{event_id}/register", {
        "name": "Ola Nowak", "email": "ola@example.org", "access_requests": ["bsl_interpreter",
                                                                           "spoken_language_interpreter"],
        "interpreter_languages": "", "access_needs": "A seat near the front"})
    page = text_of(response)
    assert error_summary(response) == [("#interpreter_languages", "Enter the language you need an interpreter for")]
    assert 'govuk-error-message' in page[page.index('class="govuk-checkboxes__conditional'):]
    assert 'value="Ola Nowak"' in page and ">A seat near the front</textarea>" in page
    # Both ticks kept, and the box shown (not hidden) because its tick is.
    for value in ("bsl_interpreter", "spoken_language_interpreter"):
        tag = page[page.index(f'value="{value}"') - 300:page.index(f'value="{value}"') + 60]
        assert "checked" in tag
    assert "govuk-checkboxes__conditional--hidden" not in page

    response = submit(client, f"/events/{event_id}/register", {
        "name": "Ola Nowak", "email": "ola@example.org", "access_requests": ["spoken_language_interpreter"],
        "interpreter_languages": "call 07700900123"})
    assert error_summary(response) == [("#interpreter_languages",
                                         "Enter the language using letters only, like Polish or Urdu")]
    assert 'value="call 07700900123"' in text_of(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_registering_saves_the_requests(app, client):
    with app.app_context():
        event_id = EventFactory().id
    submit(client, f"/events/{event_id}/register", {
        "name": "Ola Nowak", "email": "ola@example.org",
        "access_requests": ["bsl_interpreter", "spoken_language_interpreter", "quiet_space"],
        "interpreter_languages": "Polish, Urdu"})
    response = submit(client, f"/events/{event_id}/register", {
        "name": "Sam", "email": "sam@example.org", "access_requests": ["no_such_thing"]})
    assert error_summary(response) == [("#access_requests", "Select what you need from the list")]
    with app.app_context():
        [registration] = db.session.scalars(select(Registration)).all()
        assert asked(registration) == [(BSL, ""), (SPOKEN, "Polish"), (SPOKEN, "Urdu"),
                                       (AccessRequestKind.QUIET_SPACE, "")]


@pytest.fixture
def booked_event(app, make_user):
    """An event with its organiser, two bookings that asked for things and one on the waiting list."""
    organiser = make_user(roles=["organiser"])
    with app.test_request_context(), write_lock(every_transaction=True):
        event = EventFactory(title="Big Lunch", capacity=2, organisers=[db.session.get(User, organiser.id)])
        register(event, name="Ola Nowak", email="ola@example.org", access_needs="Aisle seat",
                 access=asking(BSL, SPOKEN, languages="Polish"))
        register(event, name="Bilal Khan", email="bilal@example.org", access=asking(SPOKEN, languages="Urdu"))
        register(event, name="Cara Waite", email="cara@example.org", access=asking(SPOKEN, languages="Urdu"))
        db.session.commit()
        return SimpleNamespace(id=event.id, organiser=organiser)


def test_the_organisers_page_counts_what_bookings_ask_for(client, booked_event):
    sign_in(client, booked_event.organiser)
    page = text_of(client.get(f"/manage/events/{booked_event.id}"))
    section = page[page.index('id="access-requests"'):page.index("Registrations</caption>")]
    rows = re.findall(r'<th scope="row" class="govuk-table__header">(.*?)</th>\s*'
                      r'<td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)</td>', section)
    assert rows == [("British Sign Language (BSL) interpreter", "1", "0"), ("Interpreter for Polish", "1", "0"),
                    ("Interpreter for Urdu", "1", "1")]
    # Each booking's own, in the list of registrations.
    assert "British Sign Language (BSL) interpreter; Interpreter for Polish; Aisle seat" in page


def test_the_csv_has_a_column_for_each_request(client, booked_event):
    sign_in(client, booked_event.organiser)
    rows = list(csv.DictReader(io.StringIO(client.get(
        f"/manage/events/{booked_event.id}/registrations.csv").data.decode("utf-8-sig"))))
    ola = next(row for row in rows if row["Name"] == "Ola Nowak")
    assert ola["British Sign Language (BSL) interpreter"] == "yes"
    assert ola["Interpreter for a spoken language"] == "Polish" and ola["Hearing loop"] == ""
    assert ola["Access needs"] == "Aisle seat"
    assert [row["Interpreter for a spoken language"] for row in rows] == ["Polish", "Urdu", "Urdu"]


def test_the_attendee_list_counts_those_booked_and_shows_each_ones_requests(client, booked_event):
    sign_in(client, booked_event.organiser)
    _, text = pdf_text(client.get(f"/manage/events/{booked_event.id}/attendees.pdf").data)
    flat = " ".join(text.split())
    assert ("Access requests of those booked: British Sign Language (BSL) interpreter: 1; Interpreter for "
            "Polish: 1; Interpreter for Urdu: 1") in flat
    assert "Cara Waite" not in flat  # waiting: not on the list for the day
    assert "Interpreter for Polish; Aisle seat" in flat


def test_the_check_in_page_shows_each_ones_requests(client, booked_event):
    sign_in(client, booked_event.organiser)
    page = text_of(client.get(f"/manage/events/{booked_event.id}/check-in"))
    assert "Access: British Sign Language (BSL) interpreter; Interpreter for Polish; Aisle seat" in page
    assert "Access: Interpreter for Urdu" in page


def test_the_holder_sees_and_changes_what_they_asked_for(app, client, booked_event):
    with app.app_context():
        ola = db.session.scalar(select(Registration).where(Registration.name == "Ola Nowak"))
        token = registration_token(ola)
    page = text_of(client.get(f"/registrations/{token}"))
    assert "What you need to take part" in page and "Interpreter for Polish" in page and "Aisle seat" in page
    assert f'href="/registrations/{token}/access"' in page
    form = text_of(client.get(f"/registrations/{token}/access"))
    assert 'value="Polish"' in form and ">Aisle seat</textarea>" in form
    response = submit(client, f"/registrations/{token}/access", {
        "access_requests": ["spoken_language_interpreter"], "interpreter_languages": "",
        "access_needs": "Near the door"})
    assert error_summary(response) == [("#interpreter_languages", "Enter the language you need an interpreter for")]
    assert ">Near the door</textarea>" in text_of(response)
    response = submit(client, f"/registrations/{token}/access", {
        "access_requests": ["hearing_loop", "spoken_language_interpreter"], "interpreter_languages": "Kurdish",
        "access_needs": ""}, follow_redirects=True)
    assert "What you asked for has been saved" in text_of(response)
    with app.app_context():
        assert asked(db.session.get(Registration, ola.id)) == [(SPOKEN, "Kurdish"), (LOOP, "")]
        assert db.session.get(Registration, ola.id).access_needs == ""

    # Once cancelled, the page says what was asked, and nothing can be changed.
    with app.test_request_context(), write_lock(every_transaction=True):
        cancel_registration(db.session.get(Registration, ola.id), actor=None)
        db.session.commit()
    page = text_of(client.get(f"/registrations/{token}"))
    assert "Interpreter for Kurdish" in page and f'href="/registrations/{token}/access"' not in page
    assert client.get(f"/registrations/{token}/access").status_code == 302


def test_a_member_cannot_see_anyone_elses_requests(app, client, make_user, booked_event):
    member = make_user()
    sign_in(client, member)
    with app.app_context():
        ola = db.session.scalar(select(Registration).where(Registration.name == "Ola Nowak"))
        token = registration_token(ola)
    assert client.get(f"/manage/events/{booked_event.id}").status_code == 403
    assert client.get(f"/manage/events/{booked_event.id}/registrations.csv").status_code == 403
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for url in (f"/registrations/{forged}/access", f"/registrations/{booked_event.id}/access"):
        response = client.get(url)
        assert response.status_code in (400, 404) and "Polish" not in text_of(response)
    response = submit(client, f"/registrations/{forged}/access", {"access_requests": ["hearing_loop"]},
                      form_url="/my-events")
    assert response.status_code in (400, 404)
    assert "Polish" not in text_of(client.get("/account/your-data"))
    with app.app_context():
        assert asked(db.session.get(Registration, ola.id)) == [(BSL, ""), (SPOKEN, "Polish")]


def test_an_organiser_books_someone_in_with_the_same_choices(app, client, make_user):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        event_id = EventFactory(capacity=None, organisers=[db.session.get(User, organiser.id)]).id
    sign_in(client, organiser)
    url = f"/manage/events/{event_id}/book"
    page = text_of(client.get(url))
    assert "Do they need any of these to take part?" in page and 'id="interpreter_languages"' in page
    data = {"name": "Dara Quinn", "email": "dara@example.org", "tickets": "1",
            "access_requests": ["spoken_language_interpreter", "companion"], "interpreter_languages": ""}
    response = submit(client, url, data)
    assert error_summary(response) == [("#interpreter_languages", "Enter the language you need an interpreter for")]
    assert submit(client, url, {**data, "interpreter_languages": "Tigrinya"}).status_code == 302
    with app.app_context():
        dara = db.session.scalar(select(Registration).where(Registration.name == "Dara Quinn"))
        assert asked(dara) == [(SPOKEN, "Tigrinya"), (AccessRequestKind.COMPANION, "")]


def test_a_protected_persons_requests_reach_only_those_the_gate_lets_see_them(app, client, make_user, monkeypatch):
    """The safeguarding gate (core.accounts.safeguarding) withholds a young
    member's access requests as it does their access needs: from the rows, the
    counts, the check-in page, the CSV and the PDF, which say so instead."""
    organiser = make_user(roles=["organiser"])
    with app.test_request_context(), write_lock(every_transaction=True):
        young = UserFactory(name="Yasmin Young")
        event = EventFactory(organisers=[db.session.get(User, organiser.id)])
        register(event, user=young, access=asking(SPOKEN, languages="Tigrinya"))
        register(event, name="Ola Nowak", email="ola@example.org", access=asking(SPOKEN, languages="Polish"))
        db.session.commit()
        young_id, event_id = young.id, event.id
    note = "Under 18: ask the youth forum's coordinators"
    monkeypatch.setitem(safeguarding._RULES, "test", safeguarding._Rule(lambda viewer, ids: {young_id} & ids, note))
    sign_in(client, organiser)
    manage = text_of(client.get(f"/manage/events/{event_id}")).replace("&#39;", "'")
    assert "Interpreter for Polish" in manage and "Tigrinya" not in manage
    assert f"Not counted here: what 1 booking asks for. {note}" in manage
    for url in (f"/manage/events/{event_id}/check-in", f"/manage/events/{event_id}/registrations.csv"):
        shown = client.get(url).data.decode("utf-8-sig").replace("&#39;", "'")
        assert "Polish" in shown and "Tigrinya" not in shown and note in shown, url
    _, text = pdf_text(client.get(f"/manage/events/{event_id}/attendees.pdf").data)
    flat = " ".join(text.split())
    assert "Interpreter for Polish: 1" in flat and "Tigrinya" not in flat and "Not counted: what 1 booking" in flat
