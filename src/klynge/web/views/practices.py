"""A cluster's practices: add one, record capacities and patients, deregister, move to another cluster."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from klynge.accounts.access import Action
from klynge.registry import services
from klynge.registry.models import GpCluster, Membership
from klynge.web import selectors
from klynge.web.consequences import leaving_consequence
from klynge.web.forms import CapacityForm, MembershipEndForm, MoveForm, PatientsForm, PracticeAddForm
from klynge.web.views.common import actor


class _CheckOnly(Exception):
    """Raised inside :func:`refusal` to roll back a service call made only to check its input."""


def refusal(call: Callable[[], Any]) -> ValidationError | None:
    """The ``ValidationError`` the service call would raise, or ``None``; nothing it writes is kept.

    The confirmation step of a deregistration or move runs the service in a savepoint that is always
    rolled back, so the preview refuses exactly what the service would refuse, with its messages.
    """
    try:
        with transaction.atomic():
            call()
            raise _CheckOnly
    except _CheckOnly:
        return None
    except ValidationError as exc:
        return exc


@login_required
def practice_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = actor(request)
    cluster = selectors.cluster(user, pk, Action.EDIT)
    form = PracticeAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        membership = form.call(services.practice_add, actor=user, cluster=cluster, **form.cleaned_data)
        if membership is not None:
            messages.success(
                request,
                _("%(practice)s er tilmeldt klyngen fra %(date)s.")
                % {"practice": membership.practice, "date": formats.date_format(membership.joined)},
            )
            return redirect("cluster_detail", pk=cluster.pk)
    return render(
        request, "web/practice_add.html", {"form": form, "cluster": cluster, "section": "my_cluster"}
    )


def _counts_page(
    request: HttpRequest,
    cluster: GpCluster,
    membership: Membership,
    capacity_form: CapacityForm | None = None,
    patients_form: PatientsForm | None = None,
) -> HttpResponse:
    practice = membership.practice
    return render(
        request,
        "web/membership_counts.html",
        {
            "cluster": cluster,
            "membership": membership,
            "practice": practice,
            "capacities": practice.capacities.all(),
            "patient_counts": practice.patient_counts.all(),
            "capacity_form": capacity_form or CapacityForm(),
            "patients_form": patients_form or PatientsForm(),
            "section": "my_cluster",
        },
    )


@login_required
def membership_counts(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """The practice's capacities and group-1 patients over time, with a form for each."""
    cluster = selectors.cluster(actor(request), pk, Action.EDIT)
    return _counts_page(request, cluster, selectors.membership(cluster, membership_pk))


@login_required
@require_POST
def capacity_set(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    user = actor(request)
    cluster = selectors.cluster(user, pk, Action.EDIT)
    membership = selectors.membership(cluster, membership_pk)
    form = CapacityForm(request.POST)
    if form.is_valid() and (
        form.call(
            services.capacity_set,
            actor=user,
            practice=membership.practice,
            cluster=cluster,
            **form.cleaned_data,
        )
        is not None
    ):
        messages.success(
            request,
            _("%(practice)s har %(count)s lægekapacitet(er) fra %(date)s.")
            % {
                "practice": membership.practice,
                "count": form.cleaned_data["count"],
                "date": formats.date_format(form.cleaned_data["valid_from"]),
            },
        )
        return redirect("cluster_detail", pk=cluster.pk)
    return _counts_page(request, cluster, membership, capacity_form=form)


@login_required
@require_POST
def patients_set(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    user = actor(request)
    cluster = selectors.cluster(user, pk, Action.EDIT)
    membership = selectors.membership(cluster, membership_pk)
    form = PatientsForm(request.POST)
    if form.is_valid() and (
        form.call(
            services.patients_set,
            actor=user,
            practice=membership.practice,
            cluster=cluster,
            **form.cleaned_data,
        )
        is not None
    ):
        messages.success(
            request,
            _("%(practice)s har %(count)s gruppe 1-patienter fra %(date)s.")
            % {
                "practice": membership.practice,
                "count": form.cleaned_data["count"],
                "date": formats.date_format(form.cleaned_data["valid_from"]),
            },
        )
        return redirect("cluster_detail", pk=cluster.pk)
    return _counts_page(request, cluster, membership, patients_form=form)


@login_required
def membership_end(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """Deregister in two steps: the date, then the consequence (A7) and a confirmation."""
    user = actor(request)
    cluster = selectors.cluster(user, pk, Action.EDIT)
    membership = selectors.membership(cluster, membership_pk)
    form = MembershipEndForm(request.POST or None)
    consequence = None
    if request.method == "POST" and form.is_valid():
        left = form.cleaned_data["left"]
        if request.POST.get("step") == "confirm":
            if form.call(services.membership_end, actor=user, membership=membership, left=left) is not None:
                messages.success(
                    request,
                    _("%(practice)s er udmeldt fra %(date)s.")
                    % {"practice": membership.practice, "date": formats.date_format(left)},
                )
                return redirect("cluster_detail", pk=cluster.pk)
        else:
            refused = refusal(lambda: services.membership_end(actor=user, membership=membership, left=left))
            if refused is not None:
                form.show_errors(refused)
            else:
                consequence = leaving_consequence(membership, left)
    return render(
        request,
        "web/membership_end.html",
        {
            "cluster": cluster,
            "membership": membership,
            "form": form,
            "consequence": consequence,
            "section": "my_cluster",
        },
    )


@login_required
@require_GET
def leaving_preview(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """The consequence of leaving on ``?left=`` (or ``?on=``), for htmx to show while the date is typed."""
    cluster = selectors.cluster(actor(request), pk, Action.EDIT)
    membership = selectors.membership(cluster, membership_pk)
    form = MembershipEndForm({"left": request.GET.get("left") or request.GET.get("on") or ""})
    consequence = None
    if form.is_valid() and form.cleaned_data["left"] > membership.joined:
        consequence = leaving_consequence(membership, form.cleaned_data["left"])
    return render(request, "web/partials/consequence.html", {"consequence": consequence, "preview": True})


@login_required
def membership_move(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """Move to another cluster of the region in two steps: destination and date, then confirmation.

    The destinations are every other cluster of the region (by name only): a coordinator may move a
    practice to a cluster they cannot otherwise see.
    """
    user = actor(request)
    cluster = selectors.cluster(user, pk, Action.EDIT)
    membership = selectors.membership(cluster, membership_pk)
    destinations = GpCluster.objects.filter(region=cluster.region).exclude(pk=cluster.pk).order_by("name")
    form = MoveForm(request.POST or None, destinations=destinations)
    consequence = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def move() -> Membership:
            return services.practice_move(
                actor=user, membership=membership, to_cluster=data["to_cluster"], on=data["on"]
            )

        if request.POST.get("step") == "confirm":
            if form.call(move) is not None:
                messages.success(
                    request,
                    _("%(practice)s er flyttet til %(cluster)s pr. %(date)s.")
                    % {
                        "practice": membership.practice,
                        "cluster": data["to_cluster"].name,
                        "date": formats.date_format(data["on"]),
                    },
                )
                return redirect("cluster_detail", pk=cluster.pk)
        else:
            refused = refusal(move)
            if refused is not None:
                form.show_errors(refused)
            else:
                consequence = leaving_consequence(membership, data["on"])
    return render(
        request,
        "web/membership_move.html",
        {
            "cluster": cluster,
            "membership": membership,
            "form": form,
            "consequence": consequence,
            "has_destinations": destinations.exists(),
            "section": "my_cluster",
        },
    )
