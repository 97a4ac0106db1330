"""The pages' forms. They parse input only; the rules are in the services, whose errors they show.

Every form is a :class:`ServiceForm`: :meth:`ServiceForm.call` runs a service function and puts the
``ValidationError`` it raises (a dict of field → messages) on the matching fields, or at the top of
the form when the field is not on it. The form's own messages (a missing value, a malformed date or
number) name the field too, like the services' messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from klynge.common.dates import window, window_validator
from klynge.core.money import from_danish
from klynge.registry.models import DocumentType, GpCluster, Region

T = TypeVar("T")


class DateInput(forms.DateInput):
    """A native date picker; the value travels as ISO (``2019-06-01``), which every locale accepts."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def date_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput(), help_text=help_text)


def document_type_name(doc_type: DocumentType) -> str:
    """A document type's name in the active language (the English name when there is one)."""
    if get_language() == "en" and doc_type.name_en:
        return doc_type.name_en
    return doc_type.name


class DocumentTypeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return document_type_name(obj)


class DocumentTypesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return document_type_name(obj)


class ServiceForm(forms.Form):
    """A form whose errors name the field, and which shows a service's ``ValidationError``."""

    mark_optional = True  # label optional fields "(valgfri)"; filters leave it out

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            label = field.label or ""
            field.error_messages["required"] = format_lazy(_("{label}: skal udfyldes."), label=label)
            if isinstance(field, forms.DateField):
                field.error_messages["invalid"] = format_lazy(
                    _("{label}: skriv en gyldig dato, fx 01.06.2019."), label=label
                )
                # Every date lies in the window (#9); the date picker offers only those days.
                field.validators.append(window_validator(label))
                span = window()
                field.widget.attrs.update(min=span.first.isoformat(), max=span.last.isoformat())
            elif isinstance(field, forms.IntegerField):
                field.error_messages["invalid"] = format_lazy(
                    _("{label}: skriv et helt tal, fx 2."), label=label
                )
            elif isinstance(field, forms.ModelChoiceField | forms.ChoiceField):
                field.error_messages["invalid_choice"] = format_lazy(
                    _("{label}: vælg en af mulighederne på listen."), label=label
                )

    def make_read_only(self, reasons: dict[str, Any]) -> None:
        """Show ``reasons``' fields as text with the reason why they cannot change (#13), instead of
        an input the service would then refuse. The page's form sends no value for them, so the
        field keeps its initial value (and is not "changed"); a value that is sent anyway still goes
        to the service, which refuses it: the page only spares the user the refusal."""
        self.read_only = {name: reason for name, reason in reasons.items() if name in self.fields}
        if self.is_bound:
            data: Any = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
            for name in self.read_only:
                if name not in data:
                    initial = self.get_initial_for_field(self.fields[name], name)
                    data[name] = "" if initial is None else self.fields[name].prepare_value(initial)
            self.data = data

    read_only: dict[str, Any] = {}

    def show_errors(self, exc: ValidationError) -> None:
        """Put a service's errors on the fields they name; the rest at the top of the form."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for name, messages in exc.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)

    def call(self, service: Callable[..., T], **kwargs: Any) -> T | None:
        """Run ``service(**kwargs)``; on ``ValidationError`` show it and return ``None``.

        ``PermissionDenied`` is not caught: it becomes the 403 page.
        """
        try:
            return service(**kwargs)
        except ValidationError as exc:
            self.show_errors(exc)
            return None


# --- Coordinator: practices --------------------------------------------------------------------------


class PracticeAddForm(ServiceForm):
    provider_number = forms.CharField(
        label=_("Ydernummer"),
        max_length=10,
        help_text=_("6 cifre, fx 012345. Kender systemet praksis, bruges dens navn og kapaciteter."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(
        label=_("Praksissens navn"),
        max_length=200,
        required=False,
        help_text=_("Skal udfyldes, når praksis er ny i systemet."),
    )
    capacities = forms.IntegerField(
        label=_("Lægekapaciteter"),
        required=False,
        help_text=_(
            "Antal lægekapaciteter på indtrædelsesdagen. Skal udfyldes, når praksis er ny i systemet."
        ),
    )
    group1_patients = forms.IntegerField(
        label=_("Gruppe 1-patienter"),
        required=False,
        help_text=_("Antal tilmeldte gruppe 1-patienter på indtrædelsesdagen."),
    )
    joined = date_field(_("Indtrådt"), help_text=_("Praksissens første dag i klyngen."))


class CapacityForm(ServiceForm):
    valid_from = date_field(_("Gælder fra"))
    count = forms.IntegerField(label=_("Lægekapaciteter"))


class PatientsForm(ServiceForm):
    valid_from = date_field(_("Gælder fra"))
    count = forms.IntegerField(label=_("Gruppe 1-patienter"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "patients")
        super().__init__(*args, **kwargs)


class MembershipEndForm(ServiceForm):
    left = date_field(
        _("Udtrådt"),
        help_text=_("Den første dag, praksis ikke længere er med i klyngen."),
    )


class MoveForm(ServiceForm):
    to_cluster = forms.ModelChoiceField(
        label=_("Ny klynge"), queryset=GpCluster.objects.none(), empty_label=_("Vælg klynge")
    )
    on = date_field(
        _("Flyttes pr."),
        help_text=_("Den første dag i den nye klynge (og den første dag uden for den nuværende)."),
    )

    def __init__(self, *args: Any, destinations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_cluster"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = destinations


# --- Coordinator: documents and completion ------------------------------------------------------------


class DocumentUploadForm(ServiceForm):
    document_type = DocumentTypeField(
        label=_("Dokumenttype"), queryset=DocumentType.objects.order_by("name"), empty_label=_("Vælg type")
    )
    file = forms.FileField(
        label=_("Fil"),
        help_text=_("PDF, DOCX eller ODT. Indholdet kontrolleres, ikke kun navnet."),
        widget=forms.FileInput(
            attrs={
                "accept": ".pdf,.docx,.odt,application/pdf,"
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
                "application/vnd.oasis.opendocument.text"
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].error_messages["empty"] = _("Fil: filen er tom. Vælg dokumentet igen.")
        self.fields["file"].error_messages["invalid"] = _("Fil: vælg en fil.")


class RegisteredForm(ServiceForm):
    all_practices_registered = forms.BooleanField(
        label=_("Jeg bekræfter, at alle klyngens praksis er registreret"), required=False
    )


# --- Region ------------------------------------------------------------------------------------------


class ClusterEditForm(ServiceForm):
    """Master data. The NemKonto date is the region's to confirm; coordinators do not get that field."""

    name = forms.CharField(label=_("Navn"), max_length=200)
    cvr = forms.CharField(
        label=_("CVR-nummer"),
        max_length=12,
        required=False,
        help_text=_("8 cifre, fx 29403473."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    nemkonto_confirmed_on = date_field(
        _("NemKonto bekræftet"), required=False, help_text=_("Datoen, regionen bekræftede klyngens NemKonto.")
    )
    founded_on = date_field(_("Dato for stiftende generalforsamling"))

    def __init__(self, *args: Any, administer: bool, completed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not administer:
            del self.fields["nemkonto_confirmed_on"]
        if completed and not administer:  # cluster_update refuses these to a coordinator once completed
            why = _("Klyngen er færdigmeldt; kontakt regionen for at rette det.")
            self.make_read_only({"cvr": why, "founded_on": why})


class ClusterCreateForm(ServiceForm):
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none(), empty_label=None)
    name = forms.CharField(label=_("Klyngens navn"), max_length=200)
    founded_on = date_field(_("Dato for stiftende generalforsamling"))
    coordinator_email = forms.CharField(
        label=_("Koordinatorens e-mail"),
        max_length=254,
        help_text=_("Koordinatoren får en velkomstmail med link til at vælge adgangskode."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    coordinator_name = forms.CharField(label=_("Koordinatorens navn"), max_length=150, required=False)
    cvr = forms.CharField(
        label=_("CVR-nummer"),
        max_length=12,
        required=False,
        help_text=_("8 cifre, fx 29403473."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    nemkonto_confirmed_on = date_field(_("NemKonto bekræftet"), required=False)

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = regions


class RegionSettingsForm(ServiceForm):
    instructions = forms.CharField(
        label=_("Instruktioner til nye klynger"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Sendes med velkomstmailen og vises, når koordinatoren uploader dokumenter."),
    )
    required_documents = DocumentTypesField(
        label=_("Krævede dokumenter"),
        queryset=DocumentType.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Skal være uploadet, før en klynge kan færdigmeldes."),
    )
    processing_days_min = forms.IntegerField(label=_("Behandlingstid, mindst (dage)"))
    processing_days_max = forms.IntegerField(label=_("Behandlingstid, højst (dage)"))
    annual_regulation = forms.ChoiceField(
        label=_("Regulering af årlige midler"), choices=Region.AnnualRegulation.choices
    )
    payment_iban = forms.CharField(label=_("Regionens konto (IBAN)"), max_length=42, required=False)
    payment_bic = forms.CharField(label=_("Regionens bank (BIC)"), max_length=11, required=False)
    repayment_instructions = forms.CharField(
        label=_("Sådan betales et krav tilbage"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Står i brevet om tilbagebetaling: konto, reference og kontaktperson."),
    )
    claim_days = forms.IntegerField(label=_("Betalingsfrist for krav (dage)"))


class RegionCreateForm(ServiceForm):
    """An administrator creates a region with the code they enter (#11)."""

    code = forms.CharField(
        label=_("Regionskode"),
        max_length=10,
        help_text=_("Regionens officielle kode med 4 cifre. Systemet finder ikke selv på en kode."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Navn"), max_length=100, help_text=_("Fx Region Østdanmark."))
    valid_from = date_field(
        _("Gælder fra"),
        required=False,
        help_text=_("Regionens første dag, fx 01.01.2027. Tom: regionen gælder fra starten."),
    )


class ChangesForm(ServiceForm):
    mark_optional = False
    since = date_field(_("Ændringer siden"))


class InForceForm(ServiceForm):
    """The day whose organisation a page shows (#11: regions in force on that day)."""

    mark_optional = False
    dato = date_field(_("Organisationen pr."))


class ClusterFilterForm(ServiceForm):
    mark_optional = False
    q = forms.CharField(
        label=_("Søg"),
        required=False,
        help_text=_("Navn, CVR-nummer, klynge-id eller ydernummer."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Alle")), *GpCluster.Status.choices]
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.none(), required=False, empty_label=_("Alle regioner")
    )

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = regions


# --- Region: payout runs -----------------------------------------------------------------------------


class RunPrepareForm(ServiceForm):
    mark_optional = False
    run_date = date_field(
        _("Kørselsdato"),
        help_text=_("Kørslen medtager det, der er registreret til og med denne dato."),
    )


class PaidForm(ServiceForm):
    mark_optional = False
    paid_on = date_field(_("Betalt"), help_text=_("Den dag banken udførte betalingerne."))


class RepaymentForm(ServiceForm):
    mark_optional = False
    amount = forms.CharField(label=_("Beløb (kr.)"), max_length=20, help_text=_("Fx 10000,00"))
    received_on = date_field(_("Modtaget"))

    def clean_amount(self) -> str:
        # Danish notation: "10.000,00" → "10000.00" (the service checks the amount itself)
        return from_danish(str(self.cleaned_data["amount"]))


class MergerForm(ServiceForm):
    """An administrator prepares a merger of regions (#11): the same facts as a klynge-reorganise/1
    file, checked by the same function (:func:`klynge.payouts.reorganise.check_document`)."""

    regions = forms.ModelMultipleChoiceField(
        label=_("Regioner, der lægges sammen"),
        queryset=Region.objects.none(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Vælg mindst to regioner. De ophører dagen før sammenlægningen."),
    )
    code = forms.CharField(
        label=_("Efterfølgerens regionskode"),
        max_length=10,
        help_text=_("Den officielle kode med 4 cifre. Systemet finder ikke selv på en kode."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(
        label=_("Efterfølgerens navn"), max_length=100, help_text=_("Fx Region Østdanmark.")
    )
    date = date_field(_("Sammenlægningens dato"), help_text=_("Efterfølgerens første dag, fx 01.01.2027."))
    settings_from = forms.ModelChoiceField(
        label=_("Indstillinger fra"),
        queryset=Region.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("Den første af regionerne"),
        help_text=_(
            "Efterfølgeren får denne regions behandlingstid, regulering, frist, dokumenter og konto."
        ),
    )
    annual_regulation = forms.ChoiceField(
        label=_("Regulering af årlige midler"),
        required=False,
        choices=[("", _("Som regionen ovenfor")), *Region.AnnualRegulation.choices],
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    # Where a problem of the document lands on the form (its path's beginning).
    PATHS = (
        ("regions.merge", "regions"),
        ("regions.into.code", "code"),
        ("regions.into.name", "name"),
        ("date", "date"),
        ("settings.from", "settings_from"),
        ("settings.annual_regulation", "annual_regulation"),
        ("note", "note"),
    )

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        typed = cast(Any, self.fields["regions"])
        typed.queryset = regions
        cast(Any, self.fields["settings_from"]).queryset = regions

    def document_data(self) -> dict[str, Any]:
        """The klynge-reorganise/1 document the form describes."""
        data = self.cleaned_data
        document: dict[str, Any] = {
            "format": "klynge-reorganise/1",
            "date": data["date"].isoformat(),
            "regions": {
                "merge": [r.code for r in data["regions"]],
                "into": {"code": data["code"].strip(), "name": data["name"].strip()},
            },
        }
        settings: dict[str, Any] = {}
        if data.get("settings_from"):
            settings["from"] = data["settings_from"].code
        if data.get("annual_regulation"):
            settings["annual_regulation"] = data["annual_regulation"]
        if settings:
            document["settings"] = settings
        if data.get("note"):
            document["note"] = data["note"]
        return document

    # Where a service's refusal lands (klynge.payouts.mergers names the model's fields).
    SERVICE_FIELDS = {"successor_code": "code", "predecessors": "regions", "effective_on": "date"}

    def show_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            exc = ValidationError(
                {self.SERVICE_FIELDS.get(name, name): errors for name, errors in exc.message_dict.items()}
            )
        super().show_errors(exc)

    def show_problems(self, problems: Any, language: str) -> None:
        """Put each problem of the document on the field it concerns."""
        for problem in problems:
            name = next((f for prefix, f in self.PATHS if problem.path.startswith(prefix)), None)
            self.add_error(name, problem.message(language))


class MergerWithdrawForm(ServiceForm):
    withdrawn_reason = forms.CharField(
        label=_("Begrundelse"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- Region: writing off a claim (#13) -------------------------------------------------------------


class WriteOffForm(ServiceForm):
    """A region officer proposes writing off what is outstanding on a claim (the service checks the
    amount against what is outstanding, and the reason)."""

    mark_optional = False
    amount = forms.CharField(
        label=_("Beløb, der afskrives (kr.)"),
        max_length=20,
        help_text=_("Som udgangspunkt alt, der mangler på kravet. Fx 2500,00"),
    )
    reason = forms.CharField(
        label=_("Begrundelse"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Hvorfor regionen opgiver at kræve beløbet, fx at klyngen er opløst uden midler."),
    )

    def clean_amount(self) -> str:
        # Danish notation: "2.500,00" → "2500.00" (the service checks the amount itself)
        return from_danish(str(self.cleaned_data["amount"]))


class WriteOffRefuseForm(ServiceForm):
    refusal_reason = forms.CharField(
        label=_("Begrundelse for afvisning"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- Region: bank files (#13) -----------------------------------------------------------------------


class ReleaseForm(ServiceForm):
    mark_optional = False
    execution_date = date_field(
        _("Betalingsdato"),
        required=False,
        help_text=_("Den dag banken skal betale (tom: kørselsdatoen, eller i dag hvis den er passeret)."),
    )


class BankImportForm(ServiceForm):
    mark_optional = False
    file = forms.FileField(
        label=_("Bankfil (camt.054 eller pain.002, XML)"),
        help_text=_("Bankens debit/kredit-advisering eller statusrapport for regionens konto."),
        widget=forms.FileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )
    dry_run = forms.BooleanField(
        label=_("Prøvekørsel: vis resultatet uden at gemme"), required=False, initial=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].error_messages["empty"] = _("Fil: filen er tom. Vælg bankens fil igen.")
        self.fields["file"].error_messages["invalid"] = _("Fil: vælg en fil.")


class BankResolveForm(ServiceForm):
    mark_optional = False
    note = forms.CharField(label=_("Note"), max_length=300, help_text=_("Hvordan posten er afklaret."))


# --- Postings for a finance system (#13) ---------------------------------------------------------------


class PostingsExportForm(ServiceForm):
    """Which organisation and period to export; the checks are the export's own
    (:func:`klynge.health.organisation_postings.export`), shown on these fields."""

    mark_optional = False
    organisation = forms.CharField(label=_("Organisation"), required=False, widget=forms.Select())
    aar = forms.IntegerField(
        label=_("År"),
        required=False,
        help_text=_("Hele kalenderåret. Eller lad feltet stå tomt, og vælg en periode."),
    )
    fra = date_field(_("Fra"), required=False)
    til = date_field(_("Til"), required=False, help_text=_("Datoen medtages."))

    def __init__(self, *args: Any, organisations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["organisation"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [(o.code, str(o)) for o in organisations]
