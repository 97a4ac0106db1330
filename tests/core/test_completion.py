"""A1 Completion: the checklist a GP cluster works through before the region pays (issue #9)."""

from __future__ import annotations

import pytest

from klynge.core.completion import ChecklistItem, CompletionFacts, checklist, missing

DOCUMENTS = (("statutes", "Vedtægter"), ("minutes", "Referat af stiftende generalforsamling"))


def facts(**changes: object) -> CompletionFacts:
    values: dict[str, object] = {
        "cvr_valid": True,
        "nemkonto_confirmed": True,
        "practice_count": 1,
        "all_practices_registered": True,
        "required_documents": DOCUMENTS,
        "uploaded_document_codes": frozenset({"statutes", "minutes"}),
    }
    values.update(changes)
    return CompletionFacts(**values)  # type: ignore[arg-type]


def test_a_complete_cluster_has_every_item_done_in_the_coordinators_order() -> None:
    assert checklist(facts()) == (
        ChecklistItem("cvr", True),
        ChecklistItem("nemkonto", True),
        ChecklistItem("practices", True),
        ChecklistItem("all_registered", True),
        ChecklistItem("document", True, "statutes", "Vedtægter"),
        ChecklistItem("document", True, "minutes", "Referat af stiftende generalforsamling"),
    )
    assert missing(facts()) == ()


def test_nothing_done_lists_everything_missing() -> None:
    nothing = facts(
        cvr_valid=False,
        nemkonto_confirmed=False,
        practice_count=0,
        all_practices_registered=False,
        uploaded_document_codes=frozenset(),
    )
    assert missing(nothing) == (
        ChecklistItem("cvr", False),
        ChecklistItem("nemkonto", False),
        ChecklistItem("practices", False),
        ChecklistItem("all_registered", False),
        ChecklistItem("document", False, "statutes", "Vedtægter"),
        ChecklistItem("document", False, "minutes", "Referat af stiftende generalforsamling"),
    )


@pytest.mark.parametrize(
    ("changes", "left"),
    [
        ({"cvr_valid": False}, [("cvr", "")]),
        ({"nemkonto_confirmed": False}, [("nemkonto", "")]),
        ({"practice_count": 0}, [("practices", "")]),
        ({"all_practices_registered": False}, [("all_registered", "")]),
        ({"uploaded_document_codes": frozenset({"minutes", "other"})}, [("document", "statutes")]),
        ({"uploaded_document_codes": frozenset({"statutes"})}, [("document", "minutes")]),
        ({"required_documents": ()}, []),
    ],
)
def test_each_condition_on_its_own(changes: dict[str, object], left: list[tuple[str, str]]) -> None:
    assert [(item.code, item.document_code) for item in missing(facts(**changes))] == left


def test_one_practice_is_enough_and_a_region_may_require_no_documents() -> None:
    items = checklist(facts(practice_count=1, required_documents=()))
    assert [item.code for item in items] == ["cvr", "nemkonto", "practices", "all_registered"]
    assert all(item.done for item in items)
    assert ChecklistItem("cvr", True).document_code == ""
    assert ChecklistItem("cvr", True).document_name == ""
