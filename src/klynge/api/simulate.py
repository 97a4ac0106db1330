"""``POST /api/simulate``: the same computation as ``klynge simulate``, on a document in the body.

The body is a whole ``klynge-scenario/1`` document, read by the same reader as the command (so the
same problems are found, with the same places); nothing is read from or written to the database, so
any authenticated caller may simulate, whatever their role.
"""

from __future__ import annotations

from typing import Annotated

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from klynge.api.errors import BODY, error
from klynge.api.schemas import ErrorsOut
from klynge.payouts.simulation import MAX_BYTES, simulate_bytes

router = Router(tags=["Simulering"])

MB = 1024 * 1024

Money = Annotated[
    str,
    Field(
        pattern=r"^-?[0-9]+\.[0-9]{2}$",
        description="Kroner as a string with two decimals.",
        examples=["14586.30"],
    ),
]
Day = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", examples=["2020-01-15"])]


class _Out(Schema):
    # The exchange format allows keys beyond the documented ones.
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class LineOut(_Out):
    kind: str = Field(description="`startup_fee`, `annual` or `adjustment` (a netted difference).")
    practice: str = Field(description="The practice's provider number (ydernummer).")
    from_: Day = Field(alias="from", description="First day the line covers.")
    to: Day = Field(description="Last day the line covers.")
    days: int | None = Field(description="Days covered (day-prorated lines).")
    capacities: int | None = Field(description="Capacities the line pays for (capacity basis).")
    rate: Money | None = Field(description="The rate applied (per capacity or per patient and year).")
    amount: Money
    rule: str = Field(description="The rule of the exchange format behind the line, `A2` .. `A9`.")
    patients: int | None = Field(default=None, description="Group-1 patients counted (patients basis).")
    days_in_year: int | None = Field(default=None, description="Days of the year the line is prorated by.")


class PayoutOut(_Out):
    cluster: str = Field(description="The cluster's id in the document.")
    amount: Money = Field(description="Above zero; the sum of the lines.")
    expected_arrival: list[Day] = Field(description="Earliest and latest expected arrival in the account.")
    lines: list[LineOut] = Field(description="The lines explaining the amount to the øre.")


class ClaimOut(_Out):
    cluster: str
    amount: Money = Field(description="Above zero: what the cluster must pay back.")
    reason: str = Field(description="`startup_fee_repayment` or `annual_overpayment`.")
    practice: str
    rule: str = Field(description="`A7` or `A9`.")
    lines: list[LineOut] = Field(default_factory=list)


class CarriedForwardOut(_Out):
    cluster: str
    amount: Money = Field(description="An overpayment still to be netted against the next payouts (A9).")


class SimulatedRunOut(_Out):
    date: Day = Field(description="The run date, from the document's `runs`.")
    payouts: list[PayoutOut]
    claims: list[ClaimOut]
    carried_forward: list[CarriedForwardOut] = Field(default_factory=list)


class SimulationOut(_Out):
    runs: list[SimulatedRunOut] = Field(description="Every run of the document, in order.")


def _size(limit: int) -> str:
    return f"{limit / MB:g} MB" if limit >= MB else f"{limit} bytes"


def _language() -> str:
    return "en" if (get_language() or "da").startswith("en") else "da"


@router.post(
    "/simulate",
    response={200: SimulationOut, 413: ErrorsOut, 422: ErrorsOut},
    by_alias=True,
    summary="Simulate the payout runs of a klynge-scenario/1 document",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A whole `klynge-scenario/1` document (see the exchange format).",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["format"],
                        "properties": {"format": {"type": "string", "enum": ["klynge-scenario/1"]}},
                        "additionalProperties": True,
                    }
                }
            },
        }
    },
)
def simulate(request: HttpRequest) -> HttpResponse | Status[dict[str, list[dict[str, str | None]]]]:
    """Every run of a `klynge-scenario/1` document, in order, each seeing only the facts recorded by
    its date and what the earlier runs settled — the same JSON document as
    `klynge simulate FILE --json`: `{"runs": [{"date", "payouts", "claims", "carried_forward"}]}`,
    money as strings with two decimals, dates ISO.

    Nothing is read from or written to the database: **any** logged-in user or API token may
    simulate, whatever the role. A malformed document answers `422` with every problem, each with
    its place in the document as `field` (e.g. `memberships[0].joined`; `body` for the document as a
    whole); a body larger than the upload limit answers `413` (use the command for such files)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or MAX_BYTES
    try:
        raw = request.body
    except RequestDataTooBig:
        raw = None
    if raw is None or len(raw) > limit:
        message = _(
            "Dokumentet fylder mere end %(size)s, som er det mest, API'et tager imod. "
            "Brug kommandoen klynge simulate FIL til større filer."
        ) % {"size": _size(limit)}
        return Status(413, {"errors": [error(BODY, message)]})
    result, problems = simulate_bytes(raw, max_bytes=limit)
    if problems:
        language = _language()
        errors = [error(p.path if p.path not in ("", "$") else BODY, p.message(language)) for p in problems]
        return Status(422, {"errors": errors})
    # The document as the command prints it, with any keys beyond SimulationOut kept as they are (and
    # no second validation of what may be a large document); tests check it against SimulationOut.
    return JsonResponse(result, json_dumps_params={"ensure_ascii": False})
