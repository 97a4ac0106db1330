"""The health-cluster pages' forms (issue #4). They parse input only; the services decide.

Amounts travel as text: the service (:func:`klynge.health.services.clean_amount`) reads Danish
"1.234,50" as well as "1234.50" and names the field when it refuses. Fields that exist per member
(percent, executes, pays, an answer per evaluation question) are added when the form is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from klynge.health.models import (
    ChartFunction,
    EvaluationQuestion,
    HealthCluster,
    HealthMember,
    Initiative,
    Municipality,
    SsuDecision,
)
from klynge.health.services import Party
from klynge.registry.models import Region
from klynge.web.forms import ServiceForm, date_field

AMOUNT_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}


def amount_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=30,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs=AMOUNT_ATTRS),
    )


def year_field(label: Any = None, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label or _("År"), widget=forms.NumberInput(attrs={"inputmode": "numeric"}), **kwargs
    )


def member_choices(members: Sequence[HealthMember]) -> list[tuple[str, str]]:
    return [(str(m.pk), m.name) for m in members]


class HealthForm(ServiceForm):
    """A :class:`ServiceForm` that can show a service's error under another field name
    (``aliases``: service field → form field), e.g. the sharing key's errors on the key type."""

    aliases: dict[str, str] = {}

    def show_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            exc = ValidationError(
                {self.aliases.get(name, name): messages for name, messages in exc.message_dict.items()}
            )
        super().show_errors(exc)


