"""Settled attendance through the pages: what organisers and admins are told,
the check-in controls that go, reopening with a reason and settling again,
and who may do each."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.database import utcnow
from core.extensions import db
from core.formatting import format_date_time
from core.models import AuditEntry
from core.accounts.models import User
from events import settlement
from events.models import Attendance, Event, Registration, RegistrationStatus
from tests.conftest import csrf_token, every_row, sign_in, submit
from tests.events.factories import EventFactory, RegistrationFactory

SETTLED_NOTE = "check-ins and bookings cannot change now. Only an admin can reopen it"


def text_of(response):
    return response.get_data(as_text=True)


@pytest.fixture
def organiser(make_user):
    return make_user(roles=["organiser"])


@pytest.fixture
def admin(make_user):
    return make_user(roles=["admin"])


def an_event(app, organiser, *, days_ago: float, member=None):
    """An event of `organiser`'s that ended `days_ago` days ago, with Amira
    (checked in) and Ben (not) booked. Returns its id, Amira's and Ben's
    registrations' ids, and the day attendance settles (or settled)."""
    with app.app_context():
        ends = utcnow() - timedelta(days=days_ago)
        event = EventFactory(title="Harvest supper", organisers=[db.session.get(User, organiser.id)],
                             starts_at=ends - timedelta(hours=3), ends_at=ends)
        amira = RegistrationFactory(event=event, name="Amira Khan")
        ben = RegistrationFactory(event=event, name="Ben Jones", user=db.session.get(User, member.id) if member else None)
        db.session.add(Attendance(event_id=event.id, registration_id=amira.id))
        db.session.commit()
        return event.id, amira.id, ben.id, settlement.settled_on(event)


def figures(app, event_id):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Attendance).where(Attendance.event_id == event_id)),
                sorted(status.value for status in db.session.scalars(
                    select(Registration.status).where(Registration.event_id == event_id))))


def test_a_settled_event_says_so_and_its_check_in_page_has_no_controls(client, app, organiser):
    event_id, amira, ben, settled_on = an_event(app, organiser, days_ago=20)
    sign_in(client, organiser)
    manage = text_of(client.get(f"/manage/events/{event_id}"))
    assert f"Attendance settled on {settled_on}: {SETTLED_NOTE}" in manage
    assert "Reopen attendance" not in manage  # organisers cannot reopen it
    page = text_of(client.get(f"/manage/events/{event_id}/check-in"))
    assert f"Attendance settled on {settled_on}:" in page
    assert "Amira Khan" in page and "Here" in page and "Ben Jones" in page and "Did not come" in page
    for control in ("/undo", f"/check-in/{ben}?", "Check in<span", "Add a walk-in", "walk_in_name"):
        assert control not in page


def test_an_event_that_has_ended_says_when_it_settles(client, app, organiser):
    event_id, amira, ben, settles_on = an_event(app, organiser, days_ago=3)
    sign_in(client, organiser)
    manage = text_of(client.get(f"/manage/events/{event_id}"))
    assert f"Attendance settles on {settles_on}: after that only an admin can change check-ins." in manage
    page = text_of(client.get(f"/manage/events/{event_id}/check-in"))
    assert "Add a walk-in" in page and f"/check-in/{ben}?" in page and f"/check-in/{amira}/undo" in page


def test_an_event_still_to_come_says_nothing_of_settling(client, app, organiser):
    with app.app_context():
        event_id = EventFactory(organisers=[db.session.get(User, organiser.id)]).id
    sign_in(client, organiser)
    manage = text_of(client.get(f"/manage/events/{event_id}"))
    assert "settle" not in manage.lower()


