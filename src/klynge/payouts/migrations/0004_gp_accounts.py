"""The accounts of the regions' GP-cluster fund ledgers (one ledger per region, ``GP-<region>``).

- GP-UDGIFT   expense    cluster funds paid (claims reduce it)
- GP-SKYLDIG  liability  released payouts not yet paid out by the bank
- GP-TILGODE  asset      claims on clusters not yet repaid
- BANK        asset      the region's bank account
"""

from django.db import migrations

ACCOUNTS = [
    ("GP-UDGIFT", "Klyngemidler til praksisklynger (udgift)", "expense"),
    ("GP-SKYLDIG", "Skyldige klyngemidler (frigivet, ikke betalt)", "liability"),
    ("GP-TILGODE", "Tilgodehavender hos praksisklynger (krav)", "asset"),
    ("BANK", "Bank", "asset"),
]


def forwards(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    for code, name, kind in ACCOUNTS:
        Account.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})


class Migration(migrations.Migration):
    dependencies = [("payouts", "0003_settled_amounts"), ("ledger", "0002_ledger_invariants")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
