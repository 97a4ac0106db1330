"""Problems collected from an input, each in the reader's language (issue #9)."""

from __future__ import annotations

import pytest

from klynge.core.problems import Collector, Problem, ProblemsError


def test_a_problem_speaks_danish_unless_english_is_asked_for() -> None:
    problem = Problem("clusters[0].cvr", "cvr", "forkert", "wrong")
    assert problem.message() == "forkert"
    assert problem.message("da") == "forkert"
    assert problem.message("en") == "wrong"
    assert problem.message("en-GB") == "wrong"
    assert problem.message("de") == "forkert"


def test_the_collector_raises_every_problem_at_once_and_names_the_first_twenty() -> None:
    collector = Collector()
    collector.raise_if_any()  # nothing collected: nothing raised
    for i in range(21):
        collector.add(f"runs[{i}]", "date", f"dato {i}", f"date {i}")
    with pytest.raises(ProblemsError, match=r"^runs\[0\]: date 0; runs\[1\]: date 1; ") as info:
        collector.raise_if_any()
    assert len(info.value.problems) == 21
    assert info.value.problems[20] == Problem("runs[20]", "date", "dato 20", "date 20")
    assert str(info.value).endswith("runs[19]: date 19")
