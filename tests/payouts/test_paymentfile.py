"""The payment file is valid ISO 20022 pain.001.001.03 and carries every transfer to the øre."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
import xmlschema

from klynge.payouts.paymentfile import NS, Debtor, Transfer, csv_file, pain001

SCHEMA = xmlschema.XMLSchema(str(importlib.resources.files("sepaxml") / "schemas" / "pain.001.001.03.xsd"))
DEBTOR = Debtor(name="Region Nordjylland", iban="DK5000400440116243")
TRANSFERS = [
    Transfer("RUN-1-K1", "Klynge Nord", "29403473", Decimal("14586.30"), "Klyngemidler 2020, kørsel 1"),
    Transfer(
        "RUN-1-K2", "Klynge Syd & Co <test>", "29403473", Decimal("3000.00"), "Klyngemidler " + "x" * 200
    ),
]


def build() -> bytes:
    return pain001(
        message_id="1081-RUN-1",
        created_at=dt.datetime(2020, 1, 15, 9, 30),
        execution_date=dt.date(2020, 1, 15),
        debtor=DEBTOR,
        transfers=TRANSFERS,
    )


def test_payment_file_is_valid_against_the_iso_20022_schema() -> None:
    SCHEMA.validate(build())


def test_payment_file_control_sum_and_amounts_match_the_transfers() -> None:
    root = ET.fromstring(build())
    ns = {"p": NS}
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=ns) == "17586.30"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns) == "2"
    amounts = [e.text for e in root.iterfind(".//p:InstdAmt", ns)]
    assert amounts == ["14586.30", "3000.00"]
    assert {e.get("Ccy") for e in root.iterfind(".//p:InstdAmt", ns)} == {"DKK"}


def test_payment_file_refuses_an_empty_or_negative_transfer_list() -> None:
    with pytest.raises(ValueError, match="needs at least one transfer"):
        pain001(
            message_id="x",
            created_at=dt.datetime(2020, 1, 1),
            execution_date=dt.date(2020, 1, 1),
            debtor=DEBTOR,
            transfers=[],
        )
    with pytest.raises(ValueError, match="transfers must be positive"):
        pain001(
            message_id="x",
            created_at=dt.datetime(2020, 1, 1),
            execution_date=dt.date(2020, 1, 1),
            debtor=DEBTOR,
            transfers=[Transfer("a", "b", "29403473", Decimal("-1.00"), "c")],
        )


def test_csv_uses_semicolons_and_decimal_comma() -> None:
    text = csv_file(execution_date=dt.date(2020, 1, 15), transfers=TRANSFERS)
    assert text.startswith("\ufeffBetalingsdato;")
    assert "2020-01-15;RUN-1-K1;Klynge Nord;29403473;14586,30;" in text
