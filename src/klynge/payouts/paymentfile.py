"""Payment files for a released payout run.

- ISO 20022 ``pain.001.001.03`` (customer credit transfer initiation) in DKK, one transaction per
  cluster, sent by the region's bank. A cluster's account is its NemKonto, which in Denmark is found
  from the CVR number: the creditor account is given as ``Othr/Id`` = CVR with the proprietary scheme
  ``NEMKONTO`` (an assumption to agree with the region's bank; the schema allows it).
- A semicolon-separated CSV (Danish decimal comma, UTF-8 with BOM) for the region's finance system.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

NS = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"


@dataclass(frozen=True)
class Debtor:
    name: str
    iban: str
    bic: str = ""


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str  # at most 35 characters, unique within the file
    creditor_name: str
    creditor_cvr: str
    amount: Decimal
    remittance: str  # at most 140 characters


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NS}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _clip(text: str, length: int) -> str:
    return text.strip()[:length] or "-"


def pain001(
    *,
    message_id: str,
    created_at: dt.datetime,
    execution_date: dt.date,
    debtor: Debtor,
    transfers: Sequence[Transfer],
) -> bytes:
    """The pain.001.001.03 document for ``transfers`` (all positive, in DKK) as UTF-8 XML bytes."""
    if not transfers:
        raise ValueError("a payment file needs at least one transfer")
    if any(t.amount <= 0 for t in transfers):
        raise ValueError("transfers must be positive")
    total = sum((t.amount for t in transfers), Decimal("0.00"))
    ET.register_namespace("", NS)
    document = ET.Element(f"{{{NS}}}Document")
    initiation = _sub(document, "CstmrCdtTrfInitn")
    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", _clip(message_id, 35))
    _sub(header, "CreDtTm", created_at.replace(microsecond=0, tzinfo=None).isoformat())
    _sub(header, "NbOfTxs", str(len(transfers)))
    _sub(header, "CtrlSum", f"{total:.2f}")
    _sub(_sub(header, "InitgPty"), "Nm", _clip(debtor.name, 70))

    info = _sub(initiation, "PmtInf")
    _sub(info, "PmtInfId", _clip(message_id, 35))
    _sub(info, "PmtMtd", "TRF")
    _sub(info, "NbOfTxs", str(len(transfers)))
    _sub(info, "CtrlSum", f"{total:.2f}")
    _sub(info, "ReqdExctnDt", execution_date.isoformat())
    _sub(_sub(info, "Dbtr"), "Nm", _clip(debtor.name, 70))
    _sub(_sub(_sub(info, "DbtrAcct"), "Id"), "IBAN", debtor.iban.replace(" ", ""))
    agent = _sub(_sub(info, "DbtrAgt"), "FinInstnId")
    if debtor.bic:
        _sub(agent, "BIC", debtor.bic)
    else:
        _sub(_sub(agent, "Othr"), "Id", "NOTPROVIDED")
    _sub(info, "ChrgBr", "SLEV")
    for transfer in transfers:
        tx = _sub(info, "CdtTrfTxInf")
        _sub(_sub(tx, "PmtId"), "EndToEndId", _clip(transfer.end_to_end_id, 35))
        _sub(_sub(tx, "Amt"), "InstdAmt", f"{transfer.amount:.2f}", Ccy="DKK")
        creditor = _sub(tx, "Cdtr")
        _sub(creditor, "Nm", _clip(transfer.creditor_name, 70))
        org = _sub(_sub(_sub(creditor, "Id"), "OrgId"), "Othr")
        _sub(org, "Id", transfer.creditor_cvr)
        _sub(_sub(org, "SchmeNm"), "Prtry", "CVR")
        account = _sub(_sub(_sub(tx, "CdtrAcct"), "Id"), "Othr")
        _sub(account, "Id", transfer.creditor_cvr)
        _sub(_sub(account, "SchmeNm"), "Prtry", "NEMKONTO")
        _sub(_sub(tx, "RmtInf"), "Ustrd", _clip(transfer.remittance, 140))
    ET.indent(document)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(document, encoding="utf-8")


def csv_file(*, execution_date: dt.date, transfers: Sequence[Transfer]) -> str:
    """The same transfers as CSV for the region's finance system (semicolons, decimal comma)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Betalingsdato", "Reference", "Modtager", "CVR (NemKonto)", "Beløb (DKK)", "Tekst"])
    for t in transfers:
        writer.writerow(
            [
                execution_date.isoformat(),
                t.end_to_end_id,
                t.creditor_name,
                t.creditor_cvr,
                f"{t.amount:.2f}".replace(".", ","),
                t.remittance,
            ]
        )
    return out.getvalue()
