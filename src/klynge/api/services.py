"""Creating and revoking personal API tokens (audited, like every other change)."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.accounts.models import User
from klynge.api.models import ApiToken
from klynge.audit.log import record, snapshot

TOKEN_PREFIX = "klynge_"  # noqa: S105 - a public prefix that marks our tokens, not a secret
NAME_MAX = 100


def hash_token(plaintext: str) -> str:
    """The SHA-256 hex digest under which a token is stored and looked up."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _audit_snapshot(token: ApiToken) -> dict[str, object] | None:
    data = snapshot(token)
    if data is not None:
        data.pop("key_hash", None)  # the hash identifies the token; keep it out of the trail
    return data


@transaction.atomic
def token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """A new token acting as ``actor``; returns the stored token and the plaintext, shown only once."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Navn: skriv, hvad nøglen skal bruges til.")]})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": [_("Navn: højst %(max)s tegn.") % {"max": NAME_MAX}]})
    if not actor.is_active:
        raise PermissionDenied(_("Brugeren er deaktiveret og kan ikke få en API-nøgle."))
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=actor, name=name, key_hash=hash_token(plaintext))
    record(
        actor=actor,
        action="api_token.create",
        summary=_("API-nøgle oprettet: %(name)s") % {"name": name},
        obj=token,
        after=_audit_snapshot(token),
    )
    return token, plaintext


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token: only its owner or an administrator may; a revoked token stays revoked."""
    from klynge.accounts.access import is_admin

    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != actor.pk and not is_admin(actor):
        raise PermissionDenied(_("Du kan kun tilbagekalde dine egne API-nøgler."))
    if token.revoked_at is not None:
        return token
    before = _audit_snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(
        actor=actor,
        action="api_token.revoke",
        summary=_("API-nøgle tilbagekaldt: %(name)s") % {"name": token.name},
        obj=token,
        before=before,
        after=_audit_snapshot(token),
    )
    return token