class MemberChoiceForm(HealthForm):
    """A form with a ``member`` select over the given members; ``member_obj`` is the chosen one."""

    def __init__(self, *args: Any, members: Sequence[HealthMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {str(m.pk): m for m in members}
        field = self.fields["member"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Vælg medlem")), *member_choices(members)]

    @property
    def member_obj(self) -> HealthMember:
        return self.members[self.cleaned_data["member"]]


# --- The cluster ---------------------------------------------------------------------------------------


class HealthClusterEditForm(HealthForm):
    name = forms.CharField(label=_("Navn"), max_length=200)
    co_chair_region = forms.CharField(label=_("Medformand fra regionen"), max_length=200, required=False)
    co_chair_municipality = forms.CharField(
        label=_("Medformand fra kommunerne"), max_length=200, required=False
    )


class PopulationForm(MemberChoiceForm):
    mark_optional = False
    member = forms.ChoiceField(label=_("Medlem"))
    year = year_field()
    count = forms.IntegerField(
        label=_("Indbyggere"), widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )


class FundsForm(MemberChoiceForm):
    member = forms.ChoiceField(label=_("Medlem"))
    year = year_field()
    amount = amount_field(
        _("Beløb (kr.)"), help_text=_("Medlemmets andel af de fælles midler, fx 1.250.000,00")
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class DistributeForm(HealthForm):
    """A pot split between the members by a key; a percent field per member for fixed percentages."""

    aliases = {"key": "key_type", "percents": "key_type"}
    year = year_field()
    pot = amount_field(_("Pulje (kr.)"), help_text=_("Hele puljen, der fordeles mellem medlemmerne."))
    key_type = forms.ChoiceField(label=_("Fordelingsnøgle"), choices=Initiative.KeyType.choices)

    def __init__(self, *args: Any, members: Sequence[HealthMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for member in self.members:
            self.fields[f"percent_{member.pk}"] = forms.CharField(
                label=format_lazy(_("Andel for {member} (%)"), member=member.name),
                max_length=12,
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )

    def percent_fields(self) -> list[forms.BoundField]:
        return [self[f"percent_{m.pk}"] for m in self.members]

    def percents(self) -> dict[int, str]:
        return {m.pk: self.cleaned_data[f"percent_{m.pk}"] for m in self.members}


class CarryOverForm(HealthForm):
    from_year = year_field(_("Fra år"), help_text=_("Året, de ubrugte midler stammer fra."))
    amount = amount_field(_("Beløb (kr.)"), help_text=_("Højst det ubrugte beløb."))
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        help_text=_("Fx hvor råderummet inden for udgiftsloftet er fundet."),
    )


class CouncilCarryOverForm(HealthForm):
    """#11: a predecessor member's unused funds of its cluster's last year, into its successor council."""

    amount = amount_field(_("Beløb (kr.)"), help_text=_("Højst det ubrugte beløb."))
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        help_text=_("Fx hvor råderummet inden for udgiftsloftet er fundet."),
    )


class CostImportForm(HealthForm):
    file = forms.FileField(
        label=_("Fil (CSV)"),
        help_text=_("Kolonnerne initiativ;udfoerende;aar;beloeb. Højst 5 MB og 10.000 rækker."),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )
    dry_run = forms.BooleanField(
        label=_("Prøvekørsel: vis hvad der ville blive gemt, uden at gemme"), required=False, initial=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].error_messages["empty"] = _("Fil: filen er tom. Vælg CSV-filen igen.")
        self.fields["file"].error_messages["invalid"] = _("Fil: vælg en fil.")


# --- Initiatives ---------------------------------------------------------------------------------------


class InitiativeForm(HealthForm):
    """An initiative with its parties: per member "udførende", "betalende" and a percent."""

    aliases = {"key": "key_type", "percents": "key_type"}
    title = forms.CharField(label=_("Titel"), max_length=200)
    theme = forms.CharField(label=_("Tema"), max_length=100, required=False)
    challenge = forms.CharField(
        label=_("Udfordring"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Hvilken udfordring adresserer indsatsen? Bliver svaret på det første evalueringsspørgsmål."
        ),
    )
    function_code = forms.ChoiceField(label=_("Funktion (kontoplan)"))
    key_type = forms.ChoiceField(
        label=_("Fordelingsnøgle"),
        choices=Initiative.KeyType.choices,
        help_text=_("Hvordan udgiften deles mellem de betalende parter."),
    )
    starts_on = date_field(_("Start"))
    ends_on = date_field(_("Slut"))

    def __init__(
        self, *args: Any, members: Sequence[HealthMember], current_function: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.members = list(members)
        codes = [(f.code, str(f)) for f in ChartFunction.objects.filter(active=True)]
        if current_function and current_function not in {c for c, _label in codes}:
            codes.append((current_function, current_function))
        field = self.fields["function_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Vælg funktion")), *codes]
        for member in self.members:
            self.fields[f"executes_{member.pk}"] = forms.BooleanField(
                label=format_lazy(_("{member} udfører"), member=member.name), required=False
            )
            self.fields[f"pays_{member.pk}"] = forms.BooleanField(
                label=format_lazy(_("{member} betaler"), member=member.name), required=False
            )
            self.fields[f"percent_{member.pk}"] = forms.CharField(
                label=format_lazy(_("{member}s andel (%)"), member=member.name),
                max_length=12,
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )

    def party_rows(self) -> list[tuple[HealthMember, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (m, self[f"executes_{m.pk}"], self[f"pays_{m.pk}"], self[f"percent_{m.pk}"]) for m in self.members
        ]

    def parties(self) -> list[Party]:
        data = self.cleaned_data
        return [
            Party(
                member=m,
                executes=data[f"executes_{m.pk}"],
                pays=data[f"pays_{m.pk}"],
                percent=data[f"percent_{m.pk}"] or None,
            )
            for m in self.members
            if data[f"executes_{m.pk}"] or data[f"pays_{m.pk}"]
        ]

    @staticmethod
    def initial_for(initiative: Initiative | None, members: Sequence[HealthMember]) -> dict[str, Any]:
        if initiative is None:
            initial: dict[str, Any] = {"function_code": "4.62.88", "key_type": "population"}
            for m in members:
                initial[f"pays_{m.pk}"] = True
            return initial
        initial = {
            "title": initiative.title,
            "theme": initiative.theme,
            "challenge": initiative.challenge,
            "function_code": initiative.function.code,
            "key_type": initiative.key_type,
            "starts_on": initiative.starts_on,
            "ends_on": initiative.ends_on,
        }
        for p in initiative.parties.all():
            initial[f"executes_{p.member_id}"] = p.executes
            initial[f"pays_{p.member_id}"] = p.pays
            if p.percent is not None:
                initial[f"percent_{p.member_id}"] = f"{p.percent.normalize():f}".replace(".", ",")
        return initial


class BudgetLineForm(MemberChoiceForm):
    member = forms.ChoiceField(label=_("Udførende part"))
    year = year_field()
    activity = forms.CharField(label=_("Aktivitet"), max_length=200)
    hours = amount_field(_("Timer"), help_text=_("Fx 120 eller 37,5"))
    hourly_rate = amount_field(
        _("Timesats (kr.)"),
        required=False,
        help_text=_("En aftalt timesats, eller udfyld årsløn og årsnorm."),
    )
    annual_salary = amount_field(
        _("Årsløn (kr.)"), required=False, help_text=_("Bruges i stedet for timesats.")
    )
    annual_norm_hours = forms.IntegerField(
        label=_("Årsnorm (timer)"), required=False, help_text=_("Fx 1924 timer om året.")
    )
    aliases = {"executor": "member"}


class CostForm(MemberChoiceForm):
    mark_optional = False
    member = forms.ChoiceField(label=_("Udførende part"))
    year = year_field()
    amount = amount_field(_("Faktisk udgift (kr.)"), help_text=_("Erstatter årets tal for parten."))
    aliases = {"executor": "member"}


class EvaluationForm(HealthForm):
    """An answer per question of the plan, the result, and the recommendation to the SSU."""

    mark_optional = False  # every answer may wait; "(valgfri)" on each would only be noise

    result = forms.ChoiceField(label=_("Resultat"), choices=Initiative.Result.choices, required=False)
    result_summary = forms.CharField(
        label=_("Resultater"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    recommend_spread = forms.BooleanField(
        label=_("Indsatsen anbefales udbredt til andre klynger"), required=False
    )
    spread_note = forms.CharField(
        label=_("Anbefaling om udbredelse"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, questions: Sequence[EvaluationQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for q in self.questions:
            self.fields[f"answer_{q.pk}"] = forms.CharField(
                label=q.question, required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
        self.order_fields([f"answer_{q.pk}" for q in self.questions])

    def answer_fields(self) -> list[tuple[EvaluationQuestion, forms.BoundField]]:
        return [(q, self[f"answer_{q.pk}"]) for q in self.questions]

    def answers(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data[f"answer_{q.pk}"] for q in self.questions}

    @staticmethod
    def initial_for(initiative: Initiative, questions: Sequence[EvaluationQuestion]) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "result": initiative.result,
            "result_summary": initiative.result_summary,
            "recommend_spread": initiative.recommend_spread,
            "spread_note": initiative.spread_note,
        }
        initial.update({f"answer_{q.pk}": q.answer for q in questions})
        return initial


class QuestionForm(HealthForm):
    question = forms.CharField(label=_("Spørgsmål"), max_length=300)
    added_by = forms.ChoiceField(
        label=_("Tilføjet af"),
        choices=[("cluster", _("Klyngen")), ("ssu", _("SSU"))],
        initial="cluster",
    )


class MoneyFlowFilter(forms.Form):
    """What the money-flow table covers: one year or all, one initiative or all (GET parameters)."""

    aar = forms.TypedChoiceField(label=_("År"), required=False, coerce=int, empty_value=None)
    indsats = forms.TypedChoiceField(label=_("Indsats"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, years: Sequence[int], initiatives: Sequence[Initiative], **kwargs: Any):
        super().__init__(*args, **kwargs)
        year, initiative = self.fields["aar"], self.fields["indsats"]
        assert isinstance(year, forms.TypedChoiceField) and isinstance(initiative, forms.TypedChoiceField)
        year.choices = [("", _("Alle år")), *[(y, str(y)) for y in years]]
        initiative.choices = [("", _("Alle indsatser")), *[(i.pk, i.title) for i in initiatives]]
        for name in ("aar", "indsats"):
            self.fields[name].error_messages["invalid_choice"] = format_lazy(
                "{}: {}", self.fields[name].label, _("vælg en af mulighederne på listen.")
            )


# --- Health councils (#11) ------------------------------------------------------------------------------


class ClusterChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.region.name})"


class CouncilDraftForm(HealthForm):
    """Prepare a health council (sundhedsråd) as a draft; a second person approves it
    (:func:`klynge.health.councils.council_prepare`)."""

    predecessors = ClusterChoices(
        label=_("Sundhedsklynger, rådet afløser"),
        queryset=HealthCluster.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("De ophører dagen før rådets første dag; igangværende indsatser fortsætter i rådet."),
    )
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none(), to_field_name="code")
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Kommuner"),
        queryset=Municipality.objects.none(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("En kommune hører til ét sundhedsråd."),
    )
    name = forms.CharField(label=_("Navn"), max_length=200, help_text=_("Fx Sundhedsråd Nordjylland."))
    external_id = forms.CharField(label=_("Id"), max_length=40, help_text=_("Fx SR-NORDJYLLAND."))
    valid_from = date_field(_("Første dag"), help_text=_("Altid en 1. januar, fx 01.01.2027."))
    carry_secretariat = forms.BooleanField(
        label=_("Forgængernes sekretariat får rollen i rådet (og beholder den gamle)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, clusters: Any, regions: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["predecessors"]).queryset = clusters
        cast(Any, self.fields["region"]).queryset = regions
        cast(Any, self.fields["municipalities"]).queryset = municipalities


class CouncilWithdrawForm(HealthForm):
    withdrawn_reason = forms.CharField(
        label=_("Begrundelse"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExecutorChangeForm(HealthForm):
    """From a year, another member carries out the initiative (:func:`services.executor_change`)."""

    member_from = forms.ChoiceField(label=_("Udførende part indtil nu"))
    member_to = forms.ChoiceField(label=_("Ny udførende part"))
    from_year = year_field(_("Fra år"), help_text=_("Det første år, den nye part udfører indsatsen."))

    def __init__(
        self, *args: Any, executors: Sequence[HealthMember], members: Sequence[HealthMember], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.by_pk = {str(m.pk): m for m in members}
        cast(Any, self.fields["member_from"]).choices = [("", _("Vælg medlem")), *member_choices(executors)]
        cast(Any, self.fields["member_to"]).choices = [("", _("Vælg medlem")), *member_choices(members)]

    def member(self, name: str) -> HealthMember:
        return self.by_pk[self.cleaned_data[name]]


# --- The secretariat's work (#13) ------------------------------------------------------------------


class ReasonForm(HealthForm):
    """Cancel an initiative or delete a draft: the reason (:mod:`klynge.health.secretariat`)."""

    reason = forms.CharField(
        label=_("Begrundelse"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Står i indsatsens historik og i revisionssporet."),
    )


class SsuDecisionForm(HealthForm):
    decision = forms.ChoiceField(
        label=_("SSU's beslutning"),
        choices=[("", _("Vælg beslutning")), *SsuDecision.Decision.choices],
    )
    meeting_date = date_field(
        _("Mødedato"), help_text=_("Datoen for SSU-mødet, hvor beslutningen blev truffet.")
    )
    note = forms.CharField(
        label=_("Bemærkning"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Ved afvisning: SSU's begrundelse."),
    )


class CatalogueFactsForm(HealthForm):
    contact_name = forms.CharField(label=_("Kontaktperson"), required=False, max_length=200)
    contact_email = forms.CharField(
        label=_("Kontaktpersonens e-mail"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    participants = forms.CharField(
        label=_("Antal deltagere"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Borgere eller patienter, der deltog. Tomt: kataloget viser udgiften pr. borger."),
    )


class InitiativeDocumentForm(HealthForm):
    title = forms.CharField(label=_("Dokumentets titel"), max_length=200)
    url = forms.CharField(
        label=_("Adresse"),
        max_length=500,
        widget=forms.URLInput(attrs={"autocomplete": "off"}),
        help_text=_("Hvor dokumentet ligger, fx https://www.kommune.dk/rapport.pdf."),
    )


class AdoptForm(HealthForm):
    """Which of the user's clusters adopts a catalogued initiative."""

    cluster = forms.ChoiceField(label=_("Overtag til sundhedsklynge"))

    def __init__(self, *args: Any, clusters: Sequence[HealthCluster], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by_pk = {str(c.pk): c for c in clusters}
        cast(Any, self.fields["cluster"]).choices = [(str(c.pk), c.name) for c in clusters]

    def chosen(self) -> HealthCluster:
        return self.by_pk[self.cleaned_data["cluster"]]
