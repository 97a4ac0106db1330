"""``klynge demo``: demo data worth looking at, built through the services, idempotent."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.files.storage import FileSystemStorage
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from stdnum.dk import cvr as stdnum_cvr

from klynge.accounts.models import Role
from klynge.audit.models import AuditEntry
from klynge.registry import demo
from klynge.registry.completion import checklist
from klynge.registry.models import Document, GpCluster, Membership, PatientCount, Practice

D = dt.date


@pytest.fixture(autouse=True)
def _documents_in_tmp(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Uploaded demo documents go to a temporary folder, not the project's data folder."""
    monkeypatch.setattr(Document._meta.get_field("file"), "storage", FileSystemStorage(location=tmp_path))


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def table_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"accounts", "audit", "registry"}
    }


@pytest.fixture
def built(db: Any) -> None:
    assert demo.build().built


def test_demo_builds_on_an_empty_database_and_says_what_it_built(db: Any) -> None:
    assert not demo.is_present()
    output = run()
    assert "Demodata bygget: 9 klynger" in output
    assert demo.is_present()


def test_each_region_has_at_least_three_clusters_with_valid_cvrs_founded_2018_or_2019(built: None) -> None:
    clusters = GpCluster.objects.filter(external_id__in=[c.external_id for c in demo.CLUSTERS])
    per_region = Counter(clusters.values_list("region__code", flat=True))
    assert per_region["1081"] >= 3 and per_region["1082"] >= 3
    # the two regions that merge on 1 January 2027 have one younger cluster each (#11)
    assert per_region["1084"] == 1 and per_region["1085"] == 1
    for cluster in clusters:
        assert stdnum_cvr.is_valid(cluster.cvr), cluster.cvr
        if cluster.region.code in ("1081", "1082"):
            assert D(2018, 1, 1) <= cluster.founded_on <= D(2019, 12, 31)


def test_the_scripted_merger_waits_for_the_other_administrator(built: None) -> None:
    """#11: Region Hovedstaden and Region Sjælland's merger of 1 January 2027 is a draft the demo's
    "admin" can approve (a second administrator prepared it); nothing stands in its way, and a
    practice moved between the two regions in 2026."""
    from klynge.payouts import mergers
    from klynge.payouts.models import RegionMerger

    merger = RegionMerger.objects.get()
    assert (merger.status, merger.prepared_by.username, str(merger.effective_on)) == (
        "draft",
        "admin-2",
        "2027-01-01",
    )
    assert [r.code for r in mergers.merger_regions(merger)] == ["1084", "1085"]
    preview = mergers.merger_current_preview(merger)
    assert preview.ok, preview.refusals
    assert [p.totals.clusters for p in preview.predecessors] == [1, 1]
    assert all(p.totals.paid > 0 for p in preview.predecessors)
    greve = Membership.objects.filter(practice__provider_number="084103").order_by("joined")
    assert [(m.cluster.region.code, str(m.joined), str(m.left)) for m in greve] == [
        ("1084", "2024-03-05", "2026-03-01"),
        ("1085", "2026-03-01", "None"),
    ]


def test_completed_clusters_satisfy_their_checklist_and_one_still_misses_a_document(built: None) -> None:
    completed = GpCluster.objects.filter(status=GpCluster.Status.COMPLETED)
    assert completed.count() >= 5
    for cluster in completed:
        assert all(item.done for item in checklist(cluster)), cluster.name
        assert cluster.completed_on is not None and cluster.completed_on > cluster.founded_on
    incomplete = GpCluster.objects.get(status=GpCluster.Status.REGISTERING)
    missing = [item.code for item in checklist(incomplete) if not item.done]
    assert missing == ["document:referat-stiftende-gf"]


def test_documents_are_real_pdfs_uploaded_through_the_service(built: None) -> None:
    documents = Document.objects.filter(removed_at__isnull=True)
    assert documents.count() >= 12
    for document in documents:
        assert document.content_type == "application/pdf"
        with document.file.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"
    assert AuditEntry.objects.filter(action="document.upload").count() == Document.objects.count()


