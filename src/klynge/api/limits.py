"""Refusing an API request whose body is over the limit before anything reads it: ``413`` in the
``{"errors": [...]}`` shape, in the request's language (so after ``LocaleMiddleware``)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from klynge.api.errors import body_too_large

API_PREFIX = "/api/"


class BodyLimitMiddleware:
    """A body declared larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (JSON and uploads alike; the document
    limit is below it) is answered 413 unread; a body that turns out larger is caught by the API."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                return JsonResponse(
                    body_too_large(length, request.path_info),
                    status=413,
                    json_dumps_params={"ensure_ascii": False},
                )
        return self.get_response(request)
