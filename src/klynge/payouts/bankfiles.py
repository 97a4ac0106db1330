"""Reading the bank's ISO 20022 files (#13): ``camt.054.001.02`` debit/credit notifications and
``pain.002.001.03`` payment status reports, and the claims' payment references.

A bank file is untrusted input. :func:`read` refuses, with one Danish message (English through
gettext) naming the place and the fix, and never with a traceback: an empty file or one over
:data:`MAX_BYTES`, anything but UTF-8, a DTD or entity declaration (no entity is ever expanded or
fetched), XML that is not well formed, and a document of another namespace than the two read here.
What it returns is plain data (:class:`BankFile`); matching it to payouts and claims is
:mod:`klynge.payouts.bank`. docs/bank-files.md describes the formats and the matching rules.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _
from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

MAX_BYTES = 5 * 1024 * 1024  # a day's notifications of a region's account are far smaller
CAMT054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"
PAIN002 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"

# --- Payment references ---------------------------------------------------------------------------

REFERENCE_BODY = "KLYNGE"
_RF = re.compile(r"(RF\d{2}KLYNGE)(\d{5,15})")
_LEGACY = re.compile(r"KRAV-(\d{4})-(\d{1,12})")  # the letters' reference before #13


def creditor_reference(region_code: str, claim_pk: int) -> str:
    """The ISO 11649 creditor reference of a claim: ``RF`` + check digits + ``KLYNGE`` + region code +
    claim number, e.g. ``RF83KLYNGE10815`` (at most 25 characters for any claim number below 10¹¹)."""
    body = f"{REFERENCE_BODY}{region_code}{claim_pk}"
    reference = f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"
    return iso11649.validate(reference)


def claim_keys(text: str) -> list[tuple[str, int]]:
    """The (region code, claim number) pairs of every valid reference of ours in ``text``: creditor
    references (spaces allowed, any case) and the letters' older ``KRAV-<region>-<claim>``."""
    found: list[tuple[str, int]] = []
    squeezed = re.sub(r"\s+", "", text.upper())  # references are often written in groups of four
    for match in _RF.finditer(squeezed):
        digits = match.group(2)
        # the digits may run on into what follows (an amount, a date): the longest valid one counts
        for end in range(len(digits), 4, -1):
            reference = f"{match.group(1)}{digits[:end]}"
            if iso11649.is_valid(reference):
                found.append((digits[:4], int(digits[4:end])))
                break
    for match in _LEGACY.finditer(text.upper()):
        found.append((match.group(1), int(match.group(2))))
    return found


# --- The files as data ----------------------------------------------------------------------------


class BankFileError(ValueError):
    """A file that cannot be read, with the message for the person who chose it."""


@dataclass(frozen=True)
class Transaction:
    """One transaction of a camt.054 entry (or the entry itself when it has no details)."""

    credit: bool
    amount: Decimal | None  # None: a batch entry without the transaction's own amount
    currency: str
    booked: bool  # status BOOK (pending and information-only entries are not acted on)
    reversal: bool
    booked_on: dt.date | None
    end_to_end_id: str
    bank_reference: str
    party_name: str  # the payer of a credit, the payee of a debit
    party_id: str  # their organisation id (CVR) or, failing that, account
    references: tuple[str, ...]  # structured creditor references, then the unstructured texts


@dataclass(frozen=True)
class Status:
    """The status of one payment (by end-to-end id) or of a whole payment file (``end_to_end_id`` "")."""

    end_to_end_id: str
    code: str  # ACCP, ACSC, ACSP, ACTC, ACWC, PART, PDNG, RCVD, RJCT
    reason: str  # the bank's reason code and text, e.g. "AC04 Konto lukket"


@dataclass(frozen=True)
class BankFile:
    kind: str  # "camt054" | "pain002"
    message_id: str
    account_iban: str = ""  # camt.054: the account notified
    original_message_id: str = ""  # pain.002: the payment file reported on
    group_status: str = ""
    group_reason: str = ""
    transactions: tuple[Transaction, ...] = ()
    statuses: tuple[Status, ...] = field(default=())


REJECTED = "RJCT"
ACCEPTED = ("ACCP", "ACSC", "ACSP", "ACTC", "ACWC")


