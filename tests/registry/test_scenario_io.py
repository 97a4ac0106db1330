"""Import and export of klynge-scenario/1: merge by keys, all or nothing, every problem with its place."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, transaction

from klynge.accounts.models import Role, RoleAssignment
from klynge.audit.models import AuditEntry
from klynge.registry import demo, scenario_io, services
from klynge.registry.models import CapacityRecord, Document, GpCluster, Membership, PatientCount, Practice

D = dt.date
# The worked example (tests/fixtures/examples).
EXAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "examples" / "gp-cluster-basic.json"


def example() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def table_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"accounts", "audit", "registry"}
    }


def run(data: Any, actor: Any, *, dry_run: bool = False, **kw: Any) -> scenario_io.ImportReport:
    return scenario_io.import_scenario(data, actor=actor, dry_run=dry_run, **kw)


def paths(report: scenario_io.ImportReport) -> list[str]:
    return [p.path for p in report.problems]


def counts(report: scenario_io.ImportReport, kind: str) -> dict[str, int]:
    return report.counts()[kind]


@pytest.fixture
def imported(admin_user: Any) -> scenario_io.ImportReport:
    report = run(example(), admin_user)
    assert report.ok, report.lines()
    return report


# --- The worked example -----------------------------------------------------------------------------


def test_importing_the_worked_example_creates_what_it_describes(imported: Any, admin_user: Any) -> None:
    assert counts(imported, "cluster") == {"created": 2, "updated": 0, "unchanged": 0}
    assert counts(imported, "practice")["created"] == 4
    assert counts(imported, "membership")["created"] == 5
    assert counts(imported, "capacity")["created"] == 4 and counts(imported, "patients")["created"] == 4
    k1 = GpCluster.objects.get(external_id="K1")
    assert (k1.name, k1.region.code, k1.cvr, k1.founded_on) == (
        "Klynge Nord",
        "1081",
        "29403473",
        D(2018, 10, 1),
    )
    assert k1.completed_on == D(2019, 2, 15) and k1.status == GpCluster.Status.COMPLETED
    early = Membership.objects.get(practice__provider_number="100003")
    assert (early.left, early.recorded_on, early.left_recorded_on) == (
        D(2020, 4, 1),
        D(2019, 6, 1),
        D(2020, 4, 3),
    )
    moved = Membership.objects.filter(practice__provider_number="100002").order_by("joined")
    assert [(m.cluster.external_id, m.left) for m in moved] == [("K1", D(2021, 7, 1)), ("K2", None)]
    capacity = CapacityRecord.objects.get(practice__provider_number="100004")
    assert (capacity.valid_from, capacity.count, capacity.recorded_on) == (D(2015, 1, 1), 3, D(2015, 1, 1))
    assert PatientCount.objects.get(practice__provider_number="100001").count == 4800
    assert set(Practice.objects.values_list("region__code", flat=True)) == {"1081"}


def test_the_example_needs_no_coordinators_and_creates_none(imported: Any) -> None:
    assert not RoleAssignment.objects.filter(role=Role.COORDINATOR).exists()


def test_the_import_is_audited_with_the_actor(imported: Any, admin_user: Any) -> None:
    entries = AuditEntry.objects.all()
    assert not entries.exclude(actor=admin_user).exists()
    assert entries.filter(action="scenario.import").count() == 1
    assert entries.filter(action="gp_cluster.create").count() == 2
    assert entries.filter(action="gp_cluster.complete").count() == 2
    assert entries.filter(action="practice.create").count() == 4
    assert entries.filter(action="membership.create").count() == 5
    membership = Membership.objects.get(practice__provider_number="100003")
    entry = entries.get(action="membership.create", object_id=str(membership.pk))
    assert entry.gp_cluster is not None and entry.gp_cluster.external_id == "K1"
    assert entry.after is not None and entry.after["left"] == "2020-04-01"


def test_a_dry_run_reports_the_same_changes_and_writes_nothing(admin_user: Any) -> None:
    before = table_counts()
    dry = run(example(), admin_user, dry_run=True)
    assert dry.ok and dry.dry_run
    assert table_counts() == before
    assert GpCluster.objects.count() == Practice.objects.count() == Membership.objects.count() == 0
    real = run(example(), admin_user)
    assert [c.text() for c in dry.changes] == [c.text() for c in real.changes]
    assert dry.lines()[0].startswith("Prøvekørsel: intet er gemt")


def test_importing_the_same_file_again_changes_nothing(imported: Any, admin_user: Any) -> None:
    before = table_counts()
    again = run(example(), admin_user)
    assert again.ok and not again.changed
    assert all(c.action == "unchanged" for c in again.changes)
    assert counts(again, "membership") == {"created": 0, "updated": 0, "unchanged": 5}
    assert table_counts() == before
    assert "Intet at ændre" in "\n".join(again.lines())


def test_progress_is_reported_up_to_the_total(admin_user: Any) -> None:
    seen: list[tuple[int, int]] = []
    run(example(), admin_user, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1]
    assert [done for done, _total in seen] == sorted(done for done, _total in seen)


# --- Merging ----------------------------------------------------------------------------------------


def test_changes_are_merged_by_key_and_nothing_is_deleted(imported: Any, admin_user: Any) -> None:
    data = example()
    data["clusters"][0]["name"] = "Klynge Nord (Aalborg)"
    data["clusters"][1]["completed_on"] = "2018-12-11"
    data["memberships"][0]["left"] = "2024-01-01"
    data["practices"][0]["capacities"].append({"from": "2023-01-01", "count": 3, "recorded": "2022-12-20"})
    data["practices"][3]["name"] = "Lægerne Syd og Vest"
    del data["memberships"][4]  # absent from the file: stays in the database
    report = run(data, admin_user)
    assert report.ok, report.lines()
    assert counts(report, "cluster") == {"created": 0, "updated": 2, "unchanged": 0}
    assert counts(report, "membership") == {"created": 0, "updated": 1, "unchanged": 3}
    assert counts(report, "capacity") == {"created": 1, "updated": 0, "unchanged": 4}
    assert counts(report, "practice")["updated"] == 1
    assert GpCluster.objects.get(external_id="K1").name == "Klynge Nord (Aalborg)"
    assert GpCluster.objects.get(external_id="K2").completed_on == D(2018, 12, 11)
    first = Membership.objects.get(practice__provider_number="100001")
    assert (first.left, first.left_recorded_on) == (D(2024, 1, 1), D(2024, 1, 1))
    assert Membership.objects.filter(practice__provider_number="100004").exists()
    assert Practice.objects.get(provider_number="100004").name == "Lægerne Syd og Vest"
    assert CapacityRecord.objects.filter(practice__provider_number="100001").count() == 2
    text = "\n".join(report.lines())
    assert "memberships[0]: Medlemskab 100001 i K1 fra 2018-10-01: udtrådt – → 2024-01-01" in text
    assert (
        "clusters[0]: Klynge K1 (Klynge Nord (Aalborg)): name: 'Klynge Nord' → 'Klynge Nord (Aalborg)'"
        in text
    )
    assert AuditEntry.objects.filter(action="gp_cluster.update", actor=admin_user).count() == 1
    assert AuditEntry.objects.filter(action="membership.end", actor=admin_user).count() == 1


def test_a_file_without_a_cvr_does_not_erase_the_stored_one(imported: Any, admin_user: Any) -> None:
    data = example()
    del data["clusters"][0]["cvr"]
    report = run(data, admin_user)
    assert report.ok and not report.changed
    assert GpCluster.objects.get(external_id="K1").cvr == "29403473"


def test_the_report_as_data_in_english(admin_user: Any) -> None:
    data = run(example(), admin_user, dry_run=True).as_dict("en")
    assert data["ok"] and data["dry_run"] and data["problems"] == []
    assert data["counts"]["cluster"] == {"created": 2, "updated": 0, "unchanged": 0}
    first = data["changes"][0]
    assert (first["kind"], first["action"], first["path"]) == ("cluster", "created", "clusters[0]")
    assert first["message"].startswith("Cluster K1 (Klynge Nord) created in Region Nordjylland")


def test_a_move_closes_the_stored_membership_before_the_next_one_starts(
    imported: Any, admin_user: Any
) -> None:
    data = example()
    data["memberships"][4]["left"] = "2022-01-01"  # 100004 leaves K2 ...
    data["memberships"].append({"practice": "100004", "cluster": "K1", "joined": "2022-01-01"})  # ... for K1
    report = run(data, admin_user)
    assert report.ok, report.lines()
    moved = Membership.objects.filter(practice__provider_number="100004").order_by("joined")
    assert [(m.cluster.external_id, m.joined, m.left) for m in moved] == [
        ("K2", D(2018, 11, 1), D(2022, 1, 1)),
        ("K1", D(2022, 1, 1), None),
    ]


def test_import_into_a_region_the_officer_administers(officer: Any) -> None:
    report = run(example(), officer)
    assert report.ok, report.lines()
    assert AuditEntry.objects.filter(action="scenario.import", actor=officer).exists()


# --- Refusals: every problem, with its place, and nothing written -------------------------------------


def assert_rejected(data: Any, actor: Any, *expected_paths: str) -> scenario_io.ImportReport:
    before = table_counts()
    report = run(data, actor)
    assert not report.ok
    for path in expected_paths:
        assert any(p.startswith(path) for p in paths(report)), (path, paths(report))
    assert table_counts() == before, "a rejected file must write nothing"
    for problem in report.problems:
        assert problem.message_da and problem.message_en
    return report


def test_an_unknown_region_is_named_with_the_codes_that_exist(admin_user: Any) -> None:
    data = example()
    data["clusters"][1]["region"] = "1099"
    report = assert_rejected(data, admin_user, "clusters[1].region")
    problem = next(p for p in report.problems if p.path == "clusters[1].region")
    assert "1099" in problem.message_da and "1081 Region Nordjylland" in problem.message_da


def test_an_officer_cannot_import_another_regions_clusters(make_user: Any, other_region: Any) -> None:
    outsider = make_user("region_officer", region=other_region)
    report = assert_rejected(example(), outsider, "clusters[0].region", "clusters[1].region")
    assert "Region Nordjylland" in report.problems[0].message_da


def test_a_coordinator_cannot_import(cluster: Any, coordinator: Any) -> None:
    assert_rejected(example(), coordinator, "clusters[0].region")


def test_a_membership_overlapping_one_already_stored_is_refused(admin_user: Any, cluster: Any) -> None:
    services.practice_add(
        actor=admin_user,
        cluster=cluster,
        provider_number="100002",
        joined=D(2019, 1, 1),
        name="Lægehuset Torvet",
        capacities=1,
        today=D(2019, 1, 1),
    )
    report = assert_rejected(example(), admin_user, "memberships[1].joined", "memberships[2].joined")
    problem = next(p for p in report.problems if p.path == "memberships[1].joined")
    assert "Klynge Nord" in problem.message_da and "kun være i én klynge" in problem.message_da


def test_an_overlap_in_a_cluster_the_importer_cannot_see_is_not_named(
    officer: Any, admin_user: Any, make_cluster: Any, other_region: Any
) -> None:
    hidden = make_cluster("Skjult klynge", region_=other_region, actor=admin_user)
    services.practice_add(
        actor=admin_user,
        cluster=hidden,
        provider_number="100002",
        joined=D(2019, 1, 1),
        name="Lægehuset Torvet",
        capacities=1,
        today=D(2019, 1, 1),
    )
    report = assert_rejected(example(), officer, "memberships[1].joined")
    text = " ".join(p.message_da for p in report.problems)
    assert "Skjult klynge" not in text and "en anden klynge" in text


def test_a_completion_cannot_be_taken_back(imported: Any, admin_user: Any) -> None:
    data = example()
    data["clusters"][0]["completed_on"] = None
    report = assert_rejected(data, admin_user, "clusters[0].completed_on")
    assert "2019-02-15" in report.problems[0].message_da


def test_a_cluster_cannot_move_to_another_region(imported: Any, admin_user: Any) -> None:
    data = example()
    data["clusters"][0]["region"] = "1082"
    assert_rejected(data, admin_user, "clusters[0].region")


def test_a_recorded_date_cannot_be_rewritten(imported: Any, admin_user: Any) -> None:
    data = example()
    data["memberships"][0]["recorded"] = "2018-12-01"
    assert_rejected(data, admin_user, "memberships[0].recorded")


def test_the_founding_date_cannot_pass_a_stored_membership(imported: Any, admin_user: Any) -> None:
    data = example()
    data["clusters"][0]["founded_on"] = "2019-01-01"
    data["memberships"] = [m for m in data["memberships"] if m["cluster"] != "K1"]
    assert_rejected(data, admin_user, "clusters[0].founded_on")


def test_a_practice_without_membership_in_a_file_of_two_regions_has_no_region(admin_user: Any) -> None:
    data = example()
    data["clusters"][1]["region"] = "1082"
    data["practices"].append(
        {"provider_number": "100009", "name": "Løs", "capacities": [{"from": "2019-01-01", "count": 1}]}
    )
    assert_rejected(data, admin_user, "practices[4]")


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d["memberships"][3].update(left="2019-06-01"), "memberships[3]"),  # left == joined
        (lambda d: d["memberships"][3].update(left="2019-05-01"), "memberships[3]"),  # left before joined
        (lambda d: d["clusters"][0].update(cvr="29403474"), "clusters[0]"),  # modulus 11
        (lambda d: d["practices"][0]["capacities"][0].update(count=0), "practices[0]"),
        (lambda d: d["practices"].append(copy.deepcopy(d["practices"][0])), "practices[4]"),  # duplicate
        (
            lambda d: d["memberships"].append(
                {"practice": "100001", "cluster": "K2", "joined": "2019-01-01"}
            ),
            "memberships",
        ),
        (lambda d: d["memberships"][0].update(practice="999999"), "memberships[0]"),  # unknown practice
        (lambda d: d["memberships"][0].update(joined="2018-02-30"), "memberships[0]"),
    ],
)
def test_a_file_the_parser_refuses_is_rejected_with_the_place_of_each_problem(
    admin_user: Any, mutate: Any, path: str
) -> None:
    data = example()
    mutate(data)
    assert_rejected(data, admin_user, path)


def test_parser_and_database_problems_are_reported_together(admin_user: Any) -> None:
    data = example()
    data["memberships"][3]["left"] = "2019-06-01"
    data["clusters"][1]["region"] = "1099"
    report = assert_rejected(data, admin_user, "memberships[3]", "clusters[1].region")
    assert len(report.problems) >= 2
    assert report.lines()[0].startswith("Filen er afvist; intet er gemt.")
    assert report.lines("en")[0].startswith("The file is rejected; nothing has been saved.")


def test_a_refusal_by_the_database_while_writing_rolls_everything_back(
    admin_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("membership_overlap: a practice can be in only one cluster on a given day")

    monkeypatch.setattr(Membership.objects, "bulk_create", refuse)
    before = table_counts()
    report = run(example(), admin_user)
    assert [(p.path, p.code) for p in report.problems] == [("memberships", "refused")]
    assert "membership_overlap" in report.problems[0].message_da
    assert table_counts() == before


# --- Malformed and hostile files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"not json at all", "not_json"),
        (b'{"format": "klynge-scenario/1",', "not_json"),
        (b"\xff\xfe{\x00}\x00", "not_utf8"),
        (b'{"a": 1, "a": 2}', "duplicate_key"),
        (b'{"format": "klynge-scenario/1", "x": NaN}', "not_json"),
        (b"[" * 100_000 + b"]" * 100_000, "too_deep"),
        (b'{"n": ' + b"9" * 5000 + b"}", "not_json"),
    ],
)
def test_unreadable_files_give_a_problem_not_a_traceback(raw: bytes, code: str) -> None:
    value, problems = scenario_io.read_json(raw)
    assert value is None or problems
    assert [p.code for p in problems] == [code]
    assert problems[0].message_da and problems[0].message_en


def test_a_file_over_the_limit_is_refused_and_the_limit_is_named() -> None:
    _value, problems = scenario_io.read_json(b" " * 2048, max_bytes=1024)
    assert problems[0].code == "too_large"
    assert "1024 bytes" in problems[0].message_da
    _value, problems = scenario_io.read_json(b" " * (scenario_io.MAX_BYTES + 1))
    assert "større end 50 MB" in problems[0].message_da and "larger than 50 MB" in problems[0].message_en


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"x": value}
    return value


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ([1, 2, 3], "not_object"),
        ("klynge-scenario/1", "not_object"),
        (None, "not_object"),
        ({"format": "klynge-health/1"}, "format"),
        ({"clusters": []}, "format"),
        ({"format": "klynge-scenario/1", "note": nested(5000)}, "too_deep"),
    ],
)
def test_documents_that_are_no_scenario_are_rejected(admin_user: Any, data: Any, code: str) -> None:
    report = run(data, admin_user)
    assert [p.code for p in report.problems] == [code]
    assert GpCluster.objects.count() == 0


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(clusters="K1"),
        lambda d: d.update(clusters=[1, None, "x"]),
        lambda d: d["clusters"][0].update(id=["K1"], region={"code": 1}),
        lambda d: d.update(memberships=[[], {}]),
        lambda d: d["practices"][0].update(capacities={"from": "2015-01-01"}),
    ],
)
def test_wrongly_shaped_parts_give_problems_not_a_traceback(admin_user: Any, mutate: Any) -> None:
    data = example()
    mutate(data)
    report = run(data, admin_user)
    assert not report.ok
    assert GpCluster.objects.count() == 0


# --- Export -----------------------------------------------------------------------------------------


def strip_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """The example with the defaults of the format written out, as an export writes them."""
    out = copy.deepcopy(data)
    for practice in out["practices"]:
        for key in ("capacities", "group1_patients"):
            for value in practice.get(key, []):
                value.setdefault("recorded", value["from"])
    for m in out["memberships"]:
        m.setdefault("left", None)
        m.setdefault("recorded", m["joined"])
        m.setdefault("left_recorded", m["left"])
    return out


def test_the_export_of_the_imported_example_holds_the_same_facts(imported: Any, admin_user: Any) -> None:
    exported = scenario_io.export_scenario(actor=admin_user)
    expected = strip_defaults(example())
    assert exported["format"] == "klynge-scenario/1" and exported["runs"] == []
    assert exported["regions"] == expected["regions"]
    assert exported["clusters"] == expected["clusters"]
    assert exported["practices"] == expected["practices"]
    key = lambda m: (m["practice"], m["joined"])  # noqa: E731
    assert sorted(exported["memberships"], key=key) == sorted(expected["memberships"], key=key)


def test_export_then_import_into_the_same_database_changes_nothing(imported: Any, admin_user: Any) -> None:
    report = run(scenario_io.export_scenario(actor=admin_user), admin_user)
    assert report.ok and not report.changed


@pytest.fixture
def documents_in_tmp(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Document._meta.get_field("file"), "storage", FileSystemStorage(location=tmp_path))


def test_round_trip_of_the_demo_through_an_empty_database(documents_in_tmp: None, make_user: Any) -> None:
    with transaction.atomic():  # the demo is in the append-only audit trail: rolled back, not removed
        demo.build(with_runs=False)
        admin = RoleAssignment.objects.get(role=Role.ADMIN, user__username="admin").user
        first = scenario_io.export_scenario(actor=admin)
        transaction.set_rollback(True)
    assert len(first["clusters"]) == len(demo.CLUSTERS) == 9 and len(first["memberships"]) > 30
    json.dumps(first)  # plain JSON
    assert not GpCluster.objects.exists() and not Practice.objects.exists()
    importer = make_user("admin", username="importer")
    report = run(json.loads(json.dumps(first)), importer)
    assert report.ok, report.lines()
    assert scenario_io.export_scenario(actor=importer) == first


def test_export_shows_only_what_the_user_may_see(imported: Any, make_user: Any, other_region: Any) -> None:
    outsider = make_user("region_officer", region=other_region)
    assert scenario_io.export_scenario(actor=outsider)["clusters"] == []
    k1 = GpCluster.objects.get(external_id="K1")
    coordinator = make_user("coordinator", gp_cluster=k1)
    mine = scenario_io.export_scenario(actor=coordinator)
    assert [c["id"] for c in mine["clusters"]] == ["K1"]
    assert {m["cluster"] for m in mine["memberships"]} == {"K1"}
    chosen = scenario_io.export_scenario(
        actor=make_user("admin"), clusters=GpCluster.objects.filter(external_id="K2")
    )
    assert [c["id"] for c in chosen["clusters"]] == ["K2"]
