"""Demo data worth looking at: two regions' GP clusters with a few years of history, and a login per role.

Everything is built through the registry's services, in date order, with the ``today`` each change
would have had, so recorded dates, the completion checklist and the audit trail look as they would in
use. Region-side changes are made by the region's officer, cluster-side changes by the cluster's
coordinator. The audit entries' and documents' timestamps are then set to the day of the change (the
only thing written around the services), so the trail reads as a history rather than as one minute.

:func:`build` is idempotent: when the demo clusters exist it changes nothing.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.test.utils import override_settings
from fpdf import FPDF

from klynge.accounts.models import Role, RoleAssignment, User
from klynge.audit.log import recorded_at
from klynge.audit.models import AuditEntry
from klynge.core.dates import long_da
from klynge.health import demo as health_demo
from klynge.registry import services
from klynge.registry.models import (
    CapacityRecord,
    Document,
    DocumentType,
    GpCluster,
    Membership,
    PatientCount,
    Practice,
    Region,
)

D = dt.date
PASSWORD = "klynge-demo"  # noqa: S105 - the demo logins' password, printed by `klynge demo --print-logins`
EMAIL_DOMAIN = "klynge-demo.dk"


# --- The demo world -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoPractice:
    number: str
    name: str
    capacities: int
    joined: dt.date | None = None  # None: a founding member, joined on the founding date
    recorded: dt.date | None = None  # None: registered a week after joining


@dataclass(frozen=True)
class DemoCluster:
    external_id: str
    name: str
    region: str
    founded_on: dt.date
    cvr: str
    nemkonto_on: dt.date  # the region records CVR and confirmed NemKonto on this day
    completed_on: dt.date | None  # None: documents still missing
    coordinator: tuple[str, str]  # (full name, username) of the coordinator
    practices: tuple[DemoPractice, ...]


CLUSTERS: tuple[DemoCluster, ...] = (
    DemoCluster(
        "K-AALBORG-OST",
        "Klynge Aalborg Øst",
        "1081",
        D(2018, 9, 12),
        "37184209",
        D(2018, 12, 3),
        D(2019, 1, 21),
        ("Mette Kjær", "koordinator-aalborg"),
        (
            DemoPractice("081101", "Lægerne i Nørregade", 3),
            DemoPractice("081102", "Lægehuset Vejgaard", 2),
            DemoPractice("081103", "Lægerne Gugvej", 1),
            DemoPractice("081104", "Lægehuset Nørresundby", 4),
            DemoPractice("081105", "Lægerne i Hasseris", 2),
            DemoPractice("081106", "Lægerne Sønderbro", 1, D(2019, 9, 1), D(2019, 8, 26)),
            DemoPractice("081107", "Lægehuset Aalborg Øst", 2, D(2020, 3, 1), D(2020, 2, 20)),
        ),
    ),
    DemoCluster(
        "K-HIMMERLAND",
        "Praksisklyngen Himmerland",
        "1081",
        D(2018, 10, 4),
        "38402919",
        D(2019, 1, 15),
        D(2019, 3, 11),
        ("Jens Bach", "jens.bach@" + EMAIL_DOMAIN),
        (
            DemoPractice("081201", "Lægehuset Støvring", 2),
            DemoPractice("081202", "Lægerne Aars", 3),
            DemoPractice("081203", "Lægehuset Nibe", 1),
            DemoPractice("081204", "Lægerne i Hobro", 2),
            DemoPractice("081205", "Lægehuset Farsø", 1),
        ),
    ),
    DemoCluster(
        "K-VENDSYSSEL",
        "Klynge Vendsyssel",
        "1081",
        D(2018, 11, 20),
        "39250179",
        D(2019, 1, 7),
        D(2019, 2, 4),
        ("Lone Thomsen", "lone.thomsen@" + EMAIL_DOMAIN),
        (
            DemoPractice("081301", "Lægerne i Hjørring", 3),
            DemoPractice("081302", "Lægehuset Frederikshavn", 4),
            DemoPractice("081303", "Lægerne Brønderslev", 2),
            DemoPractice("081304", "Lægehuset Sæby", 2),
            DemoPractice("081305", "Lægerne Skagen", 1),
            DemoPractice("081306", "Lægehuset Hirtshals", 1, D(2022, 4, 1), D(2022, 3, 28)),
        ),
    ),
    DemoCluster(
        "K-THY-MORS",
        "Klynge Thy-Mors",
        "1081",
        D(2019, 3, 14),
        "40115838",
        D(2019, 5, 2),
        None,
        ("Søren Krogh", "koordinator-thy"),
        (
            DemoPractice("081401", "Lægerne i Thisted", 3),
            DemoPractice("081402", "Lægehuset Nykøbing Mors", 2),
            DemoPractice("081403", "Lægerne Hurup", 1),
        ),
    ),
    DemoCluster(
        "K-AARHUS-VEST",
        "Klynge Aarhus Vest",
        "1082",
        D(2018, 10, 30),
        "41873620",
        D(2019, 1, 10),
        D(2019, 1, 28),
        ("Anne Lund", "anne.lund@" + EMAIL_DOMAIN),
        (
            DemoPractice("082101", "Lægerne i Brabrand", 3),
            DemoPractice("082102", "Lægehuset Hasle", 2),
            DemoPractice("082103", "Lægerne Gellerup", 4),
            DemoPractice("082104", "Lægehuset Tilst", 1),
            DemoPractice("082105", "Lægerne Åbyhøj", 2),
            DemoPractice("082106", "Lægehuset Viby", 2, D(2020, 1, 1), D(2019, 12, 10)),
        ),
    ),
    DemoCluster(
        "K-SILKEBORG",
        "Klynge Silkeborg",
        "1082",
        D(2019, 1, 16),
        "42904155",
        D(2019, 3, 20),
        D(2019, 4, 8),
        ("Peter Holm", "peter.holm@" + EMAIL_DOMAIN),
        (
            DemoPractice("082201", "Lægerne i Silkeborg Centrum", 3),
            DemoPractice("082202", "Lægehuset Kjellerup", 2),
            DemoPractice("082203", "Lægerne Them", 1),
            DemoPractice("082204", "Lægehuset Gjern", 1),
        ),
    ),
    DemoCluster(
        "K-RANDERS",
        "Praksisklyngen Randers",
        "1082",
        D(2019, 2, 27),
        "43561286",
        D(2019, 4, 29),
        D(2019, 5, 20),
        ("Hanne Vestergaard", "hanne.vestergaard@" + EMAIL_DOMAIN),
        (
            DemoPractice("082301", "Lægerne i Randers Nord", 4),
            DemoPractice("082302", "Lægehuset Langå", 1),
            DemoPractice("082303", "Lægehuset Hadsten", 2),
            DemoPractice("082304", "Lægerne i Randers Midtby", 3),
            DemoPractice("082305", "Lægehuset Assentoft", 1, D(2023, 2, 1), D(2023, 1, 20)),
        ),
    ),
    # Region Hovedstaden and Region Sjælland: they merge on 1 January 2027 (brief §7; MERGER below).
    DemoCluster(
        "K-BRONDBY",
        "Klynge Brøndby-Vallensbæk",
        "1084",
        D(2024, 3, 5),
        "41801018",
        D(2024, 4, 8),
        D(2024, 4, 22),
        ("Camilla Juhl", "koordinator-brondby"),
        (
            DemoPractice("084101", "Lægerne i Brøndby Strand", 3),
            DemoPractice("084102", "Lægehuset Vallensbæk", 2),
            DemoPractice("084103", "Lægehuset Greve Nord", 2),
        ),
    ),
    DemoCluster(
        "K-KOGE-BUGT",
        "Praksisklyngen Køge Bugt",
        "1085",
        D(2024, 5, 14),
        "43515993",
        D(2024, 6, 10),
        D(2024, 6, 24),
        ("Rasmus Bech", "koordinator-koge"),
        (
            DemoPractice("085101", "Lægerne i Køge", 4),
            DemoPractice("085102", "Lægehuset Solrød", 2),
            DemoPractice("085103", "Lægerne Stevns", 1),
        ),
    ),
)

# What happened after the clusters were completed: (provider number, first day, recorded).
LEAVES = (
    ("081106", D(2020, 5, 1), D(2020, 4, 20)),  # before its first anniversary: the startup fee is repaid (A7)
    ("082104", D(2021, 10, 1), D(2021, 9, 15)),  # the doctor retired
    ("081205", D(2023, 1, 1), D(2022, 12, 5)),  # merged into a practice outside the clusters
)
MOVES = (
    ("081201", "K-AALBORG-OST", D(2021, 7, 1), D(2021, 6, 21)),  # Støvring moves to Aalborg Øst (A8)
    # Greve Nord moves from Region Hovedstaden's cluster to Region Sjælland's in the merger's last year.
    ("084103", "K-KOGE-BUGT", D(2026, 3, 1), D(2026, 2, 20)),
)
CAPACITY_CHANGES = (  # (provider number, from, count, recorded)
    ("081101", D(2020, 8, 1), 4, D(2020, 7, 15)),
    ("081303", D(2021, 2, 1), 3, D(2021, 1, 25)),
    ("082202", D(2022, 5, 1), 3, D(2022, 4, 19)),
    ("082103", D(2023, 9, 1), 3, D(2023, 9, 4)),
)
PATIENT_YEARS = (2022, 2023, 2024, 2025)  # group-1 counts from 1 January, recorded mid-January

# Region Nordjylland's payout history: a run on the 15th of January, April, July and October, prepared
# by its officer, approved by its approver, released; paid ten days later; claims repaid in three weeks.
PAYOUT_REGION = "1081"
PAYOUT_RUNS = tuple(D(year, month, 15) for year in range(2019, 2026) for month in (1, 4, 7, 10))
# The two regions that merge ran their own payouts until the autumn before the merger.
MERGING_RUNS = (D(2024, 10, 15), D(2025, 4, 15), D(2025, 10, 15), D(2026, 4, 15), D(2026, 10, 15))
# The scripted merger (#11): prepared by the second administrator, so that the demo's "admin" can see
# what moves and the totals before and after, and approve it (four eyes). Code 1099 is the demo's
# stand-in: no official code for Region Østdanmark is shipped; a real merger uses the official one.
MERGER = {
    "format": "klynge-reorganise/1",
    "date": "2027-01-01",
    "regions": {"merge": ["1084", "1085"], "into": {"code": "1099", "name": "Region Østdanmark"}},
    "settings": {"from": "1085"},
    "note": "Demo: 1099 står i stedet for Region Østdanmarks officielle regionskode.",
}
MERGER_PREPARED_ON = D(2026, 11, 20)
DEMO_IBAN = "DK5000400440116243"  # an example account (the IBAN standard's Danish example)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: str
    scope: str  # the cluster, region or organisation the role covers; empty for everything


# The demo logins, one per role of brief §1 (two coordinators: a completed and an incomplete cluster).
STAFF: tuple[tuple[str, str, str, dict[str, str]], ...] = (
    # (username, full name, role, scope: region code / organisation code)
    ("admin", "Demo Administrator", Role.ADMIN, {}),
    ("admin-2", "Signe Winther", Role.ADMIN, {}),
    ("sagsbehandler-nord", "Karen Møller", Role.REGION_OFFICER, {"region": "1081"}),
    ("godkender-nord", "Henrik Dahl", Role.REGION_APPROVER, {"region": "1081"}),
    ("sagsbehandler-midt", "Birgitte Skov", Role.REGION_OFFICER, {"region": "1082"}),
    ("sagsbehandler-hovedstaden", "Nikolaj Berg", Role.REGION_OFFICER, {"region": "1084"}),
    ("godkender-hovedstaden", "Pia Lindholm", Role.REGION_APPROVER, {"region": "1084"}),
    ("sagsbehandler-sjaelland", "Tove Hald", Role.REGION_OFFICER, {"region": "1085"}),
    ("godkender-sjaelland", "Jonas Ravn", Role.REGION_APPROVER, {"region": "1085"}),
    ("sekretariat-aalborg", "Louise Bang", Role.HEALTH_SECRETARIAT, {"health_cluster": "SK-AALBORG"}),
    ("okonomi-aalborg", "Morten Friis", Role.FINANCE_OFFICER, {"organisation_code": "851"}),
    ("ssu-nord", "Inger Poulsen", Role.SSU_READER, {"region": "1081"}),
)
COORDINATOR_LOGINS = ("koordinator-aalborg", "koordinator-thy", "koordinator-brondby", "koordinator-koge")
# Each region's officer and approver in the demo (the approver: None where the region runs no payouts).
OFFICERS = {
    "1081": "sagsbehandler-nord",
    "1082": "sagsbehandler-midt",
    "1084": "sagsbehandler-hovedstaden",
    "1085": "sagsbehandler-sjaelland",
}
APPROVERS = {"1081": "godkender-nord", "1084": "godkender-hovedstaden", "1085": "godkender-sjaelland"}
ORGANISATIONS = {"851": "Aalborg Kommune"}


# --- Public API -----------------------------------------------------------------------------------


def is_present() -> bool:
    """Whether the demo data has been built (its first cluster exists)."""
    return GpCluster.objects.filter(external_id=CLUSTERS[0].external_id).exists()


@dataclass
class BuildResult:
    built: bool
    counts: dict[str, int] = field(default_factory=dict)


class DemoResetRefused(Exception):
    """The demo cannot be removed: the audit trail (and its payouts the ledger) are append-only."""


def build(*, with_runs: bool = True) -> BuildResult:
    """Build the demo data in one transaction; do nothing when it is already there.

    ``with_runs``: also Region Nordjylland's released payout runs (they are posted in the ledger, so
    the demo can then no longer be removed with :func:`reset`)."""
    if is_present():
        return BuildResult(built=False)
    # The region officers would get a "cluster completed" mail for every demo cluster; not wanted here.
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
        transaction.atomic(),
    ):
        _Builder(with_runs=with_runs).run()
    return BuildResult(
        built=True,
        counts={
            "clusters": GpCluster.objects.filter(external_id__in=[c.external_id for c in CLUSTERS]).count(),
            "practices": Practice.objects.filter(provider_number__in=_demo_numbers()).count(),
            "memberships": Membership.objects.filter(practice__provider_number__in=_demo_numbers()).count(),
        },
    )


def logins() -> list[DemoLogin]:
    """The demo logins that exist, in the order of brief §1's roles (password: :data:`PASSWORD`)."""
    order = {role: i for i, role in enumerate(Role.values)}
    usernames = [s[0] for s in STAFF] + list(COORDINATOR_LOGINS)
    found = []
    for assignment in (
        RoleAssignment.objects.filter(user__username__in=usernames)
        .select_related("user", "region", "gp_cluster", "health_cluster")
        .order_by("user__username")
    ):
        code = assignment.organisation_code
        organisation = f"{ORGANISATIONS.get(code, code)} ({code})" if code else ""
        scope = (  # empty: everything
            assignment.gp_cluster or assignment.health_cluster or assignment.region or organisation
        )
        found.append(
            DemoLogin(
                assignment.user.username,
                assignment.user.get_full_name(),
                assignment.role,
                str(scope),
            )
        )
    found.sort(key=lambda login: (order.get(login.role, 99), login.username))
    return found


