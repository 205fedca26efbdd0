"""Public pages for signed-out visitors, drawn once and kept while nothing
they show has changed.

A page is kept under its full address (host, scheme, path and query), the
language it is written in (core/i18n.py), the
"pages" change counter and its time (core.changes: bumped by the same
transaction as any change to a table a page can show) and the current minute (pages say what is
on now, and how many places are left, so nothing is kept longer than a
minute even when nothing changes). The counter is read from the database on
every request, so no worker can serve a page older than the last change
anywhere; each worker keeps its own small LRU of pages.

Only GET requests without a session or remember-me cookie (so no one signed
in, no flashed message, no form token of their own) are served or stored, and
only 200 answers that carry no form token.
"""
from collections import OrderedDict
from functools import wraps
from threading import Lock

from flask import current_app, make_response, request, session

from core import changes, i18n
from core.database import utcnow
from core.extensions import db

COUNTER = "pages"
# Tables no public page shows: changing them leaves the pages as they are.
NOT_ON_PAGES = {"audit_entries", "outbox_messages", "change_counters", "equality_links", "equality_responses",
                "calendar_links"}
FORM_TOKEN = b'name="csrf_token"'


class _Pages:
    """An LRU of (status, headers, body) by key; thread-safe for `make run`'s threads."""

    def __init__(self):
        self._kept: OrderedDict = OrderedDict()
        self._lock = Lock()

    def get(self, key):
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found

    def put(self, key, value, limit: int) -> None:
        with self._lock:
            self._kept[key] = value
            self._kept.move_to_end(key)
            while len(self._kept) > limit:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


def init_app(app) -> None:
    """Count changes to every table a page can show (call once all models are imported)."""
    for table_name in db.metadata.tables:
        if table_name not in NOT_ON_PAGES:
            changes.track(table_name, COUNTER)
    app.extensions["page_cache"] = _Pages()


def kept_pages() -> _Pages:
    return current_app.extensions["page_cache"]


def for_visitors(view):
    """Serve a signed-out visitor's GET from the kept pages, or keep what the view draws."""
    @wraps(view)
    def served(*args, **kwargs):
        if not _anonymous_get():
            return view(*args, **kwargs)
        # The counter's time as well as its value: a database restored from a
        # backup, or emptied, can count the same numbers again, never at the same moment.
        version = changes.version(db.session, COUNTER)
        key = (request.url, i18n.current_language().code, version, utcnow().strftime("%Y%m%d%H%M"))
        kept = kept_pages().get(key)
        if kept is not None:
            status, headers, body = kept
            return current_app.response_class(body, status=status, headers=headers).make_conditional(request)
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200 and not response.direct_passthrough and not session:
            body = response.get_data()
            if FORM_TOKEN not in body:
                kept_pages().put(key, (response.status_code, list(response.headers.items()), body),
                          current_app.config["PAGE_CACHE_SIZE"])
        return response
    return served


def _anonymous_get() -> bool:
    config = current_app.config
    return (config["PAGE_CACHE_SIZE"] > 0 and request.method == "GET"
            and config["SESSION_COOKIE_NAME"] not in request.cookies
            and config.get("REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies)
