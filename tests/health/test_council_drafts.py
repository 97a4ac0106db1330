"""Issue #11, health, four eyes: a health council is prepared as a draft with its preview, approved by
a second person (not the preparer: also a CHECK constraint), carried out on its first day in one
transaction (at once on approval when the day has come, else by ``klynge councils --due``), or
withdrawn with a reason. Every refusal is checked again at the approval and at the carrying out. The
predecessors' secretariat gets the role on the council and keeps the old one."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from klynge.accounts.models import RoleAssignment
from klynge.audit.models import AuditEntry
from klynge.health import councils, services
from klynge.health.models import CouncilDraft, HealthCluster, Initiative, Municipality
from klynge.registry.models import Region

pytestmark = pytest.mark.django_db

D = dt.date
START = D(2027, 1, 1)
BEFORE = D(2026, 12, 6)


def municipalities(*codes: str) -> list[Municipality]:
    return [Municipality.objects.get(code=code) for code in codes]


@pytest.fixture
def second_admin(make_user: Callable[..., Any]) -> Any:
    return make_user("admin", username="admin-2")


@pytest.fixture
def running(secretariat: Any, health_cluster: HealthCluster, members: dict[str, Any]) -> Initiative:
    initiative = services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        title="Forebyggelse i nærmiljøet",
        function_code="4.62.88",
        key_type="equal",
        starts_on=D(2025, 1, 1),
        ends_on=D(2028, 12, 31),
        parties=[services.Party(members["101"], executes=True), services.Party(members["147"])],
    )
    for status in ("approved", "running"):
        initiative = services.initiative_status_set(actor=secretariat, initiative=initiative, status=status)
    return initiative


def prepare(actor: Any, predecessors: list[HealthCluster], **changes: Any) -> CouncilDraft:
    arguments: dict[str, Any] = {
        "name": "Sundhedsråd Byen",
        "external_id": "SR-BYEN",
        "region": Region.objects.get(code="1084"),
        "municipalities": municipalities("101", "147"),
        "predecessors": predecessors,
        "valid_from": START,
        **changes,
    }
    return councils.council_prepare(actor=actor, **arguments)


def test_prepared_approved_by_another_and_carried_out_on_its_day(
    admin_user: Any,
    second_admin: Any,
    secretariat: Any,
    health_cluster: HealthCluster,
    running: Initiative,
) -> None:
    draft = prepare(second_admin, [health_cluster])
    assert draft.status == CouncilDraft.Status.DRAFT
    shown = draft.preview_prepared
    assert [i["title"] for i in shown["continued"]] == ["Forebyggelse i nærmiljøet"]
    assert [m["code"] for m in shown["members"]] == ["1084", "147", "101"]  # the region, then by name
    assert [r["username"] for r in shown["roles"]] == ["sekretariat"]
    assert not HealthCluster.objects.filter(kind="council").exists()  # nothing moves on preparing

    with pytest.raises(ValidationError) as refused:
        councils.council_approve(actor=second_admin, draft=draft, today=BEFORE)
    assert "fire øjne" in refused.value.message_dict["approved_by"][0]

    # approved before 2027: it stays approved until 1 January 2027
    draft = councils.council_approve(actor=admin_user, draft=draft, today=BEFORE)
    assert (draft.status, draft.approved_by) == (CouncilDraft.Status.APPROVED, admin_user)
    assert list(councils.councils_due(BEFORE)) == []
    assert list(councils.councils_due(START)) == [draft]
    with pytest.raises(ValidationError, match="begynder først"):
        councils.council_carry_out(draft=draft, today=BEFORE)
    assert not HealthCluster.objects.filter(kind="council").exists()

    draft = councils.council_carry_out(draft=draft, today=START)
    council = draft.council
    assert council is not None and (council.name, council.kind, council.valid_from) == (
        "Sundhedsråd Byen",
        "council",
        START,
    )
    health_cluster.refresh_from_db()
    assert (health_cluster.successor, health_cluster.valid_to) == (council, D(2026, 12, 31))
    assert Initiative.objects.get(continues=running).cluster == council
    # the secretariat gets the role on the council and keeps the old one
    assert set(
        RoleAssignment.objects.filter(user=secretariat, role="health_secretariat").values_list(
            "health_cluster", flat=True
        )
    ) == {health_cluster.pk, council.pk}
    assert draft.preview_carried_out["roles_given"] == ["sekretariat"]
    actions = list(
        AuditEntry.objects.filter(action__startswith="health_council")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "health_council_draft.prepare",
        "health_council_draft.approve",
        "health_council.create",
        "health_council_draft.carry_out",
    ]
    # carrying out again changes nothing
    assert councils.council_carry_out(draft=draft, today=START).council == council
    assert HealthCluster.objects.filter(kind="council").count() == 1


def test_approved_on_or_after_its_day_it_is_carried_out_at_once(
    admin_user: Any, second_admin: Any, health_cluster: HealthCluster, make_user: Callable[..., Any]
) -> None:
    officer = make_user("region_officer", region=Region.objects.get(code="1084"))
    draft = prepare(officer, [health_cluster], secretariat=[])
    draft = councils.council_approve(actor=second_admin, draft=draft, today=START)
    assert draft.status == CouncilDraft.Status.CARRIED_OUT
    assert draft.council is not None and draft.council.external_id == "SR-BYEN"
    assert not RoleAssignment.objects.filter(health_cluster=draft.council).exists()  # none chosen


def test_who_may_and_the_refusals_checked_again_at_approval(
    admin_user: Any,
    second_admin: Any,
    secretariat: Any,
    health_cluster: HealthCluster,
    make_user: Callable[..., Any],
) -> None:
    with pytest.raises(PermissionDenied):
        prepare(secretariat, [health_cluster])
    with pytest.raises(PermissionDenied):
        prepare(make_user("region_officer", region=Region.objects.get(code="1081")), [health_cluster])
    with pytest.raises(ValidationError) as refused:
        prepare(admin_user, [health_cluster], valid_from=D(2027, 3, 1))
    assert "1. januar 2028" in refused.value.message_dict["valid_from"][0]
    stranger = make_user(
        "health_secretariat",
        health_cluster=services.cluster_create(
            actor=admin_user,
            external_id="SK-ANDEN",
            name="Anden klynge",
            region=Region.objects.get(code="1084"),
            municipalities=municipalities("151"),
        ),
    )
    with pytest.raises(ValidationError) as refused:
        prepare(admin_user, [health_cluster], secretariat=[stranger])
    assert stranger.username in refused.value.message_dict["secretariat"][0]
    assert not CouncilDraft.objects.exists()

    draft = prepare(admin_user, [health_cluster])
    # one open draft per predecessor and per id
    with pytest.raises(ValidationError) as refused:
        prepare(second_admin, [health_cluster], external_id="SR-ANDET")
    assert f"kladde nr. {draft.pk}" in refused.value.message_dict["predecessors"][0]
    # something changes after the preparation: the approval is refused, saying why
    services.cluster_create(
        actor=admin_user,
        external_id="SR-BYEN",
        name="Optaget",
        region=Region.objects.get(code="1084"),
        municipalities=municipalities("153"),
    )
    with pytest.raises(ValidationError) as refused:
        councils.council_approve(actor=second_admin, draft=draft, today=START)
    assert "SR-BYEN" in refused.value.message_dict["external_id"][0]
    draft.refresh_from_db()
    assert draft.status == CouncilDraft.Status.DRAFT
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        councils.council_approve(actor=admin_user, draft=draft, today=START)
    assert "four eyes" in refused.value.message_dict["approved_by"][0]

    # withdrawn with a reason, by an administrator or the region's officer; then a new draft may
    with pytest.raises(ValidationError, match="Begrundelse"):
        councils.council_withdraw(actor=second_admin, draft=draft, reason=" ")
    with pytest.raises(PermissionDenied):
        councils.council_withdraw(actor=secretariat, draft=draft, reason="Nej")
    draft = councils.council_withdraw(actor=second_admin, draft=draft, reason="Forkert id")
    assert (draft.status, draft.withdrawn_reason) == (CouncilDraft.Status.WITHDRAWN, "Forkert id")
    with pytest.raises(ValidationError, match="kun en kladde"):
        councils.council_approve(actor=admin_user, draft=draft, today=START)
    again = prepare(second_admin, [health_cluster], external_id="SR-NY")
    assert again.status == CouncilDraft.Status.DRAFT


def test_refused_at_carrying_out_when_something_changed_after_approval(
    admin_user: Any, second_admin: Any, health_cluster: HealthCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = councils.council_approve(
        actor=second_admin, draft=prepare(admin_user, [health_cluster]), today=BEFORE
    )
    services.cluster_create(
        actor=admin_user,
        external_id="SR-BYEN",
        name="Optaget",
        region=Region.objects.get(code="1084"),
        municipalities=municipalities("153"),
    )
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: START)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("councils", "--due", stdout=out, stderr=err)
    assert f"{draft.pk}: Id: SR-BYEN" in err.getvalue()
    draft.refresh_from_db()
    assert draft.status == CouncilDraft.Status.APPROVED
    assert not HealthCluster.objects.filter(kind="council").exists()


def test_the_nightly_job_carries_out_due_drafts(
    admin_user: Any, second_admin: Any, health_cluster: HealthCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = councils.council_approve(
        actor=second_admin, draft=prepare(admin_user, [health_cluster]), today=BEFORE
    )
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: BEFORE)
    out = io.StringIO()
    call_command("councils", "--due", stdout=out)
    assert "Intet sundhedsråd skal oprettes" in out.getvalue()
    assert CouncilDraft.objects.get(pk=draft.pk).status == CouncilDraft.Status.APPROVED
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: START)
    out = io.StringIO()
    call_command("councils", "--due", "--lang", "en", stdout=out)
    assert f"Council draft {draft.pk} carried out: Sundhedsråd Byen" in out.getvalue()
    draft.refresh_from_db()
    assert draft.status == CouncilDraft.Status.CARRIED_OUT and draft.council is not None
    out = io.StringIO()
    call_command("councils", "--due", stdout=out)  # again: nothing
    assert "Intet sundhedsråd skal oprettes" in out.getvalue()
    assert HealthCluster.objects.filter(kind="council").count() == 1


def _sql(statement: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_the_database_refuses_approval_by_the_preparer_and_a_status_without_people(
    admin_user: Any, second_admin: Any, health_cluster: HealthCluster
) -> None:
    draft = prepare(admin_user, [health_cluster])
    table = CouncilDraft._meta.db_table
    with pytest.raises(IntegrityError):
        _sql(
            f"UPDATE {table} SET status = 'approved', approved_by_id = %s, approved_at = %s WHERE id = %s",
            [admin_user.pk, "2026-12-06 10:00:00", draft.pk],
        )
    with pytest.raises(IntegrityError):
        _sql(f"UPDATE {table} SET status = 'approved' WHERE id = %s", [draft.pk])
    with pytest.raises(IntegrityError):
        _sql(
            f"UPDATE {table} SET status = 'carried_out', approved_by_id = %s, approved_at = %s, "
            "carried_out_at = %s WHERE id = %s",
            [second_admin.pk, "2026-12-06 10:00:00", "2026-12-06 10:00:00", draft.pk],
        )  # carried out without a council
    _sql(
        f"UPDATE {table} SET status = 'approved', approved_by_id = %s, approved_at = %s WHERE id = %s",
        [second_admin.pk, "2026-12-06 10:00:00", draft.pk],
    )
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == ("approved", second_admin)
