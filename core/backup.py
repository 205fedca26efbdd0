"""Backing up the whole database to one file, and restoring it.

SQLite uses its online backup API: a consistent copy while the app keeps
serving. PostgreSQL uses pg_dump's custom format and pg_restore (Debian's
`postgresql-client`, whose major version must not be older than the
server's); the password goes to them in the environment, never on the
command line. A restore replaces everything in the app's database with the
file's contents, in one transaction on PostgreSQL. After restoring an older
backup, run `flask --app app db upgrade`.
"""
import os
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from core.extensions import db


class BackupFailed(Exception):
    pass


def backup(path: Path) -> None:
    if not path.parent.is_dir():
        raise BackupFailed(f"Could not write the backup: there is no folder {path.parent}")
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        with db.engine.connect() as connection, sqlite3.connect(path) as copy:
            connection.connection.driver_connection.backup(copy)
        copy.close()
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}"], url)


def restore(path: Path) -> None:
    if not path.is_file():
        raise BackupFailed(f"No backup at {path}")
    url = db.engine.url
    db.session.remove()
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(path) as source, db.engine.connect() as connection:
            source.backup(connection.connection.driver_connection)
        source.close()
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--exit-on-error", f"--dbname={url.database}", str(path)], url)
    db.engine.dispose()  # no pooled connection may keep a view of the old database


def _run(command: list[str], url: URL) -> None:
    url = make_url(url)
    environment = {**os.environ, "PGHOST": url.host or "", "PGPORT": str(url.port or 5432),
                   "PGUSER": url.username or "", "PGDATABASE": url.database or ""}
    if url.password:
        environment["PGPASSWORD"] = url.password
    finished = subprocess.run(command, env=environment, capture_output=True, text=True)
    if finished.returncode:
        raise BackupFailed(f"{command[0]} failed: {finished.stderr.strip()}")
