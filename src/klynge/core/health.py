"""The ``klynge-health/1`` exchange format: reading a health cluster and printing its settlement."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from klynge.core.problems import Collector
from klynge.core.settlement import Cost, Initiative, Member, Result
from klynge.core.sharing import Key

FORMAT = "klynge-health/1"
MAX_AMOUNT = Decimal("10000000000.00")  # 10 mia. kr.: anything above is taken for a typing error
ID = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


@dataclass(frozen=True)
class Fund:
    member: str
    year: int
    amount: Decimal


@dataclass(frozen=True)
class HealthScenario:
    id: str
    name: str
    region: str
    members: tuple[Member, ...]
    funds: tuple[Fund, ...]
    initiatives: tuple[Initiative, ...]


def _amount(c: Collector, value: Any, path: str) -> Decimal | None:
    if not isinstance(value, str):
        c.add(
            path,
            "amount_type",
            'Beløb skal angives som tekst med højst to decimaler, fx "1000.00".',
            'Amounts are strings with at most two decimals, e.g. "1000.00".',
        )
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        c.add(
            path,
            "amount_format",
            f"'{value[:40]}' er ikke et beløb; skriv fx \"1000.00\".",
            f"'{value[:40]}' is not an amount; write e.g. \"1000.00\".",
        )
        return None
    if not amount.is_finite():
        c.add(path, "amount_format", "Beløbet er ikke et tal.", "The amount is not a number.")
        return None
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        c.add(
            path,
            "amount_decimals",
            f"{value} har mere end to decimaler; beløb angives i hele øre.",
            f"{value} has more than two decimals; amounts are in whole øre.",
        )
        return None
    if amount < 0:
        c.add(
            path,
            "amount_negative",
            f"{value} er negativt; beløbet skal være 0 eller mere.",
            f"{value} is negative; the amount must be 0 or more.",
        )
        return None
    if amount > MAX_AMOUNT:
        c.add(
            path,
            "amount_absurd",
            f"{value} er urealistisk stort (over 10 mia. kr.); tjek beløbet.",
            f"{value} is implausibly large (over 10 billion DKK); check the amount.",
        )
        return None
    return amount.quantize(Decimal("0.01"))


def _year(c: Collector, value: Any, path: str) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
        c.add(
            path,
            "year",
            "År skal være et helt tal mellem 2000 og 2100.",
            "Year must be a whole number from 2000 to 2100.",
        )
        return None
    return value


def _obj(c: Collector, value: Any, path: str) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        c.add(path, "type", "Her skal stå et objekt ({...}).", "An object ({...}) is expected here.")
        return None
    return value


def _list(c: Collector, value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        c.add(path, "type", "Her skal stå en liste ([...]).", "A list ([...]) is expected here.")
        return []
    return value


def _text(
    c: Collector, data: dict[str, Any], key: str, path: str, *, pattern: re.Pattern[str] | None = None
) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > 300:
        c.add(
            f"{path}.{key}",
            "missing",
            f"'{key}' mangler eller er ikke en tekst (højst 300 tegn).",
            f"'{key}' is missing or not a text (at most 300 characters).",
        )
        return ""
    if pattern and not pattern.match(value):
        c.add(
            f"{path}.{key}",
            "format",
            f"'{value[:40]}' er ikke et gyldigt id (bogstaver, tal, - _ .).",
            f"'{value[:40]}' is not a valid id (letters, digits, - _ .).",
        )
    return value


def parse_health(data: Any, *, known_functions: Collection[str] | None = None) -> HealthScenario:
    """Read a ``klynge-health/1`` document; raise ``ProblemsError`` listing every problem."""
    c = Collector()
    root = _obj(c, data, "$")
    if root is None:
        c.raise_if_any()
        raise AssertionError  # unreachable
    if root.get("format") != FORMAT:
        c.add("format", "format", f"'format' skal være \"{FORMAT}\".", f"'format' must be \"{FORMAT}\".")
    cluster = _obj(c, root.get("cluster"), "cluster") or {}
    members: list[Member] = []
    for i, raw in enumerate(_list(c, cluster.get("members"), "cluster.members")):
        path = f"cluster.members[{i}]"
        m = _obj(c, raw, path)
        if m is None:
            continue
        member_id = _text(c, m, "id", path, pattern=ID)
        kind = m.get("kind")
        if kind not in ("municipality", "region"):
            c.add(
                f"{path}.kind",
                "kind",
                '\'kind\' skal være "municipality" eller "region".',
                '\'kind\' must be "municipality" or "region".',
            )
        population = m.get("population")
        if population is not None and (
            isinstance(population, bool) or not isinstance(population, int) or population < 0
        ):
            c.add(
                f"{path}.population",
                "population",
                "Indbyggertal skal være et helt tal på 0 eller mere.",
                "Population must be a whole number, 0 or more.",
            )
            population = None
        if any(existing.id == member_id for existing in members):
            c.add(
                f"{path}.id",
                "duplicate",
                f"Medlemmet '{member_id}' står der to gange.",
                f"Member '{member_id}' appears twice.",
            )
        members.append(
            Member(member_id, str(kind), str(m.get("code", "")), str(m.get("name", member_id)), population)
        )
    if not members:
        c.add(
            "cluster.members",
            "no_members",
            "Klyngen skal have mindst ét medlem.",
            "The cluster needs at least one member.",
        )
    ids = [m.id for m in members]

    def member_ref(value: Any, path: str) -> str | None:
        if value not in ids:
            c.add(
                path,
                "unknown_member",
                f"'{str(value)[:40]}' er ikke medlem af klyngen (medlemmer: {', '.join(ids)}).",
                f"'{str(value)[:40]}' is not a member of the cluster (members: {', '.join(ids)}).",
            )
            return None
        return str(value)

    funds = []
    for i, raw in enumerate(_list(c, root.get("funds"), "funds")):
        f = _obj(c, raw, f"funds[{i}]")
        if f is None:
            continue
        member = member_ref(f.get("member"), f"funds[{i}].member")
        year = _year(c, f.get("year"), f"funds[{i}].year")
        amount = _amount(c, f.get("amount"), f"funds[{i}].amount")
        if member and year and amount is not None:
            funds.append(Fund(member, year, amount))

    initiatives = []
    seen_initiatives: set[str] = set()
    for i, raw in enumerate(_list(c, root.get("initiatives"), "initiatives")):
        path = f"initiatives[{i}]"
        ini = _obj(c, raw, path)
        if ini is None:
            continue
        ini_id = _text(c, ini, "id", path, pattern=ID)
        if ini_id in seen_initiatives:
            c.add(
                f"{path}.id",
                "duplicate",
                f"Indsatsen '{ini_id}' står der to gange.",
                f"Initiative '{ini_id}' appears twice.",
            )
        seen_initiatives.add(ini_id)
        title = _text(c, ini, "title", path)
        function = _text(c, ini, "function", path)
        if function and known_functions is not None and function not in known_functions:
            c.add(
                f"{path}.function",
                "unknown_function",
                f"Funktion {function} findes ikke i kontoplanen; brug fx 4.62.88 eller opret funktionen først.",
                f"Function {function} is not in the chart of accounts; use e.g. 4.62.88 or add it first.",
            )
        payers_raw = ini.get("payers")
        payers = (
            ids
            if payers_raw is None
            else [
                p
                for j, p in enumerate(_list(c, payers_raw, f"{path}.payers"))
                if member_ref(p, f"{path}.payers[{j}]")
            ]
        )
        if not payers:
            c.add(
                f"{path}.payers",
                "no_payers",
                "Indsatsen skal have mindst én betalende part.",
                "The initiative needs at least one paying member.",
            )
        key = _parse_key(c, ini.get("key"), f"{path}.key", payers, {m.id: m.population for m in members})
        costs = []
        for j, raw_cost in enumerate(_list(c, ini.get("costs"), f"{path}.costs")):
            cp = f"{path}.costs[{j}]"
            cost = _obj(c, raw_cost, cp)
            if cost is None:
                continue
            executor = member_ref(cost.get("executor"), f"{cp}.executor")
            year = _year(c, cost.get("year"), f"{cp}.year")
            amount = _amount(c, cost.get("amount"), f"{cp}.amount")
            if executor and year and amount is not None:
                costs.append(Cost(executor, year, amount))
        if key is not None:
            initiatives.append(Initiative(ini_id, title, function, key, tuple(payers), tuple(costs)))
    c.raise_if_any()
    return HealthScenario(
        str(cluster.get("id", "")),
        str(cluster.get("name", "")),
        str(cluster.get("region", "")),
        tuple(members),
        tuple(funds),
        tuple(initiatives),
    )


def _parse_key(
    c: Collector, value: Any, path: str, payers: list[str], population: dict[str, int | None]
) -> Key | None:
    key = _obj(c, value, path)
    if key is None:
        return None
    kind = key.get("type")
    if kind in ("equal", "population"):
        if kind == "population":
            for p in payers:
                if population.get(p) is None:
                    c.add(
                        f"{path}.type",
                        "population_missing",
                        f"Fordeling efter indbyggertal kræver indbyggertal for {p}.",
                        f"A population key needs the population of {p}.",
                    )
        return Key(kind)
    if kind != "percent":
        c.add(
            f"{path}.type",
            "key_type",
            'Fordelingsnøglen skal være "equal", "population" eller "percent".',
            'The key must be "equal", "population" or "percent".',
        )
        return None
    shares_raw = _obj(c, key.get("shares"), f"{path}.shares") or {}
    shares: list[tuple[str, Decimal]] = []
    ok = True
    for member, raw_share in shares_raw.items():
        if member not in payers:
            c.add(
                f"{path}.shares.{member}",
                "unknown_member",
                f"'{member}' er ikke en betalende part i indsatsen.",
                f"'{member}' is not a paying member of the initiative.",
            )
            ok = False
            continue
        share = _amount(c, raw_share, f"{path}.shares.{member}")
        if share is None:
            ok = False
            continue
        shares.append((member, share))
    total = sum((s for _m, s in shares), Decimal(0))
    if ok and total != 100:
        c.add(
            f"{path}.shares",
            "percent_sum",
            f"Procentsatserne giver {total} %; de skal give præcis 100 %. Ret fordelingsnøglen.",
            f"The percentages add up to {total} %; they must add up to exactly 100 %. Correct the key.",
        )
        return None
    return Key("percent", tuple(shares)) if ok else None


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def result_to_json(result: Result) -> dict[str, Any]:
    """The ``klynge settle --json`` document: members, gross settlements, netted transfers, postings."""
    postings: dict[str, list[dict[str, Any]]] = {m: [] for m in result.members}
    for p in result.postings:
        postings[p.member].append(
            {
                "initiative": p.initiative,
                "year": p.year,
                "function": p.function,
                "kind": p.kind,
                "amount": _money(p.amount),
                "counterparty": p.counterparty,
                "text": p.text,
            }
        )
    return {
        "members": {
            member: {
                "income": _money(t.income),
                "expense": _money(t.expense),
                "net_frame_impact": _money(t.net_frame_impact),
            }
            for member, t in result.members.items()
        },
        "settlements": [
            {
                "payer": s.payer,
                "payee": s.payee,
                "amount": _money(s.amount),
                "function": s.function,
                "initiative": s.initiative,
                "year": s.year,
            }
            for s in result.settlements
        ],
        "netted": [{"payer": t.payer, "payee": t.payee, "amount": _money(t.amount)} for t in result.netted],
        "postings": postings,
    }
