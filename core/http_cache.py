"""HTTP caching of public pages, the way the web does it: a strong validator
(ETag) and Cache-Control that lets a shared cache (nginx in front, a CDN)
keep a signed-out visitor's page, and `private, no-store` for anything
personal. docs/deployment.md ships the nginx configuration.

A public page names the scopes of change counters (core.changes) that what it
shows comes from: "events", "forums", "awards", "priorities". Each domain
tracks its own tables in its scope (`track_scope`); signing in changes none
of them. A page's ETag is made from those counters (one query), the language
the page is written in (core/i18n.py), its address and the current minute
(pages say what is on now and how many places are left, so no validator
outlives the minute it was made in). A request that already holds it is
answered 304 before the view runs: nothing is drawn.

Only a GET or HEAD without a session or remember-me cookie (so no one signed
in, no flashed message, no form token of their own) is answered as public,
and only a 200 that sets no cookie is sent `public`; everything else, the
same address for someone signed in included, is `private, no-store`. Every
answer of such a page says `Vary: Cookie, Accept-Language`, so even a cache
that ignores the proxy's rules keeps the visitors' copy apart and never
stores a personal one.
"""
import hashlib
from collections.abc import Callable, Iterable
from functools import wraps

from flask import current_app, make_response, request, session

from core import changes, i18n
from core.database import utcnow
from core.extensions import db

FORMAT_VERSION = 1  # raise when what every page shows changes without a counter moving
VARY = ("Cookie", "Accept-Language")


def track_scope(scope: str, tables: Iterable[str], *, columns: dict[str, Iterable[str]] | None = None) -> None:
    """Bump `scope` when a row of any of `tables` changes (of `columns[table]`
    only, where given)."""
    for table in tables:
        changes.track(table, scope, columns=(columns or {}).get(table))


def tables_of(module_name: str, *, leaving_out: Iterable[str] = ()) -> set[str]:
    """The tables of the models defined in `module_name` (call at its end)."""
    left_out = set(leaving_out)
    return {table.name for mapper in db.Model.registry.mappers if mapper.class_.__module__ == module_name
            for table in mapper.tables} - left_out


def public(*scopes: str | Callable[[], Iterable[str]]):
    """Decorate a view whose page is the same for every signed-out visitor in
    one language: it shows what `scopes` count (a callable gives scopes when
    asked: the home page's sections)."""
    def decorate(view):
        @wraps(view)
        def answered(*args, **kwargs):
            if not visitors_request():
                return personal(make_response(view(*args, **kwargs)))
            etag = validator(_names(scopes))
            # Weak comparison, as If-None-Match asks (a proxy that compresses the page weakens its ETag);
            # never `*` ("any version"), which would answer 304 before the view says the page exists.
            if not request.if_none_match.star_tag and request.if_none_match.contains_weak(etag):
                return _public(current_app.response_class(status=304), etag)
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or session or "Set-Cookie" in response.headers:
                return personal(response)
            return _public(response, etag).make_conditional(request)
        return answered
    return decorate


def visitors_request() -> bool:
    """A GET (or HEAD) from someone with no session or remember-me cookie."""
    config = current_app.config
    return (request.method in ("GET", "HEAD")
            and config["SESSION_COOKIE_NAME"] not in request.cookies
            and config.get("REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies)


def validator(scopes: Iterable[str]) -> str:
    """The ETag of this request's public page as things are now."""
    counted = changes.versions(db.session, scopes)
    # The counter's time as well as its value: a database restored from a
    # backup, or emptied, can count the same numbers again, never at the same moment.
    stamp = "|".join([str(FORMAT_VERSION), request.full_path, i18n.current_language().code,
                      utcnow().strftime("%Y%m%d%H%M"),
                      *(f"{name}:{value}:{changed_at.isoformat() if changed_at else ''}"
                        for name, (value, changed_at) in sorted(counted.items()))])
    return hashlib.sha256(stamp.encode()).hexdigest()[:32]


def personal(response):
    """No cache, shared or the browser's, keeps this answer."""
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.update(VARY)
    return response


def _public(response, etag: str):
    """Any cache may keep it: a shared one for SHARED_CACHE_SECONDS before it
    asks again with the ETag; a browser asks every time (a 304 costs a query)."""
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age=0, s-maxage={current_app.config['SHARED_CACHE_SECONDS']}"
    response.vary.update(VARY)
    return response


def _names(scopes) -> list[str]:
    names = []
    for scope in scopes:
        names += [scope] if isinstance(scope, str) else list(scope())
    return names
