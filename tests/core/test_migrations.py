"""The migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

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
