"""The one check every uploaded file goes through: name, allowed formats, size, content, antivirus.

The file's name is never trusted: the type comes from the bytes (magic numbers, then the
parts inside ZIP and OLE2 containers), and the extension must agree with it. The file is
stored under a random name (`storage_name`); the user's name is kept, cleaned, for display.
"""

import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext as _

from portal.errors import DomainError
from portal.uploads.antivirus import antivirus_scan
from portal.uploads.limits import check_pages, check_size
from portal.uploads.names import safe_display_name
from portal.uploads.sniffing import HEAD_LENGTH, detect_format

SUPPORTED_FORMATS = ("pdf", "odt", "ods", "odp", "doc", "docx", "xls", "xlsx", "ppt", "pptx")

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

# Office's macro-enabled variants: refused by name before the content is even read.
MACRO_EXTENSIONS = frozenset({"docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppsm", "ppam", "sldm"})

# Longer names are refused rather than cut: a cut name could hide the real extension. Django
# itself cuts uploaded names to 255 characters, so the limit stays below that.
MAX_UPLOAD_NAME_LENGTH = 250


@dataclass(frozen=True)
class ValidatedUpload:
    safe_name: str
    extension: str
    content_type: str
    size: int
    sha256: str


def validate_upload(
    *,
    uploaded_file,
    allowed_formats: list[str],
    max_bytes: int | None,
    already_used_bytes: int = 0,
    max_total_bytes: int | None = None,
    max_pages: int | None = None,
) -> ValidatedUpload:
    """Check an uploaded file (a Django `File`) and describe it, or raise `DomainError`.

    `allowed_formats` are extensions; an empty list means every supported format, and
    formats outside `SUPPORTED_FORMATS` are ignored (nothing could vouch for them).
    `max_pages` is checked where the format tells the page count: exactly for PDF, pptx and
    odp (slides), as recorded by the word processor for docx, odt, doc and ppt; never for
    spreadsheets (see README, « Sécurité »).
    Error codes: name, format, executable, macro, encrypted, zip_bomb, embedded_object,
    external_link, dde, active_content, pdf_active_content, pdf_revisions, pages, empty, size,
    total_size, infected, antivirus_unavailable (the last two only when an antivirus is configured).
    The whole file is read (to hash it, to parse it, and to decompress ZIP-based documents up
    to `ZIP_MAX_UNCOMPRESSED`); the caller's file position is left at 0.
    """
    raw_name = getattr(uploaded_file, "name", "") or ""
    if len(raw_name) > MAX_UPLOAD_NAME_LENGTH:
        raise DomainError(
            _("Le nom du fichier compte %(length)s caractères, au-delà des %(limit)s permis : raccourcissez-le.")
            % {"length": len(raw_name), "limit": MAX_UPLOAD_NAME_LENGTH},
            "name",
        )
    safe_name = safe_display_name(raw_name)
    extension = _extension(safe_name)
    allowed = _normalise_formats(allowed_formats)
    _check_extension(safe_name, extension, allowed)

    declared_size = uploaded_file.size
    check_size(declared_size, max_bytes, already_used_bytes, max_total_bytes)

    digest = hashlib.sha256()
    size = 0
    uploaded_file.seek(0)
    head = b""
    for chunk in uploaded_file.chunks():
        if len(head) < HEAD_LENGTH:
            head += chunk[: HEAD_LENGTH - len(head)]
        digest.update(chunk)
        size += len(chunk)
    if size != declared_size:
        check_size(size, max_bytes, already_used_bytes, max_total_bytes)

    inspected = detect_format(uploaded_file, head)
    detected = inspected.format
    uploaded_file.seek(0)
    if detected != extension:
        raise DomainError(
            _(
                "Le fichier « %(name)s » porte l'extension .%(extension)s mais son contenu est au format "
                "%(detected)s : renommez-le ou enregistrez-le au bon format."
            )
            % {"name": safe_name, "extension": extension, "detected": detected.upper()},
            "format",
        )
    check_pages(inspected.pages, max_pages)
    antivirus_scan(uploaded_file, safe_name)
    return ValidatedUpload(
        safe_name=safe_name,
        extension=extension,
        content_type=CONTENT_TYPES[extension],
        size=size,
        sha256=digest.hexdigest(),
    )


def _extension(safe_name: str) -> str:
    stem, dot, extension = safe_name.rpartition(".")
    if not safe_name or not dot or not stem.strip() or not extension:
        raise DomainError(
            _(
                "Le nom du fichier n'est pas valide : il doit comporter un nom et une extension "
                "(par exemple « budget.pdf »)."
            ),
            "name",
        )
    return extension.lower()


def _normalise_formats(formats: list[str]) -> tuple[str, ...]:
    wanted = {str(value).strip().lower().lstrip(".") for value in formats or []}
    if not wanted:
        return SUPPORTED_FORMATS
    return tuple(value for value in SUPPORTED_FORMATS if value in wanted)


def _formats_label(formats: tuple[str, ...]) -> str:
    return ", ".join(value.upper() for value in formats)


def _check_extension(safe_name: str, extension: str, allowed: tuple[str, ...]) -> None:
    if extension in MACRO_EXTENSIONS:
        raise DomainError(
            _(
                "Le fichier « %(name)s » est un document avec macros (.%(extension)s), refusé pour "
                "des raisons de sécurité : enregistrez-le sans macros (par exemple en .docx, .xlsx ou .pptx)."
            )
            % {"name": safe_name, "extension": extension},
            "macro",
        )
    if extension not in allowed:
        raise DomainError(
            _("Le format .%(extension)s n'est pas accepté pour cette pièce. Formats acceptés : %(formats)s.")
            % {"extension": extension, "formats": _formats_label(allowed)},
            "format",
        )
