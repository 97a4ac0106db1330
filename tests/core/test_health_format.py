"""The klynge-health/1 format: every field read, every problem with its place, code and both messages
(issue #9). The expected problems are written out in full, so a changed message or place shows."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from klynge.core.health import Fund, HealthScenario, parse_health, result_to_json
from klynge.core.problems import ProblemsError
from klynge.core.settlement import Cost, Initiative, Member, settle
from klynge.core.sharing import Key

D = Decimal


VALID: dict[str, Any] = {
    "format": "klynge-health/1",
    "cluster": {
        "id": "SK1",
        "name": "Klynge Nord",
        "region": "1081",
        "members": [
            {"id": "K1", "kind": "municipality", "code": "851", "name": "Aalborg", "population": 100},
            {"id": "K2", "kind": "municipality"},
            {"id": "R", "kind": "region", "code": "1081", "name": "Region", "population": 0},
        ],
    },
    "funds": [
        {"member": "K1", "year": 2024, "amount": "10.5"},
        {"member": "R", "year": 2000, "amount": "0"},
    ],
    "initiatives": [
        {
            "id": "I.1",
            "title": "Rehabilitering",
            "function": "4.62.88",
            "key": {"type": "equal"},
            "costs": [{"executor": "K1", "year": 2100, "amount": "10000000000.00"}],
        },
        {
            "id": "I-2",
            "title": "Forebyggelse",
            "function": "4.62.88",
            "payers": ["R", "K1"],
            "key": {"type": "percent", "shares": {"R": "60.5", "K1": "39.50"}},
            "costs": [{"executor": "R", "year": 2024, "amount": "0.01"}],
        },
        {
            "id": "I_3",
            "title": "Opsporing".ljust(300, "."),
            "function": "4.62.88",
            "payers": ["K1", "R"],
            "key": {"type": "population"},
        },
    ],
}


def changed(path: list[Any], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(VALID)
    target: Any = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return doc


BAD: list[tuple[str, Any]] = [
    ("not an object", []),
    ("wrong containers", {"format": "klynge-health/2", "cluster": [], "funds": {}, "initiatives": "x"}),
    ("no members", changed(["cluster", "members"], [])),
    ("members not a list", changed(["cluster", "members"], "K1")),
    (
        "members",
        changed(
            ["cluster", "members"],
            [
                1,
                {"id": "bad id!", "kind": "kommune", "population": -1},
                {"id": "K1", "kind": "region", "population": True},
                {"id": "K1", "kind": "municipality", "population": "5"},
                {"kind": "municipality"},
                {"id": "  ", "kind": "region"},
                {"id": "x" * 41, "kind": "region", "population": 0},
                {"id": "y" * 301, "kind": "region"},
            ],
        ),
    ),
    (
        "funds",
        changed(
            ["funds"],
            [
                "x",
                {"member": "Z", "year": 1999, "amount": 5},
                {"member": "K1", "year": True, "amount": "1x"},
                {"member": "K1", "year": 2101, "amount": "NaN"},
                {"member": "K1", "year": "2024", "amount": "1.001"},
                {"member": "K1", "year": 2024, "amount": "-1"},
                {"member": "K1", "year": 2024, "amount": "10000000000.01"},
                {"member": ["K1"], "year": 2024, "amount": "Infinity"},
                {"member": "M" * 45, "year": 2024, "amount": "z" * 45},
            ],
        ),
    ),
    (
        "initiatives",
        changed(
            ["initiatives"],
            [
                "x",
                {"id": "A", "title": "", "function": "9.99.99", "payers": [], "key": {"type": "equal"}},
                {"id": "A", "title": "T", "function": "4.62.88", "payers": "K1", "key": []},
                {
                    "id": "B",
                    "title": "T",
                    "function": "4.62.88",
                    "payers": ["K1", "Q"],
                    "key": {"type": "weekday"},
                },
                {
                    "id": "C",
                    "title": "T",
                    "function": "4.62.88",
                    "payers": ["K1", "K2"],
                    "key": {"type": "population"},
                },
                {"id": "D", "title": "T", "function": "4.62.88", "key": {"type": "percent", "shares": []}},
                {
                    "id": "E",
                    "title": "T",
                    "function": "4.62.88",
                    "payers": ["K1", "R"],
                    "key": {"type": "percent", "shares": {"K1": "50", "K2": "50", "R": "x"}},
                },
                {
                    "id": "F",
                    "title": "T",
                    "function": "4.62.88",
                    "key": {"type": "percent", "shares": {"K1": "33.33", "R": "66.66"}},
                },
                {
                    "id": "G",
                    "title": "T",
                    "function": "4.62.88",
                    "key": {"type": "equal"},
                    "costs": [
                        7,
                        {"executor": "Q", "year": 2024, "amount": "1"},
                        {"executor": "K1", "year": 1999, "amount": "-1"},
                        {"executor": "R"},
                    ],
                },
                {"title": "T", "function": "4.62.88", "key": {"type": "equal"}, "costs": "x"},
                {"id": "bad id!", "title": "T", "key": {"type": "percent", "shares": {"K1": "x", "R": "y"}}},
            ],
        ),
    ),
]


EXPECTED: dict[str, list[tuple[str, str, str, str]]] = {
    "not an object": [
        ("$", "type", "Her skal stå et objekt ({...}).", "An object ({...}) is expected here.")
    ],
    "wrong containers": [
        (
            "format",
            "format",
            "'format' skal være \"klynge-health/1\".",
            "'format' must be \"klynge-health/1\".",
        ),
        ("cluster", "type", "Her skal stå et objekt ({...}).", "An object ({...}) is expected here."),
        (
            "cluster.members",
            "no_members",
            "Klyngen skal have mindst ét medlem.",
            "The cluster needs at least one member.",
        ),
        ("funds", "type", "Her skal stå en liste ([...]).", "A list ([...]) is expected here."),
        ("initiatives", "type", "Her skal stå en liste ([...]).", "A list ([...]) is expected here."),
    ],
    "no members": [
        (
            "cluster.members",
            "no_members",
            "Klyngen skal have mindst ét medlem.",
            "The cluster needs at least one member.",
        ),
        (
            "funds[0].member",
            "unknown_member",
            "'K1' er ikke medlem af klyngen (medlemmer: ).",
            "'K1' is not a member of the cluster (members: ).",
        ),
        (
            "funds[1].member",
            "unknown_member",
            "'R' er ikke medlem af klyngen (medlemmer: ).",
            "'R' is not a member of the cluster (members: ).",
        ),
        (
            "initiatives[0].payers",
            "no_payers",
            "Indsatsen skal have mindst én betalende part.",
            "The initiative needs at least one paying member.",
        ),
        (
            "initiatives[0].costs[0].executor",
            "unknown_member",
            "'K1' er ikke medlem af klyngen (medlemmer: ).",
            "'K1' is not a member of the cluster (members: ).",
        ),
        (
            "initiatives[1].payers[0]",
            "unknown_member",
            "'R' er ikke medlem af klyngen (medlemmer: ).",
            "'R' is not a member of the cluster (members: ).",
        ),
        (
            "initiatives[1].payers[1]",
            "unknown_member",
            "'K1' er ikke medlem af klyngen (medlemmer: ).",
            "'K1' is not a member of the cluster (members: ).",
        ),
        (
            "initiatives[1].payers",
            "no_payers",
            "Indsatsen skal have mindst én betalende part.",
            "The initiative needs at least one paying member.",
        ),
        (
            "initiatives[1].key.shares.R",
            "unknown_member",
            "'R' er ikke en betalende part i indsatsen.",
            "'R' is not a paying member of the initiative.",
        ),
        (
            "initiatives[1].key.shares.K1",
            "unknown_member",
            "'K1' er ikke en betalende part i indsatsen.",
            "'K1' is not a paying member of the initiative.",
        ),
        (
            "initiatives[1].costs[0].executor",
            "unknown_member",
            "'R' er ikke medlem af klyngen (medlemmer: ).",
            "'R' is not a member of the cluster (members: ).",
        ),
        (
            "initiatives[2].payers[0]",
            "unknown_member",
            "'K1' er ikke medlem af klyngen (medlemmer: ).",
            "'K1' is not a member of the cluster (members: ).",
        ),
        (
            "initiatives[2].payers[1]",
            "unknown_member",
            "'R' er ikke medlem af klyngen (medlemmer: ).",
            "'R' is not a member of the cluster (members: ).",
        ),
        (
            "initiatives[2].payers",
            "no_payers",
            "Indsatsen skal have mindst én betalende part.",
            "The initiative needs at least one paying member.",
        ),
    ],
    "members not a list": [
        ("cluster.members", "type", "Her skal stå en liste ([...]).", "A list ([...]) is expected here."),
        (
            "cluster.members",
            "no_members",
            "Klyngen skal have mindst ét medlem.",
            "The cluster needs at least one member.",
        ),
        (
            "funds[0].member",
            "unknown_member",
            "'K1' er ikke medlem af klyngen (medlemmer: ).",
            "'K1' is not a member of the cluster (members: ).",
        ),
        (
            "funds[1].member",
            "unknown_member",
            "'R' er ikke medlem af klyngen (medlemmer: ).",
            "'R' is not a member of the cluster (members: ).",
        ),
        (
            "initiatives[0].payers",
            "no_payers",
            "Indsatsen skal have mindst én betalende part.",
            "The initiative needs at least one paying member.",
        ),
        (
            "initiatives[0].costs[0].executor",
            "unknown_member",
            "'K1' er ikke medlem af klyngen (medlemmer: ).",
            "'K1' is not a member of the cluster (members: ).",
        ),
        (
            "initiatives[1].payers[0]",
            "unknown_member",
            "'R' er ikke medlem af klyngen (medlemmer: ).",
            "'R' is not a member of the cluster (members: ).",
        ),
        (
            "initiatives[1].payers[1]",
            "unknown_member",
            "'K1' er ikke medlem af klyngen (medlemmer: ).",
            "'K1' is not a member of the cluster (members: ).",
        ),
        (
            "initiatives[1].payers",
            "no_payers",
            "Indsatsen skal have mindst én betalende part.",
            "The initiative needs at least one paying member.",
        ),
        (
            "initiatives[1].key.shares.R",
            "unknown_member",
            "'R' er ikke en betalende part i indsatsen.",
            "'R' is not a paying member of the initiative.",
        ),
        (
            "initiatives[1].key.shares.K1",
            "unknown_member",
            "'K1' er ikke en betalende part i indsatsen.",
            "'K1' is not a paying member of the initiative.",
        ),
        (
            "initiatives[1].costs[0].executor",
            "unknown_member",
            "'R' er ikke medlem af klyngen (medlemmer: ).",
            "'R' is not a member of the cluster (members: ).",
        ),
        (
            "initiatives[2].payers[0]",
            "unknown_member",
            "'K1' er ikke medlem af klyngen (medlemmer: ).",
            "'K1' is not a member of the cluster (members: ).",
        ),
        (
            "initiatives[2].payers[1]",
            "unknown_member",
            "'R' er ikke medlem af klyngen (medlemmer: ).",
            "'R' is not a member of the cluster (members: ).",
        ),
        (
            "initiatives[2].payers",
            "no_payers",
            "Indsatsen skal have mindst én betalende part.",
            "The initiative needs at least one paying member.",
        ),
    ],
    "members": [
        (
            "cluster.members[0]",
            "type",
            "Her skal stå et objekt ({...}).",
            "An object ({...}) is expected here.",
        ),
        (
            "cluster.members[1].id",
            "format",
            "'bad id!' er ikke et gyldigt id (bogstaver, tal, - _ .).",
            "'bad id!' is not a valid id (letters, digits, - _ .).",
        ),
        (
            "cluster.members[1].kind",
            "kind",
            '\'kind\' skal være "municipality" eller "region".',
            '\'kind\' must be "municipality" or "region".',
        ),
        (
            "cluster.members[1].population",
            "population",
            "Indbyggertal skal være et helt tal på 0 eller mere.",
            "Population must be a whole number, 0 or more.",
        ),
        (
            "cluster.members[2].population",
            "population",
            "Indbyggertal skal være et helt tal på 0 eller mere.",
            "Population must be a whole number, 0 or more.",
        ),
        (
            "cluster.members[3].population",
            "population",
            "Indbyggertal skal være et helt tal på 0 eller mere.",
            "Population must be a whole number, 0 or more.",
        ),
        (
            "cluster.members[3].id",
            "duplicate",
            "Medlemmet 'K1' står der to gange.",
            "Member 'K1' appears twice.",
        ),
        (
            "cluster.members[4].id",
            "missing",
            "'id' mangler eller er ikke en tekst (højst 300 tegn).",
            "'id' is missing or not a text (at most 300 characters).",
        ),
        (
            "cluster.members[5].id",
            "missing",
            "'id' mangler eller er ikke en tekst (højst 300 tegn).",
            "'id' is missing or not a text (at most 300 characters).",
        ),
        ("cluster.members[5].id", "duplicate", "Medlemmet '' står der to gange.", "Member '' appears twice."),
        (
            "cluster.members[6].id",
            "format",
            "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' er ikke et gyldigt id (bogstaver, tal, - _ .).",
            "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' is not a valid id (letters, digits, - _ .).",
        ),
        (
            "cluster.members[7].id",
            "missing",
            "'id' mangler eller er ikke en tekst (højst 300 tegn).",
            "'id' is missing or not a text (at most 300 characters).",
        ),
        ("cluster.members[7].id", "duplicate", "Medlemmet '' står der to gange.", "Member '' appears twice."),
        (
            "funds[1].member",
            "unknown_member",
            "'R' er ikke medlem af klyngen (medlemmer: bad id!, K1, K1, , , "
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, ).",
            "'R' is not a member of the cluster (members: bad id!, K1, K1, , , "
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, ).",
        ),
        (
            "initiatives[1].payers[0]",
            "unknown_member",
            "'R' er ikke medlem af klyngen (medlemmer: bad id!, K1, K1, , , "
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, ).",
            "'R' is not a member of the cluster (members: bad id!, K1, K1, , , "
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, ).",
        ),
        (
            "initiatives[1].key.shares.R",
            "unknown_member",
            "'R' er ikke en betalende part i indsatsen.",
            "'R' is not a paying member of the initiative.",
        ),
        (
            "initiatives[1].costs[0].executor",
            "unknown_member",
            "'R' er ikke medlem af klyngen (medlemmer: bad id!, K1, K1, , , "
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, ).",
            "'R' is not a member of the cluster (members: bad id!, K1, K1, , , "
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, ).",
        ),
        (
            "initiatives[2].payers[1]",
            "unknown_member",
            "'R' er ikke medlem af klyngen (medlemmer: bad id!, K1, K1, , , "
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, ).",
            "'R' is not a member of the cluster (members: bad id!, K1, K1, , , "
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, ).",
        ),
        (
            "initiatives[2].key.type",
            "population_missing",
            "Fordeling efter indbyggertal kræver indbyggertal for K1.",
            "A population key needs the population of K1.",
        ),
    ],
    "funds": [
        ("funds[0]", "type", "Her skal stå et objekt ({...}).", "An object ({...}) is expected here."),
        (
            "funds[1].member",
            "unknown_member",
            "'Z' er ikke medlem af klyngen (medlemmer: K1, K2, R).",
            "'Z' is not a member of the cluster (members: K1, K2, R).",
        ),
        (
            "funds[1].year",
            "year",
            "År skal være et helt tal mellem 2000 og 2100.",
            "Year must be a whole number from 2000 to 2100.",
        ),
        (
            "funds[1].amount",
            "amount_type",
            'Beløb skal angives som tekst med højst to decimaler, fx "1000.00".',
            'Amounts are strings with at most two decimals, e.g. "1000.00".',
        ),
        (
            "funds[2].year",
            "year",
            "År skal være et helt tal mellem 2000 og 2100.",
            "Year must be a whole number from 2000 to 2100.",
        ),
        (
            "funds[2].amount",
            "amount_format",
            "'1x' er ikke et beløb; skriv fx \"1000.00\".",
            "'1x' is not an amount; write e.g. \"1000.00\".",
        ),
        (
            "funds[3].year",
            "year",
            "År skal være et helt tal mellem 2000 og 2100.",
            "Year must be a whole number from 2000 to 2100.",
        ),
        ("funds[3].amount", "amount_format", "Beløbet er ikke et tal.", "The amount is not a number."),
        (
            "funds[4].year",
            "year",
            "År skal være et helt tal mellem 2000 og 2100.",
            "Year must be a whole number from 2000 to 2100.",
        ),
        (
            "funds[4].amount",
            "amount_decimals",
            "1.001 har mere end to decimaler; beløb angives i hele øre.",
            "1.001 has more than two decimals; amounts are in whole øre.",
        ),
        (
            "funds[5].amount",
            "amount_negative",
            "-1 er negativt; beløbet skal være 0 eller mere.",
            "-1 is negative; the amount must be 0 or more.",
        ),
        (
            "funds[6].amount",
            "amount_absurd",
            "10000000000.01 er urealistisk stort (over 10 mia. kr.); tjek beløbet.",
            "10000000000.01 is implausibly large (over 10 billion DKK); check the amount.",
        ),
        (
            "funds[7].member",
            "unknown_member",
            "'['K1']' er ikke medlem af klyngen (medlemmer: K1, K2, R).",
            "'['K1']' is not a member of the cluster (members: K1, K2, R).",
        ),
        ("funds[7].amount", "amount_format", "Beløbet er ikke et tal.", "The amount is not a number."),
        (
            "funds[8].member",
            "unknown_member",
            "'MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM' er ikke medlem af klyngen (medlemmer: K1, K2, R).",
            "'MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM' is not a member of the cluster (members: K1, K2, R).",
        ),
        (
            "funds[8].amount",
            "amount_format",
            "'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz' er ikke et beløb; skriv fx \"1000.00\".",
            "'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz' is not an amount; write e.g. \"1000.00\".",
        ),
    ],
    "initiatives": [
        ("initiatives[0]", "type", "Her skal stå et objekt ({...}).", "An object ({...}) is expected here."),
        (
            "initiatives[1].title",
            "missing",
            "'title' mangler eller er ikke en tekst (højst 300 tegn).",
            "'title' is missing or not a text (at most 300 characters).",
        ),
        (
            "initiatives[1].function",
            "unknown_function",
            "Funktion 9.99.99 findes ikke i kontoplanen; brug fx 4.62.88 eller opret funktionen først.",
            "Function 9.99.99 is not in the chart of accounts; use e.g. 4.62.88 or add it first.",
        ),
        (
            "initiatives[1].payers",
            "no_payers",
            "Indsatsen skal have mindst én betalende part.",
            "The initiative needs at least one paying member.",
        ),
        (
            "initiatives[2].id",
            "duplicate",
            "Indsatsen 'A' står der to gange.",
            "Initiative 'A' appears twice.",
        ),
        (
            "initiatives[2].payers",
            "type",
            "Her skal stå en liste ([...]).",
            "A list ([...]) is expected here.",
        ),
        (
            "initiatives[2].payers",
            "no_payers",
            "Indsatsen skal have mindst én betalende part.",
            "The initiative needs at least one paying member.",
        ),
        (
            "initiatives[2].key",
            "type",
            "Her skal stå et objekt ({...}).",
            "An object ({...}) is expected here.",
        ),
        (
            "initiatives[3].payers[1]",
            "unknown_member",
            "'Q' er ikke medlem af klyngen (medlemmer: K1, K2, R).",
            "'Q' is not a member of the cluster (members: K1, K2, R).",
        ),
        (
            "initiatives[3].key.type",
            "key_type",
            'Fordelingsnøglen skal være "equal", "population" eller "percent".',
            'The key must be "equal", "population" or "percent".',
        ),
        (
            "initiatives[4].key.type",
            "population_missing",
            "Fordeling efter indbyggertal kræver indbyggertal for K2.",
            "A population key needs the population of K2.",
        ),
        (
            "initiatives[5].key.shares",
            "type",
            "Her skal stå et objekt ({...}).",
            "An object ({...}) is expected here.",
        ),
        (
            "initiatives[5].key.shares",
            "percent_sum",
            "Procentsatserne giver 0 %; de skal give præcis 100 %. Ret fordelingsnøglen.",
            "The percentages add up to 0 %; they must add up to exactly 100 %. Correct the key.",
        ),
        (
            "initiatives[6].key.shares.K2",
            "unknown_member",
            "'K2' er ikke en betalende part i indsatsen.",
            "'K2' is not a paying member of the initiative.",
        ),
        (
            "initiatives[6].key.shares.R",
            "amount_format",
            "'x' er ikke et beløb; skriv fx \"1000.00\".",
            "'x' is not an amount; write e.g. \"1000.00\".",
        ),
        (
            "initiatives[7].key.shares",
            "percent_sum",
            "Procentsatserne giver 99.99 %; de skal give præcis 100 %. Ret fordelingsnøglen.",
            "The percentages add up to 99.99 %; they must add up to exactly 100 %. Correct the key.",
        ),
        (
            "initiatives[8].costs[0]",
            "type",
            "Her skal stå et objekt ({...}).",
            "An object ({...}) is expected here.",
        ),
        (
            "initiatives[8].costs[1].executor",
            "unknown_member",
            "'Q' er ikke medlem af klyngen (medlemmer: K1, K2, R).",
            "'Q' is not a member of the cluster (members: K1, K2, R).",
        ),
        (
            "initiatives[8].costs[2].year",
            "year",
            "År skal være et helt tal mellem 2000 og 2100.",
            "Year must be a whole number from 2000 to 2100.",
        ),
        (
            "initiatives[8].costs[2].amount",
            "amount_negative",
            "-1 er negativt; beløbet skal være 0 eller mere.",
            "-1 is negative; the amount must be 0 or more.",
        ),
        (
            "initiatives[8].costs[3].year",
            "year",
            "År skal være et helt tal mellem 2000 og 2100.",
            "Year must be a whole number from 2000 to 2100.",
        ),
        (
            "initiatives[8].costs[3].amount",
            "amount_type",
            'Beløb skal angives som tekst med højst to decimaler, fx "1000.00".',
            'Amounts are strings with at most two decimals, e.g. "1000.00".',
        ),
        (
            "initiatives[9].id",
            "missing",
            "'id' mangler eller er ikke en tekst (højst 300 tegn).",
            "'id' is missing or not a text (at most 300 characters).",
        ),
        (
            "initiatives[9].costs",
            "type",
            "Her skal stå en liste ([...]).",
            "A list ([...]) is expected here.",
        ),
        (
            "initiatives[10].id",
            "format",
            "'bad id!' er ikke et gyldigt id (bogstaver, tal, - _ .).",
            "'bad id!' is not a valid id (letters, digits, - _ .).",
        ),
        (
            "initiatives[10].function",
            "missing",
            "'function' mangler eller er ikke en tekst (højst 300 tegn).",
            "'function' is missing or not a text (at most 300 characters).",
        ),
        (
            "initiatives[10].key.shares.K1",
            "amount_format",
            "'x' er ikke et beløb; skriv fx \"1000.00\".",
            "'x' is not an amount; write e.g. \"1000.00\".",
        ),
        (
            "initiatives[10].key.shares.R",
            "amount_format",
            "'y' er ikke et beløb; skriv fx \"1000.00\".",
            "'y' is not an amount; write e.g. \"1000.00\".",
        ),
    ],
}


def test_a_valid_document_is_read_field_by_field() -> None:
    assert parse_health(VALID, known_functions={"4.62.88"}) == HealthScenario(
        "SK1",
        "Klynge Nord",
        "1081",
        (
            Member("K1", "municipality", "851", "Aalborg", 100),
            Member("K2", "municipality", "", "K2", None),
            Member("R", "region", "1081", "Region", 0),
        ),
        (Fund("K1", 2024, D("10.50")), Fund("R", 2000, D("0.00"))),
        (
            Initiative(
                "I.1",
                "Rehabilitering",
                "4.62.88",
                Key("equal"),
                ("K1", "K2", "R"),
                (Cost("K1", 2100, D("10000000000.00")),),
            ),
            Initiative(
                "I-2",
                "Forebyggelse",
                "4.62.88",
                Key("percent", (("R", D("60.50")), ("K1", D("39.50")))),
                ("R", "K1"),
                (Cost("R", 2024, D("0.01")),),
            ),
            Initiative("I_3", "Opsporing".ljust(300, "."), "4.62.88", Key("population"), ("K1", "R"), ()),
        ),
    )


def test_the_chart_of_accounts_is_checked_only_when_given() -> None:
    doc = changed(["initiatives", 0, "function"], "9.99.99")
    assert parse_health(doc).initiatives[0].function == "9.99.99"


def test_a_cluster_without_id_name_or_region_reads_them_as_empty() -> None:
    doc = copy.deepcopy(VALID)
    doc["cluster"] = {"members": doc["cluster"]["members"]}
    scenario = parse_health(doc)
    assert (scenario.id, scenario.name, scenario.region) == ("", "", "")


@pytest.mark.parametrize(("name", "doc"), BAD, ids=[name for name, _doc in BAD])
def test_every_problem_is_given_with_its_place_code_and_messages(name: str, doc: Any) -> None:
    with pytest.raises(ProblemsError) as info:
        parse_health(doc, known_functions={"4.62.88"})
    assert [(p.path, p.code, p.message_da, p.message_en) for p in info.value.problems] == EXPECTED[name]
    assert str(info.value) == "; ".join(f"{p.path}: {p.message_en}" for p in info.value.problems[:20])


def test_the_settlement_document_to_the_ore() -> None:
    scenario = parse_health(VALID)
    assert result_to_json(settle(scenario.members, scenario.initiatives)) == {
        "members": {
            "K1": {
                "income": "6666666666.66",
                "expense": "10000000000.00",
                "net_frame_impact": "3333333333.34",
            },
            "K2": {"income": "0.00", "expense": "3333333333.33", "net_frame_impact": "3333333333.33"},
            "R": {"income": "0.00", "expense": "3333333333.34", "net_frame_impact": "3333333333.34"},
        },
        "settlements": [
            {
                "payer": "K2",
                "payee": "K1",
                "amount": "3333333333.33",
                "function": "4.62.88",
                "initiative": "I.1",
                "year": 2100,
            },
            {
                "payer": "R",
                "payee": "K1",
                "amount": "3333333333.33",
                "function": "4.62.88",
                "initiative": "I.1",
                "year": 2100,
            },
        ],
        "netted": [
            {"payer": "K2", "payee": "K1", "amount": "3333333333.33"},
            {"payer": "R", "payee": "K1", "amount": "3333333333.33"},
        ],
        "postings": {
            "K1": [
                {
                    "initiative": "I.1",
                    "year": 2100,
                    "function": "4.62.88",
                    "kind": "4.0",
                    "amount": "10000000000.00",
                    "counterparty": "",
                    "text": "Rehabilitering: udgift",
                },
                {
                    "initiative": "I.1",
                    "year": 2100,
                    "function": "4.62.88",
                    "kind": "7.7",
                    "amount": "-3333333333.33",
                    "counterparty": "K2",
                    "text": "Rehabilitering: betaling fra K2",
                },
                {
                    "initiative": "I.1",
                    "year": 2100,
                    "function": "4.62.88",
                    "kind": "7.8",
                    "amount": "-3333333333.33",
                    "counterparty": "R",
                    "text": "Rehabilitering: betaling fra Region",
                },
            ],
            "K2": [
                {
                    "initiative": "I.1",
                    "year": 2100,
                    "function": "4.62.88",
                    "kind": "4.7",
                    "amount": "3333333333.33",
                    "counterparty": "K1",
                    "text": "Rehabilitering: betaling til Aalborg",
                }
            ],
            "R": [
                {
                    "initiative": "I.1",
                    "year": 2100,
                    "function": "4.62.88",
                    "kind": "4.7",
                    "amount": "3333333333.33",
                    "counterparty": "K1",
                    "text": "Rehabilitering: betaling til Aalborg",
                },
                {
                    "initiative": "I-2",
                    "year": 2024,
                    "function": "4.62.88",
                    "kind": "4.0",
                    "amount": "0.01",
                    "counterparty": "",
                    "text": "Forebyggelse: udgift",
                },
            ],
        },
    }
