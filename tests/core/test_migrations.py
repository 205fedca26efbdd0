"""The migrations build exactly the schema the models describe."""
from contextlib import contextmanager

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from core.extensions import db
from tests.conftest import make_app, reset_postgresql


def schema_drift(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_on_an_empty_database_matches_the_models(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{tmp_path}/migrated.db"
    else:
        reset_postgresql(database_url)
    app = make_app(database_url)
    with app.app_context():
        upgrade()
        assert "users" in inspect(db.engine).get_table_names()
    assert schema_drift(app) == []
    with app.app_context():
        downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
    assert schema_drift(app) == []
    with app.app_context():
        db.engine.dispose()


@contextmanager
def data_at(revision: str, database_url: str, tmp_path):
    """An empty database brought up to `revision`, for a test to fill with the
    factories, upgrade (with what this yields) and read. The factories write
    the models as they are now: a column or table a later revision adds is
    there, empty, while the test writes, and gone again before the upgrade
    adds it (a table the models load with their rows, as a registration's
    access requests, is read even when nobody writes to it)."""
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{tmp_path}/data.db"
    else:
        reset_postgresql(database_url)
    app = make_app(database_url)
    with app.test_request_context():
        upgrade(revision=revision)
        later = _add_later_columns()
        later_tables = _add_later_tables()

        def upgrade_to_head():
            db.session.remove()  # read afresh after the migration
            with db.engine.begin() as connection:
                for table in reversed(later_tables):
                    table.drop(connection)
                for column in later:
                    connection.execute(text(f"ALTER TABLE {column.table.name} DROP COLUMN {column.name}"))
            upgrade()
        yield upgrade_to_head
        db.session.remove()
        db.engine.dispose()


def _add_later_tables() -> list:
    """The models' tables the database does not have yet, made empty."""
    existing = inspect(db.engine)
    later = [table for table in db.metadata.sorted_tables if not existing.has_table(table.name)]
    with db.engine.begin() as connection:
        for table in later:
            table.create(connection)
    return later


def _add_later_columns() -> list:
    """The models' columns the database does not have yet, added empty (nullable, no constraints)."""
    existing = inspect(db.engine)
    later = [column for table in db.metadata.sorted_tables if existing.has_table(table.name)
             for column in table.columns
             if column.name not in {found["name"] for found in existing.get_columns(table.name)}]
    with db.engine.begin() as connection:
        for column in later:
            kind = column.type.compile(dialect=db.engine.dialect)
            connection.execute(text(f"ALTER TABLE {column.table.name} ADD COLUMN {column.name} {kind}"))
    return later


def test_email_ownership_migration_links_only_what_confirmed_accounts_prove(database_url, tmp_path):
    """0025: a guest booking or nomination under a confirmed account's address
    becomes the account's; a panel seat given to an unconfirmed account is
    taken back until it confirms."""
    from core.database import utcnow
    from awards.models import Nomination, PanelMember
    from events.models import Registration
    from tests.awards.factories import CategoryFactory
    from tests.awards.test_judging import eligible
    from tests.events.factories import EventFactory, RegistrationFactory
    from tests.factories import UserFactory

    with data_at("0024_second_factor", database_url, tmp_path) as upgrade_to_head:
        owner = UserFactory(email="owner@example.org", email_confirmed_at=utcnow())
        squatter = UserFactory(email="squatter@example.org", email_confirmed_at=None)
        event = EventFactory()
        booking = RegistrationFactory(event=event, email="OWNER@example.org", name="Guest")
        squatted = RegistrationFactory(event=event, email="squatter@example.org", name="Guest")
        category = CategoryFactory()
        nomination = eligible(category)
        nomination.nominator_email, nomination.nominator_id = "owner@example.org", None
        seat = PanelMember(category_id=category.id, email="squatter@example.org", user_id=squatter.id)
        db.session.add(seat)
        db.session.commit()
        ids, owner_id = (booking.id, squatted.id, nomination.id, seat.id), owner.id
        upgrade_to_head()
        assert db.session.get(Registration, ids[0]).user_id == owner_id
        assert db.session.get(Registration, ids[1]).user_id is None
        assert db.session.get(Nomination, ids[2]).nominator_id == owner_id
        assert db.session.get(PanelMember, ids[3]).user_id is None


def test_staff_without_an_app_sign_in_again_after_the_second_factor_arrives(database_url, tmp_path):
    """0027 ends the sessions of staff who have no authenticator app (members and staff with one keep theirs)."""
    from core.database import utcnow
    from core.accounts.models import User
    from tests.factories import UserFactory

    with data_at("0026_proven_addresses", database_url, tmp_path) as upgrade_to_head:
        organiser = UserFactory(roles=["organiser"], email_confirmed_at=utcnow())
        organiser.totp_secret = organiser.totp_enrolled_at = None  # staff from before the second factor
        with_app = UserFactory(roles=["admin"], email_confirmed_at=utcnow())
        member = UserFactory(email_confirmed_at=utcnow())
        db.session.commit()
        before = {user.id: user.session_version for user in (organiser, with_app, member)}
        ids = organiser.id, with_app.id, member.id
        upgrade_to_head()
        after = {user_id: db.session.get(User, user_id).session_version for user_id in ids}
        assert after == {ids[0]: before[ids[0]] + 1, ids[1]: before[ids[1]], ids[2]: before[ids[2]]}
