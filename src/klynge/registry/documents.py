"""Checking uploaded documents by parsing them, not by their name or only their first bytes.

Only PDF, DOCX and ODT are accepted, and each must be what it claims throughout:

- a PDF must open with pypdf and have at least one readable page (a file that merely starts with
  ``%PDF`` is refused) and must not need a password;
- a DOCX must be a well-formed OOXML package (``[Content_Types].xml``, ``word/document.xml``, both
  well-formed XML) and an ODT a well-formed ODF package (``mimetype`` saying so, ``content.xml``);
- neither may carry macros (``vbaProject.bin``, macro-enabled content types, ODF ``Basic/`` and
  ``Scripts/``), ActiveX controls, embedded OLE objects or executables (by name or by content);
- every member is read in full (its CRC checked) and the inflated size is limited, in total and as a
  ratio to the compressed size, so a ZIP bomb is refused after reading at most the limit.

A refusal is a ``ValidationError`` on the field ``file`` that says why ("too large" with both sizes in
one unit, "not a PDF", "contains macros", ...), Danish first and English in the locale.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass
from typing import IO
from xml.etree.ElementTree import Element, ParseError, fromstring

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from pypdf import PdfReader

from klynge.common.sizes import size_and_limit


@dataclass(frozen=True)
class Kind:
    mime: str
    extension: str


PDF = Kind("application/pdf", "pdf")
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
ODT = Kind("application/vnd.oasis.opendocument.text", "odt")

MAX_INFLATED = 100 * 1024 * 1024  # all members of a DOCX/ODT together, once unpacked
MAX_RATIO = 200  # a member may inflate to at most this many times its compressed size (and 1 MB more)
MAX_MEMBERS = 5000
CHUNK = 64 * 1024

EXECUTABLE_NAMES = re.compile(
    r"\.(exe|dll|com|scr|pif|bat|cmd|ps1|vbs|vbe|js|jse|wsf|wsh|msi|msp|jar|hta|cpl|sys|ocx)$", re.I
)
MACRO_NAMES = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml|activeX/|macros?/|Basic/|Scripts/)", re.I)
MACRO_CONTENT_TYPES = re.compile(r"macroEnabled|vbaProject|activeX|oleObject|ms-office\.vba", re.I)
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")  # PE, ELF, Mach-O, fat
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: VBA, embedded objects


class Refused(Exception):
    """One reason a file is refused, in Danish, with the code the API and forms report."""

    def __init__(self, message: str, code: str = "document_type") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _refusal(message: str, code: str = "document_type") -> ValidationError:
    return ValidationError({"file": [ValidationError(message, code=code)]})


def too_large_message(size: int, limit: int) -> str:
    shown, most = size_and_limit(size, limit)
    return _("Fil: filen er for stor: %(size)s; højst %(limit)s. Gem den mindre, fx som PDF.") % {
        "size": shown,
        "limit": most,
    }


def check_upload(upload: UploadedFile) -> Kind:
    """The kind of an uploaded document, or ``ValidationError`` on field ``file`` saying what to do."""
    limit = settings.DOCUMENT_MAX_BYTES
    size = upload.size or 0
    if size == 0:
        raise _refusal(_("Fil: filen er tom. Vælg dokumentet igen."))
    if size > limit:
        raise _refusal(too_large_message(size, limit), code="document_size")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guessed = filetype.guess(head)
    mime = guessed.mime if guessed else ""
    name = upload.name or ""
    try:
        if head.startswith(b"%PDF-"):
            _check_pdf(upload, name)
            return PDF
        if mime in {"application/zip", DOCX.mime, ODT.mime}:
            kind = _check_package(upload, name)
            if kind is not None:
                return kind
    except Refused as refused:
        raise _refusal(refused.message, refused.code) from refused
    finally:
        upload.seek(0)
    raise _refusal(
        _(
            "Fil: %(name)s er ikke et PDF-, DOCX- eller ODT-dokument (indholdet er kontrolleret, ikke navnet). "
            "Gem dokumentet i et af de formater og upload det igen."
        )
        % {"name": name}
    )


# --- PDF ------------------------------------------------------------------------------------------


def _check_pdf(upload: IO[bytes], name: str) -> None:
    not_pdf = Refused(
        _(
            "Fil: %(name)s begynder som en PDF, men kan ikke åbnes som en (den er beskadiget eller ikke en "
            "PDF). Gem dokumentet som PDF igen og upload det."
        )
        % {"name": name}
    )
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # a damaged file's warnings are our refusal, not log noise
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise Refused(
                _("Fil: %(name)s er beskyttet med en adgangskode. Gem den uden adgangskode og upload igen.")
                % {"name": name}
            )
        pages = reader.pages
        if len(pages) < 1:
            raise not_pdf
        for page in pages:
            page.mediabox  # noqa: B018 - every page must be a readable page object
    except Refused:
        raise
    except Exception as exc:  # pypdf raises many kinds (PdfReadError, KeyError, ValueError, ...)
        raise not_pdf from exc
    finally:
        pypdf_log.setLevel(level)


# --- DOCX and ODT ---------------------------------------------------------------------------------


def _check_package(upload: IO[bytes], name: str) -> Kind | None:
    not_document = Refused(
        _(
            "Fil: %(name)s er et ZIP-arkiv, men ikke et gyldigt DOCX- eller ODT-dokument. Gem dokumentet "
            "igen fra tekstbehandlingen og upload det."
        )
        % {"name": name}
    )
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                kind = DOCX
            elif "mimetype" in names and "content.xml" in names:
                kind = ODT
            else:
                return None  # some other archive: not one of our kinds
            if len(infos) > MAX_MEMBERS:
                raise not_document
            declared = sum(info.file_size for info in infos)
            if declared > MAX_INFLATED:
                raise _too_much_inside(name, declared)
            contents = _read_members(archive, infos, name)
    except Refused:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        NotImplementedError,
        EOFError,
    ) as exc:
        raise not_document from exc
    if kind is DOCX:
        _check_docx(contents, name, not_document)
    else:
        _check_odt(contents, name, not_document)
    return kind


def _too_much_inside(name: str, inflated: int) -> Refused:
    shown, most = size_and_limit(inflated, MAX_INFLATED)
    return Refused(
        _(
            "Fil: %(name)s er for stor, når den pakkes ud: %(size)s; højst %(limit)s. Gem dokumentet "
            "uden store indlejrede filer, fx som PDF."
        )
        % {"name": name, "size": shown, "limit": most},
        code="document_size",
    )


def _read_members(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str) -> dict[str, bytes]:
    """Every member read in full (CRC checked), counting what is really inflated, not what the header
    claims. Keeps the XML parts to check and the first bytes of the others."""
    kept: dict[str, bytes] = {}
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        _check_member_name(info.filename, name)
        allowed = info.compress_size * MAX_RATIO + 1024 * 1024
        inflated = 0
        parts: list[bytes] = []
        keep_all = info.filename.endswith((".xml", ".rels")) or info.filename == "mimetype"
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                inflated += len(chunk)
                total += len(chunk)
                if total > MAX_INFLATED or inflated > allowed:
                    raise _too_much_inside(name, max(total, info.file_size))
                if keep_all or not parts:
                    parts.append(chunk)
        data = b"".join(parts)
        if data.startswith(EXECUTABLE_MAGIC):
            raise _executable(name, info.filename)
        if data.startswith(OLE_MAGIC):
            raise _macro(name, info.filename)
        kept[info.filename] = data if keep_all else data[:16]
    return kept


def _check_member_name(member: str, name: str) -> None:
    if MACRO_NAMES.search(member):
        raise _macro(name, member)
    if EXECUTABLE_NAMES.search(member) or "oleObject" in member:
        raise _executable(name, member)


def _macro(name: str, member: str) -> Refused:
    return Refused(
        _(
            "Fil: %(name)s indeholder makroer eller indlejrede objekter (%(member)s). Gem dokumentet uden "
            "makroer (fx som .docx, ikke .docm) eller som PDF, og upload det igen."
        )
        % {"name": name, "member": member[:80]},
        code="document_macro",
    )


def _executable(name: str, member: str) -> Refused:
    return Refused(
        _(
            "Fil: %(name)s indeholder en indlejret programfil eller et objekt (%(member)s), som ikke er "
            "tilladt. Fjern det, eller gem dokumentet som PDF, og upload det igen."
        )
        % {"name": name, "member": member[:80]},
        code="document_executable",
    )


def _xml(data: bytes, not_document: Refused) -> Element:
    """A package part parsed as XML. Parts of OOXML and ODF never declare a DTD, so one (and with it
    any entity expansion) is refused before parsing."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise not_document
    try:
        return fromstring(data)  # noqa: S314 - no DTD, so no entities to expand (checked above)
    except (ParseError, ValueError) as exc:
        raise not_document from exc


def _check_docx(contents: dict[str, bytes], name: str, not_document: Refused) -> None:
    types = _xml(contents["[Content_Types].xml"], not_document)
    for element in types.iter():
        content_type = element.get("ContentType", "")
        if MACRO_CONTENT_TYPES.search(content_type):
            raise _macro(name, content_type)
    _xml(contents["word/document.xml"], not_document)


def _check_odt(contents: dict[str, bytes], name: str, not_document: Refused) -> None:
    if contents.get("mimetype", b"").strip() != ODT.mime.encode():
        raise not_document
    _xml(contents["content.xml"], not_document)
    manifest = contents.get("META-INF/manifest.xml")
    if manifest is not None:
        for element in _xml(manifest, not_document).iter():
            media_type = next((v for k, v in element.attrib.items() if k.endswith("media-type")), "")
            if "basic" in media_type.lower() or "script" in media_type.lower():
                raise _macro(name, media_type)


def safe_name(name: str, kind: Kind) -> str:
    """The uploaded name made harmless for display and download, with the extension of its real kind."""
    stem = re.sub(r"[^\w\-. ]+", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" .") or "dokument"
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return f"{stem[:120]}.{kind.extension}"
