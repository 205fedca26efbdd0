"""Run the app in its own process on a free loopback port, as a worker would."""
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(database_url: str, *, gunicorn_workers: int | None = None, **settings: str):
    """Yield the base URL of a server process using `database_url`, with
    extra settings passed as environment variables: Flask's threaded server,
    or gunicorn with the project's gunicorn.conf.py and `gunicorn_workers`
    worker processes, as deployed."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "SESSION_COOKIE_SECURE": "0",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_KEY_PREFIX": "shared-future-test" + os.environ.get("PYTEST_XDIST_WORKER", ""),
        "MAIL_BACKEND": "locmem",
        # Jobs (sending mail) run inside the request that queued them; tests/core/test_jobs.py runs real workers.
        "JOBS_STORAGE_URI": "memory://",
        **settings,
    }
    # The server's log goes to a file: an unread pipe would fill and stall it.
    log = tempfile.TemporaryFile()
    if gunicorn_workers:
        command = [str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
                   "-w", str(gunicorn_workers), "-b", f"127.0.0.1:{port}", "app:create_app()"]
    else:
        command = [sys.executable, "-m", "flask", "--app", "app", "run", "--host", "127.0.0.1", "--port", str(port),
                   "--no-reload", "--with-threads"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def its_log() -> str:
        log.seek(0)
        return log.read().decode()[-2000:]

    try:
        with answering(process, f"http://127.0.0.1:{port}", within=20, what="server", log=its_log) as base_url:
            yield base_url
    finally:
        log.close()


@contextmanager
def answering(process, base_url: str, *, within: float, what: str, log):
    """Yield `base_url` once `process` answers /healthz there (or fail,
    quoting `log()`, when it has not within `within` seconds); stop it after."""
    try:
        deadline = time.monotonic() + within
        while True:
            try:
                urllib.request.urlopen(base_url + "/healthz", timeout=1)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{what} did not start: " + log())
                time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)
