"""What leaving means for the startup fee (A7), as shown before a deregistration is confirmed."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from klynge.core.payouts import deregistration_consequence, startup_fee_anniversary
from klynge.registry import services
from klynge.web.consequences import leaving_consequence

D = dt.date


def minimal_pdf() -> bytes:
    """A real one-page PDF (uploads are parsed, so a file that merely starts with %PDF is refused)."""
    buffer = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.write(buffer)
    return buffer.getvalue()


def test_the_first_anniversary_is_the_same_day_next_year_and_1_march_for_29_february() -> None:
    assert startup_fee_anniversary(D(2019, 6, 1)) == D(2020, 6, 1)
    assert startup_fee_anniversary(D(2020, 2, 29)) == D(2021, 3, 1)


def test_leaving_before_the_anniversary_repays_the_fee_per_capacity_and_on_it_keeps_it() -> None:
    fee = Decimal("10000.00")
    assert deregistration_consequence(D(2019, 6, 1), D(2020, 5, 31), 2, fee) == Decimal("20000.00")
    assert deregistration_consequence(D(2019, 6, 1), D(2020, 6, 1), 2, fee) is None
    assert deregistration_consequence(D(2019, 6, 1), D(2019, 7, 1), 2, None) is None


def test_the_capacities_counted_are_those_on_the_day_it_joined(
    cluster: Any, coordinator: Any, member: Any
) -> None:
    services.capacity_set(
        actor=coordinator, practice=member.practice, cluster=cluster, valid_from=D(2019, 9, 1), count=5
    )
    consequence = leaving_consequence(member, D(2020, 1, 1))
    assert consequence.capacities == 2
    assert consequence.repayment == Decimal("20000.00")


def complete(cluster: Any, coordinator: Any) -> None:
    for doc_type in cluster.region.required_documents.all():
        services.document_upload(
            actor=coordinator,
            cluster=cluster,
            document_type=doc_type,
            upload=SimpleUploadedFile("d.pdf", minimal_pdf()),
        )
    services.cluster_update(actor=coordinator, cluster=cluster, all_practices_registered=True)
    services.cluster_complete(actor=coordinator, cluster=cluster, today=D(2019, 7, 1))


def test_a_practice_that_kept_its_fee_in_an_earlier_cluster_repays_nothing_when_it_leaves_the_next(
    cluster: Any, coordinator: Any, member: Any, other_cluster: Any
) -> None:
    complete(cluster, coordinator)
    moved = services.practice_move(
        actor=coordinator, membership=member, to_cluster=other_cluster, on=D(2020, 9, 1)
    )
    consequence = leaving_consequence(moved, D(2021, 1, 1))
    assert consequence.fee_kept_earlier
    assert consequence.repayment is None


def test_a_fee_in_a_cluster_never_completed_blocks_nothing(
    cluster: Any, coordinator: Any, member: Any, other_cluster: Any
) -> None:
    moved = services.practice_move(
        actor=coordinator, membership=member, to_cluster=other_cluster, on=D(2020, 9, 1)
    )
    consequence = leaving_consequence(moved, D(2021, 1, 1))
    assert not consequence.fee_kept_earlier
    assert consequence.repayment == Decimal("20000.00")


def test_a_practice_whose_fee_was_repaid_earns_one_again_in_its_next_cluster(
    cluster: Any, coordinator: Any, member: Any, other_cluster: Any
) -> None:
    complete(cluster, coordinator)
    moved = services.practice_move(
        actor=coordinator, membership=member, to_cluster=other_cluster, on=D(2020, 1, 1)
    )
    consequence = leaving_consequence(moved, D(2020, 6, 1))
    assert not consequence.fee_kept_earlier
    assert consequence.repayment == Decimal("20000.00")


def test_under_the_patient_based_scheme_there_is_no_startup_fee_to_repay(
    make_cluster: Any,
) -> None:
    cluster = make_cluster("Klynge 2022", founded_on=D(2022, 3, 1))
    coordinator = cluster.role_assignments.get(role="coordinator").user
    membership = services.practice_add(
        actor=coordinator,
        cluster=cluster,
        provider_number="220001",
        name="Ny praksis",
        capacities=1,
        joined=D(2022, 3, 1),
    )
    consequence = leaving_consequence(membership, D(2022, 9, 1))
    assert consequence.fee_per_capacity is None
    assert consequence.repayment is None
