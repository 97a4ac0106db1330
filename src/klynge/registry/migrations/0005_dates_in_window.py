"""Every date of the registry lies in a fixed, wide window (2000-01-01 to 2100-12-31, #9).

The product's own window is narrower and moves with today (``KLYNGE_DATE_MIN`` to 31 December five
years ahead, ``klynge.common.dates``); a CHECK constraint cannot read today's date, so the database
holds the wide one. Rows stored before the window was enforced (a year-9999 join date) are repaired
first, each with an audit entry: a membership that starts after 2100 never started and is removed; a
``left`` after 2100 means "no end" and is emptied; any other date outside is moved to the nearest
bound.

On SQLite, adding a constraint rebuilds the table, which drops its triggers: the overlap triggers of
``registry_membership`` are written again, now without the ``9999-12-31`` sentinel that let a
membership starting on that day overlap an open-ended one ("no end" is ``left IS NULL``). On
PostgreSQL the exclusion constraint already treats an empty ``left`` as unbounded.
"""

import datetime

from django.db import migrations, models

from klynge.common.dbsql import vendor_sql

LOW, HIGH = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)

OLD_OVERLAP_SQLITE = """
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

OVERLAP_SQLITE = """
CREATE TRIGGER registry_membership_no_overlap_{event}
BEFORE {event_sql} ON registry_membership
FOR EACH ROW WHEN EXISTS (
    SELECT 1 FROM registry_membership m
    WHERE m.practice_id = NEW.practice_id
      AND m.id IS NOT NEW.id
      AND (NEW."left" IS NULL OR m.joined < NEW."left")
      AND (m."left" IS NULL OR NEW.joined < m."left")
)
BEGIN
    SELECT RAISE(ABORT, 'membership_overlap: a practice can be in only one cluster on a given day');
