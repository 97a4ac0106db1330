"""Data that ships with the product: the five regions and the default document types (brief §3, A1)."""

from django.db import migrations

REGIONS = [
    ("1081", "Region Nordjylland"),
    ("1082", "Region Midtjylland"),
    ("1083", "Region Syddanmark"),
    ("1084", "Region Hovedstaden"),
    ("1085", "Region Sjælland"),
]
DOCUMENT_TYPES = [
    ("vedtaegter", "Vedtægter", "Statutes", True),
    (
        "referat-stiftende-gf",
        "Referat af stiftende generalforsamling",
        "Minutes of the founding assembly",
        True,
    ),
    ("andet", "Andet dokument", "Other document", False),
]


def forwards(apps, schema_editor):
    Region = apps.get_model("registry", "Region")
    DocumentType = apps.get_model("registry", "DocumentType")
    required = []
    for code, name, name_en, is_required in DOCUMENT_TYPES:
        doc_type, _ = DocumentType.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en}
        )
        if is_required:
            required.append(doc_type)
    for code, name in REGIONS:
        region, _ = Region.objects.get_or_create(code=code, defaults={"name": name})
        region.required_documents.add(*required)


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_membership_no_overlap")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
