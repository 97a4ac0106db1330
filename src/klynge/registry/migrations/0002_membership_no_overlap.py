"""The database refuses two clusters for one practice on the same day.

PostgreSQL: an exclusion constraint over the half-open date range [joined, left).
SQLite: triggers that abort an insert or update overlapping another membership of the practice.
"""

from django.db import migrations

from klynge.common.dbsql import vendor_sql

OVERLAP_SQLITE = """
CREATE TRIGGER registry_membership_no_overlap_{event}
BEFORE {event_sql} ON registry_membership
FOR EACH ROW WHEN EXISTS (
    SELECT 1 FROM registry_membership m
    WHERE m.practice_id = NEW.practice_id
      AND m.id IS NOT NEW.id
      AND m.joined < COALESCE(NEW."left", '9999-12-31')
      AND NEW.joined < COALESCE(m."left", '9999-12-31')
)
BEGIN
    SELECT RAISE(ABORT, 'membership_overlap: a practice can be in only one cluster on a given day');
END
"""


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        vendor_sql(
            postgresql=[
                "CREATE EXTENSION IF NOT EXISTS btree_gist",
                """ALTER TABLE registry_membership ADD CONSTRAINT membership_no_overlap
                   EXCLUDE USING gist (practice_id WITH =, daterange(joined, "left", '[)') WITH &&)""",
            ],
            reverse_postgresql=["ALTER TABLE registry_membership DROP CONSTRAINT membership_no_overlap"],
            sqlite=[
                OVERLAP_SQLITE.format(event="insert", event_sql="INSERT"),
                OVERLAP_SQLITE.format(event="update", event_sql="UPDATE"),
            ],
            reverse_sqlite=[
                "DROP TRIGGER registry_membership_no_overlap_insert",
                "DROP TRIGGER registry_membership_no_overlap_update",
            ],
        )
    ]
