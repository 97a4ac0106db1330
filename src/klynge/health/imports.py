"""Importing a health cluster's actual costs from a CSV file (issue #4).

One row per initiative × executing party × year: ``initiativ;udfoerende;aar;beloeb`` (the initiative's
id or exact title, the executing party's kommune-/regionskode, the year, the amount in Danish
"1.234,50" or "1234.50"), separated by semicolons or commas, UTF-8 with or without BOM.

Every problem is reported with its line number and column, in Danish, and nothing is written if there
is any: the rows are stored in one transaction, each through :func:`klynge.health.services.cost_set`
(so each is checked again and audited).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from klynge.accounts.access import Action, require_health
from klynge.health import services
from klynge.health.models import ActualCost, HealthCluster, HealthMember, Initiative

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
COLUMNS = ("initiativ", "udfoerende", "aar", "beloeb")
_SPELLINGS = str.maketrans({"ø": "oe", "å": "aa", "æ": "ae"})


@dataclass(frozen=True)
class Problem:
    """One problem: ``line`` is the file's line number (``None``: the whole file), ``column`` its name."""

    line: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        if self.column:
            return _("Linje %(line)s, kolonne %(column)s: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return _("Linje %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass(frozen=True)
class CostRow:
    line: int
    initiative: Initiative
    executor: HealthMember
    year: int
    amount: Decimal
    previous: Decimal | None  # the amount stored before the import (None: none yet)


@dataclass
class CostImportReport:
    dry_run: bool
    problems: list[Problem] = field(default_factory=list)
    rows: list[CostRow] = field(default_factory=list)
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal("0.00"))


def _column(name: str) -> str:
    return name.strip().lower().translate(_SPELLINGS)


def _text(raw: bytes, report: CostImportReport) -> str | None:
    if len(raw) > MAX_BYTES:
        report.problems.append(
            Problem(
                None,
                "",
                _("Filen er for stor (%(size)s MB); den må højst fylde 5 MB. Del den op i flere filer.")
                % {"size": f"{len(raw) / 1024 / 1024:.1f}".replace(".", ",")},
            )
        )
        return None
    if not raw.strip():
        report.problems.append(Problem(None, "", _("Filen er tom. Vælg en CSV-fil med udgifterne.")))
        return None
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        report.problems.append(
            Problem(
                line,
                "",
                _(
                    "Filen er ikke en CSV-fil (den indeholder binære data). Gem den som CSV (UTF-8) og prøv igen."
                ),
            )
        )
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        report.problems.append(
            Problem(
                line,
                "",
                _("Filen er ikke gemt som UTF-8-tekst. Gem den som CSV (UTF-8) og prøv igen."),
            )
        )
        return None


def costs_import(*, actor: object, cluster: HealthCluster, raw: bytes, dry_run: bool) -> CostImportReport:
    """Read the file, check every row, and (unless ``dry_run`` or there is a problem) store every row."""
    require_health(actor, Action.EDIT, cluster)
    report = CostImportReport(dry_run=dry_run)
    text = _text(raw, report)
    if text is None:
        return report
    first = text.splitlines()[0] if text.splitlines() else ""
    delimiter = ";" if ";" in first or "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except (csv.Error, StopIteration):
        report.problems.append(
            Problem(
                1, "", _("Første linje skal være kolonnenavnene: %(cols)s.") % {"cols": ";".join(COLUMNS)}
            )
        )
        return report
    names = [_column(name) for name in header]
    missing = [c for c in COLUMNS if c not in names]
    for name in missing:
        report.problems.append(
            Problem(
                1, name, _("kolonnen mangler; første linje skal være %(cols)s.") % {"cols": ";".join(COLUMNS)}
            )
        )
    for name in dict.fromkeys(names):
        if name not in COLUMNS:
            report.problems.append(
                Problem(1, name or "–", _("ukendt kolonne; brug kun %(cols)s.") % {"cols": ";".join(COLUMNS)})
            )
        elif names.count(name) > 1:
            report.problems.append(Problem(1, name, _("kolonnen står flere gange; skriv den én gang.")))
    if report.problems:
        return report
    index = {name: names.index(name) for name in COLUMNS}

    initiatives = list(cluster.initiatives.prefetch_related("parties"))
    by_id = {str(i.pk): i for i in initiatives}
    by_title: dict[str, list[Initiative]] = {}
    for initiative in initiatives:
        by_title.setdefault(initiative.title, []).append(initiative)
    members = services.members_by_code(cluster)
    executing = {(p.initiative_id, p.member_id) for i in initiatives for p in i.parties.all() if p.executes}
    stored = {
        (c.initiative_id, c.executor_id, c.year): c.amount
        for c in ActualCost.objects.filter(initiative__cluster=cluster)
    }
    seen: dict[tuple[int, int, int], int] = {}
    count = 0
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            count += 1
            if count > MAX_ROWS:
                report.problems.append(
                    Problem(
                        line,
                        "",
                        _("Filen har mere end %(max)s rækker; del den op i flere filer.") % {"max": "10.000"},
                    )
                )
                break
            if len(values) != len(names):
                report.problems.append(
                    Problem(
                        line,
                        "",
                        _("linjen har %(got)s felter, men skal have %(want)s (%(cols)s).")
                        % {"got": len(values), "want": len(names), "cols": ";".join(names)},
                    )
                )
                continue
            row = _row(
                line,
                {c: values[index[c]].strip() for c in COLUMNS},
                by_id,
                by_title,
                members,
                executing,
                report,
            )
            if row is None:
                continue
            initiative, executor, year, amount = row
            key = (initiative.pk, executor.pk, year)
            if key in seen:
                report.problems.append(
                    Problem(
                        line,
                        "aar",
                        _(
                            "%(title)s, %(member)s %(year)s står også i linje %(other)s; skriv hvert år én gang."
                        )
                        % {
                            "title": initiative.title,
                            "member": executor.name,
                            "year": year,
                            "other": seen[key],
                        },
                    )
                )
                continue
            seen[key] = line
            report.rows.append(CostRow(line, initiative, executor, year, amount, stored.get(key)))
    except csv.Error as exc:
        report.problems.append(
            Problem(reader.line_num, "", _("linjen kan ikke læses som CSV (%(error)s).") % {"error": exc})
        )
    if report.problems:
        report.rows.clear()
        return report
    if not report.rows:
        report.problems.append(
            Problem(None, "", _("Filen har ingen rækker med udgifter under kolonnenavnene."))
        )
        return report
    _save(actor, report, keep=not dry_run)
    return report