def test_the_history_has_late_joins_leaves_a_move_and_capacity_changes(built: None) -> None:
    joined_after_completion = Membership.objects.filter(
        joined__gt=dt.date(2019, 6, 1), recorded_on__gt=dt.date(2019, 6, 1)
    )
    assert joined_after_completion.count() >= 3
    early_leave = Membership.objects.get(practice__provider_number="081106")
    assert early_leave.left is not None and early_leave.left < early_leave.joined.replace(
        year=early_leave.joined.year + 1
    )
    moved = Membership.objects.filter(practice__provider_number="081201").order_by("joined")
    assert [m.cluster.external_id for m in moved] == ["K-HIMMERLAND", "K-AALBORG-OST"]
    assert moved[0].left == moved[1].joined
    changed = [p for p in Practice.objects.all() if p.capacities.values("count").distinct().count() > 1]
    assert len(changed) >= 3
    for practice in Practice.objects.all():
        assert practice.capacities.count() >= 1 and all(1 <= c.count <= 4 for c in practice.capacities.all())


def test_group1_patients_are_about_1600_per_capacity_from_2022(built: None) -> None:
    counts = PatientCount.objects.select_related("practice")
    assert counts.count() > 50
    for count in counts:
        assert count.valid_from >= D(2022, 1, 1)
        capacity = (
            count.practice.capacities.filter(valid_from__lte=count.valid_from).order_by("valid_from").last()
        )
        assert capacity is not None
        assert 1400 <= count.count / capacity.count <= 1800


def test_the_audit_trail_names_real_actors_on_the_days_things_happened(built: None) -> None:
    entries = AuditEntry.objects.all()
    assert entries.count() > 100
    assert not entries.filter(actor__isnull=True).exists()
    first = entries.order_by("at").first()
    assert first is not None and first.action == "gp_cluster.create" and first.at.year == 2018
    membership = Membership.objects.get(practice__provider_number="081106")
    entry = AuditEntry.objects.get(action="membership.create", object_id=str(membership.pk))
    assert entry.at.date() == membership.recorded_on
    assert entry.actor is not None and entry.actor.username == "koordinator-aalborg"


def test_there_is_a_demo_login_for_every_role_and_the_password_works(built: None) -> None:
    logins = demo.logins()
    assert {login.role for login in logins} == set(Role.values)
    login_request = RequestFactory().post("/konto/login/")  # django-axes needs the request (#10)
    for login in logins:
        assert authenticate(login_request, username=login.username, password=demo.PASSWORD) is not None, (
            login.username
        )
    admin = authenticate(login_request, username="admin", password=demo.PASSWORD)
    assert admin is not None and admin.is_superuser and admin.is_staff
    coordinators = {login.scope for login in logins if login.role == Role.COORDINATOR}
    assert coordinators == {
        "Klynge Aalborg Øst",
        "Klynge Thy-Mors",
        "Klynge Brøndby-Vallensbæk",
        "Praksisklyngen Køge Bugt",
    }
    secretariat = next(login for login in logins if login.role == Role.HEALTH_SECRETARIAT)
    assert secretariat.scope == "Sundhedsklynge Aalborg"
    finance = next(login for login in logins if login.role == Role.FINANCE_OFFICER)
    assert "851" in finance.scope


def test_running_the_demo_again_changes_nothing(built: None) -> None:
    before = table_counts()
    last_audit = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    output = run()
    assert "findes allerede" in output
    assert table_counts() == before
    assert AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() == last_audit


def test_quiet_if_present_prints_nothing_when_the_demo_is_there(built: None) -> None:
    assert run("--quiet-if-present") == ""


def test_print_logins_prints_the_url_the_password_and_one_row_per_login(built: None) -> None:
    output = run("--print-logins", "--url", "http://127.0.0.1:8123/")
    assert "http://127.0.0.1:8123/" in output
    assert demo.PASSWORD in output
    for login in demo.logins():
        assert login.username in output
    assert "Systemadministrator" in output and "Regional godkender" in output


def test_print_logins_in_english(built: None) -> None:
    output = run("--print-logins", "--lang", "en")
    assert "password for all" in output and "username" in output


def test_reset_is_refused_once_the_demo_is_in_the_append_only_audit_trail(db: Any) -> None:
    assert demo.build(with_runs=False).built
    before = table_counts()
    with pytest.raises(CommandError, match="revisionssporet"):
        run("--reset")
    assert table_counts() == before