def read(data: bytes) -> BankFile:
    """The camt.054 or pain.002 document in ``data``; :class:`BankFileError` with the reason otherwise."""
    if not data.strip():
        raise BankFileError(_("Fil: filen er tom. Vælg bankens camt.054- eller pain.002-fil."))
    if len(data) > MAX_BYTES:
        raise BankFileError(
            _("Fil: filen fylder %(size)s MB; højst %(max)s MB. Hent en fil for færre dage fra banken.")
            % {"size": f"{len(data) / 1024 / 1024:.1f}", "max": MAX_BYTES // 1024 // 1024}
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BankFileError(
            _("Fil: byte %(position)s er ikke UTF-8. Hent filen fra banken som UTF-8 (ISO 20022 XML).")
            % {"position": exc.start + 1}
        ) from None
    declaration = re.match(r"\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']", text)
    if declaration and declaration.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise BankFileError(
            _("Fil: filen angiver tegnsættet %(encoding)s; kun UTF-8 læses. Hent filen som UTF-8.")
            % {"encoding": declaration.group(1)}
        )
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise BankFileError(
            _(
                "Fil: filen har en DOCTYPE- eller ENTITY-erklæring, som en bankfil ikke har. Hent filen igen fra banken."
            )
        )
    try:
        root = fromstring(text.encode("utf-8"), forbid_dtd=True)
    except ParseError as exc:
        line, column = exc.position
        raise BankFileError(
            _("Fil: ikke gyldig XML i linje %(line)s, kolonne %(column)s. Hent filen igen fra banken.")
            % {"line": line, "column": column + 1}
        ) from None
    except DefusedXmlException:
        raise BankFileError(
            _(
                "Fil: filen har en DOCTYPE- eller ENTITY-erklæring, som en bankfil ikke har. Hent filen igen fra banken."
            )
        ) from None
    if root.tag == f"{{{CAMT054}}}Document":
        return _camt054(root)
    if root.tag == f"{{{PAIN002}}}Document":
        return _pain002(root)
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    raise BankFileError(
        _(
            "Fil: dokumentet er %(found)s; der læses kun camt.054.001.02 (debit/kredit-advisering) og "
            "pain.002.001.03 (statusrapport). Bed banken om et af dem."
        )
        % {"found": namespace.rsplit(":", 1)[-1] or root.tag}
    )


def _at(path: str, place: str) -> BankFileError:
    return BankFileError(
        _("Fil: %(place)s mangler %(path)s. Filen følger ikke ISO 20022; hent den igen fra banken.")
        % {"place": place, "path": path}
    )


class _Reader:
    def __init__(self, namespace: str) -> None:
        self.ns = {"d": namespace}

    def find(self, element: Element, path: str) -> Element | None:
        return element.find(self._path(path), self.ns)

    def all(self, element: Element, path: str) -> list[Element]:
        return element.findall(self._path(path), self.ns)

    def text(self, element: Element, path: str) -> str:
        found = element.findtext(self._path(path), default="", namespaces=self.ns)
        return " ".join(found.split())

    @staticmethod
    def _path(path: str) -> str:
        return "/".join(f"d:{step}" for step in path.split("/"))


def _amount(text: str, place: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BankFileError(
            _("Fil: %(place)s har beløbet '%(value)s', som ikke er et tal. Hent filen igen fra banken.")
            % {"place": place, "value": text[:20]}
        ) from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise BankFileError(
            _("Fil: %(place)s har beløbet '%(value)s'; skriv det med højst to decimaler og ikke negativt.")
            % {"place": place, "value": text[:20]}
        )
    return value.quantize(Decimal("0.01"))


def _date(text: str, place: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise BankFileError(
            _("Fil: %(place)s har datoen '%(value)s', som ikke er en dato (ÅÅÅÅ-MM-DD).")
            % {"place": place, "value": text[:20]}
        ) from None


def _camt054(root: Element) -> BankFile:
    r = _Reader(CAMT054)
    message = r.find(root, "BkToCstmrDbtCdtNtfctn")
    if message is None:
        raise _at("BkToCstmrDbtCdtNtfctn", "Document")
    message_id = r.text(message, "GrpHdr/MsgId")
    if not message_id:
        raise _at("GrpHdr/MsgId", "BkToCstmrDbtCdtNtfctn")
    ibans = set()
    transactions: list[Transaction] = []
    for n, notification in enumerate(r.all(message, "Ntfctn"), start=1):
        iban = r.text(notification, "Acct/Id/IBAN").replace(" ", "").upper()
        if iban:
            ibans.add(iban)
        for e, entry in enumerate(r.all(notification, "Ntry"), start=1):
            place = _("notifikation %(n)s, post %(e)s") % {"n": n, "e": e}
            amount_element = r.find(entry, "Amt")
            if amount_element is None:
                raise _at("Amt", place)
            entry_amount = _amount((amount_element.text or "").strip(), place)
            currency = amount_element.get("Ccy", "")
            credit = r.text(entry, "CdtDbtInd") == "CRDT"
            booked_on = _date(r.text(entry, "BookgDt/Dt") or r.text(entry, "BookgDt/DtTm"), place)
            booked = r.text(entry, "Sts") == "BOOK"
            reversal = r.text(entry, "RvslInd") == "true"
            entry_ref = r.text(entry, "AcctSvcrRef")
            details = [tx for d in r.all(entry, "NtryDtls") for tx in r.all(d, "TxDtls")]
            if not details:
                transactions.append(
                    Transaction(
                        credit,
                        entry_amount,
                        currency,
                        booked,
                        reversal,
                        booked_on,
                        "",
                        entry_ref,
                        "",
                        "",
                        tuple(filter(None, [r.text(entry, "AddtlNtryInf")])),
                    )
                )
                continue
            for t, tx in enumerate(details, start=1):
                tx_place = _("%(place)s, transaktion %(t)s") % {"place": place, "t": t}
                amount: Decimal | None = None
                for path in ("AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt"):
                    found = r.find(tx, path)
                    if found is not None:
                        amount = _amount((found.text or "").strip(), tx_place)
                        currency = found.get("Ccy", currency)
                        break
                if amount is None and len(details) == 1:
                    amount = entry_amount
                party = "Dbtr" if credit else "Cdtr"
                party_id = (
                    r.text(tx, f"RltdPties/{party}/Id/OrgId/Othr/Id")
                    or r.text(tx, f"RltdPties/{party}Acct/Id/IBAN")
                    or r.text(tx, f"RltdPties/{party}Acct/Id/Othr/Id")
                )
                references = [r.text(s, "CdtrRefInf/Ref") for s in r.all(tx, "RmtInf/Strd")]
                references += [" ".join((u.text or "").split()) for u in r.all(tx, "RmtInf/Ustrd")]
                references.append(r.text(tx, "AddtlTxInf"))
                transactions.append(
                    Transaction(
                        credit,
                        amount,
                        currency,
                        booked,
                        reversal,
                        booked_on,
                        r.text(tx, "Refs/EndToEndId"),
                        r.text(tx, "Refs/AcctSvcrRef") or entry_ref,
                        r.text(tx, f"RltdPties/{party}/Nm"),
                        party_id,
                        tuple(filter(None, references)),
                    )
                )
    if len(ibans) > 1:
        raise BankFileError(
            _("Fil: filen dækker flere konti (%(accounts)s); indlæs én fil pr. konto.")
            % {"accounts": ", ".join(sorted(ibans))}
        )
    return BankFile(
        kind="camt054",
        message_id=message_id,
        account_iban=next(iter(ibans), ""),
        transactions=tuple(transactions),
    )


def _reason(r: _Reader, element: Element) -> str:
    parts = []
    for info in r.all(element, "StsRsnInf"):
        code = r.text(info, "Rsn/Cd") or r.text(info, "Rsn/Prtry")
        parts.append(
            " ".join(
                filter(None, [code, *(" ".join((a.text or "").split()) for a in r.all(info, "AddtlInf"))])
            )
        )
    return "; ".join(filter(None, parts))[:300]


def _pain002(root: Element) -> BankFile:
    r = _Reader(PAIN002)
    report = r.find(root, "CstmrPmtStsRpt")
    if report is None:
        raise _at("CstmrPmtStsRpt", "Document")
    message_id = r.text(report, "GrpHdr/MsgId")
    if not message_id:
        raise _at("GrpHdr/MsgId", "CstmrPmtStsRpt")
    group = r.find(report, "OrgnlGrpInfAndSts")
    if group is None:
        raise _at("OrgnlGrpInfAndSts", "CstmrPmtStsRpt")
    statuses: list[Status] = []
    for info in r.all(report, "OrgnlPmtInfAndSts"):
        info_status = r.text(info, "PmtInfSts")
        info_reason = _reason(r, info)
        for tx in r.all(info, "TxInfAndSts"):
            statuses.append(
                Status(
                    r.text(tx, "OrgnlEndToEndId"),
                    r.text(tx, "TxSts") or info_status,
                    _reason(r, tx) or info_reason,
                )
            )
        if info_status and not r.all(info, "TxInfAndSts"):
            statuses.append(Status("", info_status, info_reason))
    return BankFile(
        kind="pain002",
        message_id=message_id,
        original_message_id=r.text(group, "OrgnlMsgId"),
        group_status=r.text(group, "GrpSts"),
        group_reason=_reason(r, group),
        statuses=tuple(statuses),
    )
