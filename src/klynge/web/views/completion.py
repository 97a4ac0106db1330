"""Færdigmeld klyngen (A1): the checklist, the confirmation that every practice is registered, the button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.registry import services
from klynge.registry.completion import checklist
from klynge.registry.models import GpCluster
from klynge.web import selectors
from klynge.web.forms import RegisteredForm, ServiceForm
from klynge.web.views.common import actor


def _page(
    request: HttpRequest,
    cluster: GpCluster,
    registered_form: RegisteredForm | None = None,
    complete_form: ServiceForm | None = None,
) -> HttpResponse:
    items = checklist(cluster)
    return render(
        request,
        "web/completion.html",
        {
            "cluster": cluster,
            "checklist": items,
            "missing": [i for i in items if not i.done],
            "registered_form": registered_form
            or RegisteredForm(initial={"all_practices_registered": cluster.all_practices_registered}),
            "complete_form": complete_form or ServiceForm(),
            "can_edit": access.can(actor(request), Action.EDIT, cluster),
            "section": "completion",
        },
    )


@login_required
def completion(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, selectors.cluster(actor(request), pk))


@login_required
@require_POST
def confirm_registered(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator confirms (or withdraws) that every practice of the cluster is registered."""
    user = actor(request)
    cluster = selectors.cluster(user, pk, Action.EDIT)
    form = RegisteredForm(request.POST)
    if form.is_valid() and (
        form.call(
            services.cluster_update,
            actor=user,
            cluster=cluster,
            all_practices_registered=form.cleaned_data["all_practices_registered"],
        )
        is not None
    ):
        messages.success(request, _("Bekræftelsen er gemt."))
        return redirect("completion", pk=cluster.pk)
    return _page(request, cluster, registered_form=form)


@login_required
@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    user = actor(request)
    cluster = selectors.cluster(user, pk, Action.EDIT)
    form = ServiceForm({})
    done = form.call(services.cluster_complete, actor=user, cluster=cluster) if form.is_valid() else None
    if done is not None and done.completed_on is not None:
        messages.success(
            request,
            _("Klyngen er færdigmeldt %(date)s. Regionen har fået besked.")
            % {"date": formats.date_format(done.completed_on)},
        )
        return redirect("cluster_detail", pk=cluster.pk)
    return _page(request, cluster, complete_form=form)