def _row(
    line: int,
    cells: dict[str, str],
    by_id: dict[str, Initiative],
    by_title: dict[str, list[Initiative]],
    members: dict[str, HealthMember],
    executing: set[tuple[int, int]],
    report: CostImportReport,
) -> tuple[Initiative, HealthMember, int, Decimal] | None:
    """One row's values, or ``None`` after reporting every problem of the row."""
    before = len(report.problems)

    def problem(column: str, message: str) -> None:
        report.problems.append(Problem(line, column, message))

    name = cells["initiativ"]
    initiative: Initiative | None = by_id.get(name)
    if initiative is None:
        found = by_title.get(name, [])
        if len(found) == 1:
            initiative = found[0]
        elif found:
            problem(
                "initiativ",
                _("flere indsatser hedder %(title)s; skriv indsatsens id i stedet.") % {"title": name},
            )
        else:
            problem(
                "initiativ",
                _(
                    "klyngen har ingen indsats med id eller titel %(title)s; skriv id'et eller den præcise titel."
                )
                % {"title": name or "–"},
            )
    code = cells["udfoerende"]
    executor = members.get(code)
    if executor is None:
        problem(
            "udfoerende",
            _("%(code)s er ikke medlem af klyngen; skriv kommune- eller regionskoden, fx 101 eller 1084.")
            % {"code": code or "–"},
        )
    elif initiative is not None and (initiative.pk, executor.pk) not in executing:
        problem(
            "udfoerende",
            _("%(member)s er ikke udførende part i %(title)s; ret indsatsens parter først.")
            % {"member": executor.name, "title": initiative.title},
        )
    year: int | None = None
    text = cells["aar"]
    if not text.isdigit() or not services.FIRST_YEAR <= int(text) <= services.LAST_YEAR:
        problem(
            "aar",
            _("skriv et årstal mellem %(first)s og %(last)s (du skrev %(value)s).")
            % {"first": services.FIRST_YEAR, "last": services.LAST_YEAR, "value": text or "–"},
        )
    else:
        year = int(text)
        if initiative is not None and not initiative.starts_on.year <= year <= initiative.ends_on.year:
            problem(
                "aar",
                _("%(year)s ligger uden for indsatsens periode (%(first)s–%(last)s).")
                % {"year": year, "first": initiative.starts_on.year, "last": initiative.ends_on.year},
            )
    amount: Decimal | None = None
    try:
        amount = services.clean_amount(cells["beloeb"], "amount", _("Beløb"))
    except ValidationError as exc:
        for message in exc.messages:
            problem("beloeb", message)
    if len(report.problems) > before:
        return None
    assert initiative is not None and executor is not None and year is not None and amount is not None
    return initiative, executor, year, amount


FIELD_COLUMNS = {"year": "aar", "amount": "beloeb", "executor": "udfoerende"}


def _save(actor: object, report: CostImportReport, *, keep: bool = True) -> None:
    """Store every row in one transaction through :func:`klynge.health.services.cost_set`; any refusal
    (a posted year, a confirmed carry-over no longer covered, ...) rolls all of them back and is
    reported with its line and column. A dry run does the same and always rolls back, so it finds
    every refusal the real import would meet."""
    try:
        with transaction.atomic():
            for row in report.rows:
                try:
                    services.cost_set(
                        actor=actor,
                        initiative=row.initiative,
                        executor=row.executor,
                        year=row.year,
                        amount=row.amount,
                        source=_("CSV-import, linje %(line)s") % {"line": row.line},
                    )
                except ValidationError as exc:
                    report.problems.extend(
                        Problem(row.line, FIELD_COLUMNS.get(field, ""), message)
                        for field, messages in exc.message_dict.items()
                        for message in messages
                    )
            if report.problems or not keep:
                raise _Rollback
    except _Rollback:
        if report.problems:
            report.rows.clear()
        return
    report.saved = True


class _Rollback(Exception):
    pass
