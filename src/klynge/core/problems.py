"""Problems found in input, collected so that every one can be shown at once, with its place."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    path: str  # where in the input, e.g. "initiatives[0].key.shares.M1"
    code: str  # stable machine-readable reason
    message_da: str
    message_en: str

    def message(self, language: str = "da") -> str:
        return self.message_en if language.startswith("en") else self.message_da


class ProblemsError(ValueError):
    """Raised with every problem of an input at once."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.path}: {p.message_en}" for p in problems[:20]))
        self.problems = problems


@dataclass
class Collector:
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: str, code: str, da: str, en: str) -> None:
        self.problems.append(Problem(path, code, da, en))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ProblemsError(self.problems)
