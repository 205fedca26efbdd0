"""gunicorn settings for production and for bench/ (which serves the app and
its hello-world baseline with these same settings). Sync workers: each
handles one request at a time, so run about two per core; WEB_CONCURRENCY
overrides the count. See docs/deployment.md."""
import ipaddress
import os

LOOPBACK = "127.0.0.1:8000"


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


worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
bind = choose_bind(os.environ)
timeout = 30
graceful_timeout = 20
accesslog = None
errorlog = "-"
