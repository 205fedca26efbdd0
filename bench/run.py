"""`make bench`: how fast the app is at county scale, as shares of a bare
Flask hello-world served by the same gunicorn settings in the same run.

For each database (SQLite always; PostgreSQL too when BENCH_DATABASE_URL is
set) it seeds the large data set (`flask seed-bench`), serves the app and
the baseline under gunicorn on loopback, loads each page at 16 connections
(wrk, or bench/load.py's own generator) several times and quotes medians,
then times the calendar feed, a registration burst, the diversity report
at three sizes against the bare aggregate it rests on, and worker memory.
A full-scale run writes bench/results/latest.{json,md} and refreshes
the table in docs/performance.md; any other run writes quick.{json,md}.
`--quick` uses a small data set."""
import argparse
import http.client
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import asdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis  # noqa: E402
import pyotp  # noqa: E402

from bench import load  # noqa: E402
from seed.bench import BENCH_TOTP_SECRET  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "results"
CONNECTIONS = 16
PAGE_SHARE = 25  # % of the baseline's requests per second
PAGE_P99_MS = 50
SIGNED_IN_SHARE = 10  # % of the baseline: a signed-in page is drawn for its reader, never kept
SIGNED_IN_P99_MS = 100
POLL_SHARE = 50
FEED_FIRST_S = 1.0
BURST, BURST_PLACES, BURST_WORKERS = 500, 100, 4
BURST_RATE = 150  # registrations per second, PostgreSQL
REPORT_S, REPORT_RATIO, PDF_S = 0.5, 1.5, 1.0  # issue 25: reports from settled tallies
PROGRESS_S = 120  # a year's progress report, in the worker: its person watches the job's page
WORKER_MB = 200
STARTUP_S = 5.0
UNLIMITED = "1000000 per minute"
PARTS = ("pages", "reports", "burst", "startup")
# Ports the servers listen on: BENCH_PORT, and the next two (so two checkouts can measure at once).
PORT = int(os.environ.get("BENCH_PORT", "8410"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small data set and short runs (about 90 seconds)")
    parser.add_argument("--scale", type=int, help="attendance records to seed (default 1,000,000; 20,000 quick)")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database of the same scale")
    parser.add_argument("--only", choices=PARTS, action="append",
                        help="measure only this part (repeatable); the results go to quick.json")
    arguments = parser.parse_args()
    scale = arguments.scale or (20_000 if arguments.quick else 1_000_000)
    plan = {"scale": scale, "repetitions": 1 if arguments.quick else 3, "seconds": 2 if arguments.quick else 5,
            "parts": arguments.only or list(PARTS), "queue": "Redis" if job_queue().startswith("redis") else "a file"}
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    databases = {"SQLite": f"sqlite:///{WORK / f'bench-{scale}.db'}"}
    if os.environ.get("BENCH_DATABASE_URL"):
        databases["PostgreSQL"] = os.environ["BENCH_DATABASE_URL"]
    results = {"machine": machine(), "plan": plan, "generator": load.generator(), "databases": {}}
    for name, url in databases.items():
        print(f"== {name}", flush=True)
        results["databases"][name] = bench_database(url, plan, reuse=arguments.reuse)
    results["startup"] = startup() if "startup" in plan["parts"] else {}
    results["minutes"] = round((time.perf_counter() - started) / 60, 1)
    write(results, full=scale == 1_000_000 and not arguments.quick and not arguments.only)


# --- one database ------------------------------------------------------------

def bench_database(url: str, plan: dict, *, reuse: bool) -> dict:
    env = app_environment(url)
    result = {"seed_s": seed(url, plan["scale"], env, reuse=reuse)}
    ids = probe(env, "sample_ids")
    with Server("bench.hello:app", PORT, env) as baseline, Server("app:create_app()", PORT + 1, env) as app:
        if "pages" in plan["parts"]:
            result.update(page_loads(baseline, app, ids, plan))
            if Path(NGINX).exists():
                result["proxied"] = proxied_loads(baseline, app, ids, plan)
            else:
                print(f"   no nginx at {NGINX} (apt-get install nginx): nothing measured through it", flush=True)
            result["signed_in"] = signed_in_loads(app, probe(env, "signed_in_ids"), plan)
        if "reports" in plan["parts"]:
            result["reports"] = reports(app.url, sign_in(app.url, "bench-admin@example.org"), env,
                                        plan["repetitions"])
            result["progress_report"] = probe(env, "progress_report_job", year=date.today().year - 1)
        result["worker_mb"] = app.worker_rss_mb()
    if "burst" in plan["parts"]:
        result["burst"] = burst(env)
    return result


def page_loads(baseline: "Server", app: "Server", ids: dict, plan: dict) -> dict:
    """Every page at CONNECTIONS connections beside the baseline, and the calendar feed."""
    pages = page_list(ids)
    feed = timed_get(f"{app.url}/calendar.ics")
    poll = {"If-None-Match": feed["etag"]}
    assert status_of(f"{app.url}/calendar.ics", poll) == 304, "a repeat poll should be answered 304"
    loads = {"baseline": [], **{label: [] for label, _ in pages}, "feed_poll": []}
    for _ in range(plan["repetitions"]):
        loads["baseline"].append(load.run(baseline.url + "/", connections=CONNECTIONS, seconds=plan["seconds"]))
        for label, path in pages:
            loads[label].append(load.run(app.url + path, connections=CONNECTIONS, seconds=plan["seconds"]))
        loads["feed_poll"].append(load.run(f"{app.url}/calendar.ics", connections=CONNECTIONS,
                                           seconds=plan["seconds"], headers=poll))
    return {"loads": {label: median_load(runs) for label, runs in loads.items()},
            "paths": dict(pages),
            "feed_first_s": statistics.median(
                [feed["seconds"]] + [timed_get(f"{app.url}/calendar.ics")["seconds"] for _ in range(2)]),
            "feed_bytes": feed["bytes"]}


# --- through nginx's cache (deploy/nginx/shared-future.conf) ----------------------

NGINX = "/usr/sbin/nginx"
# The public pages, the feed's poll and the API, as visitors and partners ask for them through nginx.
PROXIED = ("home", "events_list", "events_list_deep", "event", "conference", "forum", "award_category", "api_events")


def proxied_loads(baseline: "Server", app: "Server", ids: dict, plan: dict) -> dict:
    """The public pages, the feed's 304 poll and the API through nginx with the
    shipped configuration, beside hello-world through the same nginx (which
    keeps nothing of it: it says nothing about caching)."""
    paths = {label: path for label, path in page_list(ids) if label in PROXIED}
    with Nginx(PORT + 2, {"hello": baseline.port, "app": app.port}) as proxy:
        feed = timed_get(f"{proxy.url}/calendar.ics", proxy.host("app"))
        poll = {**proxy.host("app"), "If-None-Match": feed["etag"]}
        assert status_of(f"{proxy.url}/calendar.ics", poll) == 304, "nginx should answer a repeat poll 304"
        for path in paths.values():  # each page's first visitor: measured is the steady state after it
            status_of(proxy.url + path, proxy.host("app"))
        loads = {"baseline": [], **{label: [] for label in paths}, "feed_poll": []}
        for _ in range(plan["repetitions"]):
            loads["baseline"].append(load.run(proxy.url + "/", connections=CONNECTIONS, seconds=plan["seconds"],
                                              headers=proxy.host("hello")))
            for label, path in paths.items():
                loads[label].append(load.run(proxy.url + path, connections=CONNECTIONS, seconds=plan["seconds"],
                                             headers=proxy.host("app")))
            loads["feed_poll"].append(load.run(f"{proxy.url}/calendar.ics", connections=CONNECTIONS,
                                               seconds=plan["seconds"], headers=poll))
    return {"loads": {label: median_load(runs) for label, runs in loads.items()}, "paths": paths,
            "cache_statuses": proxy.cache_statuses(),
            "nginx": subprocess.run([NGINX, "-v"], capture_output=True, text=True).stderr.strip()}


class Nginx:
    """Debian's nginx on `port` with deploy/nginx/shared-future.conf once per
    upstream (one server name each), its prefix and cache under bench/.work,
    a worker per core, logging what its cache did with each request."""

    def __init__(self, port: int, upstreams: dict[str, int]):
        self.port, self.upstreams = port, upstreams
        self.url = f"http://127.0.0.1:{port}"
        self.prefix = WORK / f"nginx-{port}"

    def host(self, name: str) -> dict:
        return {"Host": f"{name}.bench"}

    def config(self) -> str:
        site = (ROOT / "deploy" / "nginx" / "shared-future.conf").read_text()
        temp = "\n".join(f"    {kind}_temp_path {self.prefix / kind};" for kind in (
            "client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        servers = "\n".join(
            f"    upstream {name} {{ server 127.0.0.1:{port}; keepalive 32; }}\n"
            f"    server {{\n        listen 127.0.0.1:{self.port};\n        server_name {name}.bench;\n"
            + site.replace("http://shared_future", f"http://{name}") + "\n    }"
            for name, port in self.upstreams.items())
        user = "user root;\n" if os.geteuid() == 0 else ""  # else root's workers are `nobody`, kept out of .work
        return (f"daemon off;\n{user}worker_processes auto;\npid {self.prefix / 'nginx.pid'};\n"
                f"error_log {self.prefix / 'error.log'} warn;\nevents {{ worker_connections 1024; }}\n"
                f"http {{\n    log_format cache_status '$host $upstream_cache_status';\n"
                f"    access_log {self.prefix / 'access.log'} cache_status buffer=256k flush=1s;\n{temp}\n"
                f"    proxy_cache_path {self.prefix / 'cache'} levels=1:2 keys_zone=shared_future:10m max_size=200m "
                f"inactive=1h use_temp_path=off;\n{servers}\n}}\n")

    def __enter__(self):
        if self.prefix.exists():
            shutil.rmtree(self.prefix)  # a cache left from a run before
        self.prefix.mkdir(parents=True)
        (self.prefix / "nginx.conf").write_text(self.config())
        self.log = open(self.prefix / "output.log", "w")
        self.process = subprocess.Popen([NGINX, "-p", self.prefix, "-c", self.prefix / "nginx.conf",
                                         "-e", self.prefix / "error.log"], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                status_of(self.url + "/healthz", self.host("app"))
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"nginx on {self.port} did not start; see {self.prefix / 'error.log'}")

    def cache_statuses(self) -> dict:
        """What nginx's cache did with the app's requests so far: answered them from the cache (HIT;
        UPDATING: its copy while one other request renews it) or asked the app (MISS, EXPIRED, and
        REVALIDATED: the app's 304)."""
        self.process.send_signal(signal.SIGUSR1)  # reopen the log: writes out what is buffered
        time.sleep(1.5)
        lines = (self.prefix / "access.log").read_text().splitlines()
        return dict(Counter(line.split(" ", 1)[1] or "none" for line in lines if line.startswith("app.bench ")))

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)
        self.log.close()


def proxied_rows(figures: dict) -> list[str]:
    loads = figures["loads"]
    base = loads["baseline"]["rps"]
    rows = [row("Baseline hello-world through nginx", "—",
                f"{base:.0f} req/s, p99 {loads['baseline']['p99_ms']} ms")]
    for label, path in figures["paths"].items():
        measured = loads[label]
        share = 100 * measured["rps"] / base
        latency_target = label != "api_events"
        errors = f", {measured['errors']} errors" if measured["errors"] else ""
        rows.append(row(f"`{path}` through nginx", f">= {PAGE_SHARE}%" + (
            f", p99 < {PAGE_P99_MS} ms" if latency_target else ""),
            f"{share:.0f}% ({measured['rps']:.0f} req/s), p50 {measured['p50_ms']} ms, p99 {measured['p99_ms']} ms"
            + errors, share >= PAGE_SHARE and not measured["errors"]
            and (measured["p99_ms"] < PAGE_P99_MS or not latency_target)))
    poll = loads["feed_poll"]
    rows.append(row("Feed, repeat poll answered 304 through nginx", f">= {POLL_SHARE}%",
                    f"{100 * poll['rps'] / base:.0f}% ({poll['rps']:.0f} req/s), p99 {poll['p99_ms']} ms",
                    100 * poll["rps"] / base >= POLL_SHARE and not poll["errors"]))
    statuses = figures.get("cache_statuses", {})
    if statuses:
        reached = {status: count for status, count in sorted(statuses.items()) if status not in ("HIT", "UPDATING")}
        rows.append(row("Requests for the app through nginx that reached it", "—",
                        f"{sum(reached.values()):,} of {sum(statuses.values()):,} ("
                        + ", ".join(f"{status} {count:,}" for status, count in reached.items()) + ")"))
    return rows


def signed_in_pages(ids: dict) -> list[tuple[str, str, str]]:
    """The pages people use signed in, each with the account that uses it."""
    return [("my_events", "/my-events", "bench-member@example.org"),
            ("manage_event", f"/manage/events/{ids['managed_event']}", "bench-organiser@example.org"),
            ("check_in", f"/manage/events/{ids['managed_event']}/check-in", "bench-organiser@example.org"),
            ("judging", "/judging", "bench-judge@example.org"),
            ("forum_manage", f"/forums/{ids['coordinated_forum']}/manage", "bench-coordinator@example.org")]


def signed_in_loads(app: "Server", ids: dict, plan: dict) -> dict:
    """Each signed-in page at CONNECTIONS connections, signed in (through the
    real form, with a second-factor code for staff) as the person who uses it.
    Its share is of the baseline measured by page_loads in the same run."""
    pages = signed_in_pages(ids)
    sessions = {}
    for label, path, email in pages:
        if email not in sessions:
            sessions[email] = sign_in(app.url, email)
        assert status_of(app.url + path, sessions[email]) == 200, f"{path} should answer {email} with its page"
    loads = {label: [] for label, _, _ in pages}
    for _ in range(plan["repetitions"]):
        for label, path, email in pages:
            loads[label].append(load.run(app.url + path, connections=CONNECTIONS, seconds=plan["seconds"],
                                         headers=sessions[email]))
    return {"loads": {label: median_load(runs) for label, runs in loads.items()},
            "pages": {label: {"path": path, "as": email} for label, path, email in pages}}


def app_environment(url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-only-secret", "SESSION_COOKIE_SECURE": "0",
           "PREFERRED_URL_SCHEME": "http", "MAIL_BACKEND": "dummy", "FLASK_APP": "app"}
    # The per-IP limits would answer the load generator 429s: lift them, keep the limiter's cost.
    for limit in ("FEED_LIMIT_PER_IP", "API_LIMIT_PER_IP", "PUBLIC_FORM_LIMIT_PER_IP", "PUBLIC_FORM_LIMIT_PER_EMAIL",
                  "SIGN_IN_LIMIT_PER_IP"):
        env[limit] = UNLIMITED
    env.pop("SERVER_NAME", None)
    env["JOBS_STORAGE_URI"] = job_queue()
    return env


def job_queue() -> str:
    """The job queue as production keeps it (docs/deployment.md): Redis, a
    database of the bench's own (BENCH_QUEUE_URL), emptied first, as no
    worker takes the jobs the bench queues. Without Redis, a file of its own."""
    url = os.environ.get("BENCH_QUEUE_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()
        return url
    except redis.RedisError:
        return f"sqlite:///{WORK / 'jobs.db'}"


def seed(url: str, scale: int, env: dict, *, reuse: bool) -> float | None:
    if reuse and seeded(url, scale):
        print("   reusing the seeded database", flush=True)
        return None
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        probe(env, "empty_schema")
    subprocess.run([BIN / "flask", "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([BIN / "flask", "seed-bench", "--scale", str(scale)], env=env, cwd=ROOT, check=True)
    (WORK / marker_name(url)).write_text(str(scale))
    return round(time.perf_counter() - started, 1)


def marker_name(url: str) -> str:
    return "seeded-" + re.sub(r"\W+", "-", url)


def seeded(url: str, scale: int) -> bool:
    marker = WORK / marker_name(url)
    return marker.exists() and marker.read_text() == str(scale)


def probe(env: dict, name: str, **arguments):
    """Ask bench/probe.py, in a fresh interpreter on the benchmark's database."""
    finished = subprocess.run([BIN / "python", "-m", "bench.probe", name, json.dumps(arguments)], cwd=ROOT, env=env,
                              capture_output=True, text=True)
    if finished.returncode:
        raise RuntimeError(f"bench.probe {name} failed:\n{finished.stderr}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def page_list(ids: dict) -> list[tuple[str, str]]:
    deep = max(ids["workshop_pages"] * 3 // 4, 1)
    return [("floor", "/readyz"), ("home", "/"), ("events_list", "/events"),
            ("events_list_deep", f"/events?kind=workshop&page={deep}"),
            ("event", f"/events/{ids['event']}"), ("conference", f"/events/{ids['conference']}"),
            ("forum", f"/forums/{ids['forum']}"),
            ("award_category", f"/awards/categories/{ids['category']}"),
            ("api_events", "/api/v1/events")]


def median_load(runs: list[load.Load]) -> dict:
    return {"rps": round(statistics.median(r.rps for r in runs), 1),
            "p50_ms": round(statistics.median(r.p50_ms for r in runs), 1),
            "p99_ms": round(statistics.median(r.p99_ms for r in runs), 1),
            "errors": sum(r.errors for r in runs), "runs": [asdict(r) for r in runs]}


# --- HTTP helpers -------------------------------------------------------------

class Server:
    """gunicorn with the project's gunicorn.conf.py, on a loopback port."""

    def __init__(self, target: str, port: int, env: dict, workers: int = 2):
        self.target, self.port, self.env, self.workers = target, port, env, workers
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self):
        try:
            status_of(self.url + "/")
            raise RuntimeError(f"something already answers on port {self.port}: stop it first")
        except OSError:
            pass  # free, as it should be
        self.log = open(WORK / f"gunicorn-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [BIN / "gunicorn", "-c", ROOT / "gunicorn.conf.py", "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}",
             self.target], cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                status_of(self.url + "/")
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn on {self.port} did not start; see {self.log.name}")

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    rss = re.search(r"VmRSS:\s+(\d+) kB", (stat.parent / "status").read_text())
                    sizes.append(round(int(rss.group(1)) / 1024, 1))
            except (OSError, AttributeError):
                continue
        return sizes

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)
        self.log.close()


def status_of(url: str, headers: dict | None = None, *, method: str = "GET", body: str | None = None,
              timeout: float = 30) -> int:
    """One request on a connection of its own (as a sync worker expects); its status."""
    parts = urllib.parse.urlsplit(url)
    client = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    client.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=headers or {})
    response = client.getresponse()
    response.read()
    client.close()
    return response.status


def timed_get(url: str, headers: dict | None = None) -> dict:
    request = urllib.request.Request(url, headers=headers or {})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        body = response.read()
        seconds = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
        return {"seconds": seconds, "bytes": len(body), "etag": response.headers.get("ETag", "")}


def sign_in(base: str, email: str) -> dict:
    """Sign in through the real form (staff then enter a code from the bench
    accounts' authenticator key); returns the Cookie header to send."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/sign-in").read().decode()
    form = urllib.parse.urlencode({"csrf_token": csrf_token(page), "email": email,
                                   "password": "bench-Shared-Future-2026"})
    answer = opener.open(f"{base}/sign-in", data=form.encode())
    if urllib.parse.urlsplit(answer.geturl()).path == "/sign-in/code":
        form = urllib.parse.urlencode({"csrf_token": csrf_token(answer.read().decode()),
                                       "code": pyotp.TOTP(BENCH_TOTP_SECRET).now()})
        answer = opener.open(f"{base}/sign-in/code", data=form.encode())
    if urllib.parse.urlsplit(answer.geturl()).path.startswith("/sign-in"):
        raise RuntimeError(f"{email} could not sign in (ended on {answer.geturl()})")
    return {"Cookie": "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)}


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


# --- reports ------------------------------------------------------------------

def reports(base: str, admin: dict, env: dict, repetitions: int) -> list[dict]:
    """The all-events diversity report over ranges ending today that hold
    about 10k, 100k and all attendance records, each beside the bare
    aggregate statements it rests on, timed in the same run."""
    bounds = probe(env, "report_bounds", sizes=[10_000, 100_000])
    ranges = [(bounds[str(size)], size) for size in (10_000, 100_000) if str(size) in bounds]
    ranges.append((None, bounds["total"]))
    measured = []
    for starts, records in ranges:
        query = ""
        if starts:
            first, today = date.fromisoformat(starts), date.today()
            query = "?" + urllib.parse.urlencode([("starts", first.day), ("starts", first.month),
                                                  ("starts", first.year), ("ends", today.day),
                                                  ("ends", today.month), ("ends", today.year)])
        page = [timed_get(f"{base}/reports/all{query}", admin)["seconds"] for _ in range(repetitions)]
        pdf = probe(env, "report_pdf_job", starts=starts, repetitions=repetitions)  # drawn by the worker
        bare = probe(env, "bare_report_sql", starts=starts, repetitions=repetitions)
        measured.append({"records": records, "from": starts, "page_s": round(statistics.median(page), 3),
                         "pdf_s": round(statistics.median(pdf), 3), "bare_sql_s": round(statistics.median(bare), 3)})
    return measured


# --- registration burst ---------------------------------------------------------

def burst(env: dict) -> dict:
    """500 members register at once for 100 places, against 4 workers."""
    setup = probe(env, "burst_setup", places=BURST_PLACES, people=BURST)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    requests = [("POST", f"/events/{setup['event']}/register", {**headers, "Cookie": f"{setup['cookie']}={cookie}"},
                 urllib.parse.urlencode({"csrf_token": token, "submit": "Register"}))
                for cookie, token in setup["sessions"]]
    with Server("app:create_app()", PORT + 2, env, workers=BURST_WORKERS) as server:
        started = time.perf_counter()
        answers = load.at_once(server.url, requests)
        seconds = time.perf_counter() - started
    outcome = probe(env, "burst_outcome", event_id=setup["event"])
    latencies = sorted(answer.seconds for answer in answers)
    statuses = {str(status): count for status, count in Counter(answer.status for answer in answers).items()}
    return {**outcome, "statuses": statuses, "errors": sum(answer.status != 200 for answer in answers),
            "seconds": round(seconds, 2), "per_second": round(BURST / seconds, 1),
            "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)], 1)}


# --- startup --------------------------------------------------------------------

def startup() -> dict:
    """`make run` on this (installed) checkout, on a database of its own:
    seconds to the first page, with a new database and then an existing one."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{WORK / 'startup.db'}"}
    (WORK / "startup.db").unlink(missing_ok=True)
    timings = {}
    for case in ("new_database_s", "existing_database_s"):
        started = time.perf_counter()
        process = subprocess.Popen(["make", "run"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            while time.perf_counter() - started < 120:
                try:
                    if status_of("http://127.0.0.1:5000/") == 200:
                        timings[case] = round(time.perf_counter() - started, 2)
                        break
                except OSError:
                    time.sleep(0.05)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
    return timings


# --- results ----------------------------------------------------------------------

def machine() -> dict:
    memory = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text()).group(1)
    versions = {}
    for package in ("flask", "sqlalchemy", "gunicorn", "jinja2", "psycopg"):
        from importlib.metadata import version
        versions[package] = version(package)
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0] \
        if load.generator() == "wrk" else "none"
    return {"date": date.today().isoformat(), "cores": os.cpu_count(), "memory_gb": round(int(memory) / 1024 ** 2, 1),
            "python": platform.python_version(), "sqlite": __import__("sqlite3").sqlite_version, "wrk": wrk.strip(),
            **versions}


def write(results: dict, *, full: bool) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    table = markdown(results)
    name = "latest" if full else "quick"  # only a full run replaces the figures kept in git
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(table)
    print(table)
    if full:
        page = ROOT / "docs" / "performance.md"
        text = page.read_text()
        start, end = "<!-- bench:start -->\n", "<!-- bench:end -->"
        if start in text and end in text:
            before, rest = text.split(start, 1)
            page.write_text(before + start + table + rest[rest.index(end):])


def row(what: str, target: str, measured: str, met: bool | None = None) -> str:
    shown = "" if met is None else "met" if met else "**not met**"
    return f"| {what} | {target} | {measured} | {shown} |"


def markdown(results: dict) -> str:
    machine, plan = results["machine"], results["plan"]
    lines = [f"Measured {machine['date']} on {machine['cores']} cores, {machine['memory_gb']} GB; Python "
             f"{machine['python']}, SQLite {machine['sqlite']}, gunicorn {machine['gunicorn']} (sync, 2 workers), "
             f"load from {results['generator']} at {CONNECTIONS} connections; {plan['scale']:,} attendance records; "
             f"median of {plan['repetitions']} runs of {plan['seconds']} s; job queue in {plan.get('queue', 'a file')}; "
             f"whole run {results['minutes']} min.", ""]
    for name, figures in results["databases"].items():
        lines += [f"**{name}**" + (f" (seeded in {figures['seed_s']} s)" if figures["seed_s"] else ""), ""]
        lines += database_rows(name, figures) + [""]
    startup = results["startup"]
    if startup:
        existing = startup.get("existing_database_s")
        met = "met" if existing is not None and existing < STARTUP_S else "**not met**"
        lines += [f"`make run` to the first page: {existing} s with its database in place ({met}, target < "
                  f"{STARTUP_S:g} s); {startup.get('new_database_s')} s when it first creates the database and "
                  f"demo data.", ""]
    return "\n".join(lines)


def database_rows(name: str, figures: dict) -> list[str]:
    rows = ["| What | Target | Measured | |", "|---|---|---|---|"]
    if "loads" in figures:
        rows += page_rows(figures)
    if "proxied" in figures:
        rows += proxied_rows(figures["proxied"])
    if "signed_in" in figures:
        rows += signed_in_rows(figures["signed_in"], figures["loads"]["baseline"]["rps"])
    if "burst" in figures:
        rows.append(burst_row(name, figures["burst"]))
    rows += [report_row(report) for report in figures.get("reports", [])]
    if "progress_report" in figures:
        rows.append(progress_row(figures["progress_report"]))
    rows.append(row("Worker memory after the run", f"< {WORKER_MB} MB",
                    ", ".join(f"{mb:.0f}" for mb in figures["worker_mb"]) + " MB",
                    max(figures["worker_mb"]) < WORKER_MB))
    return rows


def page_rows(figures: dict) -> list[str]:
    loads = figures["loads"]
    base = loads["baseline"]["rps"]
    rows = [row("Baseline hello-world", "—", f"{base:.0f} req/s, p99 {loads['baseline']['p99_ms']} ms")]
    for label, path in figures["paths"].items():
        load = loads[label]
        share = 100 * load["rps"] / base
        if label == "floor":  # not a target: what the app's own request handling leaves, with no page at all
            rows.append(row(f"`{path}` (one database round trip, no page: the app's floor)", "—",
                            f"{share:.0f}% ({load['rps']:.0f} req/s), p50 {load['p50_ms']} ms, "
                            f"p99 {load['p99_ms']} ms"))
            continue
        latency_target = label != "api_events"  # the issue sets the API a throughput target only
        errors = f", {load['errors']} errors" if load["errors"] else ""
        if label in figures.get("proxied", {}).get("paths", {}):  # its target is through nginx, below
            rows.append(row(f"`{path}` direct, drawn every time (what a cache miss costs)", "—",
                            f"{share:.0f}% ({load['rps']:.0f} req/s), p50 {load['p50_ms']} ms, "
                            f"p99 {load['p99_ms']} ms" + errors))
            continue
        rows.append(row(f"`{path}`", f">= {PAGE_SHARE}%" + (f", p99 < {PAGE_P99_MS} ms" if latency_target else ""),
                        f"{share:.0f}% ({load['rps']:.0f} req/s), p50 {load['p50_ms']} ms, p99 {load['p99_ms']} ms"
                        + errors,
                        share >= PAGE_SHARE and not load["errors"]
                        and (load["p99_ms"] < PAGE_P99_MS or not latency_target)))
    poll = loads["feed_poll"]  # direct: a calendar app asking the app itself
    rows.append(row(f"Feed, first request ({figures['feed_bytes'] // 1024} KB)", f"< {FEED_FIRST_S:g} s",
                    f"{figures['feed_first_s']:.2f} s", figures["feed_first_s"] < FEED_FIRST_S))
    rows.append(row("Feed, repeat poll answered 304", f">= {POLL_SHARE}%",
                    f"{100 * poll['rps'] / base:.0f}% ({poll['rps']:.0f} req/s), p99 {poll['p99_ms']} ms",
                    100 * poll["rps"] / base >= POLL_SHARE and not poll["errors"]))
    return rows


def signed_in_rows(signed_in: dict, base: float) -> list[str]:
    rows = []
    for label, page in signed_in["pages"].items():
        load = signed_in["loads"][label]
        share = 100 * load["rps"] / base
        errors = f", {load['errors']} errors" if load["errors"] else ""
        rows.append(row(f"`{page['path']}` signed in as {page['as'].split('@')[0]}",
                        f">= {SIGNED_IN_SHARE}%, p99 < {SIGNED_IN_P99_MS} ms",
                        f"{share:.0f}% ({load['rps']:.0f} req/s), p50 {load['p50_ms']} ms, p99 {load['p99_ms']} ms"
                        + errors, share >= SIGNED_IN_SHARE and not load["errors"] and load["p99_ms"] < SIGNED_IN_P99_MS))
    return rows


def burst_row(name: str, burst: dict) -> str:
    exact = (burst["confirmed"], burst["waitlisted"], burst["errors"], burst["queue_in_order"]) == (
        BURST_PLACES, BURST - BURST_PLACES, 0, True)
    fast_enough = name != "PostgreSQL" or burst["per_second"] >= BURST_RATE
    return row(f"Burst: {BURST} registrations for {BURST_PLACES} places, {BURST_WORKERS} workers",
               f"{BURST_PLACES} booked, {BURST - BURST_PLACES} waiting in order, no errors"
               + (f", >= {BURST_RATE}/s" if name == "PostgreSQL" else ""),
               f"{burst['confirmed']} booked, {burst['waitlisted']} waiting"
               f"{' in order' if burst['queue_in_order'] else ' OUT OF ORDER'}, {burst['errors']} errors, "
               f"{burst['per_second']}/s", exact and fast_enough)


def report_row(report: dict) -> str:
    ratio = report["page_s"] / report["bare_sql_s"] if report["bare_sql_s"] else 0
    return row(f"Diversity report, {report['records']:,} records",
               f"< {REPORT_S:g} s and <= {REPORT_RATIO:g}x its SQL; PDF < {PDF_S:g} s",
               f"{report['page_s']:.2f} s ({ratio:.1f}x the {report['bare_sql_s']:.2f} s of SQL); "
               f"PDF {report['pdf_s']:.2f} s",
               report["page_s"] < REPORT_S and ratio <= REPORT_RATIO and report["pdf_s"] < PDF_S)


def progress_row(progress: dict) -> str:
    return row(f"Progress report for {progress['year']}, prepared by the worker (page and PDF)",
               f"< {PROGRESS_S:g} s (its job's page says a minute or two)",
               f"{progress['seconds']:.1f} s" + ("" if progress["done"] else ", FAILED"),
               progress["done"] and progress["seconds"] < PROGRESS_S)


if __name__ == "__main__":
    main()
