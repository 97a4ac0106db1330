"""Documents: list, upload (checked by content), download (access-checked) and remove."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from klynge.api import lookups, present
from klynge.api.clusters import REFUSALS
from klynge.api.schemas import DetailOut, DocumentOut
from klynge.registry import services
from klynge.registry.models import DocumentType

router = Router(tags=["Dokumenter"])


def document_type_by_code(code: str) -> DocumentType:
    found = DocumentType.objects.filter(code=code.strip()).first()
    if found is None:
        codes = ", ".join(DocumentType.objects.order_by("code").values_list("code", flat=True))
        raise ValidationError(
            {
                "document_type": [
                    _("Dokumenttype: %(code)s findes ikke; brug en af %(codes)s.")
                    % {"code": code, "codes": codes}
                ]
            }
        )
    return found


@router.get(
    "/clusters/{cluster_id}/documents", response={200: list[DocumentOut], 404: DetailOut}, summary="Documents"
)
def document_list(request: HttpRequest, cluster_id: int, include_removed: bool = False) -> Any:
    """The cluster's documents, newest first per type; removed ones only with `include_removed=true`."""
    cluster = lookups.cluster(lookups.actor(request), cluster_id)
    return [present.document(d) for d in present.documents(cluster, include_removed=include_removed)]


@router.post(
    "/clusters/{cluster_id}/documents", response={201: DocumentOut, **REFUSALS}, summary="Upload a document"
)
def document_upload(
    request: HttpRequest, cluster_id: int, document_type: Form[str], file: File[UploadedFile]
) -> Any:
    """Upload a PDF, DOCX or ODT as `multipart/form-data` with fields `document_type` (a type code such as
    `vedtaegter` or `referat-stiftende-gf`) and `file`. The content is checked, not the name."""
    user = lookups.actor(request)
    cluster = lookups.cluster(user, cluster_id)
    document = services.document_upload(
        actor=user, cluster=cluster, document_type=document_type_by_code(document_type), upload=file
    )
    return Status(201, present.document(lookups.document(user, document.pk)))


@router.get(
    "/documents/{document_id}/download",
    response={200: None, 404: DetailOut},
    url_name="document_download",
    summary="Download a document",
)
def document_download(request: HttpRequest, document_id: int) -> Any:
    """The stored file as an attachment, with the type detected at upload."""
    document = lookups.document(lookups.actor(request), document_id)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type=document.content_type
    )
    # The same headers as the web download (klynge.web.views.documents): never rendered, never sniffed.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@router.delete("/documents/{document_id}", response={204: None, **REFUSALS}, summary="Remove a document")
def document_remove(request: HttpRequest, document_id: int) -> Any:
    """Mark the document removed (the file is kept for the audit trail). Not possible after completion."""
    user = lookups.actor(request)
    services.document_remove(actor=user, document=lookups.document(user, document_id))
    return Status(204, None)
