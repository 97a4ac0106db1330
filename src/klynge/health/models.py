"""Health clusters (brief §4): members and their population, common funds and carry-over, initiatives
with evaluation plans, budgets and actual costs, and the chart of accounts as data.

The rules (allocation by key, settlement, postings) are in :mod:`klynge.core.sharing` and
:mod:`klynge.core.settlement`; every change goes through :mod:`klynge.health.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from klynge.common.dates import db_window
from klynge.common.money import MoneyField


class Municipality(models.Model):
    """One of the 98 Danish municipalities (kommunekode), in its region. Shipped as data."""

    code = models.CharField(_("kommunekode"), max_length=3, unique=True)
    name = models.CharField(_("navn"), max_length=100)
    region = models.ForeignKey(
        "registry.Region", on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("region")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("kommune")
        verbose_name_plural = _("kommuner")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ChartFunction(models.Model):
    """A function code of the municipal chart of accounts (e.g. 4.62.88 Sundhedsfremme og forebyggelse)
    that initiatives are posted on, with the regional chart's function a region posts the same
    initiative on (``regional_code``). The regional code is entered by an administrator (none is
    shipped: we ship no code we cannot source); until it is, a region's postings are refused."""

    code = models.CharField(_("funktion"), max_length=20, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    active = models.BooleanField(_("i brug"), default=True)
    regional_code = models.CharField(
        _("regional funktion"),
        max_length=20,
        blank=True,
        help_text=_(
            "Funktionen i regionernes budget- og regnskabssystem, som en region konterer indsatser på "
            "denne kommunale funktion på."
        ),
    )
    regional_name = models.CharField(_("navn på regional funktion"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("funktion (kontoplan)")
        verbose_name_plural = _("funktioner (kontoplan)")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ChartKind(models.Model):
    """A kind (art) of the public chart of accounts, e.g. 4.7 Betalinger til kommuner."""

    code = models.CharField(_("art"), max_length=10, unique=True)
    name = models.CharField(_("navn"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("art (kontoplan)")
        verbose_name_plural = _("arter (kontoplan)")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class HealthCluster(models.Model):
    """One region and the municipalities around an acute hospital, with general practice; or, from
    the reform of 1 January 2027, a health council (sundhedsråd, ``kind`` = council): one region and
    its municipalities, the successor of one or more health clusters (docs/health-councils.md).

    A council is a health cluster of another kind, so every page, selector, settlement, posting and
    report works for it unchanged."""

    class Kind(models.TextChoices):
        CLUSTER = "cluster", _("Sundhedsklynge")
        COUNCIL = "council", _("Sundhedsråd")

    external_id = models.CharField(
        _("id"), max_length=40, unique=True, help_text=_("Id i udvekslingsformatet, fx SK-AALBORG.")
    )
    name = models.CharField(_("navn"), max_length=200)
    region = models.ForeignKey(
        "registry.Region", on_delete=models.PROTECT, related_name="health_clusters", verbose_name=_("region")
    )
    co_chair_region = models.CharField(_("medformand fra regionen"), max_length=200, blank=True)
    co_chair_municipality = models.CharField(_("medformand fra kommunerne"), max_length=200, blank=True)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.CLUSTER)
    created_at = models.DateTimeField(auto_now_add=True)
    # A life as data (#11): first and last day (empty: always, open) and the successor. A health
    # cluster's successor is the health council that took it over (services.council_create).
    valid_from = models.DateField(_("gælder fra"), null=True, blank=True)
    valid_to = models.DateField(_("gælder til og med"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        verbose_name=_("efterfølger"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("sundhedsklynge")
        verbose_name_plural = _("sundhedsklynger")
        constraints = [
            models.CheckConstraint(
                name="health_cluster_valid_to_after_valid_from",
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
            ),
            models.CheckConstraint(
                name="health_cluster_not_own_successor",
                condition=Q(successor__isnull=True) | ~Q(successor=F("pk")),
            ),
            models.CheckConstraint(
                name="health_cluster_valid_from_in_window", condition=db_window("valid_from", nullable=True)
            ),
            models.CheckConstraint(
                name="health_cluster_valid_to_in_window", condition=db_window("valid_to", nullable=True)
            ),
            models.CheckConstraint(name="health_cluster_kind", condition=Q(kind__in=["cluster", "council"])),
            # a council has a first day (services.council_create: a 1 January, so its years are whole)
            models.CheckConstraint(
                name="health_council_has_start",
                condition=~Q(kind="council") | Q(valid_from__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_council(self) -> bool:
        return self.kind == self.Kind.COUNCIL


class HealthMember(models.Model):
    """A member of a health cluster: the region or one municipality, in the cluster's member order."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Kommune")
        REGION = "region", _("Region")

    cluster = models.ForeignKey(HealthCluster, on_delete=models.CASCADE, related_name="members")
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("kommune")
    )
    region = models.ForeignKey(
        "registry.Region", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("region")
    )
    position = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)
    # Denormalised from the cluster (#11): this municipality's seat in a health council. "A
    # municipality belongs to one council" is the partial unique constraint below, so the database
    # refuses a second seat however the row is written. Set by services.council_create only.
    council_seat = models.BooleanField(_("plads i et sundhedsråd"), default=False)

    class Meta:
        ordering = ["cluster", "position", "id"]
        verbose_name = _("medlem")
        verbose_name_plural = _("medlemmer")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality"],
                condition=Q(council_seat=True),
                name="health_municipality_one_council",
            ),
            models.CheckConstraint(
                name="health_council_seat_is_municipality",
                condition=Q(council_seat=False) | Q(kind="municipality"),
            ),
            models.CheckConstraint(
                name="health_member_kind_matches",
                condition=Q(kind="municipality", municipality__isnull=False, region__isnull=True)
                | Q(kind="region", region__isnull=False, municipality__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["cluster", "municipality"], name="health_member_municipality_once"
            ),
            models.UniqueConstraint(
                fields=["cluster"], condition=Q(kind="region"), name="health_member_one_region"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def code(self) -> str:
        """The organisation code: kommunekode or regionskode (what a finance officer is scoped to)."""
        return self.municipality.code if self.municipality_id else self.region.code  # type: ignore[union-attr]

    @property
    def name(self) -> str:
        return self.municipality.name if self.municipality_id else self.region.name  # type: ignore[union-attr]


class Population(models.Model):
    member = models.ForeignKey(HealthMember, on_delete=models.CASCADE, related_name="population")
    year = models.PositiveSmallIntegerField(_("år"))
    count = models.PositiveIntegerField(_("indbyggere"))

    class Meta:
        ordering = ["member", "year"]
        verbose_name = _("befolkning")
        verbose_name_plural = _("befolkning")
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="population_one_per_year")]

    def __str__(self) -> str:
        return f"{self.member} {self.year}: {self.count}"


class CommonFund(models.Model):
    """A member's share of the cluster's common funds for a year."""

    class Source(models.TextChoices):
        ENTERED = "entered", _("Indtastet")
        KEY = "key", _("Fordelt efter nøgle")

    member = models.ForeignKey(HealthMember, on_delete=models.CASCADE, related_name="funds")
    year = models.PositiveSmallIntegerField(_("år"))
    amount = MoneyField(_("beløb"))
    source = models.CharField(_("kilde"), max_length=16, choices=Source.choices, default=Source.ENTERED)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["member", "year"]
        verbose_name = _("fælles midler")
        verbose_name_plural = _("fælles midler")
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="fund_one_per_member_per_year"),
            models.CheckConstraint(name="fund_not_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.year}: {self.amount}"


class CarryOver(models.Model):
    """Unused funds of ``from_year`` carried to the next year, confirmed by the member's finance officer
    (room within its expenditure ceiling)."""

    member = models.ForeignKey(HealthMember, on_delete=models.CASCADE, related_name="carry_overs")
    from_year = models.PositiveSmallIntegerField(_("fra år"))
    amount = MoneyField(_("beløb"))
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("bekræftet"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("trukket tilbage"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("begrundelse for tilbagetrækning"), max_length=300, blank=True)
    # Empty: carried into the member's own next year. Set (#11): carried into the next year of this
    # member of the successor health council (the same organisation), services.council_carry_over_confirm.
    into = models.ForeignKey(
        HealthMember,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carried_in_from",
        verbose_name=_("videreført til"),
    )

    class Meta:
        ordering = ["member", "from_year"]
        verbose_name = _("videreførsel")
        verbose_name_plural = _("videreførsler")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "from_year"],
                condition=Q(withdrawn_at__isnull=True),
                name="carry_over_one_per_year",
            ),
            models.CheckConstraint(name="carry_over_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="carry_over_into_another_member", condition=Q(into__isnull=True) | ~Q(into=F("member"))
            ),
            # withdrawn only by the finance officer who confirmed it, with a reason
            models.CheckConstraint(
                name="carry_over_withdrawn_by_confirmer",
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True, withdrawal_reason="")
                | (Q(withdrawn_at__isnull=False, withdrawn_by=F("confirmed_by")) & ~Q(withdrawal_reason="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.from_year} → {self.from_year + 1}: {self.amount}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class Initiative(models.Model):
    """An initiative (indsats) paid from the common funds."""

    class Status(models.TextChoices):
        IDEA = "idea", _("Idé")
        APPROVED = "approved", _("Godkendt")
        RUNNING = "running", _("I gang")
        COMPLETED = "completed", _("Afsluttet")
        EVALUATED = "evaluated", _("Evalueret")
        REPORTED = "reported", _("Afrapporteret til SSU")
        CANCELLED = "cancelled", _("Aflyst")

    class KeyType(models.TextChoices):
        EQUAL = "equal", _("Ligeligt")
        POPULATION = "population", _("Efter befolkning")
        PERCENT = "percent", _("Faste procenter")

    class Result(models.TextChoices):
        NONE = "", _("Ikke vurderet")
        ACHIEVED = "achieved", _("Succeskriterierne er nået")
        PARTLY = "partly", _("Delvist nået")
        NOT_ACHIEVED = "not_achieved", _("Ikke nået")

    cluster = models.ForeignKey(HealthCluster, on_delete=models.CASCADE, related_name="initiatives")
    title = models.CharField(_("titel"), max_length=200)
    theme = models.CharField(_("tema"), max_length=100, blank=True)
    challenge = models.TextField(_("udfordring"), blank=True)
    function = models.ForeignKey(ChartFunction, on_delete=models.PROTECT, verbose_name=_("funktion"))
    key_type = models.CharField(_("fordelingsnøgle"), max_length=16, choices=KeyType.choices)
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("slut"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IDEA)
    result = models.CharField(_("resultat"), max_length=16, choices=Result.choices, blank=True, default="")
    result_summary = models.TextField(_("resultater"), blank=True)
    recommend_spread = models.BooleanField(_("anbefales udbredt til andre klynger"), default=False)
    spread_note = models.TextField(_("anbefaling om udbredelse"), blank=True)
    reported_on = models.DateField(_("afrapporteret til SSU"), null=True, blank=True)
    # The initiative of a predecessor health cluster this one continues in a health council (#11):
    # the old one keeps the years before the council, this one the years from it.
    continues = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="continued_by",
        verbose_name=_("viderefører"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # #13, the secretariat's work (klynge.health.secretariat): the first day it was approved (kept if
    # it is set back to an idea: an initiative once approved is never deleted, only cancelled), the
    # day it was completed (late costs of that year are still taken), and a cancellation with who,
    # when and why (the CHECK below: a cancelled initiative has all three, no other has any).
    approved_on = models.DateField(_("godkendt"), null=True, blank=True)
    completed_on = models.DateField(_("afsluttet"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("aflyst"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancel_reason = models.TextField(_("begrundelse for aflysning"), blank=True)
    # For the catalogue: whom another cluster asks, how many took part (cost per participant), and
    # the initiative of another cluster this one was adopted from.
    contact_name = models.CharField(_("kontaktperson"), max_length=200, blank=True)
    contact_email = models.EmailField(_("kontaktpersonens e-mail"), blank=True)
    participants = models.PositiveIntegerField(_("antal deltagere"), null=True, blank=True)
    adopted_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="adoptions",
        verbose_name=_("overtaget fra"),
    )

    class Meta:
        ordering = ["cluster", "starts_on", "title"]
        verbose_name = _("indsats")
        verbose_name_plural = _("indsatser")
        constraints = [
            models.CheckConstraint(name="initiative_period", condition=Q(ends_on__gte=F("starts_on"))),
            models.CheckConstraint(
                name="initiative_status_known",
                condition=Q(
                    status__in=[
                        "idea",
                        "approved",
                        "running",
                        "completed",
                        "evaluated",
                        "reported",
                        "cancelled",
                    ]
                ),
            ),
            # cancelled with who, when and a reason; nothing of it on any other status
            models.CheckConstraint(
                name="initiative_cancelled_with_reason",
                condition=(
                    Q(status="cancelled", cancelled_at__isnull=False, cancelled_by__isnull=False)
                    & ~Q(cancel_reason="")
                )
                | (
                    ~Q(status="cancelled")
                    & Q(cancelled_at__isnull=True, cancelled_by__isnull=True, cancel_reason="")
                ),
            ),
            models.CheckConstraint(
                name="initiative_reported_has_date",
                condition=~Q(status="reported") | Q(reported_on__isnull=False),
            ),
            models.CheckConstraint(
                name="initiative_not_adopted_from_itself",
                condition=Q(adopted_from__isnull=True) | ~Q(adopted_from=F("pk")),
            ),
            models.CheckConstraint(
                name="initiative_participants_positive",
                condition=Q(participants__isnull=True) | Q(participants__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def reported(self) -> bool:
        """Reported to the SSU: its budget and evaluation plan are locked (#13)."""
        return self.status == self.Status.REPORTED


class InitiativeParty(models.Model):
    """A member's part in an initiative: executing it, paying for it, or both; ``percent`` under a
    fixed-percentage key."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="parties")
    member = models.ForeignKey(HealthMember, on_delete=models.PROTECT, related_name="+")
    executes = models.BooleanField(_("udførende"), default=False)
    pays = models.BooleanField(_("betalende"), default=True)
    percent = models.DecimalField(_("andel (%)"), max_digits=7, decimal_places=4, null=True, blank=True)
    # The years an executing party executes (#11: tasks such as prevention move from the
    # municipalities to the region): empty = from the initiative's start / to its end. A year's
    # costs are carried out (and settled) by that year's executing parties.
    executes_from = models.PositiveSmallIntegerField(_("udførende fra år"), null=True, blank=True)
    executes_until = models.PositiveSmallIntegerField(_("udførende til og med år"), null=True, blank=True)

    class Meta:
        ordering = ["initiative", "member__position", "member_id"]
        verbose_name = _("part")
        verbose_name_plural = _("parter")
        constraints = [
            models.CheckConstraint(
                name="initiative_party_execution_years",
                condition=Q(executes_from__isnull=True, executes_until__isnull=True)
                | (
                    Q(executes=True)
                    & (
                        Q(executes_from__isnull=True)
                        | Q(executes_until__isnull=True)
                        | Q(executes_until__gte=F("executes_from"))
                    )
                ),
            ),
            models.UniqueConstraint(fields=["initiative", "member"], name="initiative_party_once"),
            models.CheckConstraint(
                name="initiative_party_has_a_part", condition=Q(executes=True) | Q(pays=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative}: {self.member}"

    def executes_in(self, year: int) -> bool:
        """Whether this party is an executing party of ``year``."""
        return (
            self.executes
            and (self.executes_from is None or self.executes_from <= year)
            and (self.executes_until is None or year <= self.executes_until)
        )


class EvaluationQuestion(models.Model):
    """A question of the initiative's evaluation plan: the guide's five, or one the cluster or its SSU
    adds; with its answer."""

    class Standard(models.TextChoices):
        CUSTOM = "", _("Egen")
        CHALLENGE = "challenge", _("Hvilken udfordring adresserer indsatsen?")
        CRITERIA = "criteria", _("Hvad er succeskriterierne?")
        MEASURE = "measure", _("Hvordan måles de?")
        WHEN = "when", _("Hvornår måles de?")
        RESPONSIBLE = "responsible", _("Hvem er ansvarlig for opfølgningen (region eller kommune)?")

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="questions")
    standard = models.CharField(_("standardspørgsmål"), max_length=16, choices=Standard.choices, blank=True)
    question = models.CharField(_("spørgsmål"), max_length=300)
    answer = models.TextField(_("svar"), blank=True)
    added_by = models.CharField(_("tilføjet af"), max_length=16, blank=True)  # "" | "cluster" | "ssu"
    position = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)

    class Meta:
        ordering = ["initiative", "position", "id"]
        verbose_name = _("evalueringsspørgsmål")
        verbose_name_plural = _("evalueringsspørgsmål")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "standard"], condition=~Q(standard=""), name="evaluation_standard_once"
            )
        ]

    def __str__(self) -> str:
        return self.question


class SsuDecision(models.Model):
    """The SSU's (sundhedssamarbejdsudvalget's) decision on an initiative at a meeting (#13): approved,
    rejected or noted, with the meeting's date and a note; recorded by the cluster's secretariat or
    an SSU member of the region (:func:`klynge.health.secretariat.ssu_decision_record`)."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Godkendt")
        REJECTED = "rejected", pgettext_lazy("SSU decision", "Afvist")
        NOTED = "noted", _("Taget til efterretning")

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="ssu_decisions")
    decision = models.CharField(_("beslutning"), max_length=16, choices=Decision.choices)
    meeting_date = models.DateField(_("mødedato"))
    note = models.TextField(_("bemærkning"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("registreret"), auto_now_add=True)

    class Meta:
        ordering = ["initiative", "meeting_date", "id"]
        verbose_name = _("SSU-beslutning")
        verbose_name_plural = _("SSU-beslutninger")
        constraints = [
            models.CheckConstraint(
                name="ssu_decision_known", condition=Q(decision__in=["approved", "rejected", "noted"])
            ),
            models.CheckConstraint(
                name="ssu_decision_meeting_in_window", condition=db_window("meeting_date")
            ),
            # a rejection says why, so the secretariat knows what to change
            models.CheckConstraint(
                name="ssu_rejection_has_note", condition=~Q(decision="rejected") | ~Q(note="")
            ),
            models.UniqueConstraint(
                fields=["initiative", "meeting_date"], name="ssu_decision_one_per_meeting"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative}: {self.get_decision_display()} {self.meeting_date}"


class InitiativeDocument(models.Model):
    """A document about an initiative, for the catalogue (#13): a title and the address where it is
    kept (the cluster's own document system or website); the SSU report is generated, not stored."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("titel"), max_length=200)
    url = models.URLField(_("adresse"), max_length=500)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("tilføjet"), auto_now_add=True)

    class Meta:
        ordering = ["initiative", "title", "id"]
        verbose_name = _("dokument om indsats")
        verbose_name_plural = _("dokumenter om indsatser")
        constraints = [models.CheckConstraint(name="initiative_document_titled", condition=~Q(title=""))]

    def __str__(self) -> str:
        return self.title


class BudgetLine(models.Model):
    """A budget line before start: hours × an agreed hourly rate, or hours × annual salary / annual
    norm hours (wage data). ``amount`` is computed by the service, rounded half up to øre."""

    class Method(models.TextChoices):
        RATE = "rate", _("Timer × timesats")
        SALARY = "salary", _("Timer × årsløn / årsnorm")

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="budget_lines")
    executor = models.ForeignKey(HealthMember, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("år"))
    activity = models.CharField(_("aktivitet"), max_length=200)
    method = models.CharField(_("beregning"), max_length=8, choices=Method.choices)
    hours = MoneyField(_("timer"))  # hundredths of an hour, stored like øre
    hourly_rate = MoneyField(_("timesats"), null=True, blank=True)
    annual_salary = MoneyField(_("årsløn"), null=True, blank=True)
    annual_norm_hours = models.PositiveIntegerField(_("årsnorm (timer)"), null=True, blank=True)
    amount = MoneyField(_("beløb"))

    class Meta:
        ordering = ["initiative", "year", "id"]
        verbose_name = _("budgetlinje")
        verbose_name_plural = _("budgetlinjer")
        constraints = [
            models.CheckConstraint(name="budget_hours_positive", condition=Q(hours__gt=0)),
            models.CheckConstraint(
                name="budget_method_inputs",
                condition=Q(method="rate", hourly_rate__isnull=False)
                | Q(method="salary", annual_salary__isnull=False, annual_norm_hours__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity}: {self.amount}"


class ActualCost(models.Model):
    """What an executing party actually spent on an initiative in a year (entered or imported)."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="costs")
    executor = models.ForeignKey(HealthMember, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("år"))
    amount = MoneyField(_("beløb"))
    source = models.CharField(_("kilde"), max_length=100, blank=True)

    class Meta:
        ordering = ["initiative", "year", "executor__position"]
        verbose_name = _("faktisk udgift")
        verbose_name_plural = _("faktiske udgifter")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "executor", "year"], name="cost_one_per_executor_year"
            ),
            models.CheckConstraint(name="cost_not_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.initiative} {self.executor} {self.year}: {self.amount}"


class SettlementPosting(models.Model):
    """Links a year's settlement of a health cluster to the ledger entry that posted it.

    A correction is a reversal: the secretariat asks for it with a reason, a second person (never the
    one who asked; service and CHECK constraint) approves it, the voucher is reversed in the ledger
    (``reversal_entry``) and the year is open again, to be posted anew. A year has at most one posting
    that is not reversed (partial unique constraint)."""

    cluster = models.ForeignKey(HealthCluster, on_delete=models.PROTECT, related_name="postings_done")
    year = models.PositiveSmallIntegerField(_("år"))
    entry = models.OneToOneField("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField(auto_now_add=True)
    reversal_reason = models.CharField(_("begrundelse for tilbageførsel"), max_length=500, blank=True)
    reversal_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal_requested_at = models.DateTimeField(null=True, blank=True)
    reversal_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal_approved_at = models.DateTimeField(null=True, blank=True)
    reversal_entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["cluster", "year", "posted_at"]
        verbose_name = _("bogført afregning")
        verbose_name_plural = _("bogførte afregninger")
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "year"],
                condition=Q(reversal_entry__isnull=True),
                name="health_settlement_posted_once",
            ),
            models.CheckConstraint(
                name="health_reversal_requested_with_reason",
                condition=Q(reversal_requested_by__isnull=True, reversal_requested_at__isnull=True)
                | (
                    Q(reversal_requested_by__isnull=False, reversal_requested_at__isnull=False)
                    & ~Q(reversal_reason="")
                ),
            ),
            models.CheckConstraint(
                name="health_reversal_second_person",
                condition=Q(reversal_approved_by__isnull=True)
                | (
                    Q(reversal_requested_by__isnull=False)
                    & ~Q(reversal_approved_by=F("reversal_requested_by"))
                ),
            ),
            models.CheckConstraint(
                name="health_reversal_entry_when_approved",
                condition=Q(
                    reversal_approved_by__isnull=True,
                    reversal_approved_at__isnull=True,
                    reversal_entry__isnull=True,
                )
                | Q(
                    reversal_approved_by__isnull=False,
                    reversal_approved_at__isnull=False,
                    reversal_entry__isnull=False,
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cluster} {self.year}"

    @property
    def reversed(self) -> bool:
        return self.reversal_entry_id is not None

    @property
    def reversal_pending(self) -> bool:
        return self.reversal_requested_by_id is not None and self.reversal_entry_id is None


class SettlementLine(models.Model):
    """What one line of a posted settlement voucher is about: the member whose line it is, the
    initiative, the other member of a payment, and its role. The amount, function and kind are the
    ledger line's own (``line``), so a posted year's figures are read from its voucher."""

    class Role(models.TextChoices):
        COST = "cost", _("Udgift (udførende)")
        PAYMENT_TO = "payment_to", _("Betaling til udførende")
        PAYMENT_FROM = "payment_from", _("Betaling fra betalende")

    posting = models.ForeignKey(SettlementPosting, on_delete=models.PROTECT, related_name="lines")
    line = models.OneToOneField("ledger.Posting", on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(HealthMember, on_delete=models.PROTECT, related_name="+")
    initiative = models.ForeignKey(Initiative, on_delete=models.PROTECT, related_name="+")
    counterparty = models.ForeignKey(
        HealthMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    function = models.CharField(_("funktion"), max_length=20)
    kind = models.CharField(_("art"), max_length=10)

    class Meta:
        ordering = ["posting", "id"]
        constraints = [
            models.CheckConstraint(
                name="health_settlement_line_counterparty",
                condition=Q(role="cost", counterparty__isnull=True)
                | Q(role__in=["payment_to", "payment_from"], counterparty__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.posting} {self.role} {self.function}-{self.kind}"


class CouncilDraft(models.Model):
    """A health council prepared as a draft with its preview, approved by a second person, carried out
    on its first day in one transaction (#11, brief §7; :mod:`klynge.health.councils`). Like a merger
    of regions (``payouts.RegionMerger``): draft → approved → carried out, or withdrawn."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Kladde")
        APPROVED = "approved", _("Godkendt")
        CARRIED_OUT = "carried_out", _("Gennemført")
        WITHDRAWN = "withdrawn", _("Trukket tilbage")

    name = models.CharField(_("navn"), max_length=200)
    external_id = models.CharField(_("id"), max_length=40)
    region = models.ForeignKey(
        "registry.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    municipalities = models.ManyToManyField(Municipality, related_name="+", verbose_name=_("kommuner"))
    predecessors = models.ManyToManyField(
        HealthCluster, related_name="council_drafts", verbose_name=_("forgængere")
    )
    valid_from = models.DateField(_("gælder fra"))
    co_chair_region = models.CharField(_("medformand fra regionen"), max_length=200, blank=True)
    co_chair_municipality = models.CharField(_("medformand fra kommunerne"), max_length=200, blank=True)
    # The users whose secretariat role on a predecessor is given on the council too when carried out
    # (they keep the old one, so they still read the predecessor's history).
    secretariat = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("sekretariat")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(_("forberedt"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("godkendt"), null=True, blank=True)
    carried_out_at = models.DateTimeField(_("gennemført"), null=True, blank=True)
    council = models.ForeignKey(
        HealthCluster,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("rådet"),
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("trukket tilbage"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("begrundelse"), blank=True)
    preview_prepared = models.JSONField(_("forhåndsvisning ved forberedelsen"), default=dict)
    preview_carried_out = models.JSONField(_("forhåndsvisning ved gennemførelsen"), null=True, blank=True)

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("kladde til sundhedsråd")
        verbose_name_plural = _("kladder til sundhedsråd")
        constraints = [
            models.CheckConstraint(
                name="council_draft_four_eyes",
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
            ),
            models.CheckConstraint(
                name="council_draft_status_has_people",
                condition=Q(
                    status="draft",
                    approved_by__isnull=True,
                    carried_out_at__isnull=True,
                    withdrawn_by__isnull=True,
                    council__isnull=True,
                )
                | Q(
                    status="approved",
                    approved_by__isnull=False,
                    approved_at__isnull=False,
                    carried_out_at__isnull=True,
                    withdrawn_by__isnull=True,
                    council__isnull=True,
                )
                | Q(
                    status="carried_out",
                    approved_by__isnull=False,
                    approved_at__isnull=False,
                    carried_out_at__isnull=False,
                    council__isnull=False,
                    withdrawn_by__isnull=True,
                )
                | Q(
                    status="withdrawn",
                    withdrawn_by__isnull=False,
                    withdrawn_at__isnull=False,
                    carried_out_at__isnull=True,
                    council__isnull=True,
                ),
            ),
            models.CheckConstraint(
                name="council_draft_valid_from_in_window", condition=db_window("valid_from")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk}: {self.name} ({self.external_id}) {self.valid_from}"

    @property
    def open(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.APPROVED)
