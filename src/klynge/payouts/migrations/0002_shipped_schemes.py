"""The funding schemes that ship with the product (brief §3, "Other schemes").

OK18's startup fee (10.000 kr. per capacity) is the FAQ's. OK18's annual rate per capacity is not
public: 1.000 kr. is an example value, flagged ``is_example``, for the region to replace.
OK22's rates per group-1 patient are the public ones (kiap.dk).
"""

from decimal import Decimal

from django.db import migrations


def forwards(apps, schema_editor):
    Scheme = apps.get_model("payouts", "FundingScheme")
    Rate = apps.get_model("payouts", "SchemeRate")
    ok18, _ = Scheme.objects.get_or_create(
        code="OK18",
        defaults=dict(
            name="Overenskomst 2018: kapacitetsbaseret",
            basis="capacity",
            valid_from="2018-01-01",
            valid_to="2021-12-31",
            startup_fee_per_capacity=Decimal("10000.00"),
            note="Den årlige sats pr. kapacitet er en eksempelsats; erstat den med regionens faktiske sats.",
        ),
    )
    for year in (2018, 2019, 2020, 2021):
        Rate.objects.get_or_create(
            scheme=ok18,
            year=year,
            defaults=dict(rate=Decimal("1000.00"), is_example=True, source="Eksempel, ikke officiel sats"),
        )
    ok22, _ = Scheme.objects.get_or_create(
        code="OK22",
        defaults=dict(
            name="Overenskomst 2022: pr. gruppe 1-patient",
            basis="patients",
            valid_from="2022-01-01",
            valid_to=None,
            count_month=1,
            count_day=31,
            payment_month=3,
            payment_day=1,
            note="Optælling af klyngens tilmeldte klinikker ultimo januar; udbetaling 1. marts.",
        ),
    )
    for year, rate in ((2022, "1.12"), (2023, "2.32"), (2024, "3.55"), (2025, "3.65")):
        Rate.objects.get_or_create(
            scheme=ok22, year=year, defaults=dict(rate=Decimal(rate), source="kiap.dk")
        )


class Migration(migrations.Migration):
    dependencies = [("payouts", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
