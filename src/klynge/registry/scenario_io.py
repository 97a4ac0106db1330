"""Import and export of the GP-cluster registry as ``klynge-scenario/1`` (exchange-format.md).

Import is all or nothing. The file is read by the pure parser (:mod:`klynge.core.scenario`), then
checked against the database (regions, access, overlaps with memberships already stored, changes
that would take back a stored fact); only when there is no problem at all is anything written, in
one transaction. Records are merged by their keys — cluster ``id`` (``external_id``), practice
``provider_number``, membership (practice, cluster, joined), dated value (from, recorded) — and
nothing is ever deleted. A dry run computes the same report and rolls the transaction back.

Writes are made here rather than through :mod:`klynge.registry.services` where the services do not
fit a data load (a cluster without a coordinator, a membership that is already closed, values
recorded on their own dates); each such write gets its own audit entry with the acting user, and the
import one summary entry per region. Updates of clusters and regions go through the services.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import QuerySet

from klynge.accounts.access import Action, can, can_in_region, gp_clusters
from klynge.accounts.models import User
from klynge.audit.log import record, record_many, snapshot
from klynge.audit.models import AuditEntry
from klynge.common import dates
from klynge.core import scenario as core
from klynge.core.dates import long_da
from klynge.core.problems import Problem
from klynge.core.scenario import Scenario, ScenarioError, parse_scenario
from klynge.registry import services
from klynge.registry.models import CapacityRecord, GpCluster, Membership, PatientCount, Practice, Region

FORMAT = core.FORMAT
MAX_BYTES = 50 * 1024 * 1024
MAX_DEPTH = 20  # a scenario is at most five levels deep; anything far deeper is not one
BATCH = 500

Progress = Callable[[int, int], None]
logger = logging.getLogger(__name__)


# --- The report -----------------------------------------------------------------------------------

KINDS = ("region", "cluster", "practice", "capacity", "patients", "membership")
KIND_NAMES = {
    "region": ("Regioner", "Regions"),
    "cluster": ("Klynger", "Clusters"),
    "practice": ("Praksis", "Practices"),
    "capacity": ("Kapaciteter", "Capacities"),
    "patients": ("Patienttal", "Patient counts"),
    "membership": ("Medlemskaber", "Memberships"),
}
ACTION_NAMES = {
    "created": ("oprettet", "created"),
    "updated": ("ændret", "updated"),
    "unchanged": ("uændret", "unchanged"),
}


@dataclass(frozen=True)
class Change:
    """One record of the file and what the import does (or would do) with it."""

    kind: str  # one of KINDS
    action: str  # created | updated | unchanged
    path: str  # where in the file, e.g. "memberships[3]"
    text_da: str
    text_en: str

    def text(self, language: str = "da") -> str:
        return self.text_en if language.startswith("en") else self.text_da


@dataclass
class ImportReport:
    dry_run: bool
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (da, en)

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, dict[str, int]]:
        counted = Counter((c.kind, c.action) for c in self.changes)
        return {kind: {action: counted[kind, action] for action in ACTION_NAMES} for kind in KINDS}

    @property
    def changed(self) -> bool:
        return any(c.action != "unchanged" for c in self.changes)

    def lines(self, language: str = "da") -> list[str]:
        """The report as text lines: the verdict, counts per kind and a line per change or problem."""
        en = language.startswith("en")
        if not self.ok:
            n = len(self.problems)
            lines = [
                f"The file is rejected; nothing has been saved. {n} problem{'s' if n != 1 else ''}:"
                if en
                else f"Filen er afvist; intet er gemt. {n} {'problemer' if n != 1 else 'problem'}:"
            ]
            whole_file = "(file)" if en else "(fil)"
            lines += [f"  {p.path or whole_file}: {p.message(language)}" for p in self.problems]
            return lines
        if self.dry_run:
            head = (
                "Dry run: nothing has been saved. The import would make these changes."
                if en
                else "Prøvekørsel: intet er gemt. Importen ville gøre dette."
            )
        else:
            head = "Imported." if en else "Importeret."
        lines = [head]
        for kind, per_action in self.counts().items():
            if not any(per_action.values()):
                continue
            name = KIND_NAMES[kind][1 if en else 0]
            parts = ", ".join(
                f"{count} {ACTION_NAMES[action][1 if en else 0]}" for action, count in per_action.items()
            )
            lines.append(f"  {name}: {parts}")
        changed = [c for c in self.changes if c.action != "unchanged"]
        if changed:
            lines.append("Changes:" if en else "Ændringer:")
            lines += [f"  {c.path}: {c.text(language)}" for c in changed]
        elif self.changes:
            lines.append(
                "Nothing to change: the database already holds the file."
                if en
                else "Intet at ændre: databasen indeholder allerede filen."
            )
        lines += [f"Note: {en_text}" if en else f"Bemærk: {da_text}" for da_text, en_text in self.notes]
        return lines

    def as_dict(self, language: str = "da") -> dict[str, Any]:
        """For the API: the same content as data."""
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "counts": self.counts(),
            "changes": [
                {"kind": c.kind, "action": c.action, "path": c.path, "message": c.text(language)}
                for c in self.changes
                if c.action != "unchanged"
            ],
            "problems": [
                {"path": p.path, "code": p.code, "message": p.message(language)} for p in self.problems
            ],
            "notes": [en if language.startswith("en") else da for da, en in self.notes],
        }


# --- Reading a file -------------------------------------------------------------------------------


def read_json(raw: bytes, *, max_bytes: int = MAX_BYTES) -> tuple[Any, list[Problem]]:
    """The JSON value in ``raw``, or the problems that stop it being read (never an exception)."""
    if len(raw) > max_bytes:
        return None, [_too_large(max_bytes)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [
            Problem(
                "",
                "not_utf8",
                f"Filen er ikke UTF-8-kodet (byte {exc.start}). Gem den som UTF-8 og prøv igen.",
                f"The file is not UTF-8 encoded (byte {exc.start}). Save it as UTF-8 and try again.",
            )
        ]
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in items:
            if key in seen:
                duplicates.append(key)
            seen[key] = value
        return seen

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not allowed")

    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as exc:
        return None, [
            Problem(
                "",
                "not_json",
                f"Filen er ikke gyldig JSON: linje {exc.lineno}, kolonne {exc.colno}: {exc.msg}.",
                f"The file is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}.",
            )
        ]
    except RecursionError:
        return None, [_too_deep()]
    except ValueError as exc:  # NaN/Infinity, integers with thousands of digits
        return None, [
            Problem(
                "",
                "not_json",
                f"Filen indeholder en værdi, der ikke er tilladt: {str(exc)[:80]}.",
                f"The file holds a value that is not allowed: {str(exc)[:80]}.",
            )
        ]
    problems = [
        Problem(
            "",
            "duplicate_key",
            f"Nøglen '{key[:40]}' står to gange i samme objekt; fjern den ene.",
            f"The key '{key[:40]}' appears twice in one object; remove one of them.",
        )
        for key in sorted(set(duplicates))
    ]
    return value, problems


def _too_large(limit: int) -> Problem:
    mb = 1024 * 1024
    shown = f"{limit / mb:g} MB" if limit >= mb else f"{limit} bytes"
    return Problem(
        "",
        "too_large",
        f"Filen er større end {shown}, som er det mest, en importfil må fylde. Del den op, fx efter region.",
        f"The file is larger than {shown}, the most an import file may hold. Split it, e.g. by region.",
    )


def _too_deep() -> Problem:
    return Problem(
        "",
        "too_deep",
        f"Filen er indlejret dybere end {MAX_DEPTH} niveauer; det er ikke en klynge-scenario/1-fil.",
        f"The file is nested deeper than {MAX_DEPTH} levels; it is not a klynge-scenario/1 file.",
    )


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _shape_problems(data: Any) -> list[Problem]:
    """Problems that make ``data`` no klynge-scenario/1 document at all."""
    if not isinstance(data, dict):
        return [
            Problem(
                "",
                "not_object",
                'Filen skal indeholde ét JSON-objekt ({...}) med "format": "klynge-scenario/1".',
                'The file must hold one JSON object ({...}) with "format": "klynge-scenario/1".',
            )
        ]
    if _depth_exceeds(data, MAX_DEPTH):
        return [_too_deep()]
    if data.get("format") != FORMAT:
        shown = str(data.get("format"))[:40]
        return [
            Problem(
                "format",
                "format",
                f"Formatet er '{shown}'; her importeres kun \"{FORMAT}\".",
                f"The format is '{shown}'; only \"{FORMAT}\" is imported here.",
            )
        ]
    return []


# --- Import ---------------------------------------------------------------------------------------


def import_scenario(
    data: Any, *, actor: User, dry_run: bool, progress: Progress | None = None, source: str = ""
) -> ImportReport:
    """Merge a ``klynge-scenario/1`` document into the registry, all or nothing.

    Returns a report of what was (or, in a dry run, would be) created and updated, or of every
    problem found, each with its place in the file. Nothing is written when there is a problem.
    """
    report = ImportReport(dry_run=dry_run)
    report.problems = _shape_problems(data)
    if report.problems:
        return report
    scenario: Scenario | None = None
    try:
        scenario = parse_scenario(data, window=dates.window())
    except ScenarioError as exc:
        report.problems = list(exc.problems)
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError):  # the parser should not
        logger.exception("klynge-scenario/1 parser failed on a file")
        report.problems = [
            Problem(
                "",
                "unreadable",
                "Filen kunne ikke læses som klynge-scenario/1; tjek den mod formatbeskrivelsen.",
                "The file could not be read as klynge-scenario/1; check it against the format description.",
            )
        ]
        return report
    index = _FileIndex(data)
    db_problems = _region_problems(data, actor)
    if scenario is not None and not db_problems:
        plan = _Planner(scenario, index, actor).plan()
        db_problems = plan.problems
    else:
        plan = None
    known = {p.path for p in report.problems}
    report.problems += [p for p in db_problems if p.path not in known]
    report.problems.sort(key=lambda p: _place(p.path))
    if report.problems or plan is None:
        return report
    report.changes = plan.changes
    if data.get("schemes"):
        report.notes.append(
            (
                "Filens ordninger (schemes) importeres ikke; systemets egne ordninger gælder.",
                "The file's schemes are not imported; the system's own schemes apply.",
            )
        )
    try:
        with transaction.atomic():
            _Writer(plan, actor, progress, source).write(report)
            if dry_run:
                transaction.set_rollback(True)
    except (ValidationError, PermissionDenied, DatabaseError) as exc:
        # The checks above should have caught it; the database or a service refused: nothing was kept.
        report.changes = []
        report.problems = [_refusal(plan.current_path, exc)]
    return report


SECTIONS = ("format", "schemes", "regions", "clusters", "practices", "memberships", "runs")


def _place(path: str) -> tuple[Any, ...]:
    """Sorts problems in the order of the file: by section, then index, then field."""
    head = re.match(r"[A-Za-z_]+", path)
    section = SECTIONS.index(head.group(0)) if head and head.group(0) in SECTIONS else -1
    return (
        section,
        *((0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.findall(r"\d+|[A-Za-z_]+", path)),
    )


def _refusal(path: str, exc: Exception) -> Problem:
    if isinstance(exc, ValidationError):
        text = "; ".join(exc.messages)
    elif isinstance(exc, PermissionDenied):
        text = str(exc)
    else:
        text = str(exc).splitlines()[0][:200] if str(exc) else exc.__class__.__name__
    return Problem(
        path,
        "refused",
        f"Databasen afviste ændringen: {text}. Intet er gemt.",
        f"The database refused the change: {text}. Nothing has been saved.",
    )


class _FileIndex:
    """Where each record sits in the file, to name its place in problems and changes."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.clusters = self._positions(data.get("clusters"), lambda c: c.get("id"))
        self.practices = self._positions(data.get("practices"), lambda p: p.get("provider_number"))
        self.memberships = self._positions(
            data.get("memberships"), lambda m: (m.get("practice"), m.get("cluster"), m.get("joined"))
        )
        self.regions = self._positions(data.get("regions"), lambda r: r.get("code"))
        practices = data.get("practices")
        self.raw_practices: list[Any] = practices if isinstance(practices, list) else []

    @staticmethod
    def _positions(items: Any, key: Callable[[dict[str, Any]], Any]) -> dict[Any, int]:
        if not isinstance(items, list):
            return {}
        found: dict[Any, int] = {}
        for i, item in enumerate(items):
            if isinstance(item, dict):
                try:
                    found.setdefault(key(item), i)
                except TypeError:  # an unhashable key: the parser reports it
                    continue
        return found

    def cluster(self, cluster_id: str) -> str:
        return f"clusters[{self.clusters[cluster_id]}]" if cluster_id in self.clusters else "clusters"

    def practice(self, number: str) -> str:
        return f"practices[{self.practices[number]}]" if number in self.practices else "practices"

    def membership(self, practice: str, cluster: str, joined: dt.date) -> str:
        i = self.memberships.get((practice, cluster, joined.isoformat()))
        return f"memberships[{i}]" if i is not None else "memberships"

    def region(self, code: str) -> str:
        return f"regions[{self.regions[code]}]" if code in self.regions else "regions"

    def dated(self, number: str, key: str, valid_from: dt.date, recorded: dt.date) -> str:
        base = self.practice(number)
        i = self.practices.get(number)
        if i is None:
            return f"{base}.{key}"
        values = self.raw_practices[i].get(key) if isinstance(self.raw_practices[i], dict) else None
        for j, value in enumerate(values if isinstance(values, list) else []):
            if (
                isinstance(value, dict)
                and value.get("from") == valid_from.isoformat()
                and (value.get("recorded") or value.get("from")) == recorded.isoformat()
            ):
                return f"{base}.{key}[{j}]"
        return f"{base}.{key}"


