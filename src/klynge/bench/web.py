"""``python -m klynge.bench web``: the pages under load (issue #12, ``docs/benchmarks.md``).

Imports the benchmark data into a fresh database (SQLite in ``DIR/web``, or ``--database-url``),
adds a bench administrator and approver, prepares, approves and releases every region's payout run
of ``--run-date``, adds the demo health cluster (Sundhedsklynge Aalborg with its figures), starts the
production server (``klynge serve``: gunicorn, DEBUG off) on 127.0.0.1 and a free port, logs each
client in and drives a fixed mix of the main pages with 1, 5 and 20 concurrent clients (threads, one
request at a time each, no pause) for a bounded time. Prints per page and phase the median, the 95th
percentile and the maximum, the throughput, the load average and the server's CPU seconds per
request; ``--quick`` ends with ``web: p95 1 client N ms; p95 20 clients N ms; N requests/s``.

Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from klynge.bench.measure import _tree

PASSWORD = "bench-" + secrets.token_hex(8)
ADMIN, APPROVER = "bench-admin", "bench-approver"
SHOWN_REGION = "1084"  # Region Hovedstaden: the most clusters, the largest run (≈ 3.800 lines)
TIMEOUT = 120.0


# --- The data ---------------------------------------------------------------------------------------


def data_file(directory: Path, scale: float) -> Path:
    """The generated file of ``scale`` (made once, as ``bin/bench`` does)."""
    from klynge.bench import generate

    name = "national.json" if scale == 1 else f"x{scale:g}.json"
    path = directory / name
    if not path.exists() or path.stat().st_size == 0:
        directory.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as handle:
            generate.write(handle, scale, 1)
    return path


def fresh_database(directory: Path, database_url: str | None) -> str:
    """A URL of an empty database: a new SQLite file, or the PostgreSQL database dropped and created."""
    if not database_url:
        for suffix in ("", "-wal", "-shm"):
            (directory / f"web.sqlite3{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{(directory / 'web.sqlite3').resolve()}"
    server, _sep, name = database_url.rpartition("/")
    if name in ("test", "postgres") or not name:
        raise SystemExit(f"klynge.bench web: refusing to drop the database {name!r}")
    subprocess.run(  # noqa: S603
        [  # noqa: S607 - psql from PATH, as bin/bench uses it
            "psql",
            f"{server}/postgres",
            "-q",
            "-c",
            f'DROP DATABASE IF EXISTS "{name}"',
            "-c",
            f'CREATE DATABASE "{name}"',
        ],
        check=True,
    )
    return database_url


def prepare(path: Path, run_date: str) -> dict[str, Any]:
    """Migrate, import ``path``, add the bench users, release every region's run and add the health
    cluster; return the addresses the load uses. Runs in this process (Django set up here)."""
    import datetime as dt

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from klynge.accounts.models import Role, RoleAssignment, User
    from klynge.health import demo as health_demo
    from klynge.payouts import runs
    from klynge.payouts.models import PayoutRun
    from klynge.registry.demo import DEMO_IBAN
    from klynge.registry.models import GpCluster, Region
    from klynge.registry.services import region_update

    timings: dict[str, float] = {}
    start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    timings["migrate_s"] = round(time.perf_counter() - start, 1)
    admin = User.objects.create_superuser(ADMIN, "bench-admin@example.invalid", PASSWORD)
    approver = User.objects.create_superuser(APPROVER, "bench-approver@example.invalid", PASSWORD)
    start = time.perf_counter()
    call_command("import", str(path), user=ADMIN, stdout=io.StringIO(), stderr=io.StringIO())
    timings["import_s"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    day = dt.date.fromisoformat(run_date)
    for region in Region.objects.order_by("code"):
        region_update(actor=admin, region=region, payment_iban=DEMO_IBAN, payment_bic="DABADKKK")
        run = runs.run_prepare(actor=admin, region=region, run_date=day)
        runs.run_approve(actor=approver, run=run)
        runs.run_release(actor=admin, run=run)
    timings["runs_s"] = round(time.perf_counter() - start, 1)

    health = health_demo.create_cluster(admin)
    secretariat = User.objects.create_user("bench-sekretariat", "s@example.invalid", PASSWORD)
    RoleAssignment.objects.create(user=secretariat, role=Role.HEALTH_SECRETARIAT, health_cluster=health)
    finance = User.objects.create_user("bench-okonomi", "o@example.invalid", PASSWORD)
    RoleAssignment.objects.create(user=finance, role=Role.FINANCE_OFFICER, organisation_code="851")
    health_demo.fill(health, secretariat, finance)

    shown = Region.objects.get(code=SHOWN_REGION)
    run = PayoutRun.objects.filter(region=shown, run_date=day).get()
    clusters = list(
        GpCluster.objects.filter(region=shown, status=GpCluster.Status.COMPLETED)
        .order_by("name")
        .values_list("pk", flat=True)[:20]
    )
    lines = run.payouts.values_list("lines", flat=True).count()
    connections.close_all()
    return {
        "timings": timings,
        "run_lines": lines,
        "pages": {
            "region overview": [f"/regioner/{SHOWN_REGION}/oversigt/"],
            "cluster list": ["/klynger/"],
            "cluster page": [f"/klynger/{pk}/" for pk in clusters],
            "Økonomi page": [f"/klynger/{pk}/oekonomi/" for pk in clusters],
            "payout run page": [f"/koersler/{run.pk}/"],
            "API cluster list": ["/api/clusters"],
            "health cluster page": [f"/sundhedsklynger/{health.pk}/"],
            "money-flow table": [f"/sundhedsklynger/{health.pk}/pengestroemme/"],
        },
    }


# --- The server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def server(env: dict[str, str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``klynge serve`` in production mode on 127.0.0.1:``port`` until the block ends."""
    klynge = Path(sys.executable).with_name("klynge")
    command = [str(klynge), "serve", "--addr", f"127.0.0.1:{port}"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise SystemExit(f"klynge serve ended ({process.returncode}); see {log}")
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    time.sleep(0.2)
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def server_cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of the server's processes now running (``/proc``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for process in _tree(pid):
        try:
            with open(f"/proc/{process}/stat", encoding="ascii") as handle:
                fields = handle.read().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def load_average() -> str:
    try:
        with open("/proc/loadavg", encoding="ascii") as handle:
            return " ".join(handle.read().split()[:3])
    except OSError:
        return "?"


# --- The clients ------------------------------------------------------------------------------------


class Client:
    """One browser: its own cookies (session, CSRF); a new connection per request (gunicorn's sync
    workers close each one). The server is told the request came over HTTPS, as its proxy would."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "Accept-Language": "da",
            "User-Agent": "klynge-bench-web",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://127.0.0.1:{self.port}{path}"
            headers["Origin"] = f"https://127.0.0.1:{self.port}"
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            content = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _sep, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, content
        finally:
            connection.close()

    def login(self, username: str, password: str) -> None:
        status, page = self.request("GET", "/konto/login/")
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not found:
            raise SystemExit(f"klynge.bench web: no login form ({status})")
        form = {"csrfmiddlewaretoken": found.group(1).decode(), "username": username, "password": password}
        status, _page = self.request("POST", "/konto/login/", form)
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"klynge.bench web: login of {username} failed ({status})")


@dataclass
class Phase:
    clients: int
    seconds: float = 0.0
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    load_before: str = ""
    load_after: str = ""
    cpu_s: float = 0.0

    def all(self) -> list[float]:
        return [s for page in self.samples.values() for s in page]


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` 0.95: the value 95 % of the requests were at or under)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def drive(clients: list[Client], pages: dict[str, list[str]], seconds: float, *, cycles: int = 0) -> Phase:
    """Each client requests the pages in turn (its own starting point), one at a time, until
    ``seconds`` have passed (or it has gone ``cycles`` times round the mix)."""
    phase = Phase(len(clients), samples={name: [] for name in pages})
    names = list(pages)
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def work(index: int, client: Client) -> None:
        turn = index
        while (cycles and turn - index < cycles * len(names)) or (not cycles and time.monotonic() < stop):
            name = names[turn % len(names)]
            paths = pages[name]
            path = paths[(turn // len(names)) % len(paths)]
            begin = time.perf_counter()
            try:
                status, body = client.request("GET", path)
            except OSError as exc:
                status, body = 0, str(exc).encode()
            took = time.perf_counter() - begin
            with lock:
                if status == 200:
                    phase.samples[name].append(took)
                else:
                    phase.errors.append(f"{status} {path}: {body[:120]!r}")
            turn += 1

    threads = [threading.Thread(target=work, args=(i, c), daemon=True) for i, c in enumerate(clients)]
    begin = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - begin
    return phase


def ms(seconds: float) -> int:
    return round(seconds * 1000)


def report(phase: Phase) -> dict[str, Any]:
    everything = phase.all()
    return {
        "clients": phase.clients,
        "seconds": round(phase.seconds, 1),
        "requests": len(everything),
        "errors": len(phase.errors),
        "requests_per_s": round(len(everything) / phase.seconds, 1) if phase.seconds else 0,
        "p50_ms": ms(statistics.median(everything)) if everything else 0,
        "p95_ms": ms(percentile(everything, 0.95)),
        "max_ms": ms(max(everything, default=0)),
        "server_cpu_ms_per_request": round(1000 * phase.cpu_s / len(everything)) if everything else 0,
        "load_before": phase.load_before,
        "load_after": phase.load_after,
        "pages": {
            name: {
                "n": len(values),
                "p50_ms": ms(statistics.median(values)) if values else 0,
                "p95_ms": ms(percentile(values, 0.95)),
                "max_ms": ms(max(values, default=0)),
            }
            for name, values in phase.samples.items()
        },
    }


def table(result: dict[str, Any]) -> str:
    head = f"{result['clients']} client(s), {result['seconds']} s, load {result['load_before']} → {result['load_after']}"
    rows = [head, f"  {'page':<22}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"]
    for name, page in result["pages"].items():
        rows.append(f"  {name:<22}{page['n']:>6}{page['p50_ms']:>9}{page['p95_ms']:>9}{page['max_ms']:>9}")
    rows.append(
        f"  {'all':<22}{result['requests']:>6}{result['p50_ms']:>9}{result['p95_ms']:>9}{result['max_ms']:>9}"
        f"   {result['requests_per_s']} requests/s, {result['errors']} errors, "
        f"server CPU {result['server_cpu_ms_per_request']} ms per request"
    )
    return "\n".join(rows)


# --- The whole -------------------------------------------------------------------------------------


def run_web(
    *,
    scale: float,
    quick: bool,
    directory: Path,
    database_url: str | None,
    run_date: str,
    seconds: float | None,
    levels: list[int],
) -> dict[str, Any]:
    work = directory / "web"
    work.mkdir(parents=True, exist_ok=True)
    path = data_file(directory, scale)
    url = fresh_database(work, database_url)
    static = work / "static"
    if static.exists():
        shutil.rmtree(static)
    shutil.rmtree(work / "cache", ignore_errors=True)  # what pages kept in an earlier database
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "klynge.settings",
            "DATABASE_URL": url,
            "KLYNGE_DATA_DIR": str(work.resolve()),
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
    )
    os.environ.setdefault("DJANGO_DEBUG", "1")  # the setup only; the server runs without
    print(f"web: preparing {path} ({url.split('://')[0]})", file=sys.stderr, flush=True)
    setup = prepare(path, run_date)
    print(f"web: prepared {setup['timings']}, run page of {setup['run_lines']} lines", file=sys.stderr)

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"}
    env.update(
        {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "KLYNGE_SSL_REDIRECT": "0",
            "KLYNGE_RELAX_TWO_FACTOR": "1",
            "KLYNGE_LOG_LEVEL": "WARNING",
        }
    )
    port = free_port()
    duration = seconds or (15.0 if quick else 60.0)
    results: dict[str, Any] = {
        "scale": scale,
        "database": url.split("://")[0],
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()),
        "setup": setup["timings"],
        "run_lines": setup["run_lines"],
        "phases": [],
    }
    with server(env, port, work / "serve.log") as process:
        pool = []
        for _ in range(max(levels)):
            client = Client(port)
            client.login(ADMIN, PASSWORD)
            pool.append(client)
        results["workers"] = len(_tree(process.pid)) - 1
        # Warm-up, not measured: every worker loads its templates and translations.
        warm = drive(pool[:5], setup["pages"], 0, cycles=2)
        if warm.errors:
            raise SystemExit("klynge.bench web: the pages answer errors:\n" + "\n".join(warm.errors[:10]))
        for count in levels:
            load_before = load_average()
            cpu_before = server_cpu_seconds(process.pid)
            phase = drive(pool[:count], setup["pages"], duration * (4 / 3 if count == max(levels) else 1))
            phase.cpu_s = server_cpu_seconds(process.pid) - cpu_before
            phase.load_before, phase.load_after = load_before, load_average()
            result = report(phase)
            results["phases"].append(result)
            print(table(result), flush=True)
            for error in phase.errors[:5]:
                print(f"  error: {error}", flush=True)
    return results


def in_process(pages: dict[str, list[str]], requests: int = 20) -> dict[str, Any]:
    """Each page's CPU per request in this process (Django's test client, no server, no other
    client): every address of the page once to warm what is kept, then ``requests`` requests timed
    by the process's CPU clock, which other work on the machine disturbs far less than wall time."""
    from django.test import Client as TestClient
    from django.test.utils import override_settings

    from klynge.accounts.models import User

    figures: dict[str, Any] = {}
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        client = TestClient(HTTP_X_FORWARDED_PROTO="https")
        client.force_login(User.objects.get(username=ADMIN))
        for name, addresses in pages.items():
            for address in addresses:
                answer = client.get(address, secure=True)
                if answer.status_code != 200:
                    raise SystemExit(f"klynge.bench web: {address} answered {answer.status_code}")
            spent = []
            for i in range(requests):
                start = time.process_time()
                client.get(addresses[i % len(addresses)], secure=True)
                spent.append(time.process_time() - start)
            figures[name] = {
                "n": requests,
                "cpu_median_ms": round(statistics.median(spent) * 1000, 1),
                "cpu_mean_ms": round(statistics.fmean(spent) * 1000, 1),
            }
    mean = statistics.fmean(f["cpu_mean_ms"] for f in figures.values())
    return {"pages": figures, "mix_cpu_mean_ms": round(mean, 1), "load": load_average()}


def run_in_process(*, scale: float, directory: Path, run_date: str, requests: int) -> dict[str, Any]:
    """``--in-process``: the same data and pages as :func:`run_web`, measured by :func:`in_process`."""
    work = directory / "web"
    work.mkdir(parents=True, exist_ok=True)
    path = data_file(directory, scale)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "klynge.settings",
            "DATABASE_URL": fresh_database(work, None),
            "KLYNGE_DATA_DIR": str(work.resolve()),
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "KLYNGE_RELAX_TWO_FACTOR": "1",
        }
    )
    os.environ.setdefault("DJANGO_DEBUG", "1")  # the setup; the pages are measured with DEBUG off
    setup = prepare(path, run_date)
    return {
        "scale": scale,
        "date": time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()),
        **in_process(setup["pages"], requests),
    }


def summary(results: dict[str, Any]) -> str:
    phases = {p["clients"]: p for p in results["phases"]}
    low, high = phases[min(phases)], phases[max(phases)]
    one = "client" if low["clients"] == 1 else "clients"
    return (
        f"web: p95 {low['clients']} {one} {low['p95_ms']} ms; p95 {high['clients']} clients "
        f"{high['p95_ms']} ms; {round(high['requests_per_s'])} requests/s"
    )