@pytest.mark.parametrize("action", ["check in", "undo", "walk-in"])
def test_a_check_in_sent_to_a_settled_event_is_refused_with_the_reason(client, app, organiser, action):
    event_id, amira, ben, settled_on = an_event(app, organiser, days_ago=20)
    sign_in(client, organiser)
    page = f"/manage/events/{event_id}/check-in"
    url, data = {"check in": (f"{page}/{ben}", {}), "undo": (f"{page}/{amira}/undo", {}),
                 "walk-in": (f"/manage/events/{event_id}/walk-ins", {"walk_in_name": "Chris", "people": "2"})}[action]
    before = figures(app, event_id)
    response = submit(client, url, data, form_url=f"/manage/events/{event_id}")
    # A walk-in's form comes back on its own page; a check-in's button goes back to the check-in page.
    told = text_of(response) if action == "walk-in" else text_of(client.get(response.location))
    assert f"Attendance at Harvest supper was settled on {settled_on}. Ask an admin to reopen it to make changes." \
        in told
    assert figures(app, event_id) == before


def _walk_in(app, event_id) -> int:
    with app.app_context():
        walk_in = Attendance(event_id=event_id, walk_in_name="Chris", people=2)
        db.session.add(walk_in)
        db.session.commit()
        return walk_in.id


@pytest.mark.parametrize("action", ["change", "remove"])
def test_correcting_a_walk_in_at_a_settled_event_is_refused_with_the_reason(client, app, organiser, action):
    event_id, *_, settled_on = an_event(app, organiser, days_ago=20)
    walk_in = _walk_in(app, event_id)
    sign_in(client, organiser)
    check_in = text_of(client.get(f"/manage/events/{event_id}/check-in"))
    assert "Chris" in check_in and f"/walk-ins/{walk_in}/" not in check_in  # no Change or Remove links
    url = f"/manage/events/{event_id}/walk-ins/{walk_in}/{action}"
    page = text_of(client.get(url))
    assert f"Attendance settled on {settled_on}:" in page and "walk_in_name" not in page and "Remove the" not in page
    before = every_row(app)
    response = submit(client, url, {"walk_in_name": "Chris Lee", "people": "3"}, form_url=f"/manage/events/{event_id}")
    reason = f"Attendance at Harvest supper was settled on {settled_on}. Ask an admin to reopen it to make changes."
    if action == "remove":
        assert response.status_code == 302
        response = client.get(response.location)
    assert reason in text_of(response)
    assert every_row(app) == before


def test_cancelling_a_place_at_a_settled_event_is_refused_with_the_reason(client, app, organiser, make_user):
    member = make_user()
    event_id, amira, ben, settled_on = an_event(app, organiser, days_ago=20, member=member)
    sign_in(client, member)
    before = figures(app, event_id)
    response = submit(client, f"/my-events/{ben}/cancel", form_url="/my-events")
    assert response.status_code == 302
    assert f"was settled on {settled_on}" in text_of(client.get(response.location))
    assert figures(app, event_id) == before


def test_moving_a_settled_event_is_refused_beside_the_form(client, app, organiser):
    event_id, *_ = an_event(app, organiser, days_ago=20)
    sign_in(client, organiser)
    later = (utcnow() + timedelta(days=30)).date()
    form = client.get(f"/manage/events/{event_id}/edit")
    assert form.status_code == 200
    from tests.events.test_views import event_form
    with app.app_context():
        venue_id = db.session.get(Event, event_id).venue_id
    data = event_form(venue_id, title="Harvest supper", start_date=[str(later.day), str(later.month), str(later.year)],
                      end_date=[str(later.day), str(later.month), str(later.year)])
    response = submit(client, f"/manage/events/{event_id}/edit", data)
    assert response.status_code == 200 and "was settled on" in text_of(response)
    with app.app_context():
        assert db.session.get(Event, event_id).ends_at < utcnow()