def _region_problems(data: dict[str, Any], actor: User) -> list[Problem]:
    """Unknown region codes and regions the actor does not administer (checked even on a bad file)."""
    regions = {r.code: r for r in Region.objects.all()}
    problems = []
    clusters = data.get("clusters")
    for i, cluster in enumerate(clusters if isinstance(clusters, list) else []):
        code = cluster.get("region") if isinstance(cluster, dict) else None
        if not isinstance(code, str) or not code:
            continue  # the parser says what is wrong with it
        region = regions.get(code)
        if region is None:
            problems.append(_unknown_region(f"clusters[{i}].region", code, regions))
        elif not can_in_region(actor, Action.ADMINISTER, region):
            problems.append(_no_access(f"clusters[{i}].region", region))
    listed = data.get("regions")
    for i, item in enumerate(listed if isinstance(listed, list) else []):
        code = item.get("code") if isinstance(item, dict) else None
        if isinstance(code, str) and code not in regions:
            problems.append(_unknown_region(f"regions[{i}].code", code, regions))
    return problems


def _unknown_region(path: str, code: str, regions: dict[str, Region]) -> Problem:
    known = ", ".join(f"{r.code} {r.name}" for r in regions.values())
    return Problem(
        path,
        "unknown_region",
        f"Regionskoden '{code[:20]}' findes ikke. Brug en af: {known}.",
        f"The region code '{code[:20]}' does not exist. Use one of: {known}.",
    )


