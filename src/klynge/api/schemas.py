"""Request and response bodies of the API. Dates are ISO ``YYYY-MM-DD``; counts are JSON integers.

Input schemas refuse unknown fields and values of the wrong JSON type (``"2"`` is not a count), so a
typing mistake in a script is answered with 422 instead of being silently ignored or guessed at.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from pydantic_core import PydanticCustomError

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date_text(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise PydanticCustomError("date_parsing", "Input should be a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text)]
ClusterStatus = Literal["registering", "completed"]


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


# --- Errors ---------------------------------------------------------------------------------------


class ErrorItem(Schema):
    field: str | None = Field(
        description="The request field the message is about (e.g. `cvr`, `joined`, `file`; `body` for the "
        "request body as a whole), or null when it concerns the request as a whole."
    )
    message: str = Field(
        description="What is wrong and how to fix it, in the request's language (Danish default)."
    )


class ErrorsOut(Schema):
    errors: list[ErrorItem] = Field(description="Every problem found; nothing was changed.")


class DetailOut(Schema):
    detail: str = Field(description="Why the request was refused.")


# --- Lists --------------------------------------------------------------------------------------------

PAGE_MAX = 500


class PageIn(Schema):
    limit: int = Field(100, ge=1, le=PAGE_MAX, description="How many items to return (at most 500).")
    offset: int = Field(0, ge=0, description="How many items to skip.")


# --- Reference data -------------------------------------------------------------------------------


class RoleOut(Schema):
    role: str = Field(description="coordinator, region_officer, region_approver, ... or admin.")
    region: str | None = Field(description="Region code the role applies to, if any.")
    gp_cluster: int | None = Field(description="Cluster id the role applies to (coordinators).")


class MeOut(Schema):
    username: str
    name: str = Field(description="Full name.")
    email: str
    roles: list[RoleOut]
    is_admin: bool = Field(description="Administrators see and change everything.")
    authenticated_by: Literal["session", "token"] = Field(description="How this request was authenticated.")


class PersonOut(Schema):
    name: str
    email: str


# --- Clusters -------------------------------------------------------------------------------------


class ClusterOut(Schema):
    id: int
    external_id: str = Field(description="Id in the exchange format, e.g. `1081-001`.")
    name: str
    region: str = Field(description="Region code, e.g. `1081` (Nordjylland).")
    region_name: str
    cvr: str = Field(description="CVR number (8 digits) or empty.")
    nemkonto_confirmed_on: dt.date | None = Field(description="When the region confirmed the NemKonto.")
    founded_on: dt.date = Field(description="Date of the founding general assembly (the cut-off date, A2).")
    all_practices_registered: bool = Field(
        description="The coordinator confirms every practice is registered."
    )
    completed_on: dt.date | None = Field(description="Completion date (færdigmeldt), null until completed.")
    status: ClusterStatus


class CapacityOut(Schema):
    valid_from: dt.date = Field(description="First day the value holds (until the next record).")
    count: int
    recorded_on: dt.date = Field(description="When the value became known to the system.")


class ClusterPage(Schema):
    count: int = Field(description="How many clusters match (on all pages).")
    items: list[ClusterOut]


class ClusterPracticeOut(Schema):
    provider_number: str = Field(description="The practice's provider number (ydernummer), 6 digits.")
    name: str
    membership_id: int
    joined: dt.date
    left: dt.date | None
    capacities: int | None = Field(
        description="Doctor capacities in effect today (or from `joined` if later)."
    )
    group1_patients: int | None = Field(description="Group-1 patients in effect today, if recorded.")


class MembershipOut(Schema):
    id: int
    cluster: int = Field(description="Cluster id.")
    provider_number: str
    practice_name: str
    joined: dt.date = Field(description="First day a member.")
    left: dt.date | None = Field(description="First day no longer a member; null while ongoing.")
    recorded_on: dt.date = Field(description="When the joining was registered (decides when it is paid, A5).")
    left_recorded_on: dt.date | None


class DocumentOut(Schema):
    id: int
    cluster: int
    document_type: str = Field(description="Document type code, e.g. `vedtaegter`.")
    document_type_name: str
    original_name: str
    content_type: str = Field(description="Detected from the content: PDF, DOCX or ODT.")
    size: int = Field(description="Bytes.")
    sha256: str
    uploaded_by: str | None = Field(description="Username of the uploader.")
    uploaded_at: dt.datetime
    removed_at: dt.datetime | None
    download_url: str


class ChecklistItemOut(Schema):
    code: str = Field(description="cvr, nemkonto, practices, all_registered or document:<type code>.")
    done: bool
    label: str
    fix: str = Field(description="What to do when not done.")


class CompletionOut(Schema):
    cluster: int
    status: ClusterStatus
    completed_on: dt.date | None
    can_complete: bool = Field(
        description="True when nothing is missing and the cluster is not yet completed."
    )
    items: list[ChecklistItemOut] = Field(description="Every condition of rule A1.")
    missing: list[ChecklistItemOut] = Field(description="The conditions not yet met.")


class ClusterDetailOut(ClusterOut):
    coordinators: list[PersonOut]
    practices: list[ClusterPracticeOut] = Field(
        description="Practices whose membership has not ended by today (current and future members)."
    )
    memberships: list[MembershipOut] = Field(description="Every membership, past and present.")
    documents: list[DocumentOut] = Field(description="Documents not removed.")
    checklist: list[ChecklistItemOut]


class ClusterCreateIn(InputSchema):
    region: StrictStr = Field(description="Region code, e.g. `1081`.", examples=["1081"])
    name: StrictStr
    founded_on: IsoDate = Field(description="Date of the founding general assembly.")
    coordinator_email: StrictStr = Field(description="Gets a login and the region's welcome mail.")
    coordinator_name: StrictStr = ""
    cvr: StrictStr = Field("", description="8 digits passing modulus 11; may be added later.")
    nemkonto_confirmed_on: IsoDate | None = None
    external_id: StrictStr = Field("", description="Id in the exchange format; generated when empty.")


class ClusterPatchIn(InputSchema):
    name: StrictStr | None = None
    cvr: StrictStr | None = Field(None, description="8 digits passing modulus 11, or empty to clear.")
    nemkonto_confirmed_on: IsoDate | None = Field(None, description="Null clears it.")
    founded_on: IsoDate | None = None
    all_practices_registered: StrictBool | None = None


class AuditEntryOut(Schema):
    id: int
    at: dt.datetime
    actor: str | None = Field(description="Username of the acting user.")
    actor_name: str | None
    action: str = Field(description="e.g. `membership.create`.")
    summary: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditPage(Schema):
    count: int
    items: list[AuditEntryOut]


# --- Practices and memberships --------------------------------------------------------------------


class PracticeAddIn(InputSchema):
    provider_number: StrictStr = Field(description="6 digits. A known practice is reused as it is.")
    joined: IsoDate = Field(description="First day in the cluster; not before the founding assembly.")
    name: StrictStr = Field("", description="Required when the provider number is new to the system.")
    capacities: StrictInt | None = Field(
        None, description="Doctor capacities (at least 1); required when the provider number is new."
    )
    group1_patients: StrictInt | None = Field(None, description="Group-1 patients, for a new practice.")


class PracticeCreateIn(InputSchema):
    region: StrictStr = Field(description="Region code, e.g. `1081`.")
    provider_number: StrictStr = Field(description="6 digits, not yet registered.")
    name: StrictStr
    capacities: StrictInt = Field(description="Doctor capacities (at least 1).")
    capacities_from: IsoDate = Field(description="First day the capacities hold.")
    group1_patients: StrictInt | None = None


class PracticeMembershipOut(Schema):
    id: int
    cluster: int
    cluster_name: str
    joined: dt.date
    left: dt.date | None


class PracticeOut(Schema):
    provider_number: str
    name: str
    region: str
    capacities: int | None = Field(description="Doctor capacities in effect today.")
    group1_patients: int | None = Field(description="Group-1 patients in effect today.")


class PracticePage(Schema):
    count: int
    items: list[PracticeOut]


class PracticeDetailOut(PracticeOut):
    capacity_history: list[CapacityOut]
    group1_patient_history: list[CapacityOut]
    memberships: list[PracticeMembershipOut] = Field(description="Memberships in clusters you may see.")


class DatedCountIn(InputSchema):
    cluster: StrictInt = Field(description="Id of the cluster the practice is a member of.")
    valid_from: IsoDate = Field(description="First day the value holds.")
    count: StrictInt = Field(description="The new value.")


class MembershipEndIn(InputSchema):
    left: IsoDate = Field(description="First day the practice is no longer a member (after `joined`).")


class MembershipMoveIn(InputSchema):
    to_cluster: StrictInt = Field(description="Id of the receiving cluster.")
    on: IsoDate = Field(description="First day in the receiving cluster (and first day out of this one).")


# --- Tokens ---------------------------------------------------------------------------------------


class TokenOut(Schema):
    id: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The token itself. Shown only now; store it safely.")


class TokenCreateIn(InputSchema):
    name: StrictStr = Field(description="What the token is for.", examples=["månedsudtræk"])
