"""The wheel is a whole deployment: built from the checkout and installed into
a fresh virtual environment, it brings its database up to date and serves its
pages and static files from site-packages, with nothing read from the source
tree (docs/operations.md#deploy).

The fresh environment gets the dependencies already installed in this one
through a .pth file naming this environment's site-packages (a plain path, so
the .pth files there, among them the editable install of the checkout, are not
run); the wheel itself is installed with --no-deps."""
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.live_server import ROOT, free_port

# What the build never reads: the checkout's environments, caches and everything that is not shipped.
NOT_BUILT_FROM = shutil.ignore_patterns(".git", ".venv", "node_modules", "build", "*.egg-info", "__pycache__",
                                        "instance", "tests", "bench", "docs", ".*_cache", ".hypothesis")


def run(command: list[str], **kwargs) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_the_wheel_carries_templates_static_files_and_migrations_and_serves_from_site_packages(tmp_path):
    if not (ROOT / "static" / "dist" / "main.css").exists():
        pytest.fail("static/dist/ is not built: run `make assets` first")

    # Build from a copy, so setuptools' build/ and egg-info never land in the checkout.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_BUILT_FROM)
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path / "wheels"), str(source)])
    [wheel] = (tmp_path / "wheels").glob("shared_future-*.whl")

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = str(venv / "bin" / "python")
    run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", str(wheel)])
    site_packages = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).strip())
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site_packages / "dependencies-from-the-test-environment.pth").write_text("\n".join(sorted(ours)) + "\n")

    workdir = tmp_path / "srv"  # outside the checkout, as on a server
    workdir.mkdir()
    shutil.copy(ROOT / "gunicorn.conf.py", workdir)  # the operator's copy: it is configuration, not in the wheel
    env = {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "FLASK_APP")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'shared_future.db'}", SECRET_KEY="wheel-test-secret-key",
               SESSION_COOKIE_SECURE="0", RATELIMIT_STORAGE_URI="memory://", MAIL_BACKEND="locmem")

    installed = run([python, "-c", "import app; print(app.__file__)"], cwd=workdir, env=env).strip()
    assert Path(installed) == site_packages / "app.py"  # not the checkout, through the editable install
    # the PDFs' fonts (core/pdf_fonts.py) come with it, beside the rest of static/dist/
    fonts = run([python, "-c", "from core import pdf_fonts; pdf_fonts.register(); print(pdf_fonts.font_folder())"],
                cwd=workdir, env=env).strip()
    assert Path(fonts) == site_packages / "static" / "dist" / "fonts"

    run([python, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=workdir, env=env)

    port = free_port()
    with open(tmp_path / "gunicorn.log", "w+b") as log:
        server = subprocess.Popen([python, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", "1",
                                   "--bind", f"127.0.0.1:{port}", "app:create_app()"],
                                  cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_until_it_answers(base_url, server, log)
            assert fetch(base_url + "/healthz")[0] == 200
            status, home = fetch(base_url + "/")
            assert status == 200 and 'href="/static/dist/main.css' in home
            assert fetch(base_url + "/events")[0] == 200
            # The compiled catalogues came too: a Polish reader gets Polish.
            status, polish = fetch(base_url + "/events", {"Accept-Language": "pl"})
            assert status == 200 and '<html lang="pl"' in polish and "Wydarzenia" in polish
            assert fetch(base_url + "/no-such-page")[0] == 404  # errors/404.html, not a 500 for a missing template
            for asset in ("/static/dist/main.css", "/static/dist/app.mjs", "/static/images/favicon.svg"):
                assert fetch(base_url + asset)[0] == 200, asset
        finally:
            server.terminate()
            server.wait(timeout=20)


def wait_until_it_answers(base_url: str, server: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(base_url + "/healthz", timeout=1).close()
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail("gunicorn did not start: " + log.read().decode()[-3000:])
            time.sleep(0.1)


def fetch(url: str, headers: dict | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
