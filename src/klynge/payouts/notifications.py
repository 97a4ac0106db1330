"""What the coordinators are told when a run is released: each payout with its expected arrival
window, and each claim with its letter (PDF) attached."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from klynge.accounts.models import Role, RoleAssignment
from klynge.core.payouts import STARTUP_FEE_REPAYMENT
from klynge.payouts.explain import day_text, explain, kr
from klynge.payouts.letters import ClaimLetter, claim_letter_pdf
from klynge.payouts.models import PayoutRun, RepaymentClaim


def claim_reason(claim: RepaymentClaim) -> str:
    """Why the cluster must repay, in plain Danish."""
    if claim.reason == STARTUP_FEE_REPAYMENT:
        line = claim.lines.filter(kind="startup_fee").first()
        if line is not None and line.period_from and line.period_to:
            return _(
                "Praksis %(practice)s indtrådte %(joined)s og udtrådte %(left)s, før første årsdag; "
                "opstartshonoraret skal derfor betales tilbage"
            ) % {
                "practice": claim.practice,
                "joined": day_text(line.period_from),
                "left": day_text(line.period_to + dt.timedelta(days=1)),
            }
        return _(
            "Praksis %(practice)s udtrådte før første årsdag; opstartshonoraret skal betales tilbage"
        ) % {"practice": claim.practice}
    # A9, policy "claim": one claim per cluster and run, its lines itemising the practices and years
    practices = sorted(set(claim.lines.values_list("practice", flat=True)))
    return _(
        "Klyngen har samlet fået udbetalt %(amount)s for meget i årlige midler (praksis %(practices)s); "
        "beløbet skal betales tilbage"
    ) % {"amount": kr(claim.amount), "practices": ", ".join(practices)}


def claim_letter(claim: RepaymentClaim) -> ClaimLetter:
    run = claim.run
    region = run.region
    return ClaimLetter(
        region_name=region.name,
        cluster_name=claim.cluster.name,
        cluster_cvr=claim.cluster.cvr,
        recipient=_("Klyngekoordinator"),
        letter_date=run.released_at.date() if run.released_at else run.run_date,
        amount=claim.amount,
        reason=claim_reason(claim),
        rule=claim.rule,
        explanation=tuple(f"{explain(line)}: {line.amount} kr." for line in claim.lines.all()),
        deadline=claim.due_on,
        instructions=region.repayment_instructions,
        reference=f"KRAV-{region.code}-{claim.pk}",
    )


def send_released(run: PayoutRun) -> int:
    """Mail each coordinator of a cluster with a payout or claim in ``run``; the number of mails sent."""
    sent = 0
    with translation.override("da"):
        clusters = {p.cluster for p in run.payouts.select_related("cluster")} | {
            c.cluster for c in run.claims.select_related("cluster")
        }
        for cluster in sorted(clusters, key=lambda c: c.name):
            recipients = list(
                RoleAssignment.objects.filter(role=Role.COORDINATOR, gp_cluster=cluster)
                .exclude(user__email="")
                .values_list("user__email", flat=True)
                .distinct()
            )
            if not recipients:
                continue
            payout = run.payouts.filter(cluster=cluster).first()
            claims = list(run.claims.filter(cluster=cluster).select_related("run__region", "cluster"))
            body = render_to_string(
                "payouts/mail/released.txt",
                {
                    "cluster": cluster,
                    "run": run,
                    "payout": payout,
                    "claims": [(c, claim_reason(c)) for c in claims],
                    "site_url": settings.SITE_URL,
                },
            )
            mail = EmailMessage(
                _("Klyngemidler fra %(region)s: %(cluster)s")
                % {"region": run.region.name, "cluster": cluster.name},
                body,
                settings.DEFAULT_FROM_EMAIL,
                recipients,
            )
            for claim in claims:
                mail.attach(f"krav-{claim.pk}.pdf", claim_letter_pdf(claim_letter(claim)), "application/pdf")
            mail.send()
            sent += 1
    return sent
