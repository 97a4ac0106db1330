"""The ``klynge-scenario/1`` exchange format: GP clusters, practices, memberships, schemes and runs.

:func:`parse_scenario` reads a loaded JSON document into immutable facts and lists *every* problem
at once, each with its place in the file (``memberships[3].left``), in Danish and English. Hostile
input (wrong types, huge strings or numbers, deep nesting) gives problems, never another exception:
values from the file appear in messages only through :func:`_show`, which renders a few characters
at most (``str()`` of a 5000-digit number or of a deeply nested list raises).

Defaults of the format: a dated value's ``recorded`` is its ``from``; a membership's ``recorded`` is its
``joined`` and its ``left_recorded`` its ``left``. Parsed facts always carry the resolved dates.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from klynge.core.dates import DateWindow, date_window
from klynge.core.money import MoneyError, parse_amount
from klynge.core.problems import Collector, ProblemsError

FORMAT = "klynge-scenario/1"
PROVIDER_NUMBER = re.compile(r"^[0-9]{6}$")
CVR = re.compile(r"^[0-9]{8}$")
ID = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
AMOUNT = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,20})?")
MAX_TEXT = 200
CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)
MAX_CACHED_DATES = 100_000  # distinct date strings remembered by one reader (a few thousand in practice)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector during a computation (restored after, also when nested or
    concurrent). Reading a scenario and computing its runs make millions of small objects and no
    reference cycles; on large scenarios the collector's repeated scans of the growing heap cost about
    as much as the work."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class ScenarioError(ProblemsError):
    """A scenario file with problems; ``.problems`` lists them all."""


@dataclass(frozen=True, slots=True)
class Dated:
    """A value that holds from ``valid_from`` until the next one; known from ``recorded``."""

    valid_from: dt.date
    count: int
    recorded: dt.date


@dataclass(frozen=True)
class Scheme:
    code: str
    basis: str  # "capacity" | "patients"
    valid_from: dt.date
    valid_to: dt.date | None
    startup_fee_per_capacity: Decimal | None
    annual_rates: tuple[tuple[int, Decimal], ...]
    count_date: tuple[int, int] | None = None  # (month, day)
    payment_date: tuple[int, int] | None = None


@dataclass(frozen=True)
class RegionPolicy:
    code: str
    name: str
    annual_regulation: str  # "net" | "claim"
    processing_days: tuple[int, int]


@dataclass(frozen=True)
class Cluster:
    id: str
    name: str
    region: str
    cvr: str
    founded_on: dt.date
    completed_on: dt.date | None


@dataclass(frozen=True, slots=True)
class Practice:
    provider_number: str
    name: str
    capacities: tuple[Dated, ...]
    group1_patients: tuple[Dated, ...]


@dataclass(frozen=True, slots=True)
class Membership:
    practice: str
    cluster: str
    joined: dt.date
    left: dt.date | None
    recorded: dt.date
    left_recorded: dt.date | None


@dataclass(frozen=True)
class Scenario:
    schemes: tuple[Scheme, ...]
    regions: tuple[RegionPolicy, ...]
    clusters: tuple[Cluster, ...]
    practices: tuple[Practice, ...]
    memberships: tuple[Membership, ...]
    runs: tuple[dt.date, ...]


def _show(value: Any) -> str:
    """A short, safe rendering of a value from the file for a message."""
    if isinstance(value, str):
        return value[:40] + ("…" if len(value) > 40 else "")
    if value is None or isinstance(value, bool):
        return "null" if value is None else str(value).lower()
    if isinstance(value, int):
        return str(value) if -(10**30) < value < 10**30 else "(et meget stort tal / a huge number)"
    return {"list": "[...]", "dict": "{...}", "float": "(kommatal / decimal number)"}.get(
        type(value).__name__, type(value).__name__[:20]
    )


def cvr_is_valid(cvr: str) -> bool:
    """Modulus 11 over the eight digits of a CVR number."""
    return (
        bool(CVR.fullmatch(cvr)) and sum(int(d) * w for d, w in zip(cvr, CVR_WEIGHTS, strict=True)) % 11 == 0
    )


class _Reader:
    def __init__(self, window: DateWindow | None = None) -> None:
        self.c = Collector()
        self.window = window or date_window()
        self._dates: dict[str, dt.date] = {}  # "2019-06-01" -> the (immutable, shared) date

    def quick_day(self, value: Any) -> dt.date | None:
        """A date written YYYY-MM-DD inside the window, or ``None`` (no problem is reported:
        :meth:`day` does that). Only dates inside the window are remembered."""
        if type(value) is not str:
            return None
        day = self._dates.get(value)
        if day is None and ISO_DATE.fullmatch(value):
            try:
                day = dt.date(int(value[:4]), int(value[5:7]), int(value[8:]))
            except ValueError:
                return None
            if day not in self.window:
                return None
            if len(self._dates) < MAX_CACHED_DATES:
                self._dates[value] = day
        return day

    def known_day(self, value: Any) -> dt.date | None:
        """:meth:`quick_day`, first straight from the cache (only a string can be in it)."""
        return (self._dates.get(value) if type(value) is str else None) or self.quick_day(value)

    def quick_membership(
        self, obj: dict[str, Any]
    ) -> tuple[str, str, dt.date, dt.date | None, dt.date, dt.date | None] | None:
        """A well-formed membership's (practice, cluster, joined, left, recorded, left_recorded), with
        the defaults resolved as the careful path in :func:`_parse` does; ``None`` when anything is
        missing or malformed (then that path reports it). The relations between the fields and to the
        rest of the file are checked for both."""
        practice, cluster = obj.get("practice"), obj.get("cluster")
        if not (type(practice) is str and type(cluster) is str and practice and cluster):
            return None
        if len(practice) > MAX_TEXT or len(cluster) > MAX_TEXT:
            return None
        joined = self.known_day(obj.get("joined"))
        if joined is None:
            return None
        raw_left, raw_recorded, raw_left_recorded = (
            obj.get("left"),
            obj.get("recorded"),
            obj.get("left_recorded"),
        )
        left = recorded = left_recorded = None
        if raw_left is not None and (left := self.known_day(raw_left)) is None:
            return None
        if raw_recorded is not None and (recorded := self.known_day(raw_recorded)) is None:
            return None
        if raw_left_recorded is not None and (
            raw_left is None or (left_recorded := self.known_day(raw_left_recorded)) is None
        ):
            return None
        return practice, cluster, joined, left, recorded or joined, left_recorded or left

    def add(self, path: str, code: str, da: str, en: str) -> None:
        self.c.add(path, code, da, en)

    def obj(self, value: Any, path: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.add(path, "type", "Her skal stå et objekt ({...}).", "An object ({...}) is expected here.")
            return None
        return value

    def items(
        self, data: dict[str, Any], key: str, *, required: bool = True
    ) -> list[tuple[str, dict[str, Any]]]:
        value = data.get(key)
        if value is None:
            if required:
                self.add(
                    key,
                    "missing",
                    f"'{key}' mangler; angiv en liste (evt. tom).",
                    f"'{key}' is missing; give a list (possibly empty).",
                )
            return []
        if not isinstance(value, list):
            self.add(key, "type", f"'{key}' skal være en liste ([...]).", f"'{key}' must be a list ([...]).")
            return []
        found = []
        for i, item in enumerate(value):
            obj = self.obj(item, f"{key}[{i}]")
            if obj is not None:
                found.append((f"{key}[{i}]", obj))
        return found

    def text(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        *,
        pattern: re.Pattern[str] | None = None,
        required: bool = True,
    ) -> str:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.add(f"{path}.{key}", "missing", f"'{key}' mangler.", f"'{key}' is missing.")
            return ""
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            self.add(
                f"{path}.{key}",
                "type",
                f"'{key}' skal være en tekst på højst {MAX_TEXT} tegn.",
                f"'{key}' must be a text of at most {MAX_TEXT} characters.",
            )
            return ""
        if pattern is not None and not pattern.fullmatch(value):
            self.add(
                f"{path}.{key}",
                "format",
                f"'{value[:40]}' har ikke det rigtige format.",
                f"'{value[:40]}' does not have the right format.",
            )
        return value

    def date(self, data: dict[str, Any], key: str, path: str, *, required: bool = True) -> dt.date | None:
        value = data.get(key)
        if value is None:
            if required:
                self.add(
                    f"{path}.{key}",
                    "missing",
                    f"'{key}' mangler; skriv en dato som ÅÅÅÅ-MM-DD.",
                    f"'{key}' is missing; write a date as YYYY-MM-DD.",
                )
            return None
        return self.quick_day(value) or self.day(value, f"{path}.{key}")

    def day(self, value: Any, path: str) -> dt.date | None:
        """A date written YYYY-MM-DD (only that: 3.11's ``fromisoformat`` also takes ``2019-W01-1``)."""
        day = self.quick_day(value)
        if day is not None:
            return day
        shown = _show(value)
        if type(value) is str and ISO_DATE.fullmatch(value):
            try:
                dt.date(int(value[:4]), int(value[5:7]), int(value[8:]))
            except ValueError:
                pass
            else:  # a real date, outside the window
                self.add(
                    path,
                    "date_window",
                    f"'{shown}': datoen skal ligge {self.window.da()}; ret årstallet.",
                    f"'{shown}': the date must lie {self.window.en()}; correct the year.",
                )
                return None
        self.add(
            path,
            "date",
            f"'{shown}' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            f"'{shown}' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        )
        return None

    def count(self, data: dict[str, Any], key: str, path: str, *, minimum: int, maximum: int) -> int | None:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            self.add(
                f"{path}.{key}",
                f"{key}_range",
                f"'{key}' skal være et helt tal fra {minimum} til {maximum} (fandt {_show(value)}).",
                f"'{key}' must be a whole number from {minimum} to {maximum} (found {_show(value)}).",
            )
            return None
        return value

    def money(self, value: Any, path: str) -> Decimal | None:
        if not isinstance(value, str):
            self.add(
                path,
                "amount_type",
                'Beløb skrives som tekst med to decimaler, fx "1000.00".',
                'Amounts are written as text with two decimals, e.g. "1000.00".',
            )
            return None
        if not AMOUNT.fullmatch(value):
            self.add(
                path,
                "amount_not_a_number",
                f"'{_show(value)}' er ikke et beløb; skriv fx \"1000.00\" (punktum som decimaltegn).",
                f"'{_show(value)}' is not an amount; write e.g. \"1000.00\" (point as the decimal mark).",
            )
            return None
        try:
            amount = parse_amount(value)
        except MoneyError as exc:
            reason = {
                "too_many_decimals": ("har mere end to decimaler", "has more than two decimals"),
                "negative": ("er negativt", "is negative"),
            }.get(str(exc), ("er ikke et beløb", "is not an amount"))
            self.add(path, f"amount_{exc}", f"'{value[:40]}' {reason[0]}.", f"'{value[:40]}' {reason[1]}.")
            return None
        if amount > Decimal("1000000.00"):
            self.add(
                path,
                "amount_absurd",
                f"'{value[:40]}' er urealistisk stort for en sats; tjek beløbet.",
                f"'{value[:40]}' is implausibly large for a rate; check the amount.",
            )
            return None
        return amount

    def month_day(self, data: dict[str, Any], key: str, path: str) -> tuple[int, int] | None:
        value = data.get(key)
        if isinstance(value, str) and re.fullmatch(r"[0-9]{2}-[0-9]{2}", value):
            month, day = int(value[:2]), int(value[3:])
            try:
                dt.date(2001, month, day)  # a day of every year: not 29 February (#9)
                return month, day
            except ValueError:
                pass
        self.add(
            f"{path}.{key}",
            "month_day",
            f"'{key}' skal være en dato uden år, der findes hvert år: MM-DD, fx 01-31 (ikke 02-29).",
            f"'{key}' must be a date without year that exists every year: MM-DD, e.g. 01-31 (not 02-29).",
        )
        return None

    def dated(
        self, data: dict[str, Any], key: str, path: str, *, minimum: int, maximum: int
    ) -> tuple[Dated, ...]:
        raw = data.get(key)
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.add(f"{path}.{key}", "type", f"'{key}' skal være en liste.", f"'{key}' must be a list.")
            return ()
        found: list[tuple[dt.date, dt.date, int]] = []  # (from, recorded, count)
        seen: set[tuple[dt.date, dt.date]] = set()
        dates, quick_day = self._dates, self.quick_day
        for i, item in enumerate(raw):
            if type(item) is dict:  # the common, well-formed case first, without building paths
                raw_start, count, raw_recorded = item.get("from"), item.get("count"), item.get("recorded")
                # a date seen before straight from the cache (only strings: a list is not hashable)
                start = (dates.get(raw_start) if type(raw_start) is str else None) or quick_day(raw_start)
                if raw_recorded is None:
                    recorded = start
                else:
                    recorded = (dates.get(raw_recorded) if type(raw_recorded) is str else None) or quick_day(
                        raw_recorded
                    )
                if (
                    start is not None
                    and recorded is not None
                    and type(count) is int
                    and minimum <= count <= maximum
                    and (start, recorded) not in seen
                ):
                    seen.add((start, recorded))
                    found.append((start, recorded, count))
                    continue
            ipath = f"{path}.{key}[{i}]"
            obj = self.obj(item, ipath)
            if obj is None:
                continue
            start = self.date(obj, "from", ipath)
            checked = self.count(obj, "count", ipath, minimum=minimum, maximum=maximum)
            recorded = self.date(obj, "recorded", ipath, required=False) or start
            if start is None or checked is None or recorded is None:
                continue
            if (start, recorded) in seen:
                self.add(
                    ipath,
                    "duplicate",
                    "To værdier med samme fra-dato og registreringsdato.",
                    "Two values with the same from date and recorded date.",
                )
            seen.add((start, recorded))
            found.append((start, recorded, checked))
        # In the order of (from, recorded), unique unless a duplicate was reported above (then the
        # scenario is refused anyway).
        found.sort()
        return tuple([_new_dated(start, count, recorded) for start, recorded, count in found])


class _MembershipBuilder:
    """A mutable twin of :class:`Membership`, as :class:`_DatedBuilder` is of ``Dated``."""

    __slots__ = Membership.__slots__

    def __init__(
        self,
        practice: str,
        cluster: str,
        joined: dt.date,
        left: dt.date | None,
        recorded: dt.date,
        left_recorded: dt.date | None,
    ) -> None:
        self.practice = practice
        self.cluster = cluster
        self.joined = joined
        self.left = left
        self.recorded = recorded
        self.left_recorded = left_recorded


def _new_membership(
    practice: str,
    cluster: str,
    joined: dt.date,
    left: dt.date | None,
    recorded: dt.date,
    left_recorded: dt.date | None,
) -> Membership:
    """``Membership(...)``, faster (see :class:`_DatedBuilder`)."""
    value: Any = _MembershipBuilder(practice, cluster, joined, left, recorded, left_recorded)
    value.__class__ = Membership
    return value


class _DatedBuilder:
    """A mutable twin of :class:`Dated` (same slots, same order), turned into a ``Dated`` by assigning
    ``__class__`` (allowed between classes of the same layout): the frozen dataclass's ``__init__`` sets
    each field through ``object.__setattr__``, ≈ 2 × slower, and a large file has a million values."""

    __slots__ = Dated.__slots__

    def __init__(self, valid_from: dt.date, count: int, recorded: dt.date) -> None:
        self.valid_from = valid_from
        self.count = count
        self.recorded = recorded


def _new_dated(valid_from: dt.date, count: int, recorded: dt.date) -> Dated:
    """``Dated(valid_from, count, recorded)``, faster (see :class:`_DatedBuilder`)."""
    value: Any = _DatedBuilder(valid_from, count, recorded)
    value.__class__ = Dated
    return value


def parse_scenario(data: Any, *, window: DateWindow | None = None) -> Scenario:
    """Read a ``klynge-scenario/1`` document; raise :class:`ScenarioError` listing every problem.

    Every date must lie in ``window`` (default :func:`klynge.core.dates.date_window` on today), and
    every year of a rate in the window's years."""
    with cyclic_gc_paused():
        return _parse(data, window)


def _parse(data: Any, window: DateWindow | None = None) -> Scenario:
    r = _Reader(window)
    root = r.obj(data, "$")
    if root is None:
        raise ScenarioError(r.c.problems)
    if root.get("format") != FORMAT:
        r.add("format", "format", f"'format' skal være \"{FORMAT}\".", f"'format' must be \"{FORMAT}\".")
        raise ScenarioError(r.c.problems)

    schemes = _schemes(r, root)
    regions = []
    for path, obj in r.items(root, "regions", required=False):
        code = r.text(obj, "code", path)
        name = r.text(obj, "name", path, required=False)
        raw_policy = obj.get("policy")
        policy = {} if raw_policy is None else r.obj(raw_policy, f"{path}.policy") or {}
        regulation = policy.get("annual_regulation", "net")
        if regulation not in ("net", "claim"):
            r.add(
                f"{path}.policy.annual_regulation",
                "policy",
                '\'annual_regulation\' skal være "net" eller "claim".',
                '\'annual_regulation\' must be "net" or "claim".',
            )
        days = policy.get("processing_days")
        days = [14, 28] if days is None else days
        if (
            not isinstance(days, list)
            or len(days) != 2
            or not all(isinstance(d, int) and not isinstance(d, bool) for d in days)
            or not 0 <= days[0] <= days[1] <= 365
        ):
            r.add(
                f"{path}.policy.processing_days",
                "processing_days",
                "'processing_days' skal være [mindst, højst] i dage, fx [14, 28].",
                "'processing_days' must be [min, max] in days, e.g. [14, 28].",
            )
            days = [14, 28]
        regions.append(RegionPolicy(code, name, str(regulation), (days[0], days[1])))

    clusters: list[Cluster] = []
    cluster_paths: dict[str, str] = {}
    for path, obj in r.items(root, "clusters"):
        cid = r.text(obj, "id", path, pattern=ID)
        name = r.text(obj, "name", path)
        region = r.text(obj, "region", path)
        cvr = r.text(obj, "cvr", path, required=False)
        if cvr and not cvr_is_valid(cvr):
            r.add(
                f"{path}.cvr",
                "cvr",
                f"CVR-nummer {cvr[:20]} er ikke 8 cifre, der består modulus 11-kontrollen.",
                f"CVR number {cvr[:20]} is not 8 digits passing the modulus-11 check.",
            )
        founded = r.date(obj, "founded_on", path)
        completed = r.date(obj, "completed_on", path, required=False)
        if founded and completed and completed < founded:
            r.add(
                f"{path}.completed_on",
                "completed_before_founded",
                "Færdigmeldt før stiftelsen; tjek datoerne.",
                "Completed before it was founded; check the dates.",
            )
        if cid in cluster_paths:
            r.add(
                f"{path}.id",
                "duplicate_cluster",
                f"Klynge-id {cid} står også i {cluster_paths[cid]}.",
                f"Cluster id {cid} also appears in {cluster_paths[cid]}.",
            )
        elif cid and founded:
            cluster_paths[cid] = path
            clusters.append(Cluster(cid, name, region, cvr, founded, completed))

    practices: list[Practice] = []
    practice_paths: dict[str, str] = {}
    for path, obj in r.items(root, "practices"):
        number = r.text(obj, "provider_number", path, pattern=PROVIDER_NUMBER)
        name = r.text(obj, "name", path)
        capacities = r.dated(obj, "capacities", path, minimum=1, maximum=50)
        patients = r.dated(obj, "group1_patients", path, minimum=0, maximum=100_000)
        if number in practice_paths:
            r.add(
                f"{path}.provider_number",
                "duplicate_practice",
                f"Ydernummer {number} står også i {practice_paths[number]}.",
                f"Provider number {number} also appears in {practice_paths[number]}.",
            )
        elif number:
            practice_paths[number] = path
            practices.append(Practice(number, name, capacities, patients))

    founded_by_id = {c.id: c.founded_on for c in clusters}
    memberships: list[Membership] = []
    by_practice: dict[str, list[tuple[str, Membership]]] = defaultdict(list)
    for path, obj in r.items(root, "memberships"):
        joined: dt.date | None
        recorded: dt.date | None
        quick = r.quick_membership(obj)
        if quick is not None:
            practice, cluster, joined, left, recorded, left_recorded = quick
        else:
            practice = r.text(obj, "practice", path)
            cluster = r.text(obj, "cluster", path)
            joined = r.date(obj, "joined", path)
            left = r.date(obj, "left", path, required=False)
            recorded = r.date(obj, "recorded", path, required=False) or joined
            left_recorded = r.date(obj, "left_recorded", path, required=False)
            if left_recorded is not None and obj.get("left") is None:
                r.add(
                    f"{path}.left_recorded",
                    "left_recorded_without_left",
                    "'left_recorded' er udfyldt, men 'left' er tom; angiv udmeldelsesdatoen eller fjern feltet.",
                    "'left_recorded' is given but 'left' is empty; give the date it left or remove the field.",
                )
            left_recorded = left_recorded or left
        if practice and practice not in practice_paths:
            r.add(
                f"{path}.practice",
                "unknown_practice",
                f"Ydernummer {practice[:20]} findes ikke under 'practices'; tilføj praksissen eller ret nummeret.",
                f"Provider number {practice[:20]} is not under 'practices'; add the practice or correct the number.",
            )
        if cluster and cluster not in cluster_paths:
            r.add(
                f"{path}.cluster",
                "unknown_cluster",
                f"Klynge {cluster[:40]} findes ikke under 'clusters'.",
                f"Cluster {cluster[:40]} is not under 'clusters'.",
            )
        if joined and left and left <= joined:
            r.add(
                f"{path}.left",
                "left_not_after_joined",
                "'left' skal være efter 'joined' (left er første dag, praksis ikke længere er med).",
                "'left' must be after 'joined' (left is the first day no longer a member).",
            )
            continue
        if joined and cluster in founded_by_id and joined < founded_by_id[cluster]:
            r.add(
                f"{path}.joined",
                "before_founded",
                f"Indtrådt {joined} er før klyngens stiftende generalforsamling {founded_by_id[cluster]}.",
                f"Joined {joined} is before the cluster's founding assembly {founded_by_id[cluster]}.",
            )
        if joined and recorded and practice and cluster:
            m = _new_membership(practice, cluster, joined, left, recorded, left_recorded)
            memberships.append(m)
            by_practice[practice].append((path, m))
    for spans in by_practice.values():
        if len(spans) == 1:
            continue
        spans.sort(key=lambda pm: pm[1].joined)
        a = spans[0][1]  # the membership reaching furthest so far: a long one may cover several later ones
        for p2, b in spans[1:]:
            if a.left is None or b.joined < a.left:
                r.add(
                    f"{p2}.joined",
                    "overlap",
                    f"Praksis {b.practice} er allerede i {a.cluster} på denne dag; en praksis kan kun være i én klynge ad gangen.",
                    f"Practice {b.practice} is already in {a.cluster} on this day; a practice can be in only one cluster at a time.",
                )
            if a.left is not None and (b.left is None or b.left > a.left):
                a = b

    runs: list[dt.date] = []
    raw_runs = root.get("runs", [])
    if not isinstance(raw_runs, list):
        r.add("runs", "type", "'runs' skal være en liste af datoer.", "'runs' must be a list of dates.")
        raw_runs = []
    for i, value in enumerate(raw_runs):
        day = r.day(value, f"runs[{i}]")
        if day is None:
            continue
        if runs and day <= runs[-1]:
            r.add(
                f"runs[{i}]",
                "runs_order",
                "Kørselsdatoer skal stå i stigende rækkefølge.",
                "Run dates must be in ascending order.",
            )
        runs.append(day)
    if r.c.problems:
        raise ScenarioError(r.c.problems)
    return Scenario(
        tuple(schemes), tuple(regions), tuple(clusters), tuple(practices), tuple(memberships), tuple(runs)
    )


def _schemes(r: _Reader, root: dict[str, Any]) -> list[Scheme]:
    schemes: list[Scheme] = []
    for path, obj in r.items(root, "schemes", required=False):
        code = r.text(obj, "code", path)
        basis = obj.get("basis")
        if basis not in ("capacity", "patients"):
            r.add(
                f"{path}.basis",
                "basis",
                '\'basis\' skal være "capacity" eller "patients".',
                '\'basis\' must be "capacity" or "patients".',
            )
            continue
        start = r.date(obj, "valid_from", path)
        end = r.date(obj, "valid_to", path, required=False)
        fee = (
            r.money(obj["startup_fee_per_capacity"], f"{path}.startup_fee_per_capacity")
            if obj.get("startup_fee_per_capacity") is not None
            else None
        )
        rates_raw = r.obj(obj.get("annual_rates", {}), f"{path}.annual_rates") or {}
        rates = []
        for year, value in rates_raw.items():
            if not (isinstance(year, str) and year.isdigit() and len(year) == 4):
                r.add(
                    f"{path}.annual_rates.{str(year)[:10]}",
                    "year",
                    "Året skal skrives som ÅÅÅÅ.",
                    "The year must be written as YYYY.",
                )
                continue
            if int(year) not in r.window.years():
                years = r.window.years()
                r.add(
                    f"{path}.annual_rates.{year}",
                    "year_window",
                    f"Året {year} skal ligge mellem {years[0]} og {years[-1]}; ret årstallet.",
                    f"The year {year} must lie between {years[0]} and {years[-1]}; correct the year.",
                )
                continue
            amount = r.money(value, f"{path}.annual_rates.{year}")
            if amount is not None:
                rates.append((int(year), amount))
        count = payment = None
        if basis == "patients":
            count = r.month_day(obj, "count_date", path)
            payment = r.month_day(obj, "payment_date", path)
        if start and end and end < start:
            r.add(
                f"{path}.valid_to",
                "valid_to",
                "'valid_to' er før 'valid_from'.",
                "'valid_to' is before 'valid_from'.",
            )
        if start:
            schemes.append(Scheme(code, basis, start, end, fee, tuple(sorted(rates)), count, payment))
    schemes.sort(key=lambda s: s.valid_from)
    for a, b in itertools.pairwise(schemes):
        if a.valid_to is None or b.valid_from <= a.valid_to:
            r.add(
                "schemes",
                "schemes_overlap",
                f"Ordningerne {a.code} og {b.code} gælder samtidig; et år kan kun høre til én.",
                f"Schemes {a.code} and {b.code} overlap; a year belongs to one scheme only.",
            )
    return schemes


def _money_text(value: Decimal) -> str:
    return f"{value:.2f}"


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as a ``klynge-scenario/1`` document (money as strings with two decimals)."""

    def dated(values: tuple[Dated, ...]) -> list[dict[str, Any]]:
        return [
            {"from": v.valid_from.isoformat(), "count": v.count, "recorded": v.recorded.isoformat()}
            for v in values
        ]

    schemes = []
    for s in scenario.schemes:
        item: dict[str, Any] = {
            "code": s.code,
            "basis": s.basis,
            "valid_from": s.valid_from.isoformat(),
            "valid_to": s.valid_to.isoformat() if s.valid_to else None,
            "annual_rates": {str(year): _money_text(rate) for year, rate in s.annual_rates},
        }
        if s.startup_fee_per_capacity is not None:
            item["startup_fee_per_capacity"] = _money_text(s.startup_fee_per_capacity)
        if s.count_date and s.payment_date:
            item["count_date"] = f"{s.count_date[0]:02d}-{s.count_date[1]:02d}"
            item["payment_date"] = f"{s.payment_date[0]:02d}-{s.payment_date[1]:02d}"
        schemes.append(item)
    return {
        "format": FORMAT,
        "schemes": schemes,
        "regions": [
            {
                "code": p.code,
                "name": p.name,
                "policy": {
                    "annual_regulation": p.annual_regulation,
                    "processing_days": list(p.processing_days),
                },
            }
            for p in scenario.regions
        ],
        "clusters": [
            {
                "id": c.id,
                "name": c.name,
                "region": c.region,
                "cvr": c.cvr,
                "founded_on": c.founded_on.isoformat(),
                "completed_on": c.completed_on.isoformat() if c.completed_on else None,
            }
            for c in scenario.clusters
        ],
        "practices": [
            {
                "provider_number": p.provider_number,
                "name": p.name,
                "capacities": dated(p.capacities),
                "group1_patients": dated(p.group1_patients),
            }
            for p in scenario.practices
        ],
        "memberships": [
            {
                "practice": m.practice,
                "cluster": m.cluster,
                "joined": m.joined.isoformat(),
                "left": m.left.isoformat() if m.left else None,
                "recorded": m.recorded.isoformat(),
                "left_recorded": m.left_recorded.isoformat() if m.left_recorded else None,
            }
            for m in scenario.memberships
        ],
        "runs": [d.isoformat() for d in scenario.runs],
    }
