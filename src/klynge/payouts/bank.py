"""Importing the bank's files (#13): payouts marked paid by their end-to-end id, repayments matched to
claims by payment reference or by amount and payer, the bank's status of a payment file, and what
could not be matched listed for a person (docs/bank-files.md).

Every function is one atomic service that audits with the acting user. A file is imported once: its
SHA-256 is kept, and importing it again changes nothing and says so. A dry run does everything in a
transaction that is rolled back, so its report is exactly what the import would do.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klynge.accounts.access import Action, require_region
from klynge.audit.log import record
from klynge.common.dates import long_date, long_datetime
from klynge.core.money import format_dkk
from klynge.payouts import bankfiles, claims, runs
from klynge.payouts.models import BankEntry, BankImport, Payout, PayoutRun, RepaymentClaim
from klynge.registry.models import Region

Outcome = BankEntry.Outcome
NEEDS_A_PERSON = (Outcome.UNMATCHED, Outcome.REJECTED)
_OURS = re.compile(r"^KLYNGE-(\d{1,12})-(\d{1,12})$")  # runs.transfers(): KLYNGE-<run>-<payout>

# Why an entry has its outcome (the code is stored; the text is read in the reader's language).
REASONS: dict[str, Any] = {
    "paid": gettext_lazy("Udbetalingen er registreret som betalt."),
    "already_paid": gettext_lazy("Udbetalingen var allerede registreret som betalt (%(detail)s)."),
    "repaid": gettext_lazy("Indbetalingen er registreret på kravet, som nu er betalt."),
    "claim_partly": gettext_lazy(
        "Indbetalingen er registreret; der mangler stadig %(detail)s kr. på kravet."
    ),
    "overpaid": gettext_lazy(
        "Indbetalingen dækker kravet; %(detail)s kr. er betalt for meget og skal afklares af en person."
    ),
    "accepted": gettext_lazy("Banken har accepteret betalingen (%(detail)s)."),
    "rejected": gettext_lazy(
        "Banken har afvist betalingen (%(detail)s). Udbetalingen er ikke betalt; ret fejlen, og betal den igen."
    ),
    "bank_status": gettext_lazy("Bankens status: %(detail)s."),
    "not_booked": gettext_lazy("Posten er ikke bogført endnu (status %(detail)s); indlæs den, når den er."),
    "already_imported": gettext_lazy(
        "Posten er allerede indlæst fra en anden fil (bankens reference %(detail)s)."
    ),
    "reversal": gettext_lazy("Posten er en tilbageførsel; afklar den med banken."),
    "currency": gettext_lazy("Posten er i %(detail)s; kun DKK afstemmes."),
    "no_amount": gettext_lazy("Posten har intet beløb for transaktionen; match den med hånden."),
    "no_date": gettext_lazy("Posten har ingen bogføringsdato; match den med hånden."),
    "unknown_payout": gettext_lazy("Ingen udbetaling i regionen har end-to-end-id %(detail)s."),
    "amount_differs": gettext_lazy("Beløbet passer ikke med udbetalingen (%(detail)s kr.)."),
    "unknown_reference": gettext_lazy(
        "Referencen %(detail)s passer ikke med noget frigivet krav i regionen."
    ),
    "claim_paid": gettext_lazy(
        "Kravet med referencen er allerede betalt; beløbet skal afklares af en person."
    ),
    "ambiguous": gettext_lazy("Beløb og betaler passer med %(detail)s krav; vælg det rigtige."),
    "payer_differs": gettext_lazy(
        "Beløbet passer med %(detail)s udestående krav, men betaleren passer ikke; vælg kravet, hvis det er det rigtige."
    ),
    "no_claim": gettext_lazy("Ingen reference, og intet udestående krav er på netop dette beløb."),
    "no_reference": gettext_lazy("Ingen end-to-end-id fra en af vores betalingsfiler."),
    "refused": gettext_lazy("Kunne ikke registreres: %(detail)s"),
    "matched_by_hand": gettext_lazy("Matchet af %(detail)s."),
}


def reason_text(entry: BankEntry) -> str:
    template = REASONS.get(entry.reason)
    if template is None:
        return entry.detail
    return str(template) % {"detail": entry.detail} if "%(detail)s" in str(template) else str(template)


@dataclass(frozen=True)
class ReportLine:
    position: int
    kind: str  # credit | debit | status
    kind_display: str
    outcome: str
    outcome_display: str
    amount: Decimal | None
    booked_on: Any
    reference: str  # the end-to-end id, payment reference or bank reference shown
    party: str
    text: str
    run_pk: int | None
    payout_pk: int | None
    claim_pk: int | None
    remainder: Decimal


def report_line(entry: BankEntry) -> ReportLine:
    run_pk = None
    if entry.payout_id is not None:
        run_pk = entry.payout.run_id if entry.payout else None
    elif entry.claim_id is not None:
        run_pk = entry.claim.run_id if entry.claim else None
    return ReportLine(
        position=entry.position,
        kind=entry.kind,
        kind_display=str(entry.get_kind_display()),
        outcome=entry.outcome,
        outcome_display=str(entry.get_outcome_display()),
        amount=entry.amount,
        booked_on=entry.booked_on,
        reference=entry.end_to_end_id or entry.reference[:60] or entry.bank_reference,
        party=" ".join(filter(None, [entry.party_name, entry.party_id])),
        text=reason_text(entry),
        run_pk=run_pk,
        payout_pk=entry.payout_id,
        claim_pk=entry.claim_id,
        remainder=entry.remainder,
    )


@dataclass
class BankImportReport:
    """What an import did (or, in a dry run, would do)."""

    dry_run: bool
    already: bool  # the same file was imported before: nothing changed
    import_pk: int | None
    region: str
    kind: str
    message_id: str
    imported_at: Any = None
    imported_by: str = ""
    lines: list[ReportLine] = field(default_factory=list)
    runs_unpaid: list[tuple[Any, int, int]] = field(default_factory=list)  # (run date, unpaid, payouts)

    def of(self, *outcomes: str) -> list[ReportLine]:
        return [line for line in self.lines if line.outcome in outcomes]

    @property
    def matched(self) -> list[ReportLine]:
        return self.of(Outcome.MATCHED, Outcome.ACCEPTED)

    @property
    def partly(self) -> list[ReportLine]:
        return self.of(Outcome.PARTLY)

    @property
    def unmatched(self) -> list[ReportLine]:
        return self.of(Outcome.UNMATCHED, Outcome.REJECTED)

    @property
    def info(self) -> list[ReportLine]:
        return self.of(Outcome.INFO)

    def summary(self) -> list[str]:
        """The report as lines of text in the active language (the command prints them)."""
        if self.already:
            head = _("Filen %(message)s er allerede indlæst %(date)s af %(user)s; intet er ændret.") % {
                "message": self.message_id,
                "date": long_datetime(self.imported_at) if self.imported_at else "",
                "user": self.imported_by,
            }
        elif self.dry_run:
            head = _("Prøvekørsel af %(message)s (%(region)s): intet er gemt.") % {
                "message": self.message_id,
                "region": self.region,
            }
        else:
            head = _("%(message)s indlæst for %(region)s.") % {
                "message": self.message_id,
                "region": self.region,
            }
        out = [
            head,
            _("Afstemt: %(count)s") % {"count": len(self.matched)},
            _("Delvis afstemt: %(count)s") % {"count": len(self.partly)},
            _("Ikke afstemt: %(count)s") % {"count": len(self.unmatched)},
        ]
        if self.info:
            out.append(_("Til orientering: %(count)s") % {"count": len(self.info)})
        for line in self.partly + self.unmatched:
            amount = f"{format_dkk(line.amount)} kr." if line.amount is not None else "–"
            out.append(f"  {line.position}. {line.outcome_display}: {amount} {line.reference} – {line.text}")
        for day, unpaid, total in self.runs_unpaid:
            out.append(
                _("Kørsel %(date)s: %(unpaid)s af %(total)s udbetalinger mangler stadig at blive betalt.")
                % {"date": long_date(day), "unpaid": unpaid, "total": total}
            )
        return out


# --- Where a file belongs ---------------------------------------------------------------------------


def scope(region: Region) -> list[int]:
    """The region and every region merged into it, directly or through others (#11)."""
    ids = [region.pk]
    frontier = [region.pk]
    for _depth in range(10):
        frontier = list(
            Region.objects.filter(successor_id__in=frontier).exclude(pk__in=ids).values_list("pk", flat=True)
        )
        if not frontier:
            break
        ids += frontier
    return ids


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def _region_of(parsed: bankfiles.BankFile) -> tuple[Region, PayoutRun | None]:
    if parsed.kind == "camt054":
        if not parsed.account_iban:
            raise _refuse(
                _("Fil: kontoen (Ntfctn/Acct/Id/IBAN) mangler, så filen kan ikke knyttes til en region.")
            )
        for region in Region.objects.exclude(payment_iban=""):
            if region.payment_iban.replace(" ", "").upper() == parsed.account_iban:
                return runs.region_in_force(region), None
        raise _refuse(
            _(
                "Konto: %(iban)s er ikke konto for nogen region. Skriv kontoen under regionens "
                "indstillinger, eller vælg filen for regionens konto."
            )
            % {"iban": parsed.account_iban}
        )
    match = re.fullmatch(r"KLYNGE-(\d{4})-(\d{1,12})", parsed.original_message_id)
    run = (
        PayoutRun.objects.select_related("region")
        .filter(pk=int(match.group(2)), region__code=match.group(1), status=PayoutRun.Status.RELEASED)
        .first()
        if match
        else None
    )
    if run is None:
        raise _refuse(
            _(
                "Fil: statusrapporten gælder betalingsfilen '%(message)s', som ikke er en af vores frigivne "
                "kørsler. Vælg statusrapporten for en betalingsfil fra Klyngeøkonomi."
            )
            % {"message": parsed.original_message_id or "–"}
        )
    return runs.region_in_force(run.region), run


# --- Importing --------------------------------------------------------------------------------------


def bank_import(
    *, actor: Any, data: bytes, dry_run: bool = False, region: Region | None = None, filename: str = ""
) -> BankImportReport:
    """Import a camt.054 or pain.002 file of a region's account (``region``: it must be that region's).

    Refused with a ``ValidationError`` on ``file`` (a malformed or foreign file), ``PermissionDenied``
    without the right to handle the region's payments (an officer, :attr:`Action.PAY`)."""
    try:
        parsed = bankfiles.read(data)
    except bankfiles.BankFileError as exc:
        raise _refuse(str(exc)) from None
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        earlier = BankImport.objects.select_related("region", "imported_by").filter(sha256=digest).first()
        if earlier is not None:
            require_region(actor, Action.PAY, runs.region_in_force(earlier.region))
            return stored_report(earlier, already=True)
        home, run = _region_of(parsed)
        if region is not None and home.pk != runs.region_in_force(region).pk:
            raise _refuse(
                _("Fil: filen hører til %(home)s, ikke %(region)s. Indlæs den under %(home)s.")
                % {"home": home.name, "region": region.name}
            )
        require_region(actor, Action.PAY, home)
        try:
            with transaction.atomic():
                imported = BankImport.objects.create(
                    region=home,
                    kind=parsed.kind,
                    sha256=digest,
                    message_id=parsed.message_id[:35],
                    filename=filename[:200],
                    imported_by=actor,
                )
        except IntegrityError:  # the same file imported at the same moment by another request
            raise _refuse(
                _("Fil: filen bliver indlæst lige nu af en anden; se resultatet om lidt.")
            ) from None
        matcher = _Matcher(actor, home, imported)
        if parsed.kind == "camt054":
            for tx in parsed.transactions:
                matcher.transaction(tx)
        else:
            assert run is not None
            matcher.statuses(parsed, run)
        entries = matcher.entries
        imported.entries_count = len(entries)
        imported.matched_count = sum(e.outcome in (Outcome.MATCHED, Outcome.ACCEPTED) for e in entries)
        imported.partly_count = sum(e.outcome == Outcome.PARTLY for e in entries)
        imported.unmatched_count = sum(e.outcome in NEEDS_A_PERSON for e in entries)
        imported.save(update_fields=["entries_count", "matched_count", "partly_count", "unmatched_count"])
        record(
            actor=actor,
            action="bank.import",
            summary=_(
                "Bankfil %(message)s indlæst: %(matched)s afstemt, %(partly)s delvis, %(unmatched)s ikke afstemt"
            )
            % {
                "message": imported.message_id,
                "matched": imported.matched_count,
                "partly": imported.partly_count,
                "unmatched": imported.unmatched_count,
            },
            obj=imported,
            after={
                "kind": imported.kind,
                "sha256": digest,
                "entries": imported.entries_count,
                "dry_run": dry_run,
            },
            region=home,
        )
        report = BankImportReport(
            dry_run=dry_run,
            already=False,
            import_pk=None if dry_run else imported.pk,
            region=home.name,
            kind=imported.get_kind_display(),
            message_id=imported.message_id,
            imported_at=imported.imported_at,
            imported_by=str(actor),
            lines=[report_line(e) for e in entries],
            runs_unpaid=_runs_unpaid(e.payout for e in entries if e.payout is not None),
        )
        if dry_run:
            transaction.set_rollback(True)
    return report


def stored_report(imported: BankImport, *, already: bool = False) -> BankImportReport:
    entries = list(imported.entries.select_related("payout", "claim").order_by("position"))
    return BankImportReport(
        dry_run=False,
        already=already,
        import_pk=imported.pk,
        region=imported.region.name,
        kind=imported.get_kind_display(),
        message_id=imported.message_id,
        imported_at=imported.imported_at,
        imported_by=str(imported.imported_by),
        lines=[report_line(e) for e in entries],
        runs_unpaid=_runs_unpaid(e.payout for e in entries if e.payout is not None),
    )


def _runs_unpaid(payouts: Iterable[Payout]) -> list[tuple[Any, int, int]]:
    found = []
    for run in PayoutRun.objects.filter(pk__in={p.run_id for p in payouts}).order_by("run_date"):
        total = run.payouts.count()
        unpaid = run.payouts.filter(paid_on__isnull=True).count()
        if unpaid:
            found.append((run.run_date, unpaid, total))
    return found


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _name(text: str) -> str:
    return " ".join(text.casefold().split())


class _Matcher:
    def __init__(self, actor: Any, region: Region, imported: BankImport) -> None:
        self.actor = actor
        self.region = region
        self.scope = scope(region)
        self.imported = imported
        self.entries: list[BankEntry] = []

    def _entry(self, **values: Any) -> BankEntry:
        entry = BankEntry.objects.create(bank_import=self.imported, position=len(self.entries) + 1, **values)
        self.entries.append(entry)
        return entry

    # camt.054 -----------------------------------------------------------------------------------

    def transaction(self, tx: bankfiles.Transaction) -> None:
        base = {
            "kind": BankEntry.Kind.CREDIT if tx.credit else BankEntry.Kind.DEBIT,
            "amount": tx.amount,
            "currency": tx.currency[:3],
            "booked_on": tx.booked_on,
            "end_to_end_id": tx.end_to_end_id[:35],
            "reference": " / ".join(tx.references)[:140],
            "bank_reference": tx.bank_reference[:35],
            "party_name": tx.party_name[:140],
            "party_id": tx.party_id[:35],
        }
        outcome, reason, detail, extra = self._transaction(tx)
        self._entry(**base, outcome=outcome, reason=reason, detail=str(detail)[:300], **extra)

    def _transaction(self, tx: bankfiles.Transaction) -> tuple[str, str, Any, dict[str, Any]]:
        if not tx.booked:
            return Outcome.INFO, "not_booked", "PDNG/INFO", {}
        if tx.reversal:
            return Outcome.UNMATCHED, "reversal", "", {}
        if tx.currency and tx.currency != "DKK":
            return Outcome.UNMATCHED, "currency", tx.currency, {}
        if tx.booked_on is None:
            return Outcome.UNMATCHED, "no_date", "", {}
        if tx.credit and tx.bank_reference and tx.amount is not None:
            earlier = BankEntry.objects.filter(  # type: ignore[misc]
                bank_import__region__in=self.scope,
                kind=BankEntry.Kind.CREDIT,
                bank_reference=tx.bank_reference,
                amount=tx.amount,
            ).exclude(bank_import=self.imported)
            if earlier.exists():
                return Outcome.INFO, "already_imported", tx.bank_reference, {}
        return self._credit(tx) if tx.credit else self._debit(tx)

    def _debit(self, tx: bankfiles.Transaction) -> tuple[str, str, Any, dict[str, Any]]:
        payout = self._payout(tx.end_to_end_id)
        if payout is None:
            if tx.end_to_end_id:
                return Outcome.UNMATCHED, "unknown_payout", tx.end_to_end_id, {}
            return Outcome.UNMATCHED, "no_reference", "", {}
        if payout.paid_on is not None:
            return Outcome.INFO, "already_paid", long_date(payout.paid_on), {"payout": payout}
        if tx.amount is not None and tx.amount != payout.amount:
            return Outcome.UNMATCHED, "amount_differs", format_dkk(payout.amount), {"payout": payout}
        assert tx.booked_on is not None
        refused = self._attempt(
            lambda: runs.payouts_mark_paid(
                actor=self.actor, run=payout.run, paid_on=tx.booked_on, payouts=[payout]
            )
        )
        if refused:
            return Outcome.UNMATCHED, "refused", refused, {"payout": payout}
        return Outcome.MATCHED, "paid", "", {"payout": payout}

    def _payout(self, end_to_end_id: str, run: PayoutRun | None = None) -> Payout | None:
        match = _OURS.match(end_to_end_id)
        if not match:
            return None
        found = Payout.objects.select_related("run", "cluster").filter(
            pk=int(match.group(2)),
            run_id=int(match.group(1)),
            run__region__in=self.scope,
            run__status=PayoutRun.Status.RELEASED,
        )
        if run is not None:
            found = found.filter(run=run)
        return found.first()

    def _attempt(self, step: Any) -> str:
        """Run a service in a savepoint; its refusal as text ("" when it went through)."""
        try:
            with transaction.atomic():
                step()
        except ValidationError as exc:
            return " ".join(exc.messages)
        except PermissionDenied as exc:
            return str(exc)
        return ""

    def _claims(self) -> Any:
        return RepaymentClaim.objects.select_related("run__region", "cluster").filter(
            run__region__in=self.scope, run__status=PayoutRun.Status.RELEASED
        )

    def _credit(self, tx: bankfiles.Transaction) -> tuple[str, str, Any, dict[str, Any]]:
        if tx.amount is None:
            return Outcome.UNMATCHED, "no_amount", "", {}
        keys = bankfiles.claim_keys(" ".join([*tx.references, tx.end_to_end_id]))
        if keys:
            for code, pk in keys:
                claim = self._claims().filter(pk=pk, run__region__code=code).first()
                if claim is not None:
                    return self._repay(tx, claim)
            shown = ", ".join(f"{code}-{pk}" for code, pk in keys)
            return Outcome.UNMATCHED, "unknown_reference", shown, {}
        candidates = list(self._claims())
        facts = claims.facts_of(candidates)  # what is outstanding: less repayments and write-offs
        open_claims = [c for c in candidates if facts[c.pk].outstanding == tx.amount]
        cvr = _digits(tx.party_id)
        name = _name(tx.party_name)
        payer = [
            c
            for c in open_claims
            if (cvr and len(cvr) == 8 and c.cluster.cvr == cvr) or (name and _name(c.cluster.name) == name)
        ]
        if len(payer) == 1:
            return self._repay(tx, payer[0])
        if len(payer) > 1:
            return Outcome.UNMATCHED, "ambiguous", len(payer), {}
        if open_claims:
            return Outcome.UNMATCHED, "payer_differs", len(open_claims), {}
        return Outcome.UNMATCHED, "no_claim", "", {}

    def _repay(
        self, tx: bankfiles.Transaction, claim: RepaymentClaim
    ) -> tuple[str, str, Any, dict[str, Any]]:
        assert tx.amount is not None and tx.booked_on is not None
        outstanding = runs.claim_outstanding(claim)
        if outstanding <= 0:
            return Outcome.UNMATCHED, "claim_paid", "", {"claim": claim, "remainder": tx.amount}
        value = min(tx.amount, outstanding)
        made: list[Any] = []
        refused = self._attempt(
            lambda: made.append(
                runs.repayment_record(actor=self.actor, claim=claim, amount=value, received_on=tx.booked_on)
            )
        )
        if refused:
            return Outcome.UNMATCHED, "refused", refused, {"claim": claim}
        extra = {"claim": claim, "repayment": made[0]}
        if tx.amount > outstanding:
            remainder = tx.amount - outstanding
            return Outcome.PARTLY, "overpaid", format_dkk(remainder), {**extra, "remainder": remainder}
        if tx.amount < outstanding:
            return Outcome.PARTLY, "claim_partly", format_dkk(outstanding - tx.amount), extra
        return Outcome.MATCHED, "repaid", "", extra

    # pain.002 -----------------------------------------------------------------------------------

    def statuses(self, parsed: bankfiles.BankFile, run: PayoutRun) -> None:
        statuses = list(parsed.statuses)
        general = [s for s in statuses if not s.end_to_end_id]
        specific = [s for s in statuses if s.end_to_end_id]
        if not specific:  # a status of the whole file (or payment information): every payout of it
            code = general[0].code if general else parsed.group_status
            reason = general[0].reason if general else parsed.group_reason
            if not code:
                return
            payouts = {t.end_to_end_id: t for t in runs.transfers(run)}
            specific = [bankfiles.Status(e2e, code, reason) for e2e in payouts]
        for status in specific:
            payout = self._payout(status.end_to_end_id, run)
            base = {
                "kind": BankEntry.Kind.STATUS,
                "end_to_end_id": status.end_to_end_id[:35],
                "status_code": status.code[:4],
                "amount": payout.amount if payout else None,
                "currency": "DKK" if payout else "",
                "party_name": payout.cluster.name[:140] if payout else "",
                "payout": payout,
            }
            detail = " ".join(filter(None, [status.code, status.reason]))
            if payout is None:
                self._entry(
                    **base, outcome=Outcome.UNMATCHED, reason="unknown_payout", detail=status.end_to_end_id
                )
            elif status.code == bankfiles.REJECTED:
                self._entry(**base, outcome=Outcome.REJECTED, reason="rejected", detail=detail[:300])
            elif status.code in bankfiles.ACCEPTED:
                self._entry(**base, outcome=Outcome.ACCEPTED, reason="accepted", detail=detail[:300])
            else:
                self._entry(**base, outcome=Outcome.INFO, reason="bank_status", detail=detail[:300] or "–")


# --- A person's part --------------------------------------------------------------------------------


def _locked_entry(entry: BankEntry, actor: Any) -> tuple[BankEntry, Region]:
    entry = BankEntry.objects.select_for_update().select_related("bank_import__region").get(pk=entry.pk)
    region = runs.region_in_force(entry.bank_import.region)
    require_region(actor, Action.PAY, region)
    return entry, region


def open_entries(region: Region) -> Any:
    """The entries of the region's files that wait for a person: unmatched, rejected, or with an
    amount left over."""
    from django.db.models import Q

    return (
        BankEntry.objects.filter(bank_import__region__in=scope(region), resolved_at__isnull=True)
        .filter(Q(outcome__in=NEEDS_A_PERSON) | Q(remainder__gt=0))
        .select_related("bank_import", "payout__run", "claim__run")
        .order_by("booked_on", "bank_import_id", "position")
    )


@transaction.atomic
def bank_entry_match(
    *, actor: Any, entry: BankEntry, claim: RepaymentClaim | None = None, payout: Payout | None = None
) -> BankEntry:
    """A person matches an unmatched entry: a credit to a claim (a repayment of at most what is
    outstanding; the rest stays as a remainder), a debit to an unpaid payout of the same amount."""
    entry, region = _locked_entry(entry, actor)
    if entry.resolved_at is not None or entry.outcome != Outcome.UNMATCHED:
        raise ValidationError(
            {
                "entry": [
                    _("Posten er allerede afklaret (%(outcome)s).") % {"outcome": entry.get_outcome_display()}
                ]
            }
        )
    if entry.amount is None or entry.booked_on is None:
        raise ValidationError(
            {"entry": [_("Posten har intet beløb eller ingen dato; afklar den med en note i stedet.")]}
        )
    ids = scope(region)
    if entry.kind == BankEntry.Kind.CREDIT:
        if claim is None:
            raise ValidationError({"claim": [_("Krav: vælg det krav, indbetalingen hører til.")]})
        claim = RepaymentClaim.objects.select_related("run", "cluster").get(pk=claim.pk)
        if claim.run.region_id not in ids or claim.run.status != PayoutRun.Status.RELEASED:
            raise ValidationError({"claim": [_("Krav: vælg et frigivet krav i regionen.")]})
        outstanding = runs.claim_outstanding(claim)
        if outstanding <= 0:
            raise ValidationError({"claim": [_("Krav: kravet er allerede betalt; vælg et andet.")]})
        value = min(entry.amount, outstanding)
        entry.repayment = runs.repayment_record(
            actor=actor, claim=claim, amount=value, received_on=entry.booked_on
        )
        entry.claim = claim
        entry.remainder = entry.amount - value
        entry.outcome = Outcome.PARTLY if entry.remainder or value < outstanding else Outcome.MATCHED
        target: Any = claim
    elif entry.kind == BankEntry.Kind.DEBIT:
        if payout is None:
            raise ValidationError({"payout": [_("Udbetaling: vælg den udbetaling, posten hører til.")]})
        payout = Payout.objects.select_related("run", "cluster").get(pk=payout.pk)
        if payout.run.region_id not in ids or payout.run.status != PayoutRun.Status.RELEASED:
            raise ValidationError({"payout": [_("Udbetaling: vælg en frigivet udbetaling i regionen.")]})
        if payout.paid_on is not None:
            raise ValidationError({"payout": [_("Udbetaling: den er allerede registreret som betalt.")]})
        if payout.amount != entry.amount:
            raise ValidationError(
                {
                    "payout": [
                        _(
                            "Udbetaling: posten er på %(entry)s kr., udbetalingen på %(payout)s kr.; vælg den rigtige."
                        )
                        % {"entry": format_dkk(entry.amount), "payout": format_dkk(payout.amount)}
                    ]
                }
            )
        runs.payouts_mark_paid(actor=actor, run=payout.run, paid_on=entry.booked_on, payouts=[payout])
        entry.payout = payout
        entry.outcome = Outcome.MATCHED
        target = payout
    else:
        raise ValidationError({"entry": [_("En betalingsstatus matches ikke; afklar den med en note.")]})
    entry.reason = "matched_by_hand"
    entry.detail = str(actor)[:300]
    entry.resolved_by = actor
    entry.resolved_at = timezone.now()
    entry.save()
    record(
        actor=actor,
        action="bank.match",
        summary=_("Bankpost %(position)s i %(message)s matchet med %(target)s")
        % {"position": entry.position, "message": entry.bank_import.message_id, "target": target},
        obj=entry,
        after={"outcome": entry.outcome, "claim": entry.claim_id, "payout": entry.payout_id},
        region=region,
    )
    return entry


@transaction.atomic
def bank_entry_resolve(*, actor: Any, entry: BankEntry, note: str) -> BankEntry:
    """A person closes an entry that waits for them without matching it (e.g. not cluster money, an
    overpayment paid back, a rejected payment paid again) with a note saying why."""
    entry, region = _locked_entry(entry, actor)
    note = " ".join((note or "").split())
    if not note:
        raise ValidationError({"note": [_("Note: skriv, hvordan posten er afklaret.")]})
    if len(note) > 300:
        raise ValidationError({"note": [_("Note: højst 300 tegn.")]})
    if entry.resolved_at is not None:
        return entry
    entry.note = note
    entry.resolved_by = actor
    entry.resolved_at = timezone.now()
    entry.save(update_fields=["note", "resolved_by", "resolved_at"])
    record(
        actor=actor,
        action="bank.resolve",
        summary=_("Bankpost %(position)s i %(message)s afklaret: %(note)s")
        % {"position": entry.position, "message": entry.bank_import.message_id, "note": note},
        obj=entry,
        after={"note": note},
        region=region,
    )
    return entry
