"""The 500 answer (#10): never a traceback; the request's id, which is on the logged traceback too."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

from klynge.common.middleware import current_request_id

logger = logging.getLogger(__name__)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: Django has already logged the exception with the request's id."""
    request_id = getattr(request, "request_id", None) or current_request_id()
    if request.path.startswith("/api/"):
        detail = _("Der skete en fejl på serveren. Oplys fejlnummer %(id)s, hvis du kontakter support.") % {
            "id": request_id
        }
        return JsonResponse({"detail": detail, "request_id": request_id}, status=500)
    try:
        page = loader.render_to_string("500.html", {"request_id": request_id}, request=None)
    except Exception:  # the error page itself must not fail: plain text with the id
        logger.exception("500.html could not be rendered")
        text = (
            f"Der skete en fejl. Fejlnummer: {request_id}\nSomething went wrong. Error number: {request_id}\n"
        )
        return HttpResponseServerError(text, content_type="text/plain; charset=utf-8")
    return HttpResponseServerError(page)
