"""Reading klynge-scenario/1 field by field, and every problem with its place, code and both messages
(issue #9). The window is fixed (2000 to 2031), so the expectations do not move with today's date."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from klynge.core.dates import DateWindow
from klynge.core.scenario import (
    Cluster,
    Dated,
    Membership,
    Practice,
    RegionPolicy,
    Scenario,
    ScenarioError,
    Scheme,
    cvr_is_valid,
    parse_scenario,
    scenario_to_dict,
)

D = dt.date
WINDOW = DateWindow(D(2000, 1, 1), D(2031, 12, 31))

VALID: dict[str, Any] = {
    "format": "klynge-scenario/1",
    "schemes": [
        {
            "code": "OK22",
            "basis": "patients",
            "valid_from": "2022-01-01",
            "annual_rates": {"2023": "2.32", "2022": "1.12"},
            "count_date": "01-31",
            "payment_date": "03-01",
        },
        {
            "code": "OK18",
            "basis": "capacity",
            "valid_from": "2018-01-01",
            "valid_to": "2021-12-31",
            "startup_fee_per_capacity": "10000.00",
            "annual_rates": {"2018": "1000000.00", "2019": "0"},
        },
    ],
    "regions": [
        {
            "code": "1081",
            "name": "Region Nordjylland",
            "policy": {"annual_regulation": "claim", "processing_days": [0, 365]},
        },
        {"code": "1082"},
    ],
    "clusters": [
        {
            "id": "K1",
            "name": "Klynge Nord",
            "region": "1081",
            "cvr": "29403473",
            "founded_on": "2018-10-01",
            "completed_on": "2018-10-01",
        },
        {"id": "K.2-b_", "name": "Klynge Syd", "region": "1082", "founded_on": "2019-01-01"},
    ],
    "practices": [
        {
            "provider_number": "100001",
            "name": "Lægerne i Byen",
            "capacities": [
                {"from": "2019-01-01", "count": 50, "recorded": "2019-02-01"},
                {"from": "2018-01-01", "count": 1},
                {"from": "2019-01-01", "count": 2, "recorded": "2019-01-05"},
            ],
            "group1_patients": [{"from": "2022-01-31", "count": 0}, {"from": "2023-01-31", "count": 100000}],
        },
        {"provider_number": "100002", "name": "Lægehuset"},
    ],
    "memberships": [
        {
            "practice": "100001",
            "cluster": "K1",
            "joined": "2018-10-01",
            "left": "2020-01-01",
            "left_recorded": "2020-01-05",
        },
        {"practice": "100001", "cluster": "K.2-b_", "joined": "2020-01-01", "recorded": "2020-02-01"},
        {"practice": "100002", "cluster": "K1", "joined": "2019-03-01", "left": "2019-06-01"},
        {"practice": "100002", "cluster": "K1", "joined": "2019-06-01", "left": None, "recorded": None},
    ],
    "runs": ["2018-12-10", "2019-12-10", "2031-12-31"],
}


def changed(change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(VALID)
    change(doc)
    return doc


BAD: list[tuple[str, Any]] = [
    ("not an object", "x"),
    ("wrong format", {"format": "klynge-scenario/2"}),
    ("empty", {"format": "klynge-scenario/1"}),
    (
        "not lists",
        {
            "format": "klynge-scenario/1",
            "schemes": {},
            "regions": "x",
            "clusters": 1,
            "practices": None,
            "memberships": [],
            "runs": {},
        },
    ),
    (
        "schemes",
        changed(
            lambda d: d.update(
                schemes=[
                    1,
                    {"code": "", "basis": "weekly"},
                    {
                        "code": "A",
                        "basis": "capacity",
                        "valid_from": "2018-13-01",
                        "valid_to": "1999-12-31",
                        "startup_fee_per_capacity": 10000,
                        "annual_rates": {
                            "18": "1",
                            "1999": "1",
                            "2032": "1",
                            "2020": "-1",
                            "2021": "1000000.01",
                            "2022": "1e3",
                            "2023": "abc",
                            "2024": "1.001",
                        },
                    },
                    {
                        "code": "B",
                        "basis": "patients",
                        "valid_from": "2020-01-01",
                        "valid_to": "2019-12-31",
                        "annual_rates": [],
                        "count_date": "02-29",
                        "payment_date": "3-01",
                    },
                    {
                        "code": "C",
                        "basis": "patients",
                        "valid_from": "2022-01-01",
                        "count_date": "13-01",
                        "payment_date": 301,
                    },
                    {"code": "D", "basis": "capacity", "valid_from": "2022-06-01", "valid_to": "2030-12-31"},
                    {
                        "code": "E",
                        "basis": "capacity",
                        "valid_from": "2031-01-01",
                        "annual_rates": {"2031": "x" * 50},
                    },
                ]
            )
        ),
    ),
    (
        "regions",
        changed(
            lambda d: d.update(
                regions=[
                    {"code": 1081, "name": "x" * 201, "policy": []},
                    {"code": "1082", "policy": {"annual_regulation": "maybe", "processing_days": [28, 14]}},
                    {"code": "1083", "policy": {"processing_days": [14]}},
                    {"code": "1084", "policy": {"processing_days": [True, 28]}},
                    {"code": "1085", "policy": {"processing_days": [-1, 28]}},
                    {"code": "1086", "policy": {"processing_days": [14, 366]}},
                    {"code": "1087", "policy": {"processing_days": "14-28"}},
                ]
            )
        ),
    ),
    (
        "clusters",
        changed(
            lambda d: d.update(
                clusters=[
                    {
                        "id": "K 1",
                        "name": "A",
                        "region": "1081",
                        "cvr": "29403474",
                        "founded_on": "2019-01-01",
                        "completed_on": "2018-12-31",
                    },
                    {"id": "K2", "name": "B", "region": "1081", "cvr": "1234567", "founded_on": "1999-12-31"},
                    {
                        "id": "K3",
                        "name": "C",
                        "region": "1081",
                        "founded_on": "2032-01-01",
                        "completed_on": "2019-02-30",
                    },
                    {"id": "K4", "name": "D", "region": "1081", "founded_on": 20190101},
                    {"id": "K4", "name": "E", "region": "1081", "founded_on": "2019-01-01"},
                    {"name": "F", "region": "1081"},
                    {"id": "K5", "name": "G", "region": "1081", "founded_on": "2019-W01-1"},
                    {"id": "K6", "name": "H", "region": "1081", "founded_on": None, "cvr": "x" * 30},
                ]
            )
        ),
    ),
    (
        "practices",
        changed(
            lambda d: d.update(
                practices=[
                    {"provider_number": "12345", "name": "A"},
                    {"provider_number": "100001", "name": "", "capacities": {}, "group1_patients": [1]},
                    {
                        "provider_number": "100001",
                        "name": "C",
                        "capacities": [
                            {"from": "2019-01-01", "count": 0},
                            {"from": "2019-01-01", "count": 51},
                            {"from": "2019-01-01", "count": True},
                            {"from": "2019-01-01", "count": 2},
                            {"from": "2019-01-01", "count": 3},
                            {"from": "2019-01-01", "count": 4, "recorded": "2019-02-01"},
                            {"from": "2019-01-01", "count": 5, "recorded": "2019-02-01"},
                            {"count": 2},
                            {"from": "2019-01-01", "count": 2, "recorded": "2019-02-30"},
                        ],
                        "group1_patients": [
                            {"from": "2022-01-31", "count": -1},
                            {"from": "2022-01-31", "count": 100001},
                        ],
                    },
                ]
            )
        ),
    ),
    (
        "memberships",
        changed(
            lambda d: d.update(
                memberships=[
                    {"practice": "999999", "cluster": "K9", "joined": "2019-01-01"},
                    {"practice": "100001", "cluster": "K1", "joined": "2018-09-30"},
                    {"practice": "100002", "cluster": "K1", "joined": "2019-01-01", "left": "2019-01-01"},
                    {"practice": "100002", "cluster": "K1", "joined": "2019-01-01", "left": "2018-01-01"},
                    {
                        "practice": "100002",
                        "cluster": "K1",
                        "joined": "2019-01-01",
                        "left_recorded": "2019-02-01",
                    },
                    {"practice": "", "cluster": 7, "joined": "2019-13-01", "recorded": "x", "left": 5},
                    {"practice": "x" * 201, "cluster": "K1", "joined": "2019-01-01"},
                ]
            )
        ),
    ),
    (
        "overlaps",
        changed(
            lambda d: d.update(
                memberships=[
                    {"practice": "100001", "cluster": "K1", "joined": "2019-01-01", "left": "2025-01-01"},
                    {"practice": "100001", "cluster": "K.2-b_", "joined": "2020-01-01", "left": "2021-01-01"},
                    {"practice": "100001", "cluster": "K.2-b_", "joined": "2024-12-31"},
                    {"practice": "100002", "cluster": "K1", "joined": "2019-01-01", "left": "2020-01-01"},
                    {"practice": "100002", "cluster": "K1", "joined": "2019-12-31"},
                    {"practice": "100002", "cluster": "K.2-b_", "joined": "2020-01-01"},
                ]
            )
        ),
    ),
    (
        "runs",
        changed(
            lambda d: d.update(
                runs=[
                    "2019-01-01",
                    "2019-01-01",
                    "2018-12-31",
                    "1999-12-31",
                    "2019-02-29",
                    7,
                    None,
                    "2032-01-01",
                    1.5,
                    [],
                    {},
                    10**40,
                    -(10**29),
                    False,
                    "y" * 41,
                    b"x",
                ]
            )
        ),
    ),
    ("runs not a list", changed(lambda d: d.update(runs="2019-01-01"))),
]


EXPECTED: dict[str, list[tuple[str, str, str, str]]] = {
    "not an object": [
        ("$", "type", "Her skal stå et objekt ({...}).", "An object ({...}) is expected here.")
    ],
    "wrong format": [
        (
            "format",
            "format",
            "'format' skal være \"klynge-scenario/1\".",
            "'format' must be \"klynge-scenario/1\".",
        )
    ],
    "empty": [
        (
            "clusters",
            "missing",
            "'clusters' mangler; angiv en liste (evt. tom).",
            "'clusters' is missing; give a list (possibly empty).",
        ),
        (
            "practices",
            "missing",
            "'practices' mangler; angiv en liste (evt. tom).",
            "'practices' is missing; give a list (possibly empty).",
        ),
        (
            "memberships",
            "missing",
            "'memberships' mangler; angiv en liste (evt. tom).",
            "'memberships' is missing; give a list (possibly empty).",
        ),
    ],
    "not lists": [
        ("schemes", "type", "'schemes' skal være en liste ([...]).", "'schemes' must be a list ([...])."),
        ("regions", "type", "'regions' skal være en liste ([...]).", "'regions' must be a list ([...])."),
        ("clusters", "type", "'clusters' skal være en liste ([...]).", "'clusters' must be a list ([...])."),
        (
            "practices",
            "missing",
            "'practices' mangler; angiv en liste (evt. tom).",
            "'practices' is missing; give a list (possibly empty).",
        ),
        ("runs", "type", "'runs' skal være en liste af datoer.", "'runs' must be a list of dates."),
    ],
    "schemes": [
        ("schemes[0]", "type", "Her skal stå et objekt ({...}).", "An object ({...}) is expected here."),
        ("schemes[1].code", "missing", "'code' mangler.", "'code' is missing."),
        (
            "schemes[1].basis",
            "basis",
            '\'basis\' skal være "capacity" eller "patients".',
            '\'basis\' must be "capacity" or "patients".',
        ),
        (
            "schemes[2].valid_from",
            "date",
            "'2018-13-01' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'2018-13-01' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
        (
            "schemes[2].valid_to",
            "date_window",
            "'1999-12-31': datoen skal ligge mellem 1. januar 2000 og 31. december 2031; ret årstallet.",
            "'1999-12-31': the date must lie between 1 January 2000 and 31 December 2031; correct the year.",
        ),
        (
            "schemes[2].startup_fee_per_capacity",
            "amount_type",
            'Beløb skrives som tekst med to decimaler, fx "1000.00".',
            'Amounts are written as text with two decimals, e.g. "1000.00".',
        ),
        (
            "schemes[2].annual_rates.18",
            "year",
            "Året skal skrives som ÅÅÅÅ.",
            "The year must be written as YYYY.",
        ),
        (
            "schemes[2].annual_rates.1999",
            "year_window",
            "Året 1999 skal ligge mellem 2000 og 2031; ret årstallet.",
            "The year 1999 must lie between 2000 and 2031; correct the year.",
        ),
        (
            "schemes[2].annual_rates.2032",
            "year_window",
            "Året 2032 skal ligge mellem 2000 og 2031; ret årstallet.",
            "The year 2032 must lie between 2000 and 2031; correct the year.",
        ),
        ("schemes[2].annual_rates.2020", "amount_negative", "'-1' er negativt.", "'-1' is negative."),
        (
            "schemes[2].annual_rates.2021",
            "amount_absurd",
            "'1000000.01' er urealistisk stort for en sats; tjek beløbet.",
            "'1000000.01' is implausibly large for a rate; check the amount.",
        ),
        (
            "schemes[2].annual_rates.2022",
            "amount_not_a_number",
            "'1e3' er ikke et beløb; skriv fx \"1000.00\" (punktum som decimaltegn).",
            "'1e3' is not an amount; write e.g. \"1000.00\" (point as the decimal mark).",
        ),
        (
            "schemes[2].annual_rates.2023",
            "amount_not_a_number",
            "'abc' er ikke et beløb; skriv fx \"1000.00\" (punktum som decimaltegn).",
            "'abc' is not an amount; write e.g. \"1000.00\" (point as the decimal mark).",
        ),
        (
            "schemes[2].annual_rates.2024",
            "amount_too_many_decimals",
            "'1.001' har mere end to decimaler.",
            "'1.001' has more than two decimals.",
        ),
        (
            "schemes[3].annual_rates",
            "type",
            "Her skal stå et objekt ({...}).",
            "An object ({...}) is expected here.",
        ),
        (
            "schemes[3].count_date",
            "month_day",
            "'count_date' skal være en dato uden år, der findes hvert år: MM-DD, fx 01-31 (ikke 02-29).",
            "'count_date' must be a date without year that exists every year: MM-DD, e.g. 01-31 (not 02-29).",
        ),
        (
            "schemes[3].payment_date",
            "month_day",
            "'payment_date' skal være en dato uden år, der findes hvert år: MM-DD, fx 01-31 (ikke 02-29).",
            "'payment_date' must be a date without year that exists every year: MM-DD, e.g. 01-31 "
            "(not 02-29).",
        ),
        (
            "schemes[3].valid_to",
            "valid_to",
            "'valid_to' er før 'valid_from'.",
            "'valid_to' is before 'valid_from'.",
        ),
        (
            "schemes[4].count_date",
            "month_day",
            "'count_date' skal være en dato uden år, der findes hvert år: MM-DD, fx 01-31 (ikke 02-29).",
            "'count_date' must be a date without year that exists every year: MM-DD, e.g. 01-31 (not 02-29).",
        ),
        (
            "schemes[4].payment_date",
            "month_day",
            "'payment_date' skal være en dato uden år, der findes hvert år: MM-DD, fx 01-31 (ikke 02-29).",
            "'payment_date' must be a date without year that exists every year: MM-DD, e.g. 01-31 "
            "(not 02-29).",
        ),
        (
            "schemes[6].annual_rates.2031",
            "amount_not_a_number",
            "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' er ikke et beløb; skriv fx \"1000.00\" "
            "(punktum som decimaltegn).",
            "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' is not an amount; write e.g. \"1000.00\" "
            "(point as the decimal mark).",
        ),
        (
            "schemes",
            "schemes_overlap",
            "Ordningerne C og D gælder samtidig; et år kan kun høre til én.",
            "Schemes C and D overlap; a year belongs to one scheme only.",
        ),
    ],
    "regions": [
        (
            "regions[0].code",
            "type",
            "'code' skal være en tekst på højst 200 tegn.",
            "'code' must be a text of at most 200 characters.",
        ),
        (
            "regions[0].name",
            "type",
            "'name' skal være en tekst på højst 200 tegn.",
            "'name' must be a text of at most 200 characters.",
        ),
        (
            "regions[0].policy",
            "type",
            "Her skal stå et objekt ({...}).",
            "An object ({...}) is expected here.",
        ),
        (
            "regions[1].policy.annual_regulation",
            "policy",
            '\'annual_regulation\' skal være "net" eller "claim".',
            '\'annual_regulation\' must be "net" or "claim".',
        ),
        (
            "regions[1].policy.processing_days",
            "processing_days",
            "'processing_days' skal være [mindst, højst] i dage, fx [14, 28].",
            "'processing_days' must be [min, max] in days, e.g. [14, 28].",
        ),
        (
            "regions[2].policy.processing_days",
            "processing_days",
            "'processing_days' skal være [mindst, højst] i dage, fx [14, 28].",
            "'processing_days' must be [min, max] in days, e.g. [14, 28].",
        ),
        (
            "regions[3].policy.processing_days",
            "processing_days",
            "'processing_days' skal være [mindst, højst] i dage, fx [14, 28].",
            "'processing_days' must be [min, max] in days, e.g. [14, 28].",
        ),
        (
            "regions[4].policy.processing_days",
            "processing_days",
            "'processing_days' skal være [mindst, højst] i dage, fx [14, 28].",
            "'processing_days' must be [min, max] in days, e.g. [14, 28].",
        ),
        (
            "regions[5].policy.processing_days",
            "processing_days",
            "'processing_days' skal være [mindst, højst] i dage, fx [14, 28].",
            "'processing_days' must be [min, max] in days, e.g. [14, 28].",
        ),
        (
            "regions[6].policy.processing_days",
            "processing_days",
            "'processing_days' skal være [mindst, højst] i dage, fx [14, 28].",
            "'processing_days' must be [min, max] in days, e.g. [14, 28].",
        ),
    ],
    "clusters": [
        (
            "clusters[0].id",
            "format",
            "'K 1' har ikke det rigtige format.",
            "'K 1' does not have the right format.",
        ),
        (
            "clusters[0].cvr",
            "cvr",
            "CVR-nummer 29403474 er ikke 8 cifre, der består modulus 11-kontrollen.",
            "CVR number 29403474 is not 8 digits passing the modulus-11 check.",
        ),
        (
            "clusters[0].completed_on",
            "completed_before_founded",
            "Færdigmeldt før stiftelsen; tjek datoerne.",
            "Completed before it was founded; check the dates.",
        ),
        (
            "clusters[1].cvr",
            "cvr",
            "CVR-nummer 1234567 er ikke 8 cifre, der består modulus 11-kontrollen.",
            "CVR number 1234567 is not 8 digits passing the modulus-11 check.",
        ),
        (
            "clusters[1].founded_on",
            "date_window",
            "'1999-12-31': datoen skal ligge mellem 1. januar 2000 og 31. december 2031; ret årstallet.",
            "'1999-12-31': the date must lie between 1 January 2000 and 31 December 2031; correct the year.",
        ),
        (
            "clusters[2].founded_on",
            "date_window",
            "'2032-01-01': datoen skal ligge mellem 1. januar 2000 og 31. december 2031; ret årstallet.",
            "'2032-01-01': the date must lie between 1 January 2000 and 31 December 2031; correct the year.",
        ),
        (
            "clusters[2].completed_on",
            "date",
            "'2019-02-30' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'2019-02-30' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
        (
            "clusters[3].founded_on",
            "date",
            "'20190101' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'20190101' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
        ("clusters[5].id", "missing", "'id' mangler.", "'id' is missing."),
        (
            "clusters[5].founded_on",
            "missing",
            "'founded_on' mangler; skriv en dato som ÅÅÅÅ-MM-DD.",
            "'founded_on' is missing; write a date as YYYY-MM-DD.",
        ),
        (
            "clusters[6].founded_on",
            "date",
            "'2019-W01-1' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'2019-W01-1' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
        (
            "clusters[7].cvr",
            "cvr",
            "CVR-nummer xxxxxxxxxxxxxxxxxxxx er ikke 8 cifre, der består modulus 11-kontrollen.",
            "CVR number xxxxxxxxxxxxxxxxxxxx is not 8 digits passing the modulus-11 check.",
        ),
        (
            "clusters[7].founded_on",
            "missing",
            "'founded_on' mangler; skriv en dato som ÅÅÅÅ-MM-DD.",
            "'founded_on' is missing; write a date as YYYY-MM-DD.",
        ),
        (
            "memberships[0].cluster",
            "unknown_cluster",
            "Klynge K1 findes ikke under 'clusters'.",
            "Cluster K1 is not under 'clusters'.",
        ),
        (
            "memberships[1].cluster",
            "unknown_cluster",
            "Klynge K.2-b_ findes ikke under 'clusters'.",
            "Cluster K.2-b_ is not under 'clusters'.",
        ),
        (
            "memberships[2].cluster",
            "unknown_cluster",
            "Klynge K1 findes ikke under 'clusters'.",
            "Cluster K1 is not under 'clusters'.",
        ),
        (
            "memberships[3].cluster",
            "unknown_cluster",
            "Klynge K1 findes ikke under 'clusters'.",
            "Cluster K1 is not under 'clusters'.",
        ),
    ],
    "practices": [
        (
            "practices[0].provider_number",
            "format",
            "'12345' har ikke det rigtige format.",
            "'12345' does not have the right format.",
        ),
        ("practices[1].name", "missing", "'name' mangler.", "'name' is missing."),
        (
            "practices[1].capacities",
            "type",
            "'capacities' skal være en liste.",
            "'capacities' must be a list.",
        ),
        (
            "practices[1].group1_patients[0]",
            "type",
            "Her skal stå et objekt ({...}).",
            "An object ({...}) is expected here.",
        ),
        (
            "practices[2].capacities[0].count",
            "count_range",
            "'count' skal være et helt tal fra 1 til 50 (fandt 0).",
            "'count' must be a whole number from 1 to 50 (found 0).",
        ),
        (
            "practices[2].capacities[1].count",
            "count_range",
            "'count' skal være et helt tal fra 1 til 50 (fandt 51).",
            "'count' must be a whole number from 1 to 50 (found 51).",
        ),
        (
            "practices[2].capacities[2].count",
            "count_range",
            "'count' skal være et helt tal fra 1 til 50 (fandt true).",
            "'count' must be a whole number from 1 to 50 (found true).",
        ),
        (
            "practices[2].capacities[4]",
            "duplicate",
            "To værdier med samme fra-dato og registreringsdato.",
            "Two values with the same from date and recorded date.",
        ),
        (
            "practices[2].capacities[6]",
            "duplicate",
            "To værdier med samme fra-dato og registreringsdato.",
            "Two values with the same from date and recorded date.",
        ),
        (
            "practices[2].capacities[7].from",
            "missing",
            "'from' mangler; skriv en dato som ÅÅÅÅ-MM-DD.",
            "'from' is missing; write a date as YYYY-MM-DD.",
        ),
        (
            "practices[2].capacities[8].recorded",
            "date",
            "'2019-02-30' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'2019-02-30' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
        (
            "practices[2].capacities[8]",
            "duplicate",
            "To værdier med samme fra-dato og registreringsdato.",
            "Two values with the same from date and recorded date.",
        ),
        (
            "practices[2].group1_patients[0].count",
            "count_range",
            "'count' skal være et helt tal fra 0 til 100000 (fandt -1).",
            "'count' must be a whole number from 0 to 100000 (found -1).",
        ),
        (
            "practices[2].group1_patients[1].count",
            "count_range",
            "'count' skal være et helt tal fra 0 til 100000 (fandt 100001).",
            "'count' must be a whole number from 0 to 100000 (found 100001).",
        ),
        (
            "practices[2].provider_number",
            "duplicate_practice",
            "Ydernummer 100001 står også i practices[1].",
            "Provider number 100001 also appears in practices[1].",
        ),
        (
            "memberships[2].practice",
            "unknown_practice",
            "Ydernummer 100002 findes ikke under 'practices'; tilføj praksissen eller ret nummeret.",
            "Provider number 100002 is not under 'practices'; add the practice or correct the number.",
        ),
        (
            "memberships[3].practice",
            "unknown_practice",
            "Ydernummer 100002 findes ikke under 'practices'; tilføj praksissen eller ret nummeret.",
            "Provider number 100002 is not under 'practices'; add the practice or correct the number.",
        ),
    ],
    "memberships": [
        (
            "memberships[0].practice",
            "unknown_practice",
            "Ydernummer 999999 findes ikke under 'practices'; tilføj praksissen eller ret nummeret.",
            "Provider number 999999 is not under 'practices'; add the practice or correct the number.",
        ),
        (
            "memberships[0].cluster",
            "unknown_cluster",
            "Klynge K9 findes ikke under 'clusters'.",
            "Cluster K9 is not under 'clusters'.",
        ),
        (
            "memberships[1].joined",
            "before_founded",
            "Indtrådt 2018-09-30 er før klyngens stiftende generalforsamling 2018-10-01.",
            "Joined 2018-09-30 is before the cluster's founding assembly 2018-10-01.",
        ),
        (
            "memberships[2].left",
            "left_not_after_joined",
            "'left' skal være efter 'joined' (left er første dag, praksis ikke længere er med).",
            "'left' must be after 'joined' (left is the first day no longer a member).",
        ),
        (
            "memberships[3].left",
            "left_not_after_joined",
            "'left' skal være efter 'joined' (left er første dag, praksis ikke længere er med).",
            "'left' must be after 'joined' (left is the first day no longer a member).",
        ),
        (
            "memberships[4].left_recorded",
            "left_recorded_without_left",
            "'left_recorded' er udfyldt, men 'left' er tom; angiv udmeldelsesdatoen eller fjern feltet.",
            "'left_recorded' is given but 'left' is empty; give the date it left or remove the field.",
        ),
        ("memberships[5].practice", "missing", "'practice' mangler.", "'practice' is missing."),
        (
            "memberships[5].cluster",
            "type",
            "'cluster' skal være en tekst på højst 200 tegn.",
            "'cluster' must be a text of at most 200 characters.",
        ),
        (
            "memberships[5].joined",
            "date",
            "'2019-13-01' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'2019-13-01' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
        (
            "memberships[5].left",
            "date",
            "'5' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'5' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
        (
            "memberships[5].recorded",
            "date",
            "'x' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'x' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
        (
            "memberships[6].practice",
            "type",
            "'practice' skal være en tekst på højst 200 tegn.",
            "'practice' must be a text of at most 200 characters.",
        ),
    ],
    "overlaps": [
        (
            "memberships[1].joined",
            "overlap",
            "Praksis 100001 er allerede i K1 på denne dag; en praksis kan kun være i én klynge ad gangen.",
            "Practice 100001 is already in K1 on this day; a practice can be in only one cluster at a time.",
        ),
        (
            "memberships[2].joined",
            "overlap",
            "Praksis 100001 er allerede i K1 på denne dag; en praksis kan kun være i én klynge ad gangen.",
            "Practice 100001 is already in K1 on this day; a practice can be in only one cluster at a time.",
        ),
        (
            "memberships[4].joined",
            "overlap",
            "Praksis 100002 er allerede i K1 på denne dag; en praksis kan kun være i én klynge ad gangen.",
            "Practice 100002 is already in K1 on this day; a practice can be in only one cluster at a time.",
        ),
        (
            "memberships[5].joined",
            "overlap",
            "Praksis 100002 er allerede i K1 på denne dag; en praksis kan kun være i én klynge ad gangen.",
            "Practice 100002 is already in K1 on this day; a practice can be in only one cluster at a time.",
        ),
    ],
    "runs": [
        (
            "runs[1]",
            "runs_order",
            "Kørselsdatoer skal stå i stigende rækkefølge.",
            "Run dates must be in ascending order.",
        ),
        (
            "runs[2]",
            "runs_order",
            "Kørselsdatoer skal stå i stigende rækkefølge.",
            "Run dates must be in ascending order.",
        ),
        (
            "runs[3]",
            "date_window",
            "'1999-12-31': datoen skal ligge mellem 1. januar 2000 og 31. december 2031; ret årstallet.",
            "'1999-12-31': the date must lie between 1 January 2000 and 31 December 2031; correct the year.",
        ),
        (
            "runs[4]",
            "date",
            "'2019-02-29' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'2019-02-29' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
        (
            "runs[5]",
            "date",
            "'7' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'7' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
        (
            "runs[6]",
            "date",
            "'null' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'null' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
        (
            "runs[7]",
            "date_window",
            "'2032-01-01': datoen skal ligge mellem 1. januar 2000 og 31. december 2031; ret årstallet.",
            "'2032-01-01': the date must lie between 1 January 2000 and 31 December 2031; correct the year.",
        ),
        (
            "runs[8]",
            "date",
            "'(kommatal / decimal number)' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'(kommatal / decimal number)' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
        (
            "runs[9]",
            "date",
            "'[...]' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'[...]' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
        (
            "runs[10]",
            "date",
            "'{...}' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'{...}' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
        (
            "runs[11]",
            "date",
            "'(et meget stort tal / a huge number)' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'(et meget stort tal / a huge number)' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
        (
            "runs[12]",
            "date",
            "'-100000000000000000000000000000' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'-100000000000000000000000000000' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
        (
            "runs[13]",
            "date",
            "'false' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'false' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
        (
            "runs[14]",
            "date",
            "'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy…' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx "
            "2019-06-01.",
            "'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy…' is not a valid date; write YYYY-MM-DD, e.g. "
            "2019-06-01.",
        ),
        (
            "runs[15]",
            "date",
            "'bytes' er ikke en gyldig dato; skriv ÅÅÅÅ-MM-DD, fx 2019-06-01.",
            "'bytes' is not a valid date; write YYYY-MM-DD, e.g. 2019-06-01.",
        ),
    ],
    "runs not a list": [
        ("runs", "type", "'runs' skal være en liste af datoer.", "'runs' must be a list of dates.")
    ],
}


def test_a_valid_document_is_read_field_by_field() -> None:
    assert parse_scenario(VALID, window=WINDOW) == Scenario(
        schemes=(
            Scheme(
                code="OK18",
                basis="capacity",
                valid_from=D(2018, 1, 1),
                valid_to=D(2021, 12, 31),
                startup_fee_per_capacity=Decimal("10000.00"),
                annual_rates=((2018, Decimal("1000000.00")), (2019, Decimal("0.00"))),
                count_date=None,
                payment_date=None,
            ),
            Scheme(
                code="OK22",
                basis="patients",
                valid_from=D(2022, 1, 1),
                valid_to=None,
                startup_fee_per_capacity=None,
                annual_rates=((2022, Decimal("1.12")), (2023, Decimal("2.32"))),
                count_date=(1, 31),
                payment_date=(3, 1),
            ),
        ),
        regions=(
            RegionPolicy(
                code="1081", name="Region Nordjylland", annual_regulation="claim", processing_days=(0, 365)
            ),
            RegionPolicy(code="1082", name="", annual_regulation="net", processing_days=(14, 28)),
        ),
        clusters=(
            Cluster(
                id="K1",
                name="Klynge Nord",
                region="1081",
                cvr="29403473",
                founded_on=D(2018, 10, 1),
                completed_on=D(2018, 10, 1),
            ),
            Cluster(
                id="K.2-b_",
                name="Klynge Syd",
                region="1082",
                cvr="",
                founded_on=D(2019, 1, 1),
                completed_on=None,
            ),
        ),
        practices=(
            Practice(
                provider_number="100001",
                name="Lægerne i Byen",
                capacities=(
                    Dated(valid_from=D(2018, 1, 1), count=1, recorded=D(2018, 1, 1)),
                    Dated(valid_from=D(2019, 1, 1), count=2, recorded=D(2019, 1, 5)),
                    Dated(valid_from=D(2019, 1, 1), count=50, recorded=D(2019, 2, 1)),
                ),
                group1_patients=(
                    Dated(valid_from=D(2022, 1, 31), count=0, recorded=D(2022, 1, 31)),
                    Dated(valid_from=D(2023, 1, 31), count=100000, recorded=D(2023, 1, 31)),
                ),
            ),
            Practice(provider_number="100002", name="Lægehuset", capacities=(), group1_patients=()),
        ),
        memberships=(
            Membership(
                practice="100001",
                cluster="K1",
                joined=D(2018, 10, 1),
                left=D(2020, 1, 1),
                recorded=D(2018, 10, 1),
                left_recorded=D(2020, 1, 5),
            ),
            Membership(
                practice="100001",
                cluster="K.2-b_",
                joined=D(2020, 1, 1),
                left=None,
                recorded=D(2020, 2, 1),
                left_recorded=None,
            ),
            Membership(
                practice="100002",
                cluster="K1",
                joined=D(2019, 3, 1),
                left=D(2019, 6, 1),
                recorded=D(2019, 3, 1),
                left_recorded=D(2019, 6, 1),
            ),
            Membership(
                practice="100002",
                cluster="K1",
                joined=D(2019, 6, 1),
                left=None,
                recorded=D(2019, 6, 1),
                left_recorded=None,
            ),
        ),
        runs=(D(2018, 12, 10), D(2019, 12, 10), D(2031, 12, 31)),
    )


def test_the_document_written_back_has_every_field() -> None:
    scenario = parse_scenario(VALID, window=WINDOW)
    assert scenario_to_dict(scenario) == {
        "format": "klynge-scenario/1",
        "schemes": [
            {
                "code": "OK18",
                "basis": "capacity",
                "valid_from": "2018-01-01",
                "valid_to": "2021-12-31",
                "annual_rates": {"2018": "1000000.00", "2019": "0.00"},
                "startup_fee_per_capacity": "10000.00",
            },
            {
                "code": "OK22",
                "basis": "patients",
                "valid_from": "2022-01-01",
                "valid_to": None,
                "annual_rates": {"2022": "1.12", "2023": "2.32"},
                "count_date": "01-31",
                "payment_date": "03-01",
            },
        ],
        "regions": [
            {
                "code": "1081",
                "name": "Region Nordjylland",
                "policy": {"annual_regulation": "claim", "processing_days": [0, 365]},
            },
            {"code": "1082", "name": "", "policy": {"annual_regulation": "net", "processing_days": [14, 28]}},
        ],
        "clusters": [
            {
                "id": "K1",
                "name": "Klynge Nord",
                "region": "1081",
                "cvr": "29403473",
                "founded_on": "2018-10-01",
                "completed_on": "2018-10-01",
            },
            {
                "id": "K.2-b_",
                "name": "Klynge Syd",
                "region": "1082",
                "cvr": "",
                "founded_on": "2019-01-01",
                "completed_on": None,
            },
        ],
        "practices": [
            {
                "provider_number": "100001",
                "name": "Lægerne i Byen",
                "capacities": [
                    {"from": "2018-01-01", "count": 1, "recorded": "2018-01-01"},
                    {"from": "2019-01-01", "count": 2, "recorded": "2019-01-05"},
                    {"from": "2019-01-01", "count": 50, "recorded": "2019-02-01"},
                ],
                "group1_patients": [
                    {"from": "2022-01-31", "count": 0, "recorded": "2022-01-31"},
                    {"from": "2023-01-31", "count": 100000, "recorded": "2023-01-31"},
                ],
            },
            {"provider_number": "100002", "name": "Lægehuset", "capacities": [], "group1_patients": []},
        ],
        "memberships": [
            {
                "practice": "100001",
                "cluster": "K1",
                "joined": "2018-10-01",
                "left": "2020-01-01",
                "recorded": "2018-10-01",
                "left_recorded": "2020-01-05",
            },
            {
                "practice": "100001",
                "cluster": "K.2-b_",
                "joined": "2020-01-01",
                "left": None,
                "recorded": "2020-02-01",
                "left_recorded": None,
            },
            {
                "practice": "100002",
                "cluster": "K1",
                "joined": "2019-03-01",
                "left": "2019-06-01",
                "recorded": "2019-03-01",
                "left_recorded": "2019-06-01",
            },
            {
                "practice": "100002",
                "cluster": "K1",
                "joined": "2019-06-01",
                "left": None,
                "recorded": "2019-06-01",
                "left_recorded": None,
            },
        ],
        "runs": ["2018-12-10", "2019-12-10", "2031-12-31"],
    }
    assert parse_scenario(scenario_to_dict(scenario), window=WINDOW) == scenario


@pytest.mark.parametrize(("name", "doc"), BAD, ids=[name for name, _doc in BAD])
def test_every_problem_is_given_with_its_place_code_and_messages(name: str, doc: Any) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc, window=WINDOW)
    assert [(p.path, p.code, p.message_da, p.message_en) for p in info.value.problems] == EXPECTED[name]


@pytest.mark.parametrize(
    ("cvr", "valid"),
    [
        ("29403473", True),
        ("29403503", True),  # a weighted sum of 121: a multiple of 11, not of 12
        ("29403474", False),
        ("2940347", False),
        ("294034730", False),
        ("2940347a", False),
        ("00000000", True),
    ],
)
def test_cvr_numbers_pass_the_modulus_11_check(cvr: str, valid: bool) -> None:
    assert cvr_is_valid(cvr) is valid
