"""The audit trail for administrators (#10)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone

from klynge.accounts import access
from klynge.audit.export import audit_csv


@login_required
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """Every audit entry as CSV, streamed; administrators only."""
    if not access.is_admin(request.user):
        raise PermissionDenied
    response = StreamingHttpResponse(audit_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="revisionsspor-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    return response
