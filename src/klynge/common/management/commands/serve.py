"""``klynge serve [--addr HOST:PORT]``: the production server (#10).

Gunicorn, pre-forking sync workers: Django here is synchronous WSGI, gunicorn restarts a worker that
dies or hangs and reloads gracefully on SIGHUP, and a slow request (a payout run, a PDF) holds one
process, not a thread every other request waits behind on the GIL. The reverse proxy in front
(README, "Production") buffers slow clients, which is what sync workers need.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

DEFAULT_ADDR = "127.0.0.1:8000"
MAX_WORKERS = 8

# Gunicorn's access line plus the request's id (klynge.common.middleware), as on Django's log lines.
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" [%({x-request-id}o)s]'


def cpu_count() -> int:
    """The cores this process may use (a container's or systemd's CPU affinity, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def worker_count() -> int:
    """``KLYNGE_WORKERS``, or 2 × cores + 1 (gunicorn's rule of thumb) but at most 8: each worker
    holds a copy of the app (about 80 MB) and the database takes one writer at a time anyway."""
    given = os.environ.get("KLYNGE_WORKERS", "").strip()
    if given:
        if not given.isdigit() or int(given) < 1:
            raise CommandError(f"KLYNGE_WORKERS skal være et helt tal fra 1 (fik {given!r}).")
        return int(given)
    return min(2 * cpu_count() + 1, MAX_WORKERS)


def _stdout_logger_class() -> type:
    from gunicorn.glogging import Logger

    class StdoutLogger(Logger):
        """Gunicorn's own messages on standard output too (its default is standard error)."""

        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            for handler in self.error_log.handlers:
                if getattr(handler, "_gunicorn", False) and isinstance(handler, logging.StreamHandler):
                    handler.setStream(sys.stdout)

    return StdoutLogger


def gunicorn_options(addr: str, workers: int) -> dict[str, Any]:
    return {
        "bind": [addr],
        "workers": workers,
        "worker_class": "sync",
        "timeout": int(os.environ.get("KLYNGE_TIMEOUT", "120")),
        "graceful_timeout": 30,
        "max_requests": 2000,
        "max_requests_jitter": 200,
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "logger_class": _stdout_logger_class(),
        "proc_name": "klynge",
        # No runtime control socket (gunicorn 24+): systemd's signals are the interface, and the
        # service's home directory may be read-only.
        "control_socket_disable": True,
        # Trust X-Forwarded-* only from the proxy on this machine (gunicorn's default, made explicit).
        "forwarded_allow_ips": os.environ.get("KLYNGE_FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
    }


class Command(BaseCommand):
    help = (
        "Starter Klyngeøkonomi på produktionsserveren gunicorn (statiske filer via WhiteNoise, log på "
        "standard output). Samler de statiske filer først."
    )
    requires_system_checks: list[str] = []  # checked below, with --deploy's advice left to the operator

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--addr",
            default=os.environ.get("KLYNGE_ADDR", DEFAULT_ADDR),
            help=f"HOST:PORT at lytte på (standard {DEFAULT_ADDR}, eller KLYNGE_ADDR)",
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="spring collectstatic over (filerne er samlet i forvejen)",
        )

    def handle(self, *args: Any, addr: str, no_collectstatic: bool, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        self.check(display_num_errors=False)
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        self._warn_unapplied_migrations()
        # The workers are forked from this process: no database connection may be shared with them.
        connections.close_all()

        workers = worker_count()
        options_ = gunicorn_options(addr, workers)
        mode = "DEBUG" if settings.DEBUG else "production"
        self.stdout.write(f"klynge: {mode}, {workers} workers, http://{addr}/", ending="\n")
        self.stdout.flush()

        class Server(BaseApplication):
            def load_config(self) -> None:
                for key, value in options_.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                from klynge.wsgi import application

                return application

        Server().run()

    def _warn_unapplied_migrations(self) -> None:
        executor = MigrationExecutor(connections["default"])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            self.stdout.write(
                self.style.WARNING(
                    f"klynge: {len(pending)} migreringer mangler i databasen: kør `klynge migrate` "
                    "(efter en backup, se README 'Production')."
                )
            )
