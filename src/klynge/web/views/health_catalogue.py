"""The catalogue of evaluated initiatives (issue #4): every health cluster's evaluated initiatives, or
those reported to the SSU, searchable and filterable, so that good results travel between clusters;
and the read-only evaluation summary of one of them.

The catalogue deliberately crosses cluster boundaries: every logged-in user sees it. It shows only the
evaluation content (cluster and region, title, theme, challenge, period, result, the recommendation to
spread, the evaluation plan's questions and answers, and the total actual cost) — no postings and no
member-level finance. An initiative that is not evaluated or reported answers 404.

#13: so another cluster can reuse it, an entry also shows the contact person, the documents, the
report to the SSU (once reported: what the SSU was given, a committee paper), the cost per participant
or per citizen (:func:`klynge.health.catalogue.unit_cost`) and which clusters adopted it; a cluster's
secretariat adopts it as a new idea (:func:`klynge.health.secretariat.initiative_adopt`); and the
search's result is exported as CSV (docs/health-catalogue.md).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.health import secretariat
from klynge.health.catalogue import adopters, unit_cost
from klynge.health.catalogue import catalogue_csv as make_csv
from klynge.health.models import HealthCluster, Initiative
from klynge.registry.models import Region
from klynge.web.forms import ServiceForm
from klynge.web.health_forms import AdoptForm
from klynge.web.views.common import actor, is_htmx

PER_PAGE = 20
CATALOGUED = secretariat.CATALOGUED


def catalogued() -> QuerySet[Initiative]:
    """The initiatives the catalogue shows: evaluated or reported to the SSU, in any cluster."""
    return Initiative.objects.filter(status__in=CATALOGUED)


class CatalogueForm(ServiceForm):
    """The catalogue's search and filters, read from the address (GET) so a search can be shared."""

    mark_optional = False
    q = forms.CharField(
        label=_("Søg"),
        required=False,
        max_length=200,
        help_text=_("Titel, tema, udfordring eller resultater."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    tema = forms.ChoiceField(label=_("Tema"), required=False)
    resultat = forms.ChoiceField(
        label=_("Resultat"),
        required=False,
        choices=[("", _("Alle")), *((v, label) for v, label in Initiative.Result.choices if v)],
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("Alle regioner"),
    )
    udbredes = forms.BooleanField(
        label=_("Kun indsatser, der anbefales udbredt"),
        required=False,
        widget=forms.CheckboxInput(attrs={"value": "1"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        initiatives = catalogued()
        themes = initiatives.exclude(theme="").order_by("theme").values_list("theme", flat=True).distinct()
        tema = self.fields["tema"]
        assert isinstance(tema, forms.ChoiceField)
        tema.choices = [("", _("Alle temaer")), *((theme, theme) for theme in themes)]
        region = self.fields["region"]
        assert isinstance(region, forms.ModelChoiceField)
        region.queryset = Region.objects.filter(health_clusters__initiatives__in=initiatives).distinct()


def search(filters: dict[str, Any]) -> QuerySet[Initiative]:
    """The catalogued initiatives matching ``filters`` (a :class:`CatalogueForm`'s cleaned data), with
    their total actual cost; recommended for spreading first, then the newest reported."""
    initiatives = catalogued()
    if text := (filters.get("q") or "").strip():
        initiatives = initiatives.filter(
            Q(title__icontains=text)
            | Q(theme__icontains=text)
            | Q(challenge__icontains=text)
            | Q(result_summary__icontains=text)
        )
    if filters.get("tema"):
        initiatives = initiatives.filter(theme=filters["tema"])
    if filters.get("resultat"):
        initiatives = initiatives.filter(result=filters["resultat"])
    if filters.get("udbredes"):
        initiatives = initiatives.filter(recommend_spread=True)
    if filters.get("region") is not None:
        initiatives = initiatives.filter(cluster__region=filters["region"])
    return (
        initiatives.select_related("cluster__region")
        .annotate(total_cost=Sum("costs__amount"))
        .order_by("-recommend_spread", F("reported_on").desc(nulls_last=True), "-ends_on", "title", "pk")
    )


def page_url(request: HttpRequest, number: int) -> str:
    """The address of another page of the same search."""
    query = request.GET.copy()
    query["side"] = str(number)
    return f"{reverse('health_catalogue')}?{query.urlencode()}"


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    """The catalogue; htmx asks for the results only when the filters change."""
    form = CatalogueForm(request.GET or None)
    form.is_valid()  # an invalid filter is shown with its error and left out; the valid ones apply
    filters: dict[str, Any] = getattr(form, "cleaned_data", {})
    page = Paginator(search(filters), PER_PAGE).get_page(request.GET.get("side"))
    context = {
        "form": form,
        "page": page,
        "previous_url": page_url(request, page.previous_page_number()) if page.has_previous() else "",
        "next_url": page_url(request, page.next_page_number()) if page.has_next() else "",
        "section": "health_catalogue",
    }
    partial = is_htmx(request) and request.headers.get("HX-History-Restore-Request") != "true"
    response = render(
        request,
        "web/health/catalogue_results.html" if partial else "web/health/catalogue.html",
        context,
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


def adopting_clusters(user: Any, initiative: Initiative) -> list[HealthCluster]:
    """The clusters ``user`` may adopt ``initiative`` into: those it edits, other than its own, open."""
    return list(
        access.health_clusters(user, Action.EDIT)
        .exclude(pk=initiative.cluster_id)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate()))
        .order_by("name")
    )


def _detail(request: HttpRequest, initiative: Initiative, form: AdoptForm | None = None) -> HttpResponse:
    clusters = adopting_clusters(actor(request), initiative)
    total_cost = initiative.costs.aggregate(total=Sum("amount"))["total"]
    return render(
        request,
        "web/health/catalogue_detail.html",
        {
            "initiative": initiative,
            "questions": initiative.questions.all(),
            "total_cost": total_cost,
            "unit_cost": unit_cost(initiative),
            "adoptions": adopters(initiative),
            "documents": initiative.documents.all(),
            "adopt_form": form or (AdoptForm(prefix="overtag", clusters=clusters) if clusters else None),
            # A secretariat that cannot adopt is told why: the initiative is its own cluster's.
            "own_initiative": not clusters
            and access.health_clusters(actor(request), Action.EDIT).filter(pk=initiative.cluster_id).exists(),
            "section": "health_catalogue",
        },
    )


@login_required
def catalogue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The evaluation summary of one catalogued initiative (404 if it is not evaluated or reported)."""
    initiative = get_object_or_404(catalogued().select_related("cluster__region"), pk=pk)
    return _detail(request, initiative)


@login_required
@require_POST
def catalogue_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    """Adopt a catalogued initiative into one of the user's clusters, as a new idea (403 for a user who
    edits no other cluster)."""
    user = actor(request)
    initiative = get_object_or_404(catalogued().select_related("cluster__region"), pk=pk)
    clusters = adopting_clusters(user, initiative)
    if not clusters:
        raise PermissionDenied(gettext("Kun en anden sundhedsklynges sekretariat kan overtage indsatsen."))
    form = AdoptForm(request.POST, prefix="overtag", clusters=clusters)
    if form.is_valid():
        new = form.call(secretariat.initiative_adopt, actor=user, source=initiative, cluster=form.chosen())
        if new is not None:
            messages.success(
                request,
                gettext("%(title)s er overtaget som ny idé i %(cluster)s. Ret periode, parter og budget.")
                % {"title": new.title, "cluster": new.cluster.name},
            )
            return redirect("health_initiative_detail", pk=new.cluster_id, initiative_pk=new.pk)
    return _detail(request, initiative, form)


@login_required
def catalogue_ssu_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The report to the SSU of a catalogued initiative that was reported (404 before): what the SSU
    was given, for any logged-in user."""
    from klynge.health.reports import ssu_report_pdf

    initiative = get_object_or_404(
        Initiative.objects.select_related("cluster", "function"), pk=pk, status=Initiative.Status.REPORTED
    )
    response = HttpResponse(ssu_report_pdf(initiative), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ssu-rapport-{initiative.pk}.pdf"'
    return response


@login_required
def catalogue_csv(request: HttpRequest) -> HttpResponse:
    """The catalogue (the same search and filters as the page) as CSV, layout in docs/health-catalogue.md."""
    form = CatalogueForm(request.GET or None)
    form.is_valid()
    filters: dict[str, Any] = getattr(form, "cleaned_data", {})
    rows = search(filters).prefetch_related("documents")
    response = HttpResponse(make_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="indsatskatalog.csv"'
    return response
