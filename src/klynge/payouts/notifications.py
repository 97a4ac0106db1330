"""What the coordinators are told when a run is released: each payout with its expected arrival
window, and each claim with its letter (PDF) attached."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from klynge.accounts.models import Role, RoleAssignment
from klynge.core.payouts import STARTUP_FEE_REPAYMENT
from klynge.payouts.explain import day_text, explain, kr
from klynge.payouts.letters import ClaimLetter, claim_letter_pdf
from klynge.payouts.models import PayoutRun, RegionMerger, RepaymentClaim
from klynge.payouts.runs import region_in_force


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
    """The letter of a claim, always in Danish (#13): the amount and each line's amount formatted as
    everywhere else ("10.000,00 kr."), the reason in plain words (no rule codes: the letter is for the
    coordinator), dated the date of the run that raised it, with the deadline, the region's account
    and the claim's payment reference."""
    run = claim.run
    region = run.region
    with translation.override("da"):
        return ClaimLetter(
            region_name=region.name,
            cluster_name=claim.cluster.name,
            cluster_cvr=claim.cluster.cvr,
            recipient=_("Klyngekoordinator"),
            letter_date=run.run_date,
            amount=claim.amount,
            reason=claim_reason(claim),
            explanation=tuple(
                f"{explain(line).removesuffix('.')}: {kr(line.amount)}" for line in claim.lines.order_by("id")
            ),
            deadline=claim.due_on,
            instructions=region.repayment_instructions,
            reference=claim.payment_reference,
            account=region_in_force(region).payment_iban,
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


def send_merged(merger: RegionMerger) -> int:
    """After a merger of regions (#11): each coordinator of a moved GP cluster, and each user whose
    region role or finance organisation moved, is told what changed for them. The number of mails."""
    from klynge.accounts.models import User
    from klynge.common.dates import long_date
    from klynge.registry.models import GpCluster, Region

    outcome = merger.outcome or {}
    successor = merger.successor
    if successor is None:
        return 0
    sent = 0
    with translation.override("da"):
        day = long_date(merger.effective_on)
        old_names = {r.code: r.name for r in Region.objects.filter(successor=successor)}
        moved = {row["id"]: row["from"] for row in outcome.get("clusters", [])}
        for cluster in GpCluster.objects.filter(pk__in=list(moved)).order_by("name"):
            recipients = list(
                RoleAssignment.objects.filter(role=Role.COORDINATOR, gp_cluster=cluster)
                .exclude(user__email="")
                .values_list("user__email", flat=True)
                .distinct()
            )
            if not recipients:
                continue
            body = "\n\n".join(
                [
                    _(
                        "Jeres klynge %(cluster)s hører fra %(date)s under %(successor)s (før %(old)s), "
                        "efter sammenlægningen af regionerne."
                    )
                    % {
                        "cluster": cluster.name,
                        "date": day,
                        "successor": successor.name,
                        "old": old_names.get(moved[cluster.pk], moved[cluster.pk]),
                    },
                    _(
                        "Næste udbetaling kommer fra %(successor)s, og krav betales tilbage til "
                        "%(successor)s. Det, der er udbetalt, krævet og til modregning, følger med "
                        "uændret; klyngens tidligere udbetalinger og breve kan stadig ses."
                    )
                    % {"successor": successor.name},
                    _("Se klyngens side:") + f"\n{settings.SITE_URL}/klynger/{cluster.pk}/",
                ]
            )
            EmailMessage(
                _("%(cluster)s hører nu under %(successor)s")
                % {"cluster": cluster.name, "successor": successor.name},
                body + "\n",
                settings.DEFAULT_FROM_EMAIL,
                recipients,
            ).send()
            sent += 1
        users = set(outcome.get("region_roles", [])) | set(outcome.get("merged", []))
        finance = set(outcome.get("finance_officers", []))
        for user in User.objects.filter(pk__in=users | finance).exclude(email="").order_by("username"):
            lines = []
            if user.pk in users:
                held = sorted(
                    {
                        Role(r).label
                        for r in RoleAssignment.objects.filter(user=user, region=successor).values_list(
                            "role", flat=True
                        )
                    }
                )
                lines.append(
                    _(
                        "Dine roller (%(roles)s) gælder fra %(date)s i %(successor)s, som har overtaget "
                        "%(old)s. Klyngerne, deres udbetalinger, åbne krav og regnskabet er flyttet med."
                    )
                    % {
                        "roles": ", ".join(str(label) for label in held),
                        "date": day,
                        "successor": successor.name,
                        "old": " og ".join(sorted(old_names.values())),
                    }
                )
            if user.pk in finance:
                lines.append(
                    _(
                        "Som økonomimedarbejder hører du fra %(date)s til %(successor)s (kode %(code)s). "
                        "Saldiene i de gamle regnskaber er lukket og åbnet i %(ledger)s."
                    )
                    % {
                        "date": day,
                        "successor": successor.name,
                        "code": successor.code,
                        "ledger": f"GP-{successor.code}",
                    }
                )
            lines.append(
                _("De gamle regioners kørsler, breve og revisionsspor kan stadig læses under deres navne:")
                + f"\n{settings.SITE_URL}/regioner/"
            )
            send_mail(
                _("Sammenlægning: %(successor)s fra %(date)s") % {"successor": successor.name, "date": day},
                "\n\n".join(lines) + "\n",
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
            )
            sent += 1
    return sent
