"""A1 Completion: what a GP cluster needs before the region pays anything.

The region pays only once the cluster is completed. Completion needs every practice registered, the
region's required documents uploaded (default: statutes and minutes of the founding assembly), a
valid CVR and a confirmed NemKonto. The checklist says exactly what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CompletionFacts:
    cvr_valid: bool
    nemkonto_confirmed: bool
    practice_count: int
    all_practices_registered: bool
    required_documents: tuple[tuple[str, str], ...]  # (code, name), in the region's order
    uploaded_document_codes: frozenset[str]


@dataclass(frozen=True)
class ChecklistItem:
    code: str  # cvr | nemkonto | practices | all_registered | document
    done: bool
    document_code: str = ""
    document_name: str = ""


def checklist(facts: CompletionFacts) -> tuple[ChecklistItem, ...]:
    """Every condition of A1, each marked done or not, in the order a coordinator works through them."""
    items = [
        ChecklistItem("cvr", facts.cvr_valid),
        ChecklistItem("nemkonto", facts.nemkonto_confirmed),
        ChecklistItem("practices", facts.practice_count > 0),
        ChecklistItem("all_registered", facts.all_practices_registered),
    ]
    items.extend(
        ChecklistItem("document", code in facts.uploaded_document_codes, code, name)
        for code, name in facts.required_documents
    )
    return tuple(items)


def missing(facts: CompletionFacts) -> tuple[ChecklistItem, ...]:
    return tuple(item for item in checklist(facts) if not item.done)
