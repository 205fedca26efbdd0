"""gunicorn settings for production and for bench/ (which serves the app and
its hello-world baseline with these same settings). Sync workers: each
handles one request at a time, so run about two per core; WEB_CONCURRENCY
overrides the count. See docs/deployment.md.

Logs: gunicorn's access log stays off, as the app writes one line per
request itself (with its route, id and duration); gunicorn's own lines are
JSON like the app's unless LOG_FORMAT=text. Metrics: every worker keeps its
counts in PROMETHEUS_MULTIPROC_DIR (a private temporary directory when
unset), emptied at start-up, and /metrics adds them up
(docs/operations.md#logs-metrics-and-error-reports)."""
import ipaddress
import os
import shutil
import tempfile
from pathlib import Path

LOOPBACK = "127.0.0.1:8000"
# Where on_starting noted the metrics directory it made itself, for on_exit to remove.
PRIVATE_METRICS_DIR = "SHARED_FUTURE_PRIVATE_METRICS_DIR"


def choose_bind(environ) -> list[str]:
    """Where gunicorn listens: GUNICORN_BIND (comma-separated) when the
    operator sets it, otherwise this machine only. That default matters most
    behind a proxy: with PROXY_FIX_X_FOR set the app believes X-Forwarded-For,
    so anyone reaching gunicorn without the proxy could claim a new address on
    every request and never meet a per-address limit."""
    explicit = [address.strip() for address in environ.get("GUNICORN_BIND", "").split(",") if address.strip()]
    return explicit or [LOOPBACK]


def reachable_from_elsewhere(address: str) -> bool:
    """Whether a bind address listens beyond this machine (unix sockets and
    loopback do not)."""
    if address.startswith(("unix:", "fd://")):
        return False
    host = address.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a host name: assume it resolves to an outside address


def when_ready(server):
    """Say so at start-up when the app trusts X-Forwarded-For and gunicorn is
    reachable from other machines: only a firewall then keeps the proxy the
    only way in (docs/deployment.md)."""
    if int(os.environ.get("PROXY_FIX_X_FOR") or 0):
        exposed = [address for address in server.cfg.bind if reachable_from_elsewhere(address)]
        if exposed:
            server.log.warning(
                "PROXY_FIX_X_FOR is set and gunicorn listens on %s: allow only the proxy to reach it "
                "(firewall), or anyone can send X-Forwarded-For and step round per-address rate limits",
                ", ".join(exposed))


def on_starting(server):
    """Before any worker starts, so prometheus_client in every worker writes
    its counts to the same directory (which is why the app is not preloaded):
    PROMETHEUS_MULTIPROC_DIR, or a private one for this run. Counts start
    again with the server: the counts an earlier run left there go (only
    prometheus_client's *.db files, should the directory be shared by mistake)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        private = tempfile.mkdtemp(prefix="shared-future-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.environ[PRIVATE_METRICS_DIR] = private
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob("*.db"):
        leftover.unlink()


def child_exit(server, worker):
    """A worker that ended (restarted, killed) keeps its counts, but not its live gauges."""
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if os.environ.get(PRIVATE_METRICS_DIR):
        shutil.rmtree(os.environ[PRIVATE_METRICS_DIR], ignore_errors=True)


def json_logging(level: str) -> dict:
    """gunicorn's own lines (start-up, workers booting and dying) as JSON,
    with the fields the app's lines have (core/observability.py). The root
    logger is left to the app."""
    return {
        "root": {"level": level, "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["json"], "propagate": False,
                               "qualname": "gunicorn.error"},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False, "qualname": "gunicorn.access"},
        },
        "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "formatters": {"json": {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": ["levelname", "name", "message"],
                                "timestamp": "time", "rename_fields": {"levelname": "level", "name": "logger"}}},
    }


worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
bind = choose_bind(os.environ)
timeout = 30
graceful_timeout = 20
accesslog = None  # the app's own line per request is the access log
errorlog = "-"
if os.environ.get("LOG_FORMAT", "").strip().lower() != "text":
    logconfig_dict = json_logging(os.environ.get("LOG_LEVEL", "INFO").strip().upper())
