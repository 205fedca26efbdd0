"""Debian's nginx, run in the foreground with deploy/nginx/shared-future.conf
in front of a live test server, in its own prefix, temporary and cache
directories, on a free loopback port."""
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.live_server import ROOT, answering, free_port

NGINX = os.environ.get("NGINX_PATH", "/usr/sbin/nginx")
SITE_CONFIG = ROOT / "deploy" / "nginx" / "shared-future.conf"


def nginx_or_skip() -> str:
    """The nginx binary; without it the test skips, or fails where it is
    required (CI sets E2E_REQUIRE_BROWSER=1 and installs it with apt-get)."""
    if not (Path(NGINX).exists() or shutil.which("nginx")):
        message = f"nginx not found at {NGINX} (apt-get install nginx)"
        if os.environ.get("E2E_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return NGINX if Path(NGINX).exists() else shutil.which("nginx")


def wrapper_config(prefix: Path, port: int, upstream_port: int) -> str:
    """The `http { }` around the shipped file, as docs/deployment.md shows it."""
    temp = {name: prefix / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    # Started by root (a container), nginx's workers would become `nobody`, who may not enter pytest's tmp_path.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""daemon off;
{user}worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {temp['client_body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    upstream shared_future {{ server 127.0.0.1:{upstream_port}; keepalive 16; }}
    proxy_cache_path {prefix / 'cache'} levels=1:2 keys_zone=shared_future:10m max_size=100m inactive=1h
                     use_temp_path=off;
    server {{
        listen 127.0.0.1:{port};
        include {SITE_CONFIG};
    }}
}}
"""


@contextmanager
def nginx_in_front(upstream_url: str, prefix: Path):
    """Yield the base URL of nginx proxying (and caching) `upstream_url`."""
    binary = nginx_or_skip()
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = prefix / "nginx.conf"
    config.write_text(wrapper_config(prefix, port, int(upstream_url.rsplit(":", 1)[1])))
    log = (prefix / "output.log").open("w")
    process = subprocess.Popen([binary, "-p", str(prefix), "-c", str(config), "-e", str(prefix / "error.log")],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        with answering(process, f"http://127.0.0.1:{port}", within=10, what="nginx", log=lambda: (
                (prefix / "output.log").read_text()[-2000:] + (prefix / "error.log").read_text()[-2000:])) as base_url:
            yield base_url
    finally:
        log.close()
