"""The part of the public chart of accounts that ships with the product (brief §4).

Functions are the municipal/regional function codes used for health-cluster initiatives; the kinds
(arter) are those for payments to and from municipalities and regions. The application stores the
chart as data that users may add to and correct; this is its seed.
"""

from __future__ import annotations

FUNCTIONS: dict[str, str] = {
    "4.62.88": "Sundhedsfremme og forebyggelse",
}

KINDS: dict[str, str] = {
    "4.0": "Tjenesteydelser uden moms",
    "4.7": "Betalinger til kommuner",
    "4.8": "Betalinger til regioner",
    "7.7": "Betalinger fra kommuner",
    "7.8": "Betalinger fra regioner",
}
