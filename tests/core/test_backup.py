"""Backup and restore: a round trip gives back every row of every table, a
restore replaces what is there, and failures say why."""
import pytest
from sqlalchemy import create_engine, delete, func, select, text
from sqlalchemy.engine import make_url

from core.extensions import db
from core.accounts.models import User
from tests.conftest import built_app, every_row
from tests.events.factories import EventFactory


@pytest.fixture
def other_database(database_url, tmp_path):
    """A second, empty database on the same server, to restore into."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/restored.db"
        return
    name = "shared_future_restore_check"
    server = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    server.dispose()


def test_a_backup_restored_elsewhere_holds_every_row_and_a_second_restore_replaces_changes(
        app, other_database, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    original = every_row(app)
    with app.app_context():  # the demo touches most tables
        assert sum(db.session.scalar(select(func.count()).select_from(table))
                   for table in db.metadata.sorted_tables) > 500
    path = tmp_path / "shared-future.backup"
    made = runner.invoke(args=["backup", str(path)])
    assert made.exit_code == 0 and made.output.startswith(f"Backed up to {path}")

    with built_app(other_database) as restored:
        restore = restored.test_cli_runner()
        assert restore.invoke(args=["restore", str(path), "--yes"]).exit_code == 0
        assert every_row(restored) == original
        with restored.app_context():
            db.session.execute(delete(User).where(User.email.like("%@example.org")))
            EventFactory(title="Made after the backup")
            db.session.commit()
        assert every_row(restored) != original
        assert restore.invoke(args=["restore", str(path), "--yes"]).exit_code == 0
        assert every_row(restored) == original


def test_restore_asks_first_and_refuses_what_is_not_there(app, tmp_path):
    runner = app.test_cli_runner()
    with app.app_context():
        EventFactory(title="Keep me")
    before = every_row(app)
    path = tmp_path / "empty.backup"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    with app.app_context():
        EventFactory(title="Added since")
    during = every_row(app)
    declined = runner.invoke(args=["restore", str(path)], input="n\n")
    assert declined.exit_code == 1 and "replaces everything in the database" in declined.output
    assert every_row(app) == during != before
    missing = runner.invoke(args=["restore", str(tmp_path / "nothing-here"), "--yes"])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_a_backup_that_cannot_be_written_says_why(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "no-such-folder" / "x.backup")])
    assert result.exit_code == 1 and result.output.startswith("Error: Could not write the backup")
    assert "no-such-folder" in result.output
