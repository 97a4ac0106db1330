"""The import page: upload a klynge-scenario/1 file, see what would change, then import it.

The work is :func:`klynge.registry.scenario_io.import_scenario` (all or nothing, access checked per
region); this page only reads the file and shows the report.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.registry.scenario_io import ImportReport, import_scenario, read_json
from klynge.web.views.common import actor


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Fil (klynge-scenario/1, JSON)"))
    dry_run = forms.BooleanField(
        label=_("Prøvekørsel: vis hvad der ville ændre sig, uden at gemme"), required=False, initial=True
    )


@login_required
def scenario_import(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    if not access.regions(user, Action.ADMINISTER).exists():
        raise PermissionDenied(_("Kun regionens sagsbehandlere kan importere."))
    report: ImportReport | None = None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data, problems = read_json(upload.read())
        if problems:
            report = ImportReport(dry_run=form.cleaned_data["dry_run"], problems=problems)
        else:
            report = import_scenario(
                data, actor=user, dry_run=form.cleaned_data["dry_run"], source=upload.name or ""
            )
    return render(
        request,
        "web/scenario_import.html",
        {
            "form": form,
            "report": report,
            "report_lines": report.lines(get_language() or "da") if report else [],
            "section": "import",
        },
    )
