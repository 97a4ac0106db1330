"""Write-offs of claims (#13): proposed by a region officer, approved by a second person, and the
ledger account they are posted to:

- GP-AFSKREVET  expense  claims on clusters written off (the region gave up collecting them)
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import klynge.common.money

ACCOUNTS = [("GP-AFSKREVET", "Afskrevne krav på praksisklynger", "expense")]


def forwards(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    for code, name, kind in ACCOUNTS:
        Account.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})


class Migration(migrations.Migration):
    dependencies = [
        ("payouts", "0007_bank_files"),
        ("ledger", "0002_ledger_invariants"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ClaimWriteOff",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("amount", klynge.common.money.MoneyField(verbose_name="beløb")),
                ("reason", models.TextField(verbose_name="begrundelse")),
                (
                    "status",
                    models.CharField(
                        choices=[("proposed", "Foreslået"), ("approved", "Godkendt"), ("refused", "Afvist")],
                        default="proposed",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                ("proposed_at", models.DateTimeField(auto_now_add=True, verbose_name="foreslået")),
                ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="besluttet")),
                ("refusal_reason", models.TextField(blank=True, verbose_name="begrundelse for afvisning")),
                (
                    "claim",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="write_offs",
                        to="payouts.repaymentclaim",
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "proposed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "afskrivning",
                "verbose_name_plural": "afskrivninger",
                "ordering": ["claim", "proposed_at", "id"],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("amount__gt", 0)), name="write_off_positive"),
                    models.CheckConstraint(
                        condition=models.Q(("reason__regex", "\\S")), name="write_off_reason_given"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("decided_by__isnull", True),
                            models.Q(("decided_by", models.F("proposed_by")), _negated=True),
                            _connector="OR",
                        ),
                        name="write_off_four_eyes",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("decided_at__isnull", True),
                                ("decided_by__isnull", True),
                                ("status", "proposed"),
                            ),
                            models.Q(
                                ("decided_at__isnull", False),
                                ("decided_by__isnull", False),
                                ("status__in", ["approved", "refused"]),
                            ),
                            _connector="OR",
                        ),
                        name="write_off_status_has_people",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("status", "proposed")),
                        fields=("claim",),
                        name="write_off_one_open_per_claim",
                    ),
                ],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
