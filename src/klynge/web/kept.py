"""Figures and page fragments computed from all the facts, kept in Django's cache until the next
recorded change (#12).

Every change of the facts, rates, runs, repayments and health figures is one service call that writes
one entry in the append-only audit trail, so the trail's newest entry names the state of the data: a
figure computed at that state is right until a newer entry exists. Django's admin writes no audit
entry but logs every change it makes in its own log, so that log's newest entry is part of the state
too. The key also holds the day (the figures are as of today) and the language (some carry translated
words). The cache is Django's default, one per process: a worker computes a figure once per change.

``{% kept "name" part ... %}`` (``klynge_web``) keeps a fragment of a page the same way, for everyone
whose roles and scopes are the same (:func:`klynge.accounts.access.scope_key`): a fragment must show
only what the user's access decides, nothing of the person (no form with a CSRF token, no "you
prepared this run").
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language

T = TypeVar("T")
SECONDS = 3600  # the longest a figure is kept (a newer change ends it at once)


_request = threading.local()  # the state read once per GET request (reset as each request starts)


def _request_started(sender: object, environ: dict[str, Any] | None = None, **kwargs: object) -> None:
    _request.version = None
    _request.reading = (environ or {}).get("REQUEST_METHOD") in ("GET", "HEAD")


def _request_finished(sender: object, **kwargs: object) -> None:
    _request.version, _request.reading = None, False


request_started.connect(_request_started, dispatch_uid="klynge.web.kept")
request_finished.connect(_request_finished, dispatch_uid="klynge.web.kept")


def recorded_version() -> str:
    """The state of the data as a page sees it: read once per GET request (a GET changes nothing, and
    every kept part of its page asks), every time otherwise. See :func:`read_version`."""
    if not getattr(_request, "reading", False):
        return read_version()
    if _request.version is None:
        _request.version = read_version()
    return str(_request.version)


def read_version() -> str:
    """The state of the data: the newest audit entry by its id and hash, and the newest entry of Django
    admin's log by its id and time ("0" parts before the first). The hash chains every entry to all
    before it, so a database restored from a backup and changed again never meets a figure kept for
    the same id in the history it replaced."""
    from django.contrib.admin.models import LogEntry

    from klynge.audit.models import AuditEntry

    audit, admin = AuditEntry._meta.db_table, LogEntry._meta.db_table
    with connection.cursor() as cursor:  # one query: it is asked for by every kept part of a page
        cursor.execute(
            f"SELECT (SELECT id || '-' || COALESCE(SUBSTR(hash, 1, 16), '') FROM {audit} "  # noqa: S608
            f"ORDER BY id DESC LIMIT 1), (SELECT id || '-' || action_time FROM {admin} ORDER BY id DESC LIMIT 1)"
        )
        newest_audit, newest_admin = cursor.fetchone()
    return f"{newest_audit or 0}.{str(newest_admin or 0).replace(' ', 'T')}"


def kept_key(name: str, *parts: object) -> str:
    """The cache key of ``name`` with ``parts`` at today's state of the data, day and language."""
    return ":".join(
        [
            "klynge",
            name,
            *map(str, parts),
            timezone.localdate().isoformat(),
            get_language() or "",
            recorded_version(),
        ]
    )


def kept(name: str, compute: Callable[[], T], *parts: object) -> T:
    """``compute()``, or what it gave at the same state of the data, day and language."""
    return cast(T, cache.get_or_set(kept_key(name, *parts), compute, SECONDS))


def kept_for_good(name: str, compute: Callable[[], T], *parts: object) -> T:
    """``compute()`` of something that never changes once made (a released run's payout explained in
    words: a released run is frozen by the database), kept per language only."""
    key = ":".join(["klynge", name, *map(str, parts), get_language() or ""])
    return cast(T, cache.get_or_set(key, compute, SECONDS))
