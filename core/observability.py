"""What an operator sees of the running app: logs, metrics and error reports
(docs/operations.md#logs-metrics-and-error-reports).

- Logs: JSON lines on standard error (LOG_FORMAT=text for people reading a
  terminal), one per request with its route, status, duration and the
  signed-in person's id, and every line written during a request carrying
  that request's id. The id comes from a safe-looking `X-Request-ID` header
  or is made here, goes back in the response's `X-Request-ID` and is shown
  on error pages as the reference to quote. No email address reaches a log
  line: each is screened out of messages, fields and tracebacks.
- Metrics for Prometheus: requests by route (the URL rule, never the raw
  address) and status, their latency, the outbox's state read from the
  database at each scrape, and what the job queue reports through
  `record_job` and `set_queue_depth_reader`. Under gunicorn, each worker
  keeps its counts in PROMETHEUS_MULTIPROC_DIR and a scrape adds them up.
- Sentry, when SENTRY_DSN is set: no personal data sent (no cookies,
  headers that authenticate, form bodies, query strings or local variables;
  email addresses screened out of whatever is left), tagged with the
  request id so an event leads to its log lines.
"""
import hmac
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from flask.logging import default_handler
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.local import LocalProxy

from core.database import utcnow
from core.extensions import db
from core.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)
access_log = logging.getLogger("shared_future.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# An id from upstream (the proxy, a partner's client) is kept only when it cannot smuggle anything into a log line.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# Addresses as written, and as a web address carries them (%40).
_EMAIL_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
EMAIL_SCREENED = "[email address]"
_HANDLER_NAME = "shared-future"
UNMATCHED_ROUTE = "unmatched"
_KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def init_app(app: Flask) -> None:
    """Call first in the factory: its request hooks then run before every
    other's (so a CSRF refusal has an id too) and its response hook last (so
    the duration and status are the final ones)."""
    _configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    # Flask gives its logger a handler of its own only when nothing above would write its lines; one made
    # before (another app in this process) goes.
    app.logger.removeHandler(default_handler)
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.add_template_global(request_id)
    # Flask's own "Exception on <path>" names the raw address, and an emailed link's address carries a signed
    # token that can hold an email address: name the route instead.
    app.log_exception = _log_exception_by_route(app)
    if app.config["SENTRY_DSN"]:
        _init_sentry(app.config)


def screened(value: Any) -> Any:
    """`value` (a string, or dicts and lists of them) with every email address replaced."""
    if isinstance(value, str):
        # Most strings hold no address: the plain test first is much quicker than the pattern.
        return _EMAIL_ADDRESS.sub(EMAIL_SCREENED, value) if "@" in value or "%40" in value else value
    if isinstance(value, dict):
        return {screened(key): screened(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [screened(item) for item in value]
    return value


# --- Request ids -------------------------------------------------------------------------------------------

def request_id() -> str | None:
    """This request's id (None outside a request): the incoming X-Request-ID
    when it looks like a safe token, otherwise a new one."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _SAFE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    return g.request_id


def route() -> str | None:
    """The URL rule the request matched (`/events/<int:event_id>`), not the
    address: it holds no tokens or personal details, and there are few of them."""
    return request.url_rule.rule if request.url_rule is not None else None


def _signed_in_user_id() -> int | None:
    # Only a person the request already loaded: asking the database here would make /healthz depend on it.
    user = g.get("_login_user")
    if user is None or isinstance(user, LocalProxy):  # login_user(current_user) leaves the proxy naming itself
        return None
    return user.id if user.is_authenticated else None


def _start_request() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _finish_request(response):
    response.headers[REQUEST_ID_HEADER] = request_id()
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    matched = route()
    access_log.info("%s %s %s", request.method, matched or UNMATCHED_ROUTE, response.status_code, extra={
        "route": matched, "endpoint": request.endpoint, "method": request.method,
        "status": response.status_code, "duration_ms": round(seconds * 1000, 1), "user_id": _signed_in_user_id(),
    })
    if not getattr(current_app.view_functions.get(request.endpoint), "unmeasured", False):
        method = request.method if request.method in _KNOWN_METHODS else "other"
        REQUESTS.labels(matched or UNMATCHED_ROUTE, method, str(response.status_code)).inc()
        LATENCY.labels(matched or UNMATCHED_ROUTE, method).observe(seconds)
    return response


def _log_exception_by_route(app: Flask):
    def log_exception(exc_info) -> None:
        app.logger.error("Exception on %s [%s]", route() or UNMATCHED_ROUTE, request.method, exc_info=exc_info)
    return log_exception


# --- Logs --------------------------------------------------------------------------------------------------

class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return True


class _ScreenedJsonFormatter(JsonFormatter):
    def jsonify_log_record(self, log_data: dict) -> str:
        # The whole line at once: an address never spans a JSON string's quotes or escapes.
        return screened(super().jsonify_log_record(log_data))


class _ScreenedTextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return screened(super().format(record))


def json_formatter() -> JsonFormatter:
    """time, level, logger, message and request_id, then whatever the call
    passed as `extra`; the same fields as gunicorn's own lines (gunicorn.conf.py)."""
    return _ScreenedJsonFormatter(["levelname", "name", "message", "request_id"], timestamp="time",
                                  rename_fields={"levelname": "level", "name": "logger"})


def _configure_logging(level: str, format: str) -> None:
    """One handler on the root logger, to standard error: replaced, not
    added to, when another app is made in the same process (the tests)."""
    handler = logging.StreamHandler()
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(json_formatter() if format == "json" else _ScreenedTextFormatter(
        "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [each for each in root.handlers if each.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def log_handler() -> logging.Handler | None:
    """The handler init_app put on the root logger."""
    return next((each for each in logging.getLogger().handlers if each.get_name() == _HANDLER_NAME), None)


# --- Metrics -----------------------------------------------------------------------------------------------

# This process's metrics. Under gunicorn (PROMETHEUS_MULTIPROC_DIR set) their values live in files that a scrape
# adds up over every worker instead.
_PROCESS_METRICS = CollectorRegistry()
REQUESTS = Counter("http_requests_total", "Requests answered, by route (URL rule), method and status.",
                   ["route", "method", "status"], registry=_PROCESS_METRICS)
LATENCY = Histogram("http_request_duration_seconds",
                    "Time from the request arriving to its response being ready, by route and method.",
                    ["route", "method"], registry=_PROCESS_METRICS,
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
JOBS = Counter("jobs_total", "Background jobs finished, by job name and outcome.", ["job", "outcome"],
               registry=_PROCESS_METRICS)

_queue_depth_reader: Callable[[], int] | None = None


def unmeasured(view):
    """Leave a view's requests out of the request metrics (/metrics itself:
    its scrapes would swamp what they measure)."""
    view.unmeasured = True
    return view


def record_job(name: str, outcome: str) -> None:
    """Count one finished run of job `name`, e.g. outcome "succeeded" or "failed"."""
    JOBS.labels(name, outcome).inc()


def set_queue_depth_reader(reader: Callable[[], int] | None) -> None:
    """How many jobs wait in the queue, asked at each scrape (`job_queue_depth`);
    None stops reporting it."""
    global _queue_depth_reader
    _queue_depth_reader = reader


def metrics_token_matches(authorization, token: str) -> bool:
    """Whether the request's `Authorization: Bearer ...` is `token`."""
    given = authorization.token if authorization is not None and authorization.type == "bearer" else None
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def scrape() -> tuple[bytes, str]:
    """The metrics in Prometheus's text format, and its content type."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_PROCESS_METRICS)
    registry.register(_OutboxCollector())
    registry.register(_QueueDepthCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


def outbox_state() -> dict[str, float]:
    """Messages waiting to be sent, messages given up on, and how long the
    longest-waiting due message has been due (0 when none is): one query on
    the outbox's (status, next attempt) index."""
    now = utcnow()
    rows = db.session.execute(
        select(OutboxMessage.status, func.count(),
               func.min(case((OutboxMessage.next_attempt_at <= now, OutboxMessage.next_attempt_at))))
        .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.FAILED]))
        .group_by(OutboxMessage.status)).all()
    counts = {status: count for status, count, _ in rows}
    first_due = next((due for status, _, due in rows if status == OutboxStatus.PENDING), None)
    return {"pending": counts.get(OutboxStatus.PENDING, 0), "failed": counts.get(OutboxStatus.FAILED, 0),
            "oldest_due_seconds": max(0.0, (now - first_due).total_seconds()) if first_due else 0.0}


class _OutboxCollector:
    def collect(self):
        try:
            state = outbox_state()
        except SQLAlchemyError:
            # The rest of the scrape still answers; /readyz is what says the database is down.
            db.session.rollback()
            log.warning("Metrics: the outbox could not be read", exc_info=True)
            return
        yield GaugeMetricFamily("outbox_pending_messages", "Emails waiting to be sent, due or not yet.",
                                value=state["pending"])
        yield GaugeMetricFamily("outbox_oldest_due_seconds",
                                "How long the longest-waiting due email has been due (0 when none is).",
                                value=state["oldest_due_seconds"])
        yield GaugeMetricFamily("outbox_failed_messages", "Emails given up on after MAIL_MAX_ATTEMPTS.",
                                value=state["failed"])


class _QueueDepthCollector:
    def collect(self):
        reader = _queue_depth_reader
        if reader is None:
            return
        try:
            depth = reader()
        except Exception:
            log.warning("Metrics: the job queue's depth could not be read", exc_info=True)
            return
        yield GaugeMetricFamily("job_queue_depth", "Jobs waiting in the queue.", value=depth)


# --- Sentry ------------------------------------------------------------------------------------------------

_SECRET_HEADERS = {"authorization", "cookie", "set-cookie", "x-forwarded-for", "x-real-ip", "forwarded",
                   "x-csrftoken", "x-csrf-token"}


def _init_sentry(config) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(
        dsn=config["SENTRY_DSN"],
        environment=config["SENTRY_ENVIRONMENT"],
        traces_sample_rate=config["SENTRY_TRACES_SAMPLE_RATE"] or None,
        send_default_pii=False,
        # Locals hold names, addresses and equality answers that no pattern could find.
        include_local_variables=False,
        max_request_body_size="never",
        integrations=[FlaskIntegration(transaction_style="url")],
        before_send=scrubbed_event,
        before_send_transaction=scrubbed_event,
    )


def scrubbed_event(event: dict, hint: dict | None = None) -> dict:
    """A Sentry event without personal data: no cookies, form bodies, query
    strings or headers that authenticate or locate someone; the address as
    its route; every email address screened out of the rest (messages,
    exception values, breadcrumbs, local variables if ever included). Tagged
    with the request id and the signed-in person's id."""
    details = event.get("request")
    if isinstance(details, dict):
        for key in ("cookies", "data", "query_string", "env"):
            details.pop(key, None)
        if isinstance(details.get("headers"), dict):
            details["headers"] = {name: value for name, value in details["headers"].items()
                                  if name.lower() not in _SECRET_HEADERS}
        if has_request_context():
            details["url"] = route() or UNMATCHED_ROUTE
        else:
            details.pop("url", None)
    event.pop("user", None)
    if has_request_context():
        event["tags"] = {**(event.get("tags") or {}), "request_id": request_id()}
        user_id = _signed_in_user_id()
        if user_id is not None:
            event["user"] = {"id": str(user_id)}
    return screened(event)
