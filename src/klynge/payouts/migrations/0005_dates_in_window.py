"""Every date of the payout records lies in a fixed, wide window (2000-01-01 to 2100-12-31, #9).

See ``registry`` migration 0005 for why the database's window is wider than the product's. A scheme
valid "to 9999-12-31" means valid with no end and gets an empty ``valid_to``; a rate for a year
outside 2000-2100 can never be used and is removed. Runs, payouts and repayments are records of what
happened and are never changed here: if one lies outside the window, the migration stops and names it.
"""

import datetime

from django.conf import settings
from django.db import migrations, models

LOW, HIGH = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


def _outside(field):
    return models.Q(**{f"{field}__lt": LOW}) | models.Q(**{f"{field}__gt": HIGH})


def repair_dates(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    FundingScheme = apps.get_model("payouts", "FundingScheme")
    SchemeRate = apps.get_model("payouts", "SchemeRate")

    def audit(obj, summary, before, after):
        AuditEntry.objects.create(
            actor=None,
            action="scheme.repair",
            summary=summary[:500],
            object_type=f"payouts.{type(obj).__name__.lower()}",
            object_id=str(obj.pk),
            before=before,
            after=after,
        )

    for scheme in FundingScheme.objects.filter(valid_to__gt=HIGH):
        audit(
            scheme,
            f"{scheme.code}: gælder til {scheme.valid_to.isoformat()} betyder uden slut (#9)",
            {"valid_to": scheme.valid_to.isoformat()},
            {"valid_to": None},
        )
        FundingScheme.objects.filter(pk=scheme.pk).update(valid_to=None)
    for scheme in FundingScheme.objects.filter(_outside("valid_from")):
        moved = min(max(scheme.valid_from, LOW), HIGH)
        audit(
            scheme,
            f"{scheme.code}: gælder fra {scheme.valid_from.isoformat()} flyttet til {moved.isoformat()} (#9)",
            {"valid_from": scheme.valid_from.isoformat()},
            {"valid_from": moved.isoformat()},
        )
        FundingScheme.objects.filter(pk=scheme.pk).update(valid_from=moved)
    for scheme in FundingScheme.objects.filter(valid_to__lt=LOW):
        audit(
            scheme,
            f"{scheme.code}: gælder til {scheme.valid_to.isoformat()} flyttet til {LOW.isoformat()} (#9)",
            {"valid_to": scheme.valid_to.isoformat()},
            {"valid_to": LOW.isoformat()},
        )
        FundingScheme.objects.filter(pk=scheme.pk).update(valid_to=LOW)
    for rate in SchemeRate.objects.filter(models.Q(year__lt=LOW.year) | models.Q(year__gt=HIGH.year)):
        audit(
            rate,
            f"Sats for år {rate.year} (uden for {LOW.year}-{HIGH.year}) fjernet (#9)",
            {"year": rate.year},
            None,
        )
        rate.delete()
    found = []
    for name, fields in {
        "PayoutRun": ("run_date",),
        "Payout": ("paid_on",),
        "Repayment": ("received_on",),
    }.items():
        model = apps.get_model("payouts", name)
        for field in fields:
            found += [
                f"{name} {pk}: {field} = {value}"
                for pk, value in model.objects.filter(_outside(field)).values_list("pk", field)
            ]
    if found:
        raise RuntimeError(
            "Dates outside 2000-01-01..2100-12-31 in payout records, which this migration does not change: "
            + "; ".join(found[:20])
            + ". Correct them in the database and migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("payouts", "0004_gp_accounts"),
        ("registry", "0005_dates_in_window"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(repair_dates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="fundingscheme",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("valid_from__gte", datetime.date(2000, 1, 1)),
                    ("valid_from__lte", datetime.date(2100, 12, 31)),
                ),
                name="scheme_valid_from_in_window",
            ),
        ),
        migrations.AddConstraint(
            model_name="fundingscheme",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("valid_to__gte", datetime.date(2000, 1, 1)),
                        ("valid_to__lte", datetime.date(2100, 12, 31)),
                    ),
                    ("valid_to__isnull", True),
                    _connector="OR",
                ),
                name="scheme_valid_to_in_window",
            ),
        ),
        migrations.AddConstraint(
            model_name="payout",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("paid_on__gte", datetime.date(2000, 1, 1)),
                        ("paid_on__lte", datetime.date(2100, 12, 31)),
                    ),
                    ("paid_on__isnull", True),
                    _connector="OR",
                ),
                name="payout_paid_on_in_window",
            ),
        ),
        migrations.AddConstraint(
            model_name="payoutrun",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("run_date__gte", datetime.date(2000, 1, 1)),
                    ("run_date__lte", datetime.date(2100, 12, 31)),
                ),
                name="payout_run_date_in_window",
            ),
        ),
        migrations.AddConstraint(
            model_name="repayment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("received_on__gte", datetime.date(2000, 1, 1)),
                    ("received_on__lte", datetime.date(2100, 12, 31)),
                ),
                name="repayment_received_on_in_window",
            ),
        ),
        migrations.AddConstraint(
            model_name="schemerate",
            constraint=models.CheckConstraint(
                condition=models.Q(("year__gte", 2000), ("year__lte", 2100)),
                name="scheme_rate_year_in_window",
            ),
        ),
    ]