def _no_access(path: str, region: Region) -> Problem:
    return Problem(
        path,
        "no_access",
        f"Du administrerer ikke {region.name}; kun regionens sagsbehandlere kan importere dens klynger.",
        f"You do not administer {region.name}; only the region's officers can import its clusters.",
    )


def _d(value: dt.date | None) -> str:
    return value.isoformat() if value else "–"


# --- Planning: what the file changes, and what stops it ---------------------------------------------


@dataclass
class _Plan:
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    region_updates: list[tuple[Region, dict[str, Any]]] = field(default_factory=list)
    cluster_creates: list[tuple[core.Cluster, Region]] = field(default_factory=list)
    cluster_updates: list[tuple[GpCluster, dict[str, Any]]] = field(default_factory=list)
    cluster_completions: list[tuple[str, dt.date]] = field(default_factory=list)  # external id, date
    practice_creates: list[tuple[core.Practice, Region]] = field(default_factory=list)
    practice_renames: list[tuple[Practice, str]] = field(default_factory=list)
    # (provider number, model, valid_from, count, recorded, existing record or None)
    dated: list[tuple[str, type[CapacityRecord] | type[PatientCount], dt.date, int, dt.date, Any]] = field(
        default_factory=list
    )
    membership_creates: list[core.Membership] = field(default_factory=list)
    membership_updates: list[tuple[Membership, core.Membership]] = field(default_factory=list)
    current_path: str = ""  # the record being written, to place a refusal by the database
    index: _FileIndex | None = None

    @property
    def operations(self) -> int:
        return (
            len(self.region_updates)
            + len(self.cluster_creates)
            + len(self.cluster_updates)
            + len(self.cluster_completions)
            + len(self.practice_creates)
            + len(self.practice_renames)
            + len(self.dated)
            + len(self.membership_creates)
            + len(self.membership_updates)
        )