def test_an_admin_reopens_attendance_with_a_reason_and_settles_it_again(client, app, organiser, admin):
    event_id, amira, ben, settled_on = an_event(app, organiser, days_ago=20)
    sign_in(client, admin)
    manage = text_of(client.get(f"/manage/events/{event_id}"))
    assert f"Attendance settled on {settled_on}: {SETTLED_NOTE}" in manage
    assert f'href="/manage/events/{event_id}/attendance/reopen"' in manage
    form_page = f"/manage/events/{event_id}/attendance/reopen"
    assert "Why reopen attendance" in text_of(client.get(form_page))

    response = submit(client, form_page, {"reason": ""})
    page = text_of(response)
    assert response.status_code == 200 and "There is a problem" in page
    assert page.count("Enter why attendance is being reopened") == 2  # in the summary and beside the box
    response = submit(client, form_page, {"reason": "   "})
    assert text_of(response).count("Enter why attendance is being reopened") == 2
    with app.app_context():
        assert db.session.get(Event, event_id).attendance_reopened_until is None

    response = submit(client, form_page, {"reason": "The paper register shows two more people"})
    assert response.status_code == 302 and response.location == f"/manage/events/{event_id}"
    with app.app_context():
        until = db.session.get(Event, event_id).attendance_reopened_until
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "attendance.reopened"))
        assert entry.actor_id == admin.id and entry.details["reason"] == "The paper register shows two more people"
    manage = text_of(client.get(response.location))
    assert f"Attendance at Harvest supper is reopened until {format_date_time(until)}" in manage
    assert f"Reopened by an admin until {format_date_time(until)}." in manage and "Settle now" in manage
    titles = re.findall(r'id="([^"]+-title)"', manage)  # the success banner and the reopened one each have their own
    assert len(titles) == len(set(titles)) == 2
    page = text_of(client.get(f"/manage/events/{event_id}/check-in"))
    assert "Add a walk-in" in page and f"/check-in/{ben}?" in page

    response = submit(client, f"/manage/events/{event_id}/attendance/settle", form_url=f"/manage/events/{event_id}")
    assert response.status_code == 302
    manage = text_of(client.get(response.location))
    assert "Attendance at Harvest supper is settled again." in manage and SETTLED_NOTE in manage
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == \
            "attendance.settled_early"


def test_while_reopened_the_organiser_can_check_people_in_but_not_settle_it(client, app, organiser):
    event_id, amira, ben, settled_on = an_event(app, organiser, days_ago=20)
    with app.app_context():
        db.session.get(Event, event_id).attendance_reopened_until = utcnow() + timedelta(hours=2)
        db.session.commit()
    sign_in(client, organiser)
    manage = text_of(client.get(f"/manage/events/{event_id}"))
    assert "Reopened by an admin until" in manage and "Settle now" not in manage
    assert "Nobody new can book: the event is over." in manage  # book-for refuses an ended event
    response = submit(client, f"/manage/events/{event_id}/check-in/{ben}", form_url=f"/manage/events/{event_id}")
    assert "Ben Jones is checked in" in text_of(client.get(response.location))


def test_the_reopen_form_on_an_event_not_settled_says_there_is_nothing_to_reopen(client, app, organiser, admin):
    event_id, *_ = an_event(app, organiser, days_ago=3)
    sign_in(client, admin)
    page = text_of(client.get(f"/manage/events/{event_id}/attendance/reopen"))
    assert "is not settled yet" in page and "Why reopen attendance" not in page
    response = submit(client, f"/manage/events/{event_id}/attendance/reopen", {"reason": "Because"},
                      form_url=f"/manage/events/{event_id}")
    assert "is not settled yet: its organisers can change it until" in text_of(response)
    with app.app_context():
        assert db.session.get(Event, event_id).attendance_reopened_until is None


@pytest.mark.parametrize("path", ["attendance/reopen", "attendance/settle"])
def test_the_events_own_organiser_cannot_reopen_or_settle(client, app, organiser, path):
    event_id, *_ = an_event(app, organiser, days_ago=20)
    with app.app_context():
        db.session.get(Event, event_id).attendance_reopened_until = utcnow() + timedelta(hours=2)
        db.session.commit()
    sign_in(client, organiser)
    before = every_row(app)
    if path == "attendance/reopen":
        assert client.get(f"/manage/events/{event_id}/{path}").status_code == 403
    response = submit(client, f"/manage/events/{event_id}/{path}", {"reason": "Let me"},
                      form_url=f"/manage/events/{event_id}")
    assert response.status_code == 403
    assert every_row(app) == before