def reset() -> None:
    """Remove the demo data (and only it) with its stored files, while nothing is on record about it.

    Refused (:class:`DemoResetRefused`) once the audit trail holds an entry about the demo's clusters,
    practices or users, or the ledger one of its payouts: both are append-only (the database refuses to
    delete their rows), so a built demo is removed by starting from an empty database."""
    numbers = _demo_numbers()
    clusters = GpCluster.objects.filter(external_id__in=[c.external_id for c in CLUSTERS])
    usernames = [s[0] for s in STAFF]
    from klynge.payouts.models import PayoutRun

    if PayoutRun.objects.filter(prepared_by__username__in=usernames).exists():
        raise DemoResetRefused
    practices = Practice.objects.filter(provider_number__in=numbers)
    if AuditEntry.objects.filter(
        Q(gp_cluster__in=clusters)
        | Q(actor__username__in=usernames)
        | Q(
            object_type="registry.Practice",
            object_id__in=[str(pk) for pk in practices.values_list("pk", flat=True)],
        )
    ).exists():
        raise DemoResetRefused
    with transaction.atomic():
        health_demo.reset(usernames)
        coordinators = list(
            User.objects.filter(roles__gp_cluster__in=clusters, roles__role=Role.COORDINATOR).values_list(
                "pk", flat=True
            )
        )
        users = User.objects.filter(Q(username__in=usernames) | Q(pk__in=coordinators))
        documents = Document.objects.filter(cluster__in=clusters)
        files = [(d.file.storage, d.file.name) for d in documents if d.file.name]
        documents.delete()

        def delete_files() -> None:  # only once the rows are gone for good
            for storage, name in files:
                storage.delete(name)

        transaction.on_commit(delete_files)
        Membership.objects.filter(Q(cluster__in=clusters) | Q(practice__in=practices)).delete()
        CapacityRecord.objects.filter(practice__in=practices).delete()
        PatientCount.objects.filter(practice__in=practices).delete()
        practices.delete()
        clusters.delete()
        users.delete()