class _Planner:
    def __init__(self, scenario: Scenario, index: _FileIndex, actor: User) -> None:
        self.scenario = scenario
        self.index = index
        self.actor = actor
        self.plan_ = _Plan(index=index)
        self.regions = {r.code: r for r in Region.objects.all()}
        ids = [c.id for c in scenario.clusters]
        self.db_clusters = {
            c.external_id: c for c in GpCluster.objects.filter(external_id__in=ids).select_related("region")
        }
        numbers = [p.provider_number for p in scenario.practices] + [m.practice for m in scenario.memberships]
        self.db_practices = {
            p.provider_number: p
            for p in Practice.objects.filter(provider_number__in=set(numbers))
            .select_related("region")
            .prefetch_related("capacities", "patient_counts")
        }
        self._first_region: dict[str, str] | None = None
        self.db_memberships = list(
            Membership.objects.filter(practice__in=self.db_practices.values()).select_related(
                "practice", "cluster"
            )
        )

    def add(self, path: str, code: str, da: str, en: str) -> None:
        self.plan_.problems.append(Problem(path, code, da, en))

    def change(self, kind: str, action: str, path: str, da: str, en: str) -> None:
        self.plan_.changes.append(Change(kind, action, path, da, en))

    def plan(self) -> _Plan:
        self._regions()
        self._clusters()
        self._practices()
        self._memberships()
        return self.plan_

    # Regions -------------------------------------------------------------------------------------

    def _regions(self) -> None:
        for policy in self.scenario.regions:
            region = self.regions.get(policy.code)
            path = self.index.region(policy.code)
            if region is None:
                continue  # reported by _region_problems
            wanted = {
                "annual_regulation": policy.annual_regulation,
                "processing_days_min": policy.processing_days[0],
                "processing_days_max": policy.processing_days[1],
            }
            changed = {k: v for k, v in wanted.items() if getattr(region, k) != v}
            if not changed:
                self.change(
                    "region", "unchanged", path, f"{region.name}: uændret", f"{region.name}: unchanged"
                )
                continue
            if not can_in_region(self.actor, Action.ADMINISTER, region):
                self.plan_.problems.append(_no_access(f"{path}.policy", region))
                continue
            self.plan_.region_updates.append((region, changed))
            diff = ", ".join(f"{k}: {getattr(region, k)} → {v}" for k, v in changed.items())
            self.change(
                "region",
                "updated",
                path,
                f"{region.name}: politik ændret ({diff})",
                f"{region.name}: policy changed ({diff})",
            )

    # Clusters ------------------------------------------------------------------------------------

    def _clusters(self) -> None:
        db_members: dict[int, list[Membership]] = defaultdict(list)
        for m in Membership.objects.filter(cluster__in=self.db_clusters.values()).select_related("practice"):
            db_members[m.cluster_id].append(m)
        file_keys = {(m.practice, m.cluster, m.joined) for m in self.scenario.memberships}
        for cluster in self.scenario.clusters:
            path = self.index.cluster(cluster.id)
            region = self.regions.get(cluster.region)
            if region is None:
                continue  # reported by _region_problems
            label = f"{cluster.id} ({cluster.name})"
            existing = self.db_clusters.get(cluster.id)
            if existing is None:
                self.plan_.cluster_creates.append((cluster, region))
                if cluster.completed_on:
                    self.plan_.cluster_completions.append((cluster.id, cluster.completed_on))
                state_da = (
                    f"færdigmeldt {_d(cluster.completed_on)}" if cluster.completed_on else "ikke færdigmeldt"
                )
                state_en = (
                    f"completed {_d(cluster.completed_on)}" if cluster.completed_on else "not completed"
                )
                self.change(
                    "cluster",
                    "created",
                    path,
                    f"Klynge {label} oprettet i {region.name}, stiftet {_d(cluster.founded_on)}, {state_da}",
                    f"Cluster {label} created in {region.name}, founded {_d(cluster.founded_on)}, {state_en}",
                )
                continue
            if existing.region_id != region.pk:
                self.add(
                    f"{path}.region",
                    "cluster_region",
                    f"Klyngen {cluster.id} hører til {existing.region.name} i databasen; "
                    "en import kan ikke flytte den til en anden region.",
                    f"Cluster {cluster.id} belongs to {existing.region.name} in the database; "
                    "an import cannot move it to another region.",
                )
                continue
            changes: dict[str, Any] = {}
            if existing.name != cluster.name:
                changes["name"] = cluster.name
            if cluster.cvr and existing.cvr != cluster.cvr:  # a file without a CVR does not erase one
                changes["cvr"] = cluster.cvr
            if existing.founded_on != cluster.founded_on:
                changes["founded_on"] = cluster.founded_on
                kept = [
                    m
                    for m in db_members[existing.pk]
                    if (m.practice.provider_number, cluster.id, m.joined) not in file_keys
                ]
                earliest = min((m.joined for m in kept), default=None)
                if earliest is not None and earliest < cluster.founded_on:
                    self.add(
                        f"{path}.founded_on",
                        "founded_after_membership",
                        f"Stiftelsesdatoen {_d(cluster.founded_on)} er efter, at en praksis i databasen "
                        f"indtrådte i klyngen ({_d(earliest)}). Ret medlemskabet først.",
                        f"The founding date {_d(cluster.founded_on)} is after a practice in the database "
                        f"joined the cluster ({_d(earliest)}). Correct the membership first.",
                    )
            if existing.completed_on and not cluster.completed_on:
                self.add(
                    f"{path}.completed_on",
                    "uncomplete",
                    f"Klyngen blev færdigmeldt {_d(existing.completed_on)}; en import kan ikke annullere en "
                    "færdigmelding. Angiv datoen.",
                    f"The cluster was completed on {_d(existing.completed_on)}; an import cannot undo a "
                    "completion. Give the date.",
                )
            elif cluster.completed_on and existing.completed_on != cluster.completed_on:
                self.plan_.cluster_completions.append((cluster.id, cluster.completed_on))
                changes["completed_on"] = cluster.completed_on
            if not changes:
                self.change(
                    "cluster", "unchanged", path, f"Klynge {label}: uændret", f"Cluster {label}: unchanged"
                )
                continue
            update = {k: v for k, v in changes.items() if k != "completed_on"}
            if update:
                self.plan_.cluster_updates.append((existing, update))
            diff = "; ".join(f"{k}: {_show(getattr(existing, k))} → {_show(v)}" for k, v in changes.items())
            self.change("cluster", "updated", path, f"Klynge {label}: {diff}", f"Cluster {label}: {diff}")

    # Practices and dated values ------------------------------------------------------------------

    def _practice_region(self, number: str) -> Region | None:
        """The region of the cluster the practice first joins in the file (or the file's only region)."""
        if self._first_region is None:
            regions = {c.id: c.region for c in self.scenario.clusters}
            first: dict[str, tuple[dt.date, str]] = {}
            for m in self.scenario.memberships:
                if m.practice not in first or m.joined < first[m.practice][0]:
                    first[m.practice] = (m.joined, regions.get(m.cluster, ""))
            self._first_region = {n: code for n, (_joined, code) in first.items()}
        if number in self._first_region:
            return self.regions.get(self._first_region[number])
        codes = {c.region for c in self.scenario.clusters}
        return self.regions.get(codes.pop()) if len(codes) == 1 else None

    def _practices(self) -> None:
        for practice in self.scenario.practices:
            number = practice.provider_number
            path = self.index.practice(number)
            label = f"{number} ({practice.name})"
            existing = self.db_practices.get(number)
            if existing is None:
                region = self._practice_region(number)
                if region is None:
                    self.add(
                        path,
                        "practice_region",
                        f"Praksis {number} er ikke medlem af nogen klynge i filen, og filen har klynger i flere "
                        "regioner; tilføj et medlemskab, så regionen kendes.",
                        f"Practice {number} is not a member of any cluster in the file, and the file has clusters "
                        "in several regions; add a membership so that its region is known.",
                    )
                    continue
                self.plan_.practice_creates.append((practice, region))
                self.change(
                    "practice", "created", path, f"Praksis {label} oprettet", f"Practice {label} created"
                )
                stored_caps: dict[tuple[dt.date, dt.date], Any] = {}
                stored_patients: dict[tuple[dt.date, dt.date], Any] = {}
            else:
                if existing.name != practice.name:
                    if not self._may_change_practice(existing):
                        self.add(
                            f"{path}.name",
                            "no_access",
                            f"Praksis {number} hører til {existing.region.name}, som du ikke administrerer.",
                            f"Practice {number} belongs to {existing.region.name}, which you do not administer.",
                        )
                        continue
                    self.plan_.practice_renames.append((existing, practice.name))
                    self.change(
                        "practice",
                        "updated",
                        path,
                        f"Praksis {number}: navn '{existing.name}' → '{practice.name}'",
                        f"Practice {number}: name '{existing.name}' → '{practice.name}'",
                    )
                else:
                    self.change(
                        "practice",
                        "unchanged",
                        path,
                        f"Praksis {label}: uændret",
                        f"Practice {label}: unchanged",
                    )
                stored_caps = {(r.valid_from, r.recorded_on): r for r in existing.capacities.all()}
                stored_patients = {(r.valid_from, r.recorded_on): r for r in existing.patient_counts.all()}
            self._dated(number, "capacities", "capacity", CapacityRecord, practice.capacities, stored_caps)
            self._dated(
                number, "group1_patients", "patients", PatientCount, practice.group1_patients, stored_patients
            )

    def _may_change_practice(self, practice: Practice) -> bool:
        if can_in_region(self.actor, Action.ADMINISTER, practice.region):
            return True
        mine = {c.id for c in self.scenario.clusters}
        return any(
            m.practice == practice.provider_number and m.cluster in mine for m in self.scenario.memberships
        )

    def _dated(
        self,
        number: str,
        key: str,
        kind: str,
        model: type[CapacityRecord] | type[PatientCount],
        values: Iterable[core.Dated],
        stored: dict[tuple[dt.date, dt.date], Any],
    ) -> None:
        noun_da, noun_en = (
            ("kapaciteter", "capacities")
            if kind == "capacity"
            else ("gruppe 1-patienter", "group-1 patients")
        )
        for value in values:
            recorded = value.recorded
            path = self.index.dated(number, key, value.valid_from, recorded)
            what_da = (
                f"{number}: {value.count} {noun_da} fra {_d(value.valid_from)} (registreret {_d(recorded)})"
            )
            what_en = (
                f"{number}: {value.count} {noun_en} from {_d(value.valid_from)} (recorded {_d(recorded)})"
            )
            existing = stored.get((value.valid_from, recorded))
            if existing is None:
                self.plan_.dated.append((number, model, value.valid_from, value.count, recorded, None))
                self.change(kind, "created", path, f"{what_da} tilføjet", f"{what_en} added")
            elif existing.count != value.count:
                self.plan_.dated.append((number, model, value.valid_from, value.count, recorded, existing))
                self.change(
                    kind,
                    "updated",
                    path,
                    f"{what_da}, før {existing.count}",
                    f"{what_en}, was {existing.count}",
                )
            else:
                self.change(kind, "unchanged", path, f"{what_da}: uændret", f"{what_en}: unchanged")

    # Memberships ---------------------------------------------------------------------------------

    def _memberships(self) -> None:
        stored = {
            (m.practice.provider_number, m.cluster.external_id, m.joined): m for m in self.db_memberships
        }
        for m in self.scenario.memberships:
            path = self.index.membership(m.practice, m.cluster, m.joined)
            label_da = f"Medlemskab {m.practice} i {m.cluster} fra {_d(m.joined)}"
            label_en = f"Membership {m.practice} in {m.cluster} from {_d(m.joined)}"
            existing = stored.pop((m.practice, m.cluster, m.joined), None)
            if existing is None:
                self.plan_.membership_creates.append(m)
                self.change(
                    "membership",
                    "created",
                    path,
                    f"{label_da}{f' til {_d(m.left)}' if m.left else ''} oprettet",
                    f"{label_en}{f' until {_d(m.left)}' if m.left else ''} created",
                )
            elif existing.recorded_on != m.recorded:
                self.add(
                    f"{path}.recorded",
                    "recorded_differs",
                    f"Medlemskabet findes allerede, registreret {_d(existing.recorded_on)}; en registreringsdato "
                    "kan ikke ændres ved import.",
                    f"The membership already exists, recorded {_d(existing.recorded_on)}; a recorded date "
                    "cannot be changed by an import.",
                )
            elif (existing.left, existing.left_recorded_on) != (m.left, m.left_recorded):
                self.plan_.membership_updates.append((existing, m))
                self.change(
                    "membership",
                    "updated",
                    path,
                    f"{label_da}: udtrådt {_d(existing.left)} → {_d(m.left)} (registreret {_d(m.left_recorded)})",
                    f"{label_en}: left {_d(existing.left)} → {_d(m.left)} (recorded {_d(m.left_recorded)})",
                )
            else:
                self.change("membership", "unchanged", path, f"{label_da}: uændret", f"{label_en}: unchanged")
        self._overlaps_with_stored(list(stored.values()))

    def _overlaps_with_stored(self, kept: list[Membership]) -> None:
        """The memberships stored and not in the file stay; the file's must not share a day with them."""
        names = {c.id: c.name for c in self.scenario.clusters}
        by_practice: dict[str, list[Membership]] = defaultdict(list)
        for other in kept:
            by_practice[other.practice.provider_number].append(other)
        for m in self.scenario.memberships:
            for other in by_practice.get(m.practice, []):
                if not (other.joined < (m.left or dt.date.max) and m.joined < (other.left or dt.date.max)):
                    continue
                visible = can(self.actor, Action.VIEW, other.cluster)  # as the services: name it only then
                da_other = other.cluster.name if visible else "en anden klynge"
                en_other = other.cluster.name if visible else "another cluster"
                this = names.get(m.cluster, m.cluster)
                self.add(
                    self.index.membership(m.practice, m.cluster, m.joined) + ".joined",
                    "overlap_stored",
                    f"Praksis {m.practice} er i databasen medlem af {da_other} fra {_d(other.joined)} "
                    f"til {_d(other.left)}, og det overlapper medlemskabet af {this}. "
                    "En praksis kan kun være i én klynge ad gangen; ret datoerne.",
                    f"Practice {m.practice} is in the database a member of {en_other} from "
                    f"{_d(other.joined)} until {_d(other.left)}, which overlaps the membership of "
                    f"{this}. A practice can be in only one cluster at a time; correct the dates.",
                )
                break


