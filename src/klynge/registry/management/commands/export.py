"""``klynge export [--output FILE] [--region CODE] [--user USERNAME]``: write klynge-scenario/1."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from klynge.registry import scenario_io
from klynge.registry.management.commands import actor_for
from klynge.registry.models import GpCluster, Region


class Command(BaseCommand):
    help = (
        "Eksportér klynger, praksis og medlemskaber som klynge-scenario/1 (til standard output eller en fil)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="Filen, der skrives (standard: standard output).")
        parser.add_argument("--region", help="Kun klynger i denne region, fx 1081.")
        parser.add_argument(
            "--user", help="Brugernavn, der eksporteres som (standard: den første administrator)."
        )
        parser.add_argument("--lang", choices=["da", "en"], default="da", help="Sprog for meddelelser.")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            self._handle(options, options["lang"] == "en")

    def _handle(self, options: dict[str, Any], en: bool) -> None:
        actor = actor_for(options.get("user"), en)
        clusters = None
        if options.get("region"):
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                codes = ", ".join(Region.objects.values_list("code", flat=True))
                raise CommandError(
                    f"Unknown region '{options['region']}'; use one of {codes}."
                    if en
                    else f"Ukendt region '{options['region']}'; brug en af {codes}."
                )
            clusters = GpCluster.objects.filter(region=region)
        document = scenario_io.export_scenario(actor=actor, clusters=clusters)
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        output = options.get("output")
        if not output or output == "-":
            self.stdout.write(text, ending="")
            return
        target = Path(output)
        try:  # write next to the target and rename, so a failed export never leaves half a file
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temporary, target)
        except OSError as exc:
            raise CommandError(
                f"{output}: cannot be written ({exc.strerror})."
                if en
                else f"{output}: kan ikke skrives ({exc.strerror})."
            ) from exc
        counts = {key: len(document[key]) for key in ("clusters", "practices", "memberships")}
        self.stderr.write(
            (
                "Wrote {clusters} clusters, {practices} practices, {memberships} memberships to {path}."
                if en
                else "Skrev {clusters} klynger, {practices} praksis, {memberships} medlemskaber til {path}."
            ).format(**counts, path=output)
        )
