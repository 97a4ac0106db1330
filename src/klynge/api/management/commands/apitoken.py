"""``klynge apitoken USERNAME [--name N]``: create a personal API token and print it once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from klynge.accounts.models import User
from klynge.api.models import ApiToken
from klynge.api.services import token_create, token_revoke


class Command(BaseCommand):
    help = (
        "Create a personal API token for USERNAME and print it once (only its hash is stored). "
        "Use it as 'Authorization: Bearer <token>'. With --revoke NAME, revoke that user's tokens of that name."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="script", help="What the token is for (default: script).")
        parser.add_argument(
            "--revoke", metavar="NAME", help="Revoke the user's active tokens with this name."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        try:
            if options["revoke"]:
                tokens = ApiToken.objects.filter(user=user, name=options["revoke"], revoked_at__isnull=True)
                if not tokens:
                    raise CommandError(f"{user.username} has no active token named {options['revoke']!r}.")
                for token in tokens:
                    token_revoke(actor=user, token=token)
                self.stderr.write(
                    f"Revoked {len(tokens)} token(s) named {options['revoke']!r} of {user.username}."
                )
                return
            token, plaintext = token_create(actor=user, name=options["name"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(
            f"API token {token.name!r} for {user.username} (id {token.pk}). It is shown only now; store it safely:"
        )
        self.stdout.write(plaintext)
