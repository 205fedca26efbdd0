"""Change counters: bumped by every kind of change to a tracked table, in the
same transaction, and by nothing else."""
from datetime import timedelta

from sqlalchemy import update

from core import changes
from core.accounts.models import User
from core.database import utcnow, write_lock
from core.extensions import db
from events import feeds
from events.models import Event
from tests.events.factories import EventFactory
from tests.factories import UserFactory


def seen(app) -> int:
    with app.app_context():
        return changes.version(db.session, feeds.COUNTER)[0]


def test_adding_changing_and_bulk_updating_events_each_count_once_per_transaction(app):
    with app.app_context():
        event_id = EventFactory().id
    first = seen(app)
    with app.app_context():
        event = db.session.get(Event, event_id)
        event.title, event.summary = "Renamed", "New summary"
        db.session.flush()
        event.title = "Renamed again"
        db.session.commit()
    assert seen(app) == first + 1
    with app.app_context():
        db.session.execute(update(Event).where(Event.id == event_id).values(title="Bulk"))
        db.session.commit()
    assert seen(app) == first + 2


def test_rolled_back_untouched_and_untracked_changes_leave_the_counter_alone(app):
    with app.app_context():
        event_id = EventFactory().id
    before = seen(app)
    with app.app_context():
        db.session.get(Event, event_id).title = "Never saved"
        db.session.flush()
        db.session.rollback()
        event = db.session.get(Event, event_id)
        event.title = event.title  # set to what it was: nothing changed
        UserFactory()  # users are not in any feed
        db.session.commit()
    assert seen(app) == before


def test_a_change_in_a_savepoint_is_counted_when_the_transaction_commits(app):
    with app.app_context():
        event_id = EventFactory().id
    before = seen(app)
    with app.app_context(), write_lock(every_transaction=True):
        with db.session.begin_nested():
            db.session.get(Event, event_id).title = "Inside a savepoint"
        db.session.commit()
    assert seen(app) == before + 1


def test_the_last_change_time_never_goes_back_when_a_hosts_clock_is_behind(app, monkeypatch):
    with app.app_context():
        event_id = EventFactory().id
        count_before, latest = changes.version(db.session, feeds.COUNTER)
    monkeypatch.setattr(changes, "utcnow", lambda: utcnow() - timedelta(hours=1))
    with app.app_context():
        db.session.get(Event, event_id).title = "Edited on a slow clock"
        db.session.commit()
        count, after = changes.version(db.session, feeds.COUNTER)
    assert count == count_before + 1 and after == latest


def test_a_table_counted_by_some_columns_counts_only_their_changes_and_deletions(app, make_user):
    """A person's name is on public pages (forum coordinators); when they last signed in is on none."""
    person = make_user()

    def events_seen():
        with app.app_context():
            return changes.version(db.session, "events")[0]

    before = events_seen()
    with app.app_context():
        db.session.get(User, person.id).last_signed_in_at = utcnow()
        db.session.commit()
        db.session.execute(update(User).where(User.id == person.id).values(last_signed_in_at=utcnow()))
        db.session.commit()
    assert events_seen() == before
    with app.app_context():
        db.session.execute(update(User).where(User.id == person.id).values(name="Bulk renamed"))
        db.session.commit()
    assert events_seen() == before + 1
    with app.app_context():
        db.session.delete(db.session.get(User, person.id))
        db.session.commit()
    assert events_seen() == before + 2
