"""The completion checklist (A1) of a cluster, in words the coordinator can act on."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from klynge.core import completion as rules
from klynge.registry.models import GpCluster
from klynge.registry.validators import clean_cvr


@dataclass(frozen=True)
class Item:
    code: str
    done: bool
    label: str | Promise
    fix: str | Promise


def _cvr_valid(cvr: str) -> bool:
    try:
        clean_cvr(cvr)
    except ValidationError:
        return False
    return bool(cvr)


def facts_for(cluster: GpCluster) -> rules.CompletionFacts:
    today = timezone.localdate()
    required = tuple((d.code, d.name) for d in cluster.region.required_documents.order_by("name"))
    uploaded = frozenset(
        cluster.documents.filter(removed_at__isnull=True).values_list("document_type__code", flat=True)
    )
    current = cluster.memberships.filter(joined__lte=today).exclude(left__lte=today).count()
    return rules.CompletionFacts(
        cvr_valid=_cvr_valid(cluster.cvr),
        nemkonto_confirmed=cluster.nemkonto_confirmed_on is not None,
        practice_count=current,
        all_practices_registered=cluster.all_practices_registered,
        required_documents=required,
        uploaded_document_codes=uploaded,
    )


def checklist(cluster: GpCluster) -> list[Item]:
    """Each condition of A1 with a label and, when missing, what to do about it."""
    items = []
    label: str | Promise
    fix: str | Promise
    for item in rules.checklist(facts_for(cluster)):
        if item.code == "cvr":
            label, fix = _("Gyldigt CVR-nummer"), _("Indtast klyngens CVR-nummer (8 cifre, modulus 11).")
        elif item.code == "nemkonto":
            label, fix = (
                _("NemKonto bekræftet"),
                _("Regionen skal registrere, at klyngens NemKonto er bekræftet."),
            )
        elif item.code == "practices":
            label, fix = _("Mindst én praksis registreret"), _("Tilføj klyngens praksis.")
        elif item.code == "all_registered":
            label, fix = (
                _("Alle klyngens praksis er registreret"),
                _("Bekræft, at alle klyngens praksis er registreret."),
            )
        else:
            label = _("Dokument: %(name)s") % {"name": item.document_name}
            fix = _("Upload %(name)s.") % {"name": item.document_name}
        items.append(
            Item(
                item.code if item.code != "document" else f"document:{item.document_code}",
                item.done,
                label,
                fix,
            )
        )
    return items
