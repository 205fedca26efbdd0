"""The site's public pages (home, accessibility, privacy, cookies), the
health checks a load balancer asks (`/healthz`, `/readyz`) and the metrics
Prometheus scrapes (`/metrics`)."""
from flask import abort, current_app, render_template, request
from sqlalchemy import text

from core import home_page, http_cache, jobs, observability
from core.database import utcnow
from core.extensions import db, limiter
from core.privacy import retention
from core.views import bp


@bp.get("/")
@http_cache.public(home_page.scopes)
def home():
    """The introduction, then each domain's section (core/home_page.py): what is on
    next, the forums and this year's awards."""
    now = utcnow()
    sections = list(home_page.sections)
    variables = {}
    for section in sections:
        variables.update(section.variables(now))
    return render_template("core/home.html", sections=sections, **variables)


@bp.get("/accessibility")
def accessibility():
    return render_template("core/accessibility.html")


@bp.get("/privacy")
def privacy():
    return render_template("core/privacy.html", retention_lines=retention.notice_lines())


@bp.get("/cookies")
def cookies():
    return render_template("core/cookies.html")


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Liveness: the process answers. It asks nothing else, so an outage of
    the database or Redis does not get healthy workers restarted."""
    return {"status": "ok"}, 200


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """Readiness, for the load balancer: 200 only when what requests need
    answers (the database, Redis where rate limits are kept there, and the
    job queue's storage); otherwise 503, saying which did not."""
    checks = {"database": _database_answers()}
    if current_app.config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        checks["redis"] = limiter.storage.check()
    if not jobs.queue().huey.immediate:
        checks["queue"] = jobs.queue().answers()
    body = {name: "ok" if answered else "unreachable" for name, answered in checks.items()}
    ready = all(checks.values())
    return {"status": "ok" if ready else "unavailable", **body}, 200 if ready else 503


@bp.get("/metrics")
@limiter.exempt
@observability.unmeasured
def metrics():
    """For Prometheus, with `Authorization: Bearer <METRICS_TOKEN>`; without
    METRICS_TOKEN set there is nothing here. Never kept: Cache-Control is
    no-store, as for every response that does not choose its own."""
    token = current_app.config["METRICS_TOKEN"]
    if not token:
        abort(404)
    if not observability.metrics_token_matches(request.authorization, token):
        return "A bearer token is needed.\n", 401, {"WWW-Authenticate": "Bearer", "Content-Type": "text/plain"}
    body, content_type = observability.scrape()
    return body, 200, {"Content-Type": content_type}


def _database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return False
    return True
