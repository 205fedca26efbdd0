"""How the embedded SQLite database is set up."""
from sqlalchemy import text

from core.extensions import db


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(sqlite_app):
    with sqlite_app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
