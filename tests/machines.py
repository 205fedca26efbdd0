"""What every lifecycle state machine shares (tests/*/test_*machine.py):
a request context for the services' links and emails, an empty database
after each example, and calling a service as a view does."""
from hypothesis.stateful import RuleBasedStateMachine
from sqlalchemy.exc import IntegrityError

from core.database import write_lock
from core.errors import DomainError
from core.extensions import db
from tests.conftest import empty


def examples(app, on_sqlite: int) -> int:
    """How many examples a machine runs on the app's database: all of them on
    SQLite, where the machine explores the orders of events; a third (at
    least 5) on PostgreSQL, whose run adds its dialect and locking to the same
    rules, which a few examples exercise (docs/testing.md: CI's time)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return max(5, on_sqlite // 3)
    return on_sqlite


class ServiceMachine(RuleBasedStateMachine):
    def __init__(self, app):
        super().__init__()
        self.app = app
        self.context = app.test_request_context()
        self.context.push()

    def teardown(self):
        db.session.rollback()
        self.context.pop()
        empty(self.app)

    def act(self, *actions) -> bool:
        """What a view does: the services in one transaction begun under the
        write lock, then commit; or roll back on a refusal (False). A unique
        constraint reached from a service is a failure, not a refusal."""
        db.session.rollback()  # end the invariants' reads, so the transaction takes the lock
        with write_lock():
            try:
                for action in actions:
                    action()
            except DomainError:
                db.session.rollback()
                return False
            except IntegrityError as error:
                db.session.rollback()
                raise AssertionError(f"a unique constraint was reached from a service: {error}") from None
            db.session.commit()
        return True