@pytest.mark.parametrize("path", ["attendance/reopen", "attendance/settle"])
def test_reopening_and_settling_need_the_forms_token(client, app, organiser, admin, path):
    event_id, *_ = an_event(app, organiser, days_ago=20)
    sign_in(client, admin)
    csrf_token(client, f"/manage/events/{event_id}")  # a session with a token, just not sent
    before = every_row(app)
    for token in (None, "forged"):
        data = {"reason": "Because"} | ({"csrf_token": token} if token else {})
        assert client.post(f"/manage/events/{event_id}/{path}", data=data).status_code == 400
    assert every_row(app) == before


def test_a_reason_too_long_is_refused_beside_the_box_and_kept(client, app, organiser, admin):
    event_id, *_ = an_event(app, organiser, days_ago=20)
    sign_in(client, admin)
    reason = "x" * 1001
    response = submit(client, f"/manage/events/{event_id}/attendance/reopen", {"reason": reason})
    page = text_of(response)
    assert "Why reopen attendance must be 1000 characters or fewer" in page and reason in page
    with app.app_context():
        assert db.session.get(Event, event_id).attendance_reopened_until is None


def test_an_event_that_has_ended_can_be_cancelled_but_not_postponed_or_booked_into(client, app, organiser):
    """An event that has happened has no later date to move to, and no one can
    be booked into it: the manage page stopped offering both only once the
    event settled, and the postponement went through."""
    event_id, amira, ben, settled_on = an_event(app, organiser, days_ago=2)
    sign_in(client, organiser)
    page = text_of(client.get(f"/manage/events/{event_id}"))
    assert "Book someone in" not in page and "Postpone or cancel" not in page
    form_page = text_of(client.get(f"/manage/events/{event_id}/status"))
    assert "cannot be postponed" in form_page and 'value="postpone"' not in form_page
    refused = submit(client, f"/manage/events/{event_id}/status", {"change": "postpone", "reason": "Rain"})
    assert "Not a valid choice" in text_of(refused)
    with app.app_context():
        assert db.session.get(Event, event_id).status.value == "published"
    submit(client, f"/manage/events/{event_id}/status", {"change": "cancel", "reason": "It was rained off"})
    with app.app_context():
        assert db.session.get(Event, event_id).status.value == "cancelled"


def test_the_service_refuses_to_postpone_an_event_that_has_ended(app, organiser):
    from events.services.errors import EventRuleBroken
    from events.services.scheduling import postpone_event
    event_id, *_ = an_event(app, organiser, days_ago=1)
    with app.app_context():
        event = db.session.get(Event, event_id)
        with pytest.raises(EventRuleBroken, match="has ended"):
            postpone_event(event, actor=db.session.get(User, organiser.id), reason="Rain")


def test_a_cancelled_event_cannot_be_edited_so_nobody_is_told_it_changed(client, app, organiser, outbox):
    """Editing a cancelled event emailed everyone booked 'The time has changed
    ... please cancel if you can no longer come', with nothing saying it was
    off (found by attacking the event pages)."""
    from events.services.errors import EventRuleBroken
    from events.services.scheduling import cancel_event, update_event
    event_id, *_ = an_event(app, organiser, days_ago=-10)
    with app.app_context():
        cancel_event(db.session.get(Event, event_id), actor=db.session.get(User, organiser.id),
                     reason="The hall flooded")
        db.session.commit()
    outbox.clear()
    sign_in(client, organiser)
    assert f"/manage/events/{event_id}/edit" not in text_of(client.get(f"/manage/events/{event_id}"))
    refused = client.get(f"/manage/events/{event_id}/edit", follow_redirects=True)
    assert "cannot be changed" in text_of(refused)
    with app.app_context():
        event = db.session.get(Event, event_id)
        from events.series import _details_of
        with pytest.raises(EventRuleBroken, match="cancelled"):
            update_event(event, _details_of(event), actor=db.session.get(User, organiser.id))
    assert outbox == []


