"""Clusters: the list (region), the cluster page (everyone who may see it), creating and editing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.accounts.models import Role
from klynge.registry import services
from klynge.registry.completion import checklist
from klynge.web import selectors
from klynge.web.forms import ClusterCreateForm, ClusterEditForm, ClusterFilterForm
from klynge.web.views.common import actor, is_htmx

PAGE = 50  # clusters to a page of the list


@login_required
def cluster_list(request: HttpRequest) -> HttpResponse:
    """The clusters the user may see, searchable, 50 to a page (the search kept from page to page,
    #12); htmx asks for the table only as the user types."""
    user = actor(request)
    regions = access.regions(user, Action.VIEW)
    form = ClusterFilterForm(request.GET or None, regions=regions)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    clusters = selectors.clusters(
        user, query=filters.get("q") or "", status=filters.get("status") or "", region=filters.get("region")
    )
    context = {
        "form": form,
        # Counted and read only when the page's kept table is made (#12): the count is of every match.
        "clusters": SimpleLazyObject(
            lambda: Paginator(clusters.order_by("region__code", "name", "pk"), PAGE).get_page(
                request.GET.get("side")
            )
        ),
        "show_region": regions.count() != 1,
        "can_create": access.regions(user, Action.ADMINISTER).exists(),
        "section": "clusters",
    }
    if is_htmx(request):
        return render(request, "web/partials/cluster_table.html", context)
    return render(request, "web/cluster_list.html", context)


@login_required
def cluster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The cluster page: master data, practices, documents, checklist and audit trail.

    Another coordinator's cluster, or one outside the officer's region, answers 404.
    """
    user = actor(request)
    cluster = selectors.cluster(user, pk)
    can_edit = access.can(user, Action.EDIT, cluster)
    items = checklist(cluster)
    # The practices, documents and changes are read only when the page's kept part is made (#12).
    audit = SimpleLazyObject(lambda: list(selectors.audit_trail(cluster)))
    return render(
        request,
        "web/cluster_detail.html",
        {
            "cluster": cluster,
            "rows": SimpleLazyObject(lambda: selectors.member_rows(cluster)),
            "documents": SimpleLazyObject(lambda: list(selectors.documents(cluster))),
            "checklist": items,
            "missing": [i for i in items if not i.done],
            "coordinators": selectors.coordinators(cluster),
            "audit": SimpleLazyObject(lambda: audit[:20]),
            "older_audit": SimpleLazyObject(lambda: audit[20:]),
            "can_edit": can_edit,
            "section": "my_cluster" if Role.COORDINATOR in access.roles(user) else "clusters",
        },
    )


@login_required
def cluster_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Master data. The region edits all of it; a coordinator name, CVR and founding date (not NemKonto)."""
    user = actor(request)
    cluster = selectors.cluster(user, pk, Action.EDIT)
    administer = access.can(user, Action.ADMINISTER, cluster)
    initial = {
        "name": cluster.name,
        "cvr": cluster.cvr,
        "nemkonto_confirmed_on": cluster.nemkonto_confirmed_on,
        "founded_on": cluster.founded_on,
    }
    form = ClusterEditForm(
        request.POST or None, initial=initial, administer=administer, completed=bool(cluster.completed_on)
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if (
            not changes
            or form.call(services.cluster_update, actor=user, cluster=cluster, **changes) is not None
        ):
            messages.success(request, _("Stamdata er gemt."))
            return redirect("cluster_detail", pk=cluster.pk)
    return render(
        request,
        "web/cluster_edit.html",
        {"form": form, "cluster": cluster, "administer": administer, "section": "clusters"},
    )


@login_required
def cluster_create(request: HttpRequest) -> HttpResponse:
    """A region officer creates a cluster; its coordinator gets a login and the welcome mail."""
    user = actor(request)
    regions = access.regions(user, Action.ADMINISTER)
    if not regions.exists():
        raise PermissionDenied(_("Kun en regional sagsbehandler kan oprette klynger."))
    form = ClusterCreateForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        cluster = form.call(services.cluster_create, actor=user, **form.cleaned_data)
        if cluster is not None:
            messages.success(
                request,
                _("Klyngen %(name)s er oprettet, og koordinatoren har fået en velkomstmail.")
                % {"name": cluster.name},
            )
            return redirect("cluster_detail", pk=cluster.pk)
    return render(request, "web/cluster_create.html", {"form": form, "section": "clusters"})
