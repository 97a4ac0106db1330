"""What ``klynge notify`` tells whom (#13), and sending each notice exactly once.

- a draft run → the region's approvers (not its preparer): it awaits approval;
- an approved run → its preparer: it may be released;
- a released run → each coordinator of a cluster in it: what the cluster gets and when, and each claim
  raised. The release itself mails the coordinators at once (with the claim letters attached,
  ``payouts.notifications.send_released``); these notices record that mail (``sent_at`` = the release)
  so it is listed on the recipient's page, and are never mailed again;
- a released claim past its deadline and not repaid → the cluster's coordinators and the region's
  officers, once; then a reminder to the coordinators every ``claim_reminder_days`` (per region, the
  setting ``CLAIM_REMINDER_DAYS_BY_REGION``, else ``CLAIM_REMINDER_DAYS``) until it is repaid.

Exactly once: a notice is inserted with ON CONFLICT DO NOTHING on the unique (recipient, kind, object),
so a concurrent run's row is never made twice. It is mailed only by the run that claims it: a committed
conditional UPDATE that sets ``sent_at`` where it is empty, before the mail goes out; a second or
concurrent run finds it taken. A mail server that fails gives the claim back, so the notice is mailed on
the next run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from klynge.accounts.models import Role, RoleAssignment
from klynge.common.dates import long_date
from klynge.notices.models import Notice
from klynge.payouts.explain import kr
from klynge.payouts.models import PayoutRun, RepaymentClaim
from klynge.payouts.runs import claim_outstanding, region_in_force

RELEASED_DAYS = 60  # released runs younger than this are recorded as notices (older ones: history)


@dataclass(frozen=True)
class Draft:
    recipient_id: int
    kind: str
    object_key: str
    subject: str
    body: str
    link: str
    sent_at: dt.datetime | None = None  # already mailed (by the release)


def reminder_days(region_code: str) -> int:
    by_region: dict[str, int] = getattr(settings, "CLAIM_REMINDER_DAYS_BY_REGION", {})
    return int(by_region.get(region_code, getattr(settings, "CLAIM_REMINDER_DAYS", 14)))


def _people(role: str, **scope: object) -> list[int]:
    return list(
        RoleAssignment.objects.filter(role=role, **scope).values_list("user_id", flat=True).distinct()
    )


def _with_link(text: str, path: str) -> str:
    return f"{text}\n\n{settings.SITE_URL}{path}\n"


def _runs(today: dt.date) -> Iterable[Draft]:
    for run in PayoutRun.objects.filter(status=PayoutRun.Status.DRAFT).select_related("region"):
        path = reverse("run_detail", args=[run.pk])
        subject = _("Kørslen %(date)s for %(region)s venter på godkendelse") % {
            "date": long_date(run.run_date),
            "region": run.region.name,
        }
        body = _(
            "%(region)s har forberedt udbetalingskørslen %(date)s: udbetalinger %(payouts)s, krav %(claims)s. "
            "Den skal godkendes af en anden end den, der forberedte den."
        ) % {
            "region": run.region.name,
            "date": long_date(run.run_date),
            "payouts": kr(run.total_payouts),
            "claims": kr(run.total_claims),
        }
        for user_id in _people(Role.REGION_APPROVER, region=run.region):
            if user_id != run.prepared_by_id:
                yield Draft(
                    user_id, Notice.Kind.RUN_AWAITING, f"run:{run.pk}", subject, _with_link(body, path), path
                )
    for run in PayoutRun.objects.filter(status=PayoutRun.Status.APPROVED).select_related("region"):
        path = reverse("run_detail", args=[run.pk])
        subject = _("Kørslen %(date)s for %(region)s er godkendt") % {
            "date": long_date(run.run_date),
            "region": run.region.name,
        }
        body = _("Kørslen %(date)s er godkendt og kan nu frigives.") % {"date": long_date(run.run_date)}
        yield Draft(
            run.prepared_by_id,
            Notice.Kind.RUN_APPROVED,
            f"run:{run.pk}",
            subject,
            _with_link(body, path),
            path,
        )


def _released(today: dt.date) -> Iterable[Draft]:
    since = timezone.now() - dt.timedelta(days=RELEASED_DAYS)
    for run in PayoutRun.objects.filter(
        status=PayoutRun.Status.RELEASED, released_at__gte=since
    ).select_related("region"):
        for payout in run.payouts.select_related("cluster"):
            path = reverse("cluster_economy", args=[payout.cluster_id])
            subject = _("Klyngemidler fra %(region)s: %(cluster)s") % {
                "region": run.region.name,
                "cluster": payout.cluster.name,
            }
            body = _(
                "%(cluster)s får %(amount)s udbetalt. Pengene forventes på klyngens NemKonto mellem "
                "%(first)s og %(last)s."
            ) % {
                "cluster": payout.cluster.name,
                "amount": kr(payout.amount),
                "first": long_date(payout.arrival_from),
                "last": long_date(payout.arrival_to),
            }
            for user_id in _people(Role.COORDINATOR, gp_cluster_id=payout.cluster_id):
                yield Draft(
                    user_id,
                    Notice.Kind.RUN_RELEASED,
                    f"payout:{payout.pk}",
                    subject,
                    _with_link(body, path),
                    path,
                    sent_at=run.released_at,
                )
        for claim in run.claims.select_related("cluster"):
            path = reverse("cluster_economy", args=[claim.cluster_id])
            subject = _("Krav på %(amount)s til %(cluster)s") % {
                "amount": kr(claim.amount),
                "cluster": claim.cluster.name,
            }
            body = _("%(region)s kræver %(amount)s betalt tilbage senest %(due)s (reference %(ref)s).") % {
                "region": run.region.name,
                "amount": kr(claim.amount),
                "due": long_date(claim.due_on),
                "ref": claim.payment_reference,
            }
            for user_id in _people(Role.COORDINATOR, gp_cluster_id=claim.cluster_id):
                yield Draft(
                    user_id,
                    Notice.Kind.CLAIM_RAISED,
                    f"claim:{claim.pk}",
                    subject,
                    _with_link(body, path),
                    path,
                    sent_at=run.released_at,
                )


def _overdue(today: dt.date) -> Iterable[Draft]:
    claims = RepaymentClaim.objects.filter(
        run__status=PayoutRun.Status.RELEASED, due_on__lt=today
    ).select_related("cluster", "run__region")
    for claim in claims:
        outstanding = claim_outstanding(claim)
        if outstanding <= 0:
            continue
        region = region_in_force(claim.run.region)
        values = {
            "cluster": claim.cluster.name,
            "amount": kr(outstanding),
            "due": long_date(claim.due_on),
            "ref": claim.payment_reference,
        }
        subject = _("Krav til %(cluster)s er ikke betalt: %(amount)s") % values
        body = (
            _(
                "Kravet til %(cluster)s skulle være betalt senest %(due)s; der mangler %(amount)s "
                "(reference %(ref)s)."
            )
            % values
        )
        economy = reverse("cluster_economy", args=[claim.cluster_id])
        dashboard = reverse("region_dashboard", args=[region.code])
        coordinators = _people(Role.COORDINATOR, gp_cluster_id=claim.cluster_id)
        for user_id in coordinators:
            yield Draft(
                user_id,
                Notice.Kind.CLAIM_OVERDUE,
                f"claim:{claim.pk}",
                subject,
                _with_link(body, economy),
                economy,
            )
        for user_id in _people(Role.REGION_OFFICER, region=region):
            yield Draft(
                user_id,
                Notice.Kind.CLAIM_OVERDUE,
                f"claim:{claim.pk}",
                subject,
                _with_link(body, dashboard),
                dashboard,
            )
        every = reminder_days(region.code)
        number = (today - claim.due_on).days // every if every > 0 else 0
        if number >= 1:
            reminder = _("Påmindelse %(number)s: %(subject)s") % {"number": number, "subject": subject}
            for user_id in coordinators:
                yield Draft(
                    user_id,
                    Notice.Kind.CLAIM_REMINDER,
                    f"claim:{claim.pk}:{number}",
                    reminder,
                    _with_link(body, economy),
                    economy,
                )


def due(today: dt.date | None = None) -> list[Draft]:
    """Every notice that should exist today (made or not), in Danish."""
    today = today or timezone.localdate()
    with translation.override("da"):
        return [*_runs(today), *_released(today), *_overdue(today)]


def _exists(draft: Draft) -> bool:
    return Notice.objects.filter(
        recipient_id=draft.recipient_id, kind=draft.kind, object_key=draft.object_key
    ).exists()


def pending(today: dt.date | None = None) -> list[Draft]:
    """What a run of ``klynge notify`` would make now (the dry run)."""
    return [d for d in due(today) if not _exists(d)]


def make(today: dt.date | None = None) -> int:
    """Insert the notices that are due and not yet made; the database refuses a second copy."""
    drafts = pending(today)
    Notice.objects.bulk_create(
        [
            Notice(
                recipient_id=d.recipient_id,
                kind=d.kind,
                object_key=d.object_key,
                subject=d.subject,
                body=d.body,
                link=d.link,
                sent_at=d.sent_at,
            )
            for d in drafts
        ],
        ignore_conflicts=True,
    )
    return len(drafts)


def _claim(pk: int) -> Notice | None:
    """Take notice ``pk`` for this run, or None when another run has taken (or sent) it.

    One conditional UPDATE (``sent_at`` set where it is still empty), committed before any mail
    goes out: of two runs, however they interleave and on either database, only the one whose UPDATE
    changed the row mails it. The claim is committed first, so a run that starts while this one is
    still mailing finds the notice taken."""
    with transaction.atomic():
        taken = Notice.objects.filter(pk=pk, sent_at__isnull=True).update(sent_at=timezone.now())
        if not taken:
            return None
        return Notice.objects.select_related("recipient").get(pk=pk)


def send() -> int:
    """Mail each notice not sent yet, each claimed in its own transaction first; the number mailed.

    A mail server that fails gives the claim back (``sent_at`` emptied again), so the notice is mailed
    on the next run, and the error stops this run."""
    sent = 0
    for pk in list(Notice.objects.filter(sent_at__isnull=True).order_by("pk").values_list("pk", flat=True)):
        notice = _claim(pk)
        if notice is None:  # taken by a concurrent run
            continue
        email = notice.recipient.email if notice.recipient.is_active else ""
        if email:
            try:
                send_mail(notice.subject, notice.body, settings.DEFAULT_FROM_EMAIL, [email])
            except Exception:
                Notice.objects.filter(pk=notice.pk, sent_at=notice.sent_at).update(sent_at=None)
                raise
            sent += 1
        Notice.objects.filter(pk=notice.pk).update(mailed_to=email)
    return sent


def notify(today: dt.date | None = None) -> tuple[int, int]:
    """Make what is due and mail what is unsent: (notices made, mails sent)."""
    return make(today), send()