def test_nobody_is_checked_in_or_added_at_a_cancelled_event_and_its_lists_say_cancelled(client, app, organiser):
    """A cancelled event still took check-ins and walk-ins (counted as
    attended), while its manage page and CSV listed its people as 'Booked'
    (found walking check-in on a phone, and attacking it)."""
    from events.services.scheduling import cancel_event
    event_id, amira, ben, _ = an_event(app, organiser, days_ago=-10)
    with app.app_context():
        cancel_event(db.session.get(Event, event_id), actor=db.session.get(User, organiser.id),
                     reason="The hall flooded")
        db.session.commit()
    before = figures(app, event_id)
    sign_in(client, organiser)
    page = text_of(client.get(f"/manage/events/{event_id}/check-in"))
    assert "no one can be checked in" in page and "Add a walk-in" not in page
    assert f"/check-in/{ben}" not in page and "Cancelled with the event" in page
    refused = submit(client, f"/manage/events/{event_id}/check-in/{ben}",
                     form_url=f"/manage/events/{event_id}/check-in", follow_redirects=True)
    assert "has been cancelled" in text_of(refused)
    submit(client, f"/manage/events/{event_id}/walk-ins", {"walk_in_name": "Late Larry", "people": "1"},
           form_url=f"/manage/events/{event_id}/check-in")
    assert figures(app, event_id) == before
    assert "Booked" not in re.sub(r"<[^>]+>", " ", text_of(client.get(f"/manage/events/{event_id}")).split(
        "Registrations")[-1])
    csv_text = text_of(client.get(f"/manage/events/{event_id}/registrations.csv"))
    assert "Booked" not in csv_text and csv_text.count("Cancelled") >= 2


def counts_of(page: str) -> dict[str, str]:
    """The figures at the top of an organiser's page: {"Booked": "2", ...}."""
    return dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))


def test_a_cancelled_events_counts_have_nobody_booked_waiting_or_yet_to_come(client, app, organiser):
    """Its manage and check-in pages said "Booked 2" and "Not yet 2" beside
    two rows saying "Cancelled with the event" (found walking the site)."""
    from events.services.scheduling import cancel_event
    with app.app_context():
        event = EventFactory(organisers=[db.session.get(User, organiser.id)], capacity=2)
        RegistrationFactory(event=event, name="Amira Khan"), RegistrationFactory(event=event, name="Ben Jones")
        RegistrationFactory(event=event, name="Cal Waits", status=RegistrationStatus.WAITLISTED, confirmed_at=None,
                            waitlisted_at=utcnow())
        db.session.commit()
        event_id = event.id
    sign_in(client, organiser)
    manage, check_in = f"/manage/events/{event_id}", f"/manage/events/{event_id}/check-in"
    assert counts_of(text_of(client.get(manage)))["Booked"] == "2"
    assert counts_of(text_of(client.get(check_in)))["Not yet"] == "2"
    with app.app_context():
        cancel_event(db.session.get(Event, event_id), actor=db.session.get(User, organiser.id),
                     reason="The hall flooded")
        db.session.commit()
    managed = counts_of(text_of(client.get(manage)))
    assert (managed["Booked"], managed["Waiting"], managed["Attended"]) == ("0", "0", "0")
    checking_in = text_of(client.get(check_in))
    assert checking_in.count("Cancelled with the event") == 2
    assert counts_of(checking_in) == {"Booked": "0", "Here": "0", "Not yet": "0", "Walk-ins": "0"}
