"""The page "Konteringer til økonomisystemet" (#13): an organisation's postings as CSV in the one
documented layout (docs/postings-export.md), for a region's or a municipality's finance staff.

The form is a GET form: a valid request with ``hent`` answers with the streamed file; anything
refused is shown on the page, on the field it is about. Another organisation's postings are a 403.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.common.dates import long_date
from klynge.health import organisation_postings
from klynge.web.forms import PostingsExportForm
from klynge.web.views.common import actor


@login_required
def postings_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = actor(request)
    organisations = organisation_postings.exportable(user)
    if not organisations:
        raise PermissionDenied(
            _("Siden er for regionernes og kommunernes økonomimedarbejdere og regionernes sagsbehandlere.")
        )
    wanted = "hent" in request.GET
    initial = {"organisation": organisations[0].code, "aar": timezone.localdate().year}
    form = PostingsExportForm(request.GET if wanted else None, initial=initial, organisations=organisations)
    if not wanted and request.GET.get("organisation"):
        form.initial["organisation"] = request.GET["organisation"]
    if wanted and form.is_valid():
        data = form.cleaned_data
        found = form.call(
            organisation_postings.export,
            actor=user,
            organisation_code=data["organisation"],
            year=data["aar"],
            first=data["fra"],
            last=data["til"],
        )
        if found is not None and not found.count:
            # Nothing to hand over: say so on the page rather than give a file with only its header.
            form.add_error(
                None,
                _(
                    "Der er ingen konteringer for %(organisation)s fra %(first)s til %(last)s. Vælg en anden periode."
                )
                % {
                    "organisation": found.organisation.name,
                    "first": long_date(found.first),
                    "last": long_date(found.last),
                },
            )
        elif found is not None:
            # Streamed: the whole ledger is never held in memory (issue #12).
            response = StreamingHttpResponse(found.chunks, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
            return response
    return render(
        request,
        "web/postings/export.html",
        {"form": form, "organisations": organisations, "section": "postings"},
    )