def _demo_numbers() -> list[str]:
    return [p.number for c in CLUSTERS for p in c.practices]


# --- Building -------------------------------------------------------------------------------------


class _Builder:
    """Collects every change as (day, step) and runs them in date order through the services."""

    def __init__(self, *, with_runs: bool) -> None:
        self.with_runs = with_runs
        self.health_cluster: Any = None
        self.steps: list[tuple[dt.date, int, Callable[[], object]]] = []
        self.users: dict[str, User] = {}
        self.clusters: dict[str, GpCluster] = {}
        self.memberships: dict[str, Membership] = {}
        self.capacities: dict[str, list[tuple[dt.date, int]]] = {}
        self.doc_types = {d.code: d for d in DocumentType.objects.all()}
        self.regions = {r.code: r for r in Region.objects.all()}
        self.zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.password = make_password(PASSWORD)  # hashed once: a key derivation takes ~0.3 s per call

    def at(self, day: dt.date, step: Callable[[], object]) -> None:
        self.steps.append((day, len(self.steps), step))

    def run(self) -> None:
        self._staff()
        for spec in CLUSTERS:
            self._cluster(spec)
        self._later_changes()
        self._patients()
        if self.with_runs:
            self._payout_runs()
            self.at(MERGER_PREPARED_ON, self._merger)
        health_demo.fill(
            self.health_cluster,
            self.users["sekretariat-aalborg"],
            self.users["okonomi-aalborg"],
            post=self.with_runs,
        )
        if self.with_runs:
            # #11: Sundhedsråd Aalborg of 1 January 2027, prepared by "admin-2" for "admin" to approve
            health_demo.prepare_council(self.users["admin-2"], self.users["sekretariat-aalborg"])
        for minute, (day, _order, step) in enumerate(sorted(self.steps, key=lambda s: (s[0], s[1]))):
            when = dt.datetime.combine(day, dt.time(9, 0), self.zone) + dt.timedelta(minutes=minute % 480)
            with recorded_at(when):  # the audit trail is append-only: entries get their day when written
                step()
        for document in Document.objects.filter(cluster__in=self.clusters.values()):
            entry = AuditEntry.objects.filter(action="document.upload", object_id=str(document.pk)).first()
            if entry:
                Document.objects.filter(pk=document.pk).update(uploaded_at=entry.at)
        for cluster in self.clusters.values():
            entry = AuditEntry.objects.filter(action="gp_cluster.create", gp_cluster=cluster).first()
            if entry:
                GpCluster.objects.filter(pk=cluster.pk).update(created_at=entry.at)
        User.objects.filter(username__in=COORDINATOR_LOGINS).update(password=self.password)

    # Users ---------------------------------------------------------------------------------------

    def _staff(self) -> None:
        for username, full_name, role, scope in STAFF:
            first, _sep, last = full_name.partition(" ")
            user = User.objects.create(
                username=username,
                email=f"{username}@{EMAIL_DOMAIN}",
                password=self.password,
                first_name=first,
                last_name=last,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
            if "health_cluster" in scope and self.health_cluster is None:
                self.health_cluster = health_demo.create_cluster(self.users["admin"])
            RoleAssignment.objects.create(
                user=user,
                role=role,
                region=self.regions[scope["region"]] if "region" in scope else None,
                health_cluster=self.health_cluster if "health_cluster" in scope else None,
                organisation_code=scope.get("organisation_code", ""),
            )
            self.users[username] = user

    def _officer(self, region_code: str) -> User:
        return self.users[OFFICERS[region_code]]

    def _coordinator(self, spec: DemoCluster) -> User:
        return self.users[spec.coordinator[1]]

    # Clusters ------------------------------------------------------------------------------------

    def _cluster(self, spec: DemoCluster) -> None:
        officer = self._officer(spec.region)
        full_name, username = spec.coordinator

        def create() -> None:
            email = username if "@" in username else f"{username}@{EMAIL_DOMAIN}"
            cluster = services.cluster_create(
                actor=officer,
                region=self.regions[spec.region],
                name=spec.name,
                founded_on=spec.founded_on,
                coordinator_email=email,
                coordinator_name=full_name,
                external_id=spec.external_id,
                send_welcome=False,
            )
            coordinator = cluster.role_assignments.get(role=Role.COORDINATOR).user
            if coordinator.username != username:
                coordinator.username = username
                coordinator.save(update_fields=["username"])
            self.clusters[spec.external_id] = cluster
            self.users[username] = coordinator

        self.at(spec.founded_on, create)
        for practice in spec.practices:
            self._join(spec, practice)
        self.at(
            spec.nemkonto_on,
            lambda: services.cluster_update(
                actor=officer,
                cluster=self.clusters[spec.external_id],
                cvr=spec.cvr,
                nemkonto_confirmed_on=spec.nemkonto_on,
            ),
        )
        self._upload(spec, "referat-stiftende-gf", spec.founded_on + dt.timedelta(days=6))
        if spec.completed_on is None:
            self._upload(spec, "vedtaegter", spec.founded_on + dt.timedelta(days=20))
            self.at(
                spec.nemkonto_on,
                lambda: services.cluster_update(
                    actor=self._coordinator(spec),
                    cluster=self.clusters[spec.external_id],
                    all_practices_registered=True,
                ),
            )
            # The minutes were uploaded, then removed as the wrong file; nothing has replaced them.
            self.at(spec.nemkonto_on + dt.timedelta(days=3), lambda: self._remove_minutes(spec))
            return
        completed = spec.completed_on
        self._upload(spec, "vedtaegter", completed - dt.timedelta(days=9))
        self.at(
            completed - dt.timedelta(days=2),
            lambda: services.cluster_update(
                actor=self._coordinator(spec),
                cluster=self.clusters[spec.external_id],
                all_practices_registered=True,
            ),
        )
        self.at(
            completed,
            lambda: services.cluster_complete(
                actor=self._coordinator(spec), cluster=self.clusters[spec.external_id], today=completed
            ),
        )

    def _join(self, spec: DemoCluster, practice: DemoPractice) -> None:
        joined = practice.joined or spec.founded_on
        recorded = practice.recorded or joined + dt.timedelta(days=7)
        self.capacities[practice.number] = [(joined, practice.capacities)]

        def add() -> None:
            self.memberships[practice.number] = services.practice_add(
                actor=self._coordinator(spec),
                cluster=self.clusters[spec.external_id],
                provider_number=practice.number,
                joined=joined,
                name=practice.name,
                capacities=practice.capacities,
                today=recorded,
            )

        self.at(recorded, add)

    def _upload(self, spec: DemoCluster, doc_code: str, day: dt.date) -> None:
        def upload() -> None:
            doc_type = self.doc_types[doc_code]
            content = _pdf(f"{doc_type.name} for {spec.name}", day)
            services.document_upload(
                actor=self._coordinator(spec),
                cluster=self.clusters[spec.external_id],
                document_type=doc_type,
                upload=SimpleUploadedFile(f"{doc_type.code}.pdf", content, content_type="application/pdf"),
            )

        self.at(day, upload)

    def _remove_minutes(self, spec: DemoCluster) -> None:
        document = Document.objects.get(
            cluster=self.clusters[spec.external_id], document_type__code="referat-stiftende-gf"
        )
        services.document_remove(actor=self._coordinator(spec), document=document)

    # After completion ----------------------------------------------------------------------------

    def _later_changes(self) -> None:
        for number, left, recorded in LEAVES:
            self.at(recorded, partial(self._leave, number, left, recorded))
        for number, to_id, on, recorded in MOVES:
            self.at(recorded, partial(self._move, number, to_id, on, recorded))
        for number, valid_from, count, recorded in CAPACITY_CHANGES:
            self.capacities[number].append((valid_from, count))
            self.at(
                recorded, partial(self._dated, services.capacity_set, number, valid_from, count, recorded)
            )

    def _patients(self) -> None:
        """Group-1 patients (the OK22 basis), about 1.600 per capacity, from 1 January each year."""
        ended = {number: left for number, left, _recorded in LEAVES}
        for spec in CLUSTERS:
            for practice in spec.practices:
                joined = practice.joined or spec.founded_on
                for year in PATIENT_YEARS:
                    valid_from = max(D(year, 1, 1), joined)
                    if joined.year > year or ended.get(practice.number, dt.date.max) <= valid_from:
                        continue
                    capacities = [c for day, c in self.capacities[practice.number] if day <= valid_from][-1]
                    count = capacities * 1600 + (int(practice.number) * 37 + year * 11) % 400 - 200
                    registered = practice.recorded or joined + dt.timedelta(days=7)  # as in _join
                    recorded = max(D(year, 1, 14), registered + dt.timedelta(days=1))
                    self.at(
                        recorded,
                        partial(
                            self._dated, services.patients_set, practice.number, valid_from, count, recorded
                        ),
                    )

    def _payout_runs(self) -> None:
        for code, days in ((PAYOUT_REGION, PAYOUT_RUNS), ("1084", MERGING_RUNS), ("1085", MERGING_RUNS)):
            region = self.regions[code]
            if not region.payment_iban:
                services.region_update(
                    actor=self.users["admin"],
                    region=region,
                    payment_iban=DEMO_IBAN,
                    payment_bic="DABADKKK",
                )
            for day in days:
                self.at(day, partial(self._payout_run, day, code))

    def _payout_run(self, day: dt.date, code: str = PAYOUT_REGION) -> None:
        from klynge.payouts import runs

        officer, approver = self.users[OFFICERS[code]], self.users[APPROVERS[code]]
        run = runs.run_prepare(actor=officer, region=self.regions[code], run_date=day)
        runs.run_approve(actor=approver, run=run)
        runs.run_release(actor=officer, run=run)
        if run.payouts.exists():
            runs.payouts_mark_paid(actor=officer, run=run, paid_on=day + dt.timedelta(days=10))
        for claim in run.claims.all():
            runs.repayment_record(
                actor=officer, claim=claim, amount=claim.amount, received_on=day + dt.timedelta(days=21)
            )

    def _merger(self) -> None:
        """The merger of 1 January 2027 as a draft, prepared by the second administrator (#11)."""
        from klynge.payouts import mergers, reorganise

        document, problems = reorganise.check_document(MERGER)
        if problems or document is None:
            raise RuntimeError(f"the demo's merger file is wrong: {problems}")
        mergers.merger_prepare(actor=self.users["admin-2"], document=document)

    def _leave(self, number: str, left: dt.date, recorded: dt.date) -> None:
        membership = self.memberships[number]
        services.membership_end(
            actor=self._coordinator_of(membership.cluster), membership=membership, left=left, today=recorded
        )

    def _move(self, number: str, to_id: str, on: dt.date, recorded: dt.date) -> None:
        membership = self.memberships[number]
        to_cluster = self.clusters[to_id]
        if to_cluster.region_id != membership.cluster.region_id:
            # Between regions there is no move: the practice leaves one cluster and joins the other.
            services.membership_end(
                actor=self._coordinator_of(membership.cluster), membership=membership, left=on, today=recorded
            )
            self.memberships[number] = services.practice_add(
                actor=self._coordinator_of(to_cluster),
                cluster=to_cluster,
                provider_number=number,
                joined=on,
                today=recorded,
            )
            return
        self.memberships[number] = services.practice_move(
            actor=self._officer(membership.cluster.region.code),
            membership=membership,
            to_cluster=self.clusters[to_id],
            on=on,
            today=recorded,
        )

    def _dated(
        self, service: Callable[..., Any], number: str, valid_from: dt.date, count: int, recorded: dt.date
    ) -> None:
        """Record a capacity or patient count through ``service``, by the practice's current coordinator."""
        membership = self.memberships[number]
        service(
            actor=self._coordinator_of(membership.cluster),
            practice=membership.practice,
            cluster=membership.cluster,
            valid_from=valid_from,
            count=count,
            today=recorded,
        )

    def _coordinator_of(self, cluster: GpCluster) -> User:
        return self._coordinator(next(c for c in CLUSTERS if c.external_id == cluster.external_id))


def _pdf(title: str, day: dt.date) -> bytes:
    """A small, valid one-page PDF standing in for the uploaded document."""
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creation_date(dt.datetime.combine(day, dt.time(12, 0), dt.UTC))
    pdf.add_page()
    pdf.set_font("helvetica", style="B", size=16)
    pdf.multi_cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 7, f"Dato: {long_da(day)}\n\nDemodokument oprettet af Klyngeøkonomi.")
    return bytes(pdf.output())