END
"""

EVENTS = (("insert", "INSERT"), ("update", "UPDATE"))
DROP_SQLITE = [f"DROP TRIGGER IF EXISTS registry_membership_no_overlap_{event}" for event, _sql in EVENTS]


def _outside(field):
    return models.Q(**{f"{field}__lt": LOW}) | models.Q(**{f"{field}__gt": HIGH})


def repair_dates(apps, schema_editor):
    """Bring every stored date into the window, with an audit entry per repaired row."""
    AuditEntry = apps.get_model("audit", "AuditEntry")
    Membership = apps.get_model("registry", "Membership")

    def audit(obj, action, summary, before, after, region_id=None, cluster_id=None):
        AuditEntry.objects.create(
            actor=None,
            action=action,
            summary=summary[:500],
            object_type=f"registry.{type(obj).__name__.lower()}",
            object_id=str(obj.pk),
            region_id=region_id,
            gp_cluster_id=cluster_id,
            before=before,
            after=after,
        )

    for m in Membership.objects.filter(joined__gt=HIGH).select_related("cluster"):
        audit(
            m,
            "membership.repair",
            f"Medlemskab med indtrædelsesdato {m.joined.isoformat()} (efter {HIGH.isoformat()}) fjernet (#9)",
            {"joined": m.joined.isoformat(), "practice": m.practice_id, "cluster": m.cluster_id},
            None,
            m.cluster.region_id,
            m.cluster_id,
        )
        m.delete()
    for m in Membership.objects.filter(left__lte=LOW).select_related("cluster"):
        audit(
            m,
            "membership.repair",
            f"Medlemskab {m.joined.isoformat()}–{m.left.isoformat()} (før {LOW.isoformat()}) fjernet (#9)",
            {"joined": m.joined.isoformat(), "left": m.left.isoformat(), "practice": m.practice_id},
            None,
            m.cluster.region_id,
            m.cluster_id,
        )
        m.delete()
    for m in Membership.objects.filter(left__gt=HIGH).select_related("cluster"):
        audit(
            m,
            "membership.repair",
            f"Udtrædelsesdato {m.left.isoformat()} (efter {HIGH.isoformat()}) fjernet: medlemskabet er løbende (#9)",
            {"left": m.left.isoformat()},
            {"left": None},
            m.cluster.region_id,
            m.cluster_id,
        )
        Membership.objects.filter(pk=m.pk).update(left=None, left_recorded_on=None)
    columns = {
        "GpCluster": ("founded_on", "completed_on", "nemkonto_confirmed_on"),
        "CapacityRecord": ("valid_from", "recorded_on"),
        "PatientCount": ("valid_from", "recorded_on"),
        "Membership": ("joined", "left", "recorded_on", "left_recorded_on"),
    }
    for name, fields in columns.items():
        model = apps.get_model("registry", name)
        for field in fields:
            for obj in model.objects.filter(_outside(field)):
                value = getattr(obj, field)
                moved = min(max(value, LOW), HIGH)
                cluster_id = obj.pk if name == "GpCluster" else getattr(obj, "cluster_id", None)
                audit(
                    obj,
                    "date.repair",
                    f"{name}.{field} {value.isoformat()} uden for {LOW.isoformat()}–{HIGH.isoformat()} "
                    f"flyttet til {moved.isoformat()} (#9)",
                    {field: value.isoformat()},
                    {field: moved.isoformat()},
                    cluster_id=cluster_id,
                )
                model.objects.filter(pk=obj.pk).update(**{field: moved})


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_region_payment_details"),
        ("audit", "0001_initial"),
    ]

    operations = [
        vendor_sql(
            sqlite=DROP_SQLITE,
            postgresql=[],
            reverse_sqlite=[OLD_OVERLAP_SQLITE.format(event=e, event_sql=sql) for e, sql in EVENTS],
            reverse_postgresql=[],
        ),
        migrations.RunPython(repair_dates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="capacityrecord",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("valid_from__gte", datetime.date(2000, 1, 1)),
                    ("valid_from__lte", datetime.date(2100, 12, 31)),
                ),
                name="capacity_valid_from_in_window",
            ),
        ),
        migrations.AddConstraint(
            model_name="capacityrecord",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("recorded_on__gte", datetime.date(2000, 1, 1)),
                    ("recorded_on__lte", datetime.date(2100, 12, 31)),
                ),
                name="capacity_recorded_on_in_window",
            ),
        ),
        migrations.AddConstraint(
            model_name="gpcluster",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("founded_on__gte", datetime.date(2000, 1, 1)),
                    ("founded_on__lte", datetime.date(2100, 12, 31)),
                ),
                name="gpcluster_founded_on_in_window",
            ),
        ),
        migrations.AddConstraint(
            model_name="gpcluster",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("completed_on__gte", datetime.date(2000, 1, 1)),
                        ("completed_on__lte", datetime.date(2100, 12, 31)),
                    ),
                    ("completed_on__isnull", True),
                    _connector="OR",
                ),
                name="gpcluster_completed_on_in_window",
            ),
        ),
        migrations.AddConstraint(
            model_name="gpcluster",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("nemkonto_confirmed_on__gte", datetime.date(2000, 1, 1)),
                        ("nemkonto_confirmed_on__lte", datetime.date(2100, 12, 31)),
                    ),
                    ("nemkonto_confirmed_on__isnull", True),
                    _connector="OR",
                ),
                name="gpcluster_nemkonto_confirmed_on_in_window",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("joined__gte", datetime.date(2000, 1, 1)), ("joined__lte", datetime.date(2100, 12, 31))
                ),
                name="membership_joined_in_window",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("left__gte", datetime.date(2000, 1, 1)), ("left__lte", datetime.date(2100, 12, 31))
                    ),
                    ("left__isnull", True),
                    _connector="OR",
                ),
                name="membership_left_in_window",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("recorded_on__gte", datetime.date(2000, 1, 1)),
                    ("recorded_on__lte", datetime.date(2100, 12, 31)),
                ),
                name="membership_recorded_on_in_window",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("left_recorded_on__gte", datetime.date(2000, 1, 1)),
                        ("left_recorded_on__lte", datetime.date(2100, 12, 31)),
                    ),
                    ("left_recorded_on__isnull", True),
                    _connector="OR",
                ),
                name="membership_left_recorded_on_in_window",
            ),
        ),
        migrations.AddConstraint(
            model_name="patientcount",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("valid_from__gte", datetime.date(2000, 1, 1)),
                    ("valid_from__lte", datetime.date(2100, 12, 31)),
                ),
                name="patients_valid_from_in_window",
            ),
        ),
        migrations.AddConstraint(
            model_name="patientcount",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("recorded_on__gte", datetime.date(2000, 1, 1)),
                    ("recorded_on__lte", datetime.date(2100, 12, 31)),
                ),
                name="patients_recorded_on_in_window",
            ),
        ),
        vendor_sql(
            sqlite=DROP_SQLITE + [OVERLAP_SQLITE.format(event=e, event_sql=sql) for e, sql in EVENTS],
            postgresql=[],
            reverse_sqlite=DROP_SQLITE,
            reverse_postgresql=[],
        ),
    ]