def test_reset_is_refused_once_the_demos_payouts_are_in_the_ledger_and_nothing_changes(built: None) -> None:
    before = table_counts()
    with pytest.raises(CommandError, match="kan kun tilføjes til"):
        run("--reset")
    assert table_counts() == before


def test_the_demo_has_region_nordjyllands_released_payout_history(built: None) -> None:
    from klynge.ledger.selectors import balances
    from klynge.payouts import runs
    from klynge.payouts.models import Payout, PayoutRun, RepaymentClaim

    released = PayoutRun.objects.filter(region__code=demo.PAYOUT_REGION, status="released")
    assert released.count() == len(demo.PAYOUT_RUNS)
    assert Payout.objects.filter(run__in=released, paid_on__isnull=True).count() == 0
    claim = RepaymentClaim.objects.get(practice="081106")  # left before its first anniversary (A7)
    assert claim.reason == "startup_fee_repayment" and runs.claim_outstanding(claim) == 0
    totals = balances(runs.region_ledger(released[0].region))
    paid = sum(p.amount for p in Payout.objects.filter(run__in=released))
    claimed = sum(c.amount for c in RepaymentClaim.objects.filter(run__in=released))
    assert totals["GP-UDGIFT"] == paid - claimed and totals["GP-SKYLDIG"] == 0 and totals["GP-TILGODE"] == 0
    assert totals["BANK"] == claimed - paid


def test_the_demo_has_a_health_cluster_with_funds_initiatives_and_a_confirmed_carry_over(built: None) -> None:
    from klynge.accounts.models import RoleAssignment
    from klynge.health import selectors
    from klynge.health.models import CarryOver, CommonFund, HealthCluster

    cluster = HealthCluster.objects.get(external_id="SK-AALBORG")
    assert [m.code for m in cluster.members.all()] == ["1081", "851", "840", "849", "820", "846"]
    assert RoleAssignment.objects.get(user__username="sekretariat-aalborg").health_cluster == cluster
    for year in (2023, 2024, 2025):
        assert (
            sum(
                CommonFund.objects.filter(member__cluster=cluster, year=year).values_list("amount", flat=True)
            )
            > 0
        )
    carried = CarryOver.objects.get()
    assert carried.confirmed_by.username == "okonomi-aalborg" and carried.member.code == "851"
    assert selectors.member_year(carried.member, 2023).remaining >= carried.amount
    reported = cluster.initiatives.get(status="reported")
    assert reported.recommend_spread and all(q.answer for q in reported.questions.all())
    result = selectors.settlement(cluster, year=2024)
    assert sum(t.net_frame_impact for t in result.members.values()) == sum(
        c.amount for i in cluster.initiatives.all() for c in i.costs.filter(year=2024)
    )


def test_the_health_council_draft_waits_for_the_other_administrator(built: None) -> None:
    """#11: Sundhedsråd Aalborg of 1 January 2027 is a draft prepared by "admin-2" with its preview
    (the running prevention initiative continues, the secretariat gets the role); "admin" approves it
    and on 1 January 2027 it is carried out."""
    from klynge.accounts.models import RoleAssignment, User
    from klynge.health import councils
    from klynge.health.models import CouncilDraft, HealthCluster, Initiative

    draft = CouncilDraft.objects.get()
    assert (draft.status, draft.prepared_by.username, draft.valid_from, draft.name) == (
        "draft",
        "admin-2",
        D(2027, 1, 1),
        "Sundhedsråd Aalborg",
    )
    assert [c.external_id for c in draft.predecessors.all()] == ["SK-AALBORG"]
    shown = councils.draft_preview(draft)
    assert shown["refusals"] == []
    assert [i["title"] for i in shown["continued"]] == ["Forebyggende hjemmebesøg til ældre"]
    assert [r["username"] for r in shown["roles"]] == ["sekretariat-aalborg"]
    assert not HealthCluster.objects.filter(kind="council").exists()
    draft = councils.council_approve(
        actor=User.objects.get(username="admin"), draft=draft, today=D(2027, 1, 1)
    )
    assert draft.status == "carried_out" and draft.council is not None
    continued = Initiative.objects.get(cluster=draft.council)
    assert continued.title == "Forebyggende hjemmebesøg til ældre"
    assert RoleAssignment.objects.filter(user__username="sekretariat-aalborg").count() == 2
