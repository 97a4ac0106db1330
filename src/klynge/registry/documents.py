"""Checking uploaded documents by their content, not their name.

Only PDF, DOCX and ODT are accepted. ``filetype`` sniffs the leading bytes; DOCX and ODT are then
opened as ZIP archives and their structure checked (and guarded against ZIP bombs), since a renamed
archive or executable has the same first bytes.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Kind:
    mime: str
    extension: str


PDF = Kind("application/pdf", "pdf")
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
ODT = Kind("application/vnd.oasis.opendocument.text", "odt")
MAX_UNCOMPRESSED = 200 * 1024 * 1024


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": [message]}, code="document_type")


def check_upload(upload: UploadedFile) -> Kind:
    """The kind of an uploaded document, or ``ValidationError`` on field ``file`` saying what to do."""
    limit = settings.DOCUMENT_MAX_BYTES
    size = upload.size or 0
    if size == 0:
        raise _refuse(_("Fil: filen er tom. Vælg dokumentet igen."))
    if size > limit:
        raise ValidationError(
            {
                "file": [
                    _("Fil: filen fylder %(size)s; den må højst fylde %(limit)s. Gem den mindre, fx som PDF.")
                    % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
                ]
            },
            code="document_size",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guessed = filetype.guess(head)
    mime = guessed.mime if guessed else ""
    if mime == PDF.mime and head.startswith(b"%PDF-"):
        return PDF
    if mime in {"application/zip", DOCX.mime, ODT.mime}:
        kind = _zip_document_kind(upload)
        upload.seek(0)
        if kind:
            return kind
    raise _refuse(
        _(
            "Fil: %(name)s er ikke et PDF-, DOCX- eller ODT-dokument (indholdet er kontrolleret, ikke navnet). "
            "Gem dokumentet i et af de formater og upload det igen."
        )
        % {"name": upload.name}
    )


def _zip_document_kind(upload: UploadedFile) -> Kind | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED or len(infos) > 5000:
                return None
            names = {info.filename for info in infos}
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
            if (
                "mimetype" in names
                and "content.xml" in names
                and archive.read("mimetype").strip() == ODT.mime.encode()
            ):
                return ODT
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return None
    return None


def safe_name(name: str, kind: Kind) -> str:
    """The uploaded name made harmless for display and download, with the extension of its real kind."""
    stem = re.sub(r"[^\w\-. ]+", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" .") or "dokument"
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return f"{stem[:120]}.{kind.extension}"
