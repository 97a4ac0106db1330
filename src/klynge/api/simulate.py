"""``POST /api/simulate``: the same computation as ``klynge simulate``, on a document in the body."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Status

from klynge.api.errors import error
from klynge.payouts.simulation import MAX_BYTES, simulate_bytes

router = Router(tags=["Simulering"])


@router.post(
    "/simulate",
    response={200: dict[str, Any], 413: dict[str, Any], 422: dict[str, Any]},
    summary="Simulér udbetalingskørsler",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object", "description": "klynge-scenario/1"}}
            },
        }
    },
)
def simulate(request: HttpRequest) -> Status:
    """Every run of a `klynge-scenario/1` document in order, each seeing only the facts recorded by its
    date and what the earlier runs settled: `{"runs": [{"date", "payouts", "claims", "carried_forward"}]}`
    with money as strings with two decimals (see the exchange format). Nothing is stored; any logged-in
    user or token may simulate. Problems answer `422` with each problem's place in the document."""
    try:
        raw = request.body
    except RequestDataTooBig:
        raw = b""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or MAX_BYTES
    if (not raw and int(request.headers.get("Content-Length") or 0) > limit) or len(raw) > limit:
        message = _(
            "Dokumentet er for stort til API'et (over %(mb)s MB); brug kommandoen klynge simulate FIL."
        ) % {"mb": limit // (1024 * 1024)}
        return Status(413, {"errors": [error("body", message)]})
    result, problems = simulate_bytes(raw, max_bytes=limit)
    if problems:
        language = "en" if (get_language() or "da").startswith("en") else "da"
        return Status(422, {"errors": [error(p.path or "body", p.message(language)) for p in problems]})
    assert result is not None
    return Status(200, result)
