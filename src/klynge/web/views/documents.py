"""A cluster's documents: upload (checked by content by the service), download, remove."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from klynge.accounts.access import Action
from klynge.registry import services
from klynge.registry.models import DocumentType
from klynge.web import selectors
from klynge.web.forms import DocumentUploadForm, ServiceForm, document_type_name
from klynge.web.views.common import actor


@login_required
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a document; the page shows the region's required documents and instructions."""
    user = actor(request)
    cluster = selectors.cluster(user, pk, Action.EDIT)
    initial_type = DocumentType.objects.filter(code=request.GET.get("type", "")).first()
    form = DocumentUploadForm(
        request.POST or None, request.FILES or None, initial={"document_type": initial_type}
    )
    if request.method == "POST" and form.is_valid():
        document = form.call(
            services.document_upload,
            actor=user,
            cluster=cluster,
            document_type=form.cleaned_data["document_type"],
            upload=form.cleaned_data["file"],
        )
        if document is not None:
            messages.success(
                request,
                _("%(type)s er uploadet (%(name)s).")
                % {"type": document_type_name(document.document_type), "name": document.original_name},
            )
            return redirect("cluster_detail", pk=cluster.pk)
    uploaded = set(selectors.documents(cluster).values_list("document_type_id", flat=True))
    required = [
        (doc_type, doc_type.pk in uploaded) for doc_type in cluster.region.required_documents.order_by("name")
    ]
    return render(
        request,
        "web/document_upload.html",
        {"form": form, "cluster": cluster, "required": required, "section": "my_cluster"},
    )


@login_required
@require_GET
def document_download(request: HttpRequest, document_pk: int) -> FileResponse:
    """The stored file as an attachment. A document of a cluster the user may not see answers 404."""
    document = selectors.document(actor(request), document_pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type=document.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def document_remove(request: HttpRequest, document_pk: int) -> HttpResponse:
    """Ask, then mark the document removed (the service keeps the file for the audit trail)."""
    user = actor(request)
    document = selectors.document(user, document_pk)
    cluster = selectors.cluster(user, document.cluster_id, Action.EDIT)
    form = ServiceForm({} if request.method == "POST" else None)
    if form.is_valid() and form.call(services.document_remove, actor=user, document=document) is not None:
        messages.success(request, _("%(name)s er fjernet.") % {"name": document.original_name})
        return redirect("cluster_detail", pk=cluster.pk)
    return render(
        request,
        "web/document_remove.html",
        {"document": document, "cluster": cluster, "form": form, "section": "my_cluster"},
    )