def _show(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return f"'{value}'" if isinstance(value, str) else str(value)


# --- Writing --------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, plan: _Plan, actor: User, progress: Progress | None, source: str) -> None:
        self.plan = plan
        self.actor = actor
        self.progress = progress
        self.source = source
        self.done = 0
        self.total = plan.operations
        self.clusters: dict[str, GpCluster] = {}
        self.practices: dict[str, Practice] = {}

    def _path(self, kind: str, *key: Any) -> str:
        index = self.plan.index
        return getattr(index, kind)(*key) if index is not None else kind

    def step(self, count: int = 1) -> None:
        self.done += count
        if self.progress is not None:
            self.progress(self.done, self.total)

    def write(self, report: ImportReport) -> None:
        plan = self.plan
        for region, changes in plan.region_updates:
            plan.current_path = "regions"
            services.region_update(actor=self.actor, region=region, **changes)
            self.step()
        self._clusters()
        self._practices()
        self._dated()
        self._memberships()
        self._summary(report)

    def _clusters(self) -> None:
        plan = self.plan
        for new, region in plan.cluster_creates:
            plan.current_path = self._path("cluster", new.id)
            created = GpCluster.objects.create(
                region=region, name=new.name, external_id=new.id, cvr=new.cvr, founded_on=new.founded_on
            )
            record(
                actor=self.actor,
                action="gp_cluster.create",
                summary=f"Klyngen {created.name} oprettet ved import",
                obj=created,
                after=snapshot(created),
                region=region,
                gp_cluster=created,
            )
            self.clusters[new.id] = created
            self.step()
        for existing, changes in plan.cluster_updates:
            plan.current_path = self._path("cluster", existing.external_id)
            self.clusters[existing.external_id] = services.cluster_update(
                actor=self.actor, cluster=existing, **changes
            )
            self.step()
        for external_id, completed_on in plan.cluster_completions:
            plan.current_path = self._path("cluster", external_id) + ".completed_on"
            cluster = self.clusters.get(external_id) or GpCluster.objects.get(external_id=external_id)
            cluster = GpCluster.objects.select_for_update().get(pk=cluster.pk)
            before = snapshot(cluster, ["status", "completed_on", "all_practices_registered"])
            cluster.completed_on = completed_on
            cluster.status = GpCluster.Status.COMPLETED
            cluster.all_practices_registered = True
            cluster.save(update_fields=["completed_on", "status", "all_practices_registered"])
            record(
                actor=self.actor,
                action="gp_cluster.complete",
                summary=f"Klyngen færdigmeldt {long_da(completed_on)} (indlæst ved import)",
                obj=cluster,
                before=before,
                after=snapshot(cluster, ["status", "completed_on", "all_practices_registered"]),
                region=cluster.region,
                gp_cluster=cluster,
            )
            self.step()

    def _practices(self) -> None:
        plan = self.plan
        for practice, region in plan.practice_creates:
            plan.current_path = self._path("practice", practice.provider_number)
            created = Practice.objects.create(
                provider_number=practice.provider_number, name=practice.name, region=region
            )
            record(
                actor=self.actor,
                action="practice.create",
                summary=f"Praksis {created.name} ({created.provider_number}) registreret ved import",
                obj=created,
                after=snapshot(created),
                region=region,
            )
            self.practices[created.provider_number] = created
            self.step()
        for existing, name in plan.practice_renames:
            plan.current_path = self._path("practice", existing.provider_number) + ".name"
            before = snapshot(existing, ["name"])
            existing.name = name
            existing.save(update_fields=["name"])
            record(
                actor=self.actor,
                action="practice.update",
                summary=f"Praksis {existing.provider_number} omdøbt til {name} ved import",
                obj=existing,
                before=before,
                after=snapshot(existing, ["name"]),
                region=existing.region,
            )
            self.practices[existing.provider_number] = existing
            self.step()

    def _practice(self, number: str) -> Practice:
        if number not in self.practices:
            self.practices[number] = Practice.objects.select_related("region").get(provider_number=number)
        return self.practices[number]

    def _dated(self) -> None:
        plan = self.plan
        plan.current_path = "practices"
        for batch in _batches(plan.dated, BATCH):
            creates: dict[type[Any], list[Any]] = defaultdict(list)
            entries = []
            for number, model, valid_from, count, recorded, existing in batch:
                practice = self._practice(number)
                is_capacity = model is CapacityRecord
                if existing is not None:
                    before = {"count": existing.count}
                    model.objects.filter(pk=existing.pk).update(count=count)
                    obj: Any = existing
                else:
                    before = None
                    obj = model(practice=practice, valid_from=valid_from, count=count, recorded_on=recorded)
                    creates[model].append(obj)
                entries.append((obj, practice, is_capacity, before, valid_from, count, recorded))
            for model, objs in creates.items():
                model.objects.bulk_create(objs)
            record_many(
                [
                    AuditEntry(
                        actor=self.actor,
                        action="practice.capacity" if is_capacity else "practice.patients",
                        summary=(
                            f"{practice}: {count} {'kapacitet(er)' if is_capacity else 'gruppe 1-patienter'} "
                            f"fra {long_da(valid_from)} (import)"
                        )[:500],
                        object_type=Practice._meta.label,
                        object_id=str(practice.pk),
                        region=practice.region,
                        before=before,
                        after={
                            "capacities" if is_capacity else "group1_patients": count,
                            "valid_from": valid_from.isoformat(),
                            "recorded_on": recorded.isoformat(),
                        },
                    )
                    for obj, practice, is_capacity, before, valid_from, count, recorded in entries
                ]
            )
            self.step(len(batch))

    def _cluster(self, external_id: str) -> GpCluster:
        if external_id not in self.clusters:
            self.clusters[external_id] = GpCluster.objects.select_related("region").get(
                external_id=external_id
            )
        return self.clusters[external_id]

    def _memberships(self) -> None:
        plan = self.plan
        # Shortened memberships first, then new ones, then lengthened ones: every state in between is
        # within the final one, so the database's overlap guard never sees a passing overlap.
        shorter = [
            (e, m)
            for e, m in plan.membership_updates
            if m.left is not None and (e.left is None or m.left < e.left)
        ]
        longer = [(e, m) for e, m in plan.membership_updates if (e, m) not in shorter]
        self._update_memberships(shorter)
        plan.current_path = "memberships"
        for batch in _batches(plan.membership_creates, BATCH):
            objs = [
                Membership(
                    practice=self._practice(m.practice),
                    cluster=self._cluster(m.cluster),
                    joined=m.joined,
                    left=m.left,
                    recorded_on=m.recorded,
                    left_recorded_on=m.left_recorded,
                )
                for m in batch
            ]
            Membership.objects.bulk_create(objs)
            if any(o.pk is None for o in objs):  # a database that cannot return ids from a bulk insert
                for o in objs:
                    o.pk = Membership.objects.get(practice=o.practice, cluster=o.cluster, joined=o.joined).pk
            record_many(
                [
                    AuditEntry(
                        actor=self.actor,
                        action="membership.create",
                        summary=(
                            f"{o.practice} tilmeldt klyngen fra {long_da(o.joined)}"
                            + (f", udmeldt fra {long_da(o.left)}" if o.left else "")
                            + " (import)"
                        )[:500],
                        object_type=Membership._meta.label,
                        object_id=str(o.pk),
                        region=o.cluster.region,
                        gp_cluster=o.cluster,
                        after=snapshot(o),
                    )
                    for o in objs
                ]
            )
            self.step(len(batch))
        self._update_memberships(longer)

    def _update_memberships(self, updates: list[tuple[Membership, core.Membership]]) -> None:
        for existing, m in updates:
            self.plan.current_path = self._path("membership", m.practice, m.cluster, m.joined)
            membership = (
                Membership.objects.select_for_update().select_related("cluster__region").get(pk=existing.pk)
            )
            before = snapshot(membership)
            membership.left = m.left
            membership.left_recorded_on = m.left_recorded
            membership.save(update_fields=["left", "left_recorded_on"])
            record(
                actor=self.actor,
                action="membership.end" if m.left else "membership.reopen",
                summary=(
                    f"{existing.practice} udmeldt fra {long_da(m.left)} (import)"
                    if m.left
                    else f"{existing.practice}: udmeldelse annulleret (import)"
                ),
                obj=membership,
                before=before,
                after=snapshot(membership),
                region=membership.cluster.region,
                gp_cluster=membership.cluster,
            )
            self.step()

    def _summary(self, report: ImportReport) -> None:
        """One entry per region the import touched, with the counts."""
        counts = report.counts()
        regions = {c.region_id for c in self.clusters.values()} | {
            p.region_id for p in self.practices.values()
        }
        regions |= {r.pk for r, _changes in self.plan.region_updates}
        if not report.changed:
            return
        text = "; ".join(
            f"{KIND_NAMES[kind][0].lower()}: {per['created']} oprettet, {per['updated']} ændret"
            for kind, per in counts.items()
            if per["created"] or per["updated"]
        )
        for region in Region.objects.filter(pk__in=regions):
            record(
                actor=self.actor,
                action="scenario.import",
                summary=f"Import af {FORMAT}{' fra ' + self.source if self.source else ''}: {text}"[:500],
                obj=region,
                after={"format": FORMAT, "source": self.source, "counts": counts},
                region=region,
            )


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Export ---------------------------------------------------------------------------------------


def export_scenario(*, actor: User, clusters: QuerySet[GpCluster] | None = None) -> dict[str, Any]:
    """The clusters ``actor`` may see (of ``clusters``, when given) as a ``klynge-scenario/1`` document.

    Practices are those ever a member of an exported cluster; memberships those of exported clusters.
    Every dated value and every recorded date is written out, so importing the document into an
    empty database and exporting again gives the same document.
    """
    visible = gp_clusters(actor, Action.VIEW)
    chosen = visible if clusters is None else visible.filter(pk__in=clusters.values("pk"))
    chosen = chosen.select_related("region").order_by("external_id")
    cluster_list = list(chosen)
    memberships = list(
        Membership.objects.filter(cluster__in=cluster_list)
        .select_related("practice", "cluster")
        .order_by("practice__provider_number", "joined", "cluster__external_id")
    )
    practice_ids = {m.practice_id for m in memberships}
    practices = (
        Practice.objects.filter(pk__in=practice_ids)
        .prefetch_related("capacities", "patient_counts")
        .order_by("provider_number")
    )
    regions = sorted({c.region for c in cluster_list}, key=lambda r: r.code)
    return {
        "format": FORMAT,
        "schemes": [],
        "regions": [
            {
                "code": r.code,
                "name": r.name,
                "policy": {
                    "annual_regulation": r.annual_regulation,
                    "processing_days": [r.processing_days_min, r.processing_days_max],
                },
            }
            for r in regions
        ],
        "clusters": [
            {
                "id": c.external_id,
                "name": c.name,
                "region": c.region.code,
                "cvr": c.cvr,
                "founded_on": c.founded_on.isoformat(),
                "completed_on": c.completed_on.isoformat() if c.completed_on else None,
            }
            for c in cluster_list
        ],
        "practices": [
            {
                "provider_number": p.provider_number,
                "name": p.name,
                "capacities": _dated_values(p.capacities.all()),
                "group1_patients": _dated_values(p.patient_counts.all()),
            }
            for p in practices
        ],
        "memberships": [
            {
                "practice": m.practice.provider_number,
                "cluster": m.cluster.external_id,
                "joined": m.joined.isoformat(),
                "left": m.left.isoformat() if m.left else None,
                "recorded": m.recorded_on.isoformat(),
                "left_recorded": m.left_recorded_on.isoformat() if m.left_recorded_on else None,
            }
            for m in memberships
        ],
        "runs": [],
    }


def _dated_values(records: Iterable[CapacityRecord | PatientCount]) -> list[dict[str, Any]]:
    ordered = sorted(records, key=lambda r: (r.valid_from, r.recorded_on))
    return [
        {"from": r.valid_from.isoformat(), "count": r.count, "recorded": r.recorded_on.isoformat()}
        for r in ordered
    ]
