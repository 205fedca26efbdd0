"""Two requests interleaved as PostgreSQL lets them be: the first changes
something and keeps its transaction open while the second reads what its
page showed; then the first commits and the second acts on what it read,
waiting on any lock the first held. (SQLite's write lock runs the two one
after the other, so there is no interleaving to test there.)"""
import threading

import pytest

from core.extensions import db


def interleave(app, database_url: str, first, second_reads) -> None:
    """`first()` runs in its own request and transaction; `second_reads()`,
    in another, reads what its page showed once `first` has run, and
    returns the action it then takes (a function of nothing)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("on SQLite the two requests' transactions run one after the other: there is no interleaving")
    first_done, second_has_read = threading.Event(), threading.Event()

    def run_first():
        with app.test_request_context():
            first()
            first_done.set()
            second_has_read.wait(10)
            db.session.commit()
            db.session.remove()

    def run_second():
        with app.test_request_context():
            first_done.wait(10)
            act = second_reads()
            second_has_read.set()
            act()
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
