"""Two admins merging the same pair at the same moment, while people book the
event both records are registered for, through a real multi-threaded server:
one merge happens, the other is told, and the event is never over-booked."""
from urllib.parse import urlencode

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry
from events.models import Registration, RegistrationStatus
from events.services.places import places_held
from tests.core.test_people_views import merge_action
from tests.events.factories import EventFactory, RegistrationFactory
from tests.events.test_concurrency import ROOMY_LIMITS, all_at_once, register_job
from tests.factories import UserFactory
from tests.http_client import HttpClient
from tests.live_server import live_server


def test_two_admins_merging_one_pair_while_people_book_merge_once_and_never_overbook(app, database_url, make_user):
    admins = [make_user(roles=["admin"]) for _ in range(2)]
    with app.app_context():
        event = EventFactory(capacity=4, instant_guest_places=True)
        account = UserFactory(email="ann@example.org")
        RegistrationFactory(event=event, user=account, email=account.email)
        RegistrationFactory(event=event, email="Ann@example.org", person_key="guest:Ann@example.org")
        event_id, account_id = event.id, account.id
    path = f"/admin/people/merge?{urlencode({'keep': f'user:{account_id}', 'merge': 'guest:Ann@example.org'})}"

    def merge_job(admin):
        client = HttpClient(base_url)
        assert client.sign_in(admin.email, admin.password) == 302 and client.location == "/account"
        token = client.csrf_token(path)  # both admins have the preview open, and press its button
        action = merge_action(client.get(path)[1])
        return lambda: None, lambda _: client.post(action, {}, token)

    with live_server(database_url, **ROOMY_LIMITS) as base_url:
        results = all_at_once([merge_job(admin) for admin in admins]
                              + [register_job(base_url, event_id, f"p{n}@example.org") for n in range(4)])
    merges, bookings = [status for status, _ in results[:2]], [status for status, _ in results[2:]]
    assert sorted(merges)[0] == 302 and set(merges) <= {302, 404}, merges
    assert set(bookings) == {200}
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(AuditEntry.action == "person.merged")) == 1
        rows = db.session.scalars(select(Registration).where(Registration.event_id == event_id)).all()
        assert [r.person_key for r in rows].count(f"user:{account_id}") == 1
        assert "guest:Ann@example.org" not in {r.person_key for r in rows}
        assert places_held(db.session.get(type(rows[0].event), event_id)) <= 4
        assert sum(r.status == RegistrationStatus.CONFIRMED for r in rows) <= 4
