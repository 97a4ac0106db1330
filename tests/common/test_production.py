"""Production (#10): `klynge serve` with DEBUG unset, the refusal without a secret key, and
`klynge check --deploy` clean with the README's environment. Each runs the real command in a
subprocess with its own environment."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

KLYNGE = [sys.executable, "-m", "klynge"]


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a production machine (README, "Production"), data in ``tmp_path``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "KLYNGE_", "DATABASE_URL", "PYTEST_", "COV_"))
    }
    env.update(
        {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "klynge.example.dk,127.0.0.1",
            "KLYNGE_SITE_URL": "https://klynge.example.dk",
            "KLYNGE_DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'klynge.sqlite3'}",
        }
    )
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KLYNGE, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_without_a_secret_key_production_refuses_to_start_with_one_line(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]
    for command in (["serve"], ["check"], ["migrate"]):
        result = run(command, env)
        assert result.returncode == 1, command
        assert result.stdout == ""
        assert result.stderr.startswith("klynge: DJANGO_SECRET_KEY mangler (is not set)")
        assert result.stderr.count("\n") == 1  # one line, no traceback
    # The WSGI entry point (gunicorn started by hand or by another unit) says the same.
    wsgi = subprocess.run(
        [sys.executable, "-c", "import klynge.wsgi"], env=env, capture_output=True, text=True, check=False
    )
    assert wsgi.returncode == 1
    assert wsgi.stderr.startswith("klynge: DJANGO_SECRET_KEY mangler")
    assert "Traceback" not in wsgi.stderr


def test_debug_is_off_unless_django_debug_is_1(tmp_path: Path) -> None:
    script = "from django.conf import settings; print(settings.DEBUG)"
    for value, expected in ((None, "False"), ("0", "False"), ("true", "False"), ("1", "True")):
        env = production_env(tmp_path)
        if value is not None:
            env["DJANGO_DEBUG"] = value
        result = run(["shell", "-c", script], env)
        assert result.stdout.strip().splitlines()[-1] == expected, (value, result.stderr)


def test_production_shares_its_cache_on_disk_and_keeps_its_database_connection(tmp_path: Path) -> None:
    """#12: the server processes share what pages keep (files in KLYNGE_DATA_DIR/cache) and keep their
    database connection; KLYNGE_CACHE chooses, and a wrong value is one line, not a traceback."""
    script = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(settings.CACHES['default']['BACKEND'], d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    production = run(["shell", "-c", script], production_env(tmp_path)).stdout.splitlines()[-1].split()
    assert production == ["django.core.cache.backends.filebased.FileBasedCache", "600", "True"]
    memory = (
        run(["shell", "-c", script], production_env(tmp_path, KLYNGE_CACHE="memory"))
        .stdout.splitlines()[-1]
        .split()
    )
    assert memory[0] == "django.core.cache.backends.locmem.LocMemCache"
    wrong = run(["check"], production_env(tmp_path, KLYNGE_CACHE="redis"))
    assert wrong.returncode == 1 and wrong.stderr.startswith("klynge: KLYNGE_CACHE skal være")
    assert "Traceback" not in wrong.stderr


def test_check_deploy_is_clean_with_the_documented_settings(tmp_path: Path) -> None:
    result = run(["check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_names_a_site_url_that_is_not_https(tmp_path: Path) -> None:
    env = production_env(tmp_path, KLYNGE_SITE_URL="http://klynge.example.dk")
    result = run(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 1
    assert "(klynge.W010) KLYNGE_SITE_URL er 'http://klynge.example.dk'" in result.stderr


def test_workers_fit_the_machine_unless_klynge_workers_says(monkeypatch: pytest.MonkeyPatch) -> None:
    from klynge.common.management.commands import serve

    monkeypatch.delenv("KLYNGE_WORKERS", raising=False)
    monkeypatch.setattr(serve, "cpu_count", lambda: 1)
    assert serve.worker_count() == 3
    monkeypatch.setattr(serve, "cpu_count", lambda: 16)
    assert serve.worker_count() == serve.MAX_WORKERS
    monkeypatch.setenv("KLYNGE_WORKERS", "5")
    assert serve.worker_count() == 5
    monkeypatch.setenv("KLYNGE_WORKERS", "many")
    with pytest.raises(Exception, match="KLYNGE_WORKERS skal være et helt tal fra 1"):
        serve.worker_count()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`klynge serve` on a free port, DJANGO_DEBUG unset; stopped (SIGTERM) at the end."""
    port = free_port()
    env = production_env(tmp_path, KLYNGE_WORKERS="2")
    process = subprocess.Popen(
        [*KLYNGE, "serve", "--addr", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90  # collectstatic first: a few seconds
        while True:
            assert process.poll() is None, process.communicate()[0]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "klynge serve did not start"
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    # As the reverse proxy would send it: TLS terminated there, X-Forwarded-Proto: https.
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", **headers})  # noqa: S310
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_klynge_serve_serves_the_login_page_and_its_css_without_debug(
    server: tuple[str, subprocess.Popen[str]],
) -> None:
    base, process = server
    status, headers, body = fetch(f"{base}/konto/login/")
    assert status == 200
    assert headers["Server"] == "gunicorn"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    html = body.decode()
    assert "Traceback" not in html
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    # Hashed names (CompressedManifestStaticFilesStorage), so they are cached for good.
    assert any(re.fullmatch(r"/static/web/klynge\.[0-9a-f]{12}\.css", href) for href in stylesheets), (
        stylesheets
    )
    assert any(re.fullmatch(r"/static/dkfds/css/dkfds\.min\.[0-9a-f]{12}\.css", href) for href in stylesheets)
    for href in stylesheets:
        status, headers, css = fetch(f"{base}{href}", **{"Accept-Encoding": "gzip"})
        assert status == 200, href
        assert headers["Content-Type"].startswith("text/css")
        assert headers["Content-Encoding"] == "gzip"  # compressed by collectstatic
        assert "immutable" in headers["Cache-Control"]
    status, _headers, css = fetch(f"{base}{next(h for h in stylesheets if '/web/' in h)}")
    assert b".klynge-amounts" in css  # our own stylesheet, uncompressed for a client without gzip

    # Without the proxy's header the request was plain HTTP: redirected to HTTPS.
    plain = urllib.request.Request(f"{base}/konto/login/")  # noqa: S310
    try:
        urllib.request.build_opener(NoRedirect).open(plain, timeout=30)
        raise AssertionError("no redirect")
    except urllib.error.HTTPError as error:
        assert error.code == 301
        assert error.headers["Location"] == f"https://127.0.0.1:{base.rsplit(':', 1)[1]}/konto/login/"

    os.killpg(process.pid, signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    # Logs on standard output: our start line, gunicorn's, and access lines with the request id.
    assert "klynge: production, 2 workers" in output
    assert "Listening at: http://127.0.0.1:" in output
    assert "Control socket" not in output
    assert re.search(r'"GET /konto/login/ HTTP/1.1" 200 \d+ \d+ms .* \[[0-9a-f]{16}\]', output), output
