"""Figures and page fragments computed from all the facts, kept in Django's cache until the next
recorded change (#12).

Every change of the facts, rates, runs, repayments and health figures is one service call that writes
one entry in the append-only audit trail, so the trail's newest entry names the state of the data: a
figure computed at that state is right until a newer entry exists. Django's admin writes no audit
entry but logs every change it makes in its own log, so that log's newest entry is part of the state
too. The key also holds the day (the figures are as of today) and the language (some carry translated
words). The cache is Django's default: in production files on disk shared by the server's processes
(``KLYNGE_CACHE=files``), so a figure is computed once per change, not once per process; one process
makes it while the others wait for it (:func:`_making`), instead of all computing the same thing when
a change has just ended the old one.

``{% kept "name" part ... %}`` (``klynge_web``) keeps a fragment of a page the same way, for everyone
whose roles and scopes are the same (:func:`klynge.accounts.access.scope_key`): a fragment must show
only what the user's access decides, nothing of the person (no form with a CSRF token, no "you
prepared this run").
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language

T = TypeVar("T")
SECONDS = 3600  # the longest a figure is kept (a newer change ends it at once)
LOCKS = 256  # lock files beside a cache on disk: a key's name and parts pick one
_MISSING = object()


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
    return kept_value(kept_key(name, *parts), compute, lock=(name, *parts))


def kept_for_good(name: str, compute: Callable[[], T], *parts: object) -> T:
    """``compute()`` of something that never changes once made (a released run's payout explained in
    words: a released run is frozen by the database), kept per language only."""
    key = ":".join(["klynge", name, *map(str, parts), get_language() or ""])
    return kept_value(key, compute, lock=(name, *parts))


def kept_value(key: str, compute: Callable[[], T], *, lock: tuple[object, ...]) -> T:
    """The cache's value of ``key``, or ``compute()``'s, then kept. Only one process computes it: the
    others wait for it and read what it kept (a region overview at ten times the national data takes
    ≈ 3 s to compute; five processes doing it at once after a change made every page wait, #12)."""
    value = cache.get(key, _MISSING)
    if value is not _MISSING:
        return cast(T, value)
    with _making(lock):
        value = cache.get(key, _MISSING)  # made by another process while this one waited
        if value is _MISSING:
            value = compute()
            cache.set(key, value, SECONDS)
    return cast(T, value)


def _making(lock: tuple[object, ...]) -> Any:
    """A lock held while a kept value is computed, shared by every process using the same cache on
    disk: an exclusive ``flock`` on one of ``LOCKS`` files beside the cache, chosen by the value's name
    and parts (not the state of the data, so a figure's new version waits for the one being made). The
    operating system lets go of it if the process dies."""
    path = lock_path(lock)
    # Only the outermost kept value of a thread takes a lock. A value made inside another (a kept
    # fragment showing kept figures) takes none: waiting for a second lock while holding one could
    # wait for ever — for itself if both fall on the same file, or for another process holding the
    # second and waiting for the first. The outer lock already keeps the others from making the same
    # fragment; two different fragments may make the same inner value at once, as before the lock.
    if path is None or getattr(_locks, "holding", False):
        return nullcontext()
    return _flock(path)


def lock_path(lock: tuple[object, ...]) -> Path | None:
    """The lock file of a kept value with these name and parts, beside a cache on disk (None for a
    cache in the process's own memory, which no other process can be waiting for)."""
    folder = getattr(cache, "_dir", None)  # FileBasedCache's folder
    if folder is None:
        return None
    stripe = int(hashlib.blake2b(repr(lock).encode(), digest_size=4).hexdigest(), 16) % LOCKS
    return Path(folder).parent / f"{Path(folder).name}-locks" / f"{stripe:03d}.lock"


_locks = threading.local()  # whether this thread holds a lock


@contextmanager
def _flock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _locks.holding = True
        yield
    finally:
        _locks.holding = False
        os.close(fd)  # closing lets go of the lock
