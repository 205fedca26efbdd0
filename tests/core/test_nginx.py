"""The nginx configuration docs/deployment.md ships (deploy/nginx/), run in
front of a live server: a second visitor is served from nginx's cache, a
change is seen once the entry is checked again, and a signed-in person is
never given a stored page nor has theirs stored."""
import http.cookiejar
from contextlib import ExitStack
import re
import time
import urllib.parse
import urllib.request

import pytest

from core.extensions import db
from events.models import Event
from tests.events.factories import EventFactory
from tests.factories import PASSWORD
from tests.live_server import live_server
from tests.nginx_proxy import nginx_in_front, nginx_or_skip

# What nginx keeps and passes on, whichever database is behind the app: once, on PostgreSQL where set.
pytestmark = pytest.mark.either_database

SECONDS = 2  # SHARED_CACHE_SECONDS for this server: how long nginx keeps a page before asking again


def fetch(url: str, opener=None, headers: dict | None = None):
    """(status, headers, body) of a GET, a 304 included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def fetch_once_expired(url: str):
    """The first answer after nginx's copy has expired: it gives its copy (HIT) until SECONDS
    have passed (a little longer on a loaded machine), then asks the app."""
    started = time.monotonic()
    time.sleep(SECONDS)
    while True:
        status, headers, body = fetch(url)
        if headers["X-Cache-Status"] != "HIT" or time.monotonic() - started > SECONDS + 10:
            return status, headers, body
        time.sleep(0.2)


def signed_in_opener(base_url: str, email: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base_url}/sign-in", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    opener.open(f"{base_url}/sign-in", data=urllib.parse.urlencode(
        {"csrf_token": token, "email": email, "password": PASSWORD}).encode(), timeout=30)
    assert any(cookie.name == "session" for cookie in jar)
    return opener


def test_nginx_keeps_visitors_pages_revalidates_them_and_never_keeps_a_personal_one(
        app, database_url, make_user, tmp_path):
    nginx_or_skip()  # before starting the app server
    with app.app_context():
        event_id = EventFactory(title="Interfaith supper").id
    member = make_user()
    page = f"/events/{event_id}"
    with live_server(database_url, gunicorn_workers=2, SHARED_CACHE_SECONDS=str(SECONDS)) as server, \
            nginx_in_front(server, tmp_path / "nginx") as proxy:
        status, first, body = fetch(proxy + page)
        assert status == 200 and first["X-Cache-Status"] == "MISS" and "Interfaith supper" in body
        # The next visitor is given nginx's copy; one asking with the ETag gets 304 from nginx.
        status, second, again = fetch(proxy + page)
        assert status == 200 and second["X-Cache-Status"] == "HIT" and again == body
        assert fetch(proxy + page, headers={"If-None-Match": first["ETag"]})[0] == 304

        with app.app_context():
            db.session.get(Event, event_id).title = "Interfaith supper and quiz"
            db.session.commit()
        # Within SECONDS nginx may still give the old page; once they pass it asks the app, which has a new one.
        status, changed, body = fetch_once_expired(proxy + page)
        assert status == 200 and changed["X-Cache-Status"] == "EXPIRED" and "Interfaith supper and quiz" in body
        assert changed["ETag"] != first["ETag"]
        # Nothing changed since: the app answers nginx's check with 304 and nginx keeps its copy.
        status, checked, again = fetch_once_expired(proxy + page)
        if checked["X-Cache-Status"] == "EXPIRED" and checked["ETag"] != changed["ETag"]:
            # The minute turned meanwhile (every validator moves with it): the check after this one finds it.
            status, checked, again = fetch_once_expired(proxy + page)
        assert status == 200 and checked["X-Cache-Status"] == "REVALIDATED" and "Interfaith supper and quiz" in again

        # Signed in: never the visitors' copy, even holding its ETag, and their page is not kept.
        opener = signed_in_opener(proxy, member.email)
        status, theirs, body = fetch(proxy + page, opener, headers={"If-None-Match": changed["ETag"]})
        assert status == 200 and theirs["X-Cache-Status"] == "BYPASS" and "Sign out" in body
        assert theirs["Cache-Control"] == "private, no-store"
        fresh = "/events?kind=workshop"  # a page no visitor has asked for yet: first asked for by the member
        status, theirs, body = fetch(proxy + fresh, opener)
        assert status == 200 and theirs["X-Cache-Status"] == "BYPASS" and "Sign out" in body
        status, visitors, body = fetch(proxy + fresh)
        assert status == 200 and visitors["X-Cache-Status"] == "MISS" and "Sign out" not in body
        assert visitors["Cache-Control"].startswith("public")


def test_nginx_keeps_one_copy_per_language(app, database_url, tmp_path):
    nginx_or_skip()
    with live_server(database_url, gunicorn_workers=1) as server, nginx_in_front(server, tmp_path / "nginx") as proxy:
        assert 'lang="pl"' in fetch(proxy + "/", headers={"Accept-Language": "pl"})[2]
        status, english_headers, english = fetch(proxy + "/", headers={"Accept-Language": "en"})
        assert english_headers["X-Cache-Status"] == "MISS" and 'lang="en-GB"' in english
        # The language cookie beats the browser's Accept-Language, in the cache as in the app.
        status, headers, chosen = fetch(proxy + "/", headers={"Accept-Language": "en", "Cookie": "language=ur"})
        assert headers["X-Cache-Status"] == "MISS" and 'lang="ur"' in chosen
        status, headers, polish = fetch(proxy + "/", headers={"Accept-Language": "pl"})
        assert headers["X-Cache-Status"] == "HIT" and 'lang="pl"' in polish


def test_nginx_gives_nothing_stale_when_the_app_is_down_nor_keeps_headers_a_visitor_chose(
        app, database_url, tmp_path):
    """Found by attacking it: with `proxy_cache_use_stale` nginx gave out a
    page its event had been taken off while the app was slow or down; a
    visitor's own X-Forwarded-Host (with PROXY_FIX_X_HOST set) was written
    into the links of the copy everyone got, and their X-Request-ID kept in it."""
    nginx_or_skip()
    with app.app_context():
        event_id = EventFactory(title="Youth open evening").id
    page = f"/events/{event_id}"
    chosen = {"X-Forwarded-Host": "evil.example", "X-Request-ID": "chosen-by-a-visitor"}
    with ExitStack() as running_app:
        server = running_app.enter_context(live_server(database_url, gunicorn_workers=1, PROXY_FIX_X_HOST="1",
                                                       SHARED_CACHE_SECONDS=str(SECONDS)))
        with nginx_in_front(server, tmp_path / "nginx") as proxy:
            status, filled, body = fetch(proxy + page, headers=chosen)
            assert status == 200 and filled["X-Cache-Status"] == "MISS" and "Youth open evening" in body
            assert "evil.example" not in body and filled["X-Request-ID"] != "chosen-by-a-visitor"
            kept = fetch(proxy + page)[1]
            assert kept["X-Cache-Status"] == "HIT"
            assert kept["X-Request-ID"] not in ("", filled["X-Request-ID"])  # its own id, not the filler's
            # The app counts each API caller; nginx passes on no count, kept or not.
            assert "X-RateLimit-Remaining" in fetch(server + "/api/v1/events")[1]
            assert "X-RateLimit-Remaining" not in fetch(proxy + "/api/v1/events")[1]

            running_app.close()  # the app stops answering
            time.sleep(SECONDS + 0.5)
            status, headers, body = fetch(proxy + page)
            assert status >= 500 and "Youth open evening" not in body
            assert headers["X-Cache-Status"] not in ("STALE", "UPDATING", "HIT")
