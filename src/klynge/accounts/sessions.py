"""Sessions (#10): idle expiry comes from the settings; logging out ends every session of the user.

A session ends after ``KLYNGE_SESSION_IDLE_MINUTES`` without a request (``SESSION_COOKIE_AGE``; a
request moves the expiry on, at most once a minute: :class:`SlidingSessionMiddleware`), when the
browser closes, and when
its user logs out anywhere: logging out raises the user's ``session_epoch``, which is part of the
session hash Django compares on every request (``User._get_session_auth_hash``), so every other session
of the user is logged out at its next request, whatever the session backend.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.dispatch import receiver
from django.utils.translation import gettext as _

from klynge.accounts import access
from klynge.accounts.models import User
from klynge.audit.log import record


def sessions_end_all(*, actor: Any, user: User) -> None:
    """End every session of ``user``: their own (logout everywhere), or any user's for an administrator."""
    if getattr(actor, "pk", None) != user.pk and not access.is_admin(actor):
        raise PermissionDenied
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
        user.refresh_from_db(fields=["session_epoch"])
        record(
            actor=actor,
            action="sessions.end_all",
            summary=_("Logget af alle steder: %(user)s") % {"user": user.get_username()},
            obj=user,
            after={"session_epoch": user.session_epoch},
        )


@receiver(user_logged_out, dispatch_uid="klynge.accounts.sessions.logout_everywhere")
def _logout_everywhere(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Logging out (the "Log af" button) ends the user's sessions everywhere, not only this one."""
    if user is not None and getattr(user, "pk", None):
        sessions_end_all(actor=user, user=User.objects.get(pk=user.pk))


SLIDE_SECONDS = 60  # the idle expiry moves on at most once a minute (#12)
TOUCHED = "_klynge_touched"  # the session key holding when the expiry last moved on (epoch seconds)


class SlidingSessionMiddleware:
    """Moves a session's idle expiry on at most once a minute, instead of writing the session on every
    request (``SESSION_SAVE_EVERY_REQUEST``, #10), which made every page a database write (#12: on
    SQLite the workers queued for the write lock). A session thus ends 29-30 idle minutes after its
    last request rather than exactly 30. Placed after ``SessionMiddleware``."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            touched = session.get(TOUCHED)
            if not isinstance(touched, int) or now - touched >= SLIDE_SECONDS or touched > now:
                session[TOUCHED] = now  # modified: SessionMiddleware saves it with a new expiry
        return response
