"""Checks on every file a user uploads: format by content, macros, archive bombs, sizes, names.

The file's name is never trusted: the type comes from the bytes (magic numbers, then the
parts inside ZIP and OLE2 containers), and the extension must agree with it. The file is
stored under a random name (`storage_name`); the user's name is kept, cleaned, for display.
"""

import hashlib
import logging
import re
import shlex
import socket
import struct
import subprocess
import unicodedata
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from django.conf import settings
from django.utils.translation import gettext as _

from portal.errors import DomainError

logger = logging.getLogger(__name__)

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

# "Mo" as users' file managers mostly count it (Windows): a file shown as 10 Mo must pass a 10 Mo limit.
MEGABYTE = 1024 * 1024

ZIP_MAX_UNCOMPRESSED = 100 * MEGABYTE
ZIP_MAX_RATIO = 100
ZIP_MAX_ENTRIES = 2000
# Small parts of a legitimate document (an empty sheet, a style list) can compress very well;
# the ratio only matters once an entry is big enough to hurt.
ZIP_RATIO_FLOOR = MEGABYTE
# Only small XML parts are read whole; anything past this is not a real [Content_Types].xml.
ZIP_MAX_METADATA = MEGABYTE

OLE2_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_SIGNATURE = b"PK\x03\x04"
PDF_SIGNATURE = b"%PDF-"
EXECUTABLE_SIGNATURES = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # scripts
)

ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
# Main-part content types in [Content_Types].xml; the macro-enabled ones are caught before.
OOXML_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
OOXML_PART_PREFIXES = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
# OLE2 streams that say which Office program wrote the file.
OLE2_MAIN_STREAMS = {"worddocument": "doc", "workbook": "xls", "book": "xls", "powerpoint document": "ppt"}
# OLE2 storages/streams holding VBA code (Word: Macros, Excel: _VBA_PROJECT_CUR).
OLE2_MACRO_NAMES = frozenset({"macros", "_vba_project_cur", "_vba_project", "vba"})

WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')
MAX_NAME_LENGTH = 200
# Longer names are refused rather than cut: a cut name could hide the real extension. Django
# itself cuts uploaded names to 255 characters, so the limit stays below that.
MAX_UPLOAD_NAME_LENGTH = 250
# PDF features that run or open something when the file is read: refused in dossiers.
PDF_ACTIVE_CONTENT = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/OpenAction", b"/AA")


@dataclass(frozen=True)
class ValidatedUpload:
    safe_name: str
    extension: str
    content_type: str
    size: int
    sha256: str


def bytes_from_megabytes(value: Decimal | int | float | None) -> int | None:
    """`RequiredDocument.max_size_mb` → bytes (None stays None: no limit)."""
    if value is None:
        return None
    return int(Decimal(str(value)) * MEGABYTE)


def format_megabytes(size: int) -> str:
    """12582912 → "12 Mo", 2621440 → "2,5 Mo" (French decimal comma, one decimal at most)."""
    value = (Decimal(size) / MEGABYTE).quantize(Decimal("0.1"))
    text = str(int(value)) if value == value.to_integral_value() else f"{value:f}".replace(".", ",")
    return _("%(size)s Mo") % {"size": text}


def safe_display_name(name: str) -> str:
    """The user's file name made harmless to show and to offer back in a download.

    Keeps the last path component (POSIX or Windows), drops control and invisible format
    characters (NUL, bidi overrides that fake an extension), Windows-reserved characters and
    leading dots. Returns "" when nothing usable is left.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(" " if char.isspace() else char for char in name)
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    name = WINDOWS_RESERVED.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def storage_name(extension: str) -> str:
    """A random file name: what the user called the file never reaches the file system."""
    extension = extension.lower().lstrip(".")
    if not re.fullmatch(r"[a-z0-9]{1,10}", extension):
        raise ValueError(f"Unexpected extension: {extension!r}")
    return f"{uuid.uuid4().hex}.{extension}"


def content_disposition(filename: str) -> str:
    """`Content-Disposition` for a download: an ASCII fallback plus the exact UTF-8 name (RFC 6266)."""
    name = safe_display_name(filename) or "fichier"
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    ascii_name = (_ascii(stem) or "fichier") + (f".{_ascii(extension)}" if _ascii(extension) else "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _ascii(text: str) -> str:
    """Accents dropped, other non-ASCII characters gone; quotes and backslashes can't end the header value."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return text.replace("\\", "_").replace('"', "_").strip()


def validate_upload(
    *,
    uploaded_file,
    allowed_formats: list[str],
    max_bytes: int | None,
    already_used_bytes: int = 0,
    max_total_bytes: int | None = None,
) -> ValidatedUpload:
    """Check an uploaded file (a Django `File`) and describe it, or raise `DomainError`.

    `allowed_formats` are extensions; an empty list means every supported format, and
    formats outside `SUPPORTED_FORMATS` are ignored (nothing could vouch for them).
    Error codes: name, format, executable, macro, encrypted, zip_bomb, empty, size, total_size,
    infected, antivirus_unavailable (the last two only when an antivirus is configured).
    The whole file is read (to hash it, and to decompress ZIP-based documents up to
    `ZIP_MAX_UNCOMPRESSED`); the caller's file position is left at 0.
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
    _check_size(declared_size, max_bytes, already_used_bytes, max_total_bytes)

    digest = hashlib.sha256()
    size = 0
    uploaded_file.seek(0)
    head = b""
    for chunk in uploaded_file.chunks():
        if len(head) < 8:
            head += chunk[: 8 - len(head)]
        digest.update(chunk)
        size += len(chunk)
    if size != declared_size:
        _check_size(size, max_bytes, already_used_bytes, max_total_bytes)

    detected = _detect_format(uploaded_file, head)
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
    _antivirus_scan(uploaded_file, safe_name)
    return ValidatedUpload(
        safe_name=safe_name,
        extension=extension,
        content_type=CONTENT_TYPES[extension],
        size=size,
        sha256=digest.hexdigest(),
    )


# --- Optional antivirus scan (settings ANTIVIRUS_COMMAND or ANTIVIRUS_CLAMD_SOCKET) ---------------

CLAMD_CHUNK = 64 * 1024
# clamd says "stream: …"; a command such as clamscan may name the file instead.
SCAN_REPLY = re.compile(r"^.*?: (?:(?P<ok>OK)|(?P<threat>.+) FOUND)$")


class AntivirusUnavailable(Exception):
    """The scanner could not give a verdict: the file is refused all the same."""


def _antivirus_scan(file, safe_name: str) -> None:
    """Refuse the file if the configured scanner finds a threat or cannot answer (fail closed)."""
    command, socket_path = settings.ANTIVIRUS_COMMAND, settings.ANTIVIRUS_CLAMD_SOCKET
    if not command and not socket_path:
        return
    try:
        if command:
            threat = _scan_with_command(file, command, settings.ANTIVIRUS_TIMEOUT)
        else:
            threat = _scan_with_clamd(file, socket_path, settings.ANTIVIRUS_TIMEOUT)
    except (OSError, subprocess.SubprocessError, AntivirusUnavailable) as error:
        logger.error("Antivirus unavailable, upload %r refused: %s", safe_name, error)
        raise DomainError(
            _(
                "Le fichier n'a pas pu être analysé par l'antivirus, indisponible pour le moment : "
                "réessayez dans quelques minutes."
            ),
            "antivirus_unavailable",
        ) from None
    finally:
        file.seek(0)
    if threat is not None:
        logger.warning("Antivirus refused upload %r: %s", safe_name, threat)
        raise DomainError(_("Le fichier a été refusé par l'antivirus (%(threat)s).") % {"threat": threat}, "infected")


def _threat_name(reply: str) -> str | None:
    """Reply "stream: OK" → None, "stream: Eicar-Signature FOUND" → "Eicar-Signature"; anything else is an error."""
    match = SCAN_REPLY.match(reply.strip())
    if match is None:
        raise AntivirusUnavailable(f"unexpected reply {reply.strip()[:200]!r}")
    return None if match["ok"] else match["threat"]


def _scan_with_command(file, command: str, timeout: float) -> str | None:
    """Run the scanner with the file on stdin: exit 0 clean, 1 infected, anything else an error."""
    file.seek(0)
    # The command is the operator's ANTIVIRUS_COMMAND setting, never user input; no shell.
    result = subprocess.run(  # noqa: S603
        shlex.split(command), input=b"".join(file.chunks()), capture_output=True, timeout=timeout, check=False
    )
    output = result.stdout.decode("utf-8", "replace").strip()
    if result.returncode == 0:
        return None
    if result.returncode == 1:
        found = [match["threat"] for match in map(SCAN_REPLY.match, output.splitlines()) if match and match["threat"]]
        return found[0] if found else _("menace détectée")
    raise AntivirusUnavailable(
        f"exit {result.returncode}: {(output or result.stderr.decode('utf-8', 'replace')).strip()[:200]}"
    )


def _scan_with_clamd(file, socket_path: str, timeout: float) -> str | None:
    """clamd's INSTREAM: length-prefixed chunks, a zero-length end, then one NUL-terminated reply."""
    file.seek(0)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        connection.connect(socket_path)
        connection.sendall(b"zINSTREAM\0")
        for chunk in file.chunks(CLAMD_CHUNK):
            connection.sendall(struct.pack(">I", len(chunk)) + chunk)
        connection.sendall(struct.pack(">I", 0))
        reply = b""
        while not reply.endswith(b"\0"):
            received = connection.recv(4096)
            if not received:
                break
            reply += received
    return _threat_name(reply.rstrip(b"\0").decode("utf-8", "replace"))


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


def _check_size(size: int, max_bytes: int | None, already_used: int, max_total: int | None) -> None:
    if size <= 0:
        raise DomainError(_("Le fichier est vide."), "empty")
    if max_bytes is not None and size > max_bytes:
        raise DomainError(
            _("Le fichier pèse %(size)s, au-delà de la taille maximale de %(limit)s pour cette pièce.")
            % {"size": format_megabytes(size), "limit": format_megabytes(max_bytes)},
            "size",
        )
    if max_total is not None and already_used + size > max_total:
        raise DomainError(
            _(
                "Ce fichier (%(size)s) ferait dépasser la taille totale autorisée pour le dossier "
                "(%(limit)s ; %(used)s déjà utilisés). Réduisez sa taille ou retirez une autre pièce."
            )
            % {
                "size": format_megabytes(size),
                "limit": format_megabytes(max_total),
                "used": format_megabytes(already_used),
            },
            "total_size",
        )


def _unrecognised() -> DomainError:
    return DomainError(
        _(
            "Le contenu du fichier ne correspond à aucun format accepté (PDF, OpenDocument, Microsoft Office) "
            "ou le fichier est endommagé."
        ),
        "format",
    )


def _macro_error() -> DomainError:
    return DomainError(
        _(
            "Le fichier contient des macros, refusées pour des raisons de sécurité : "
            "enregistrez-le sans macros puis déposez-le à nouveau."
        ),
        "macro",
    )


def _encrypted_error() -> DomainError:
    # Nobody could read it after the deadline, and its content escapes every check here.
    return DomainError(_("Le fichier est protégé par un mot de passe : déposez-le sans protection."), "encrypted")


def _detect_format(file, head: bytes) -> str:
    """The format the bytes really are, or DomainError (executable, macro, bomb, unknown)."""
    if head.startswith(EXECUTABLE_SIGNATURES):
        raise DomainError(_("Le fichier est un programme exécutable : ce type de fichier est refusé."), "executable")
    if head.startswith(PDF_SIGNATURE):
        _check_pdf_active_content(file)
        return "pdf"
    if head.startswith(OLE2_SIGNATURE):
        return _detect_ole2(file)
    if head.startswith(ZIP_SIGNATURE):
        return _detect_zip(file)
    raise _unrecognised()


def _check_pdf_active_content(file) -> None:
    """Refuse a PDF that carries scripts, launch actions or embedded files.

    Names are searched in the raw bytes, chunk by chunk with an overlap; a name hidden in a
    compressed object stream escapes this check, which the optional antivirus scan completes.
    """
    file.seek(0)
    tail = b""
    for chunk in file.chunks():
        window = tail + chunk
        for marker in PDF_ACTIVE_CONTENT:
            index = window.find(marker)
            # "/JS" must not match inside another name such as "/JSON".
            while index != -1:
                following = window[index + len(marker) : index + len(marker) + 1]
                if not following.isalnum():
                    raise DomainError(
                        _(
                            "Le PDF contient du contenu actif (script, action automatique ou fichier joint) : "
                            "enregistrez-le à nouveau en PDF simple, sans script ni pièce jointe."
                        ),
                        "pdf_active_content",
                    )
                index = window.find(marker, index + 1)
        tail = window[-32:]
    file.seek(0)


# --- ZIP containers: OOXML (docx, xlsx, pptx) and OpenDocument (odt, ods, odp) ---------------


def _detect_zip(file) -> str:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            _check_zip_bomb(entries)
            if any(entry.flag_bits & 0x1 for entry in entries):
                raise _encrypted_error()
            _check_zip_contents(archive, entries)
            names = {entry.filename for entry in entries}
            if "mimetype" in names:
                return _detect_odf(archive, names)
            if "[Content_Types].xml" in names:
                return _detect_ooxml(archive, names)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        struct.error,
        NotImplementedError,
        EOFError,
        OSError,
        ValueError,
        RuntimeError,
    ):
        raise _unrecognised() from None
    raise _unrecognised()


def _zip_bomb_error() -> DomainError:
    return DomainError(
        _(
            "Le fichier est une archive anormalement compressée (trop d'éléments ou trop volumineuse "
            "une fois décompressée) : il est refusé."
        ),
        "zip_bomb",
    )


def _check_zip_bomb(entries: list[zipfile.ZipInfo]) -> None:
    """Refuse on the declared sizes first: cheap, and enough for honest archives."""
    if len(entries) > ZIP_MAX_ENTRIES:
        raise _zip_bomb_error()
    if sum(entry.file_size for entry in entries) > ZIP_MAX_UNCOMPRESSED:
        raise _zip_bomb_error()
    for entry in entries:
        if entry.file_size > ZIP_RATIO_FLOOR and entry.file_size > ZIP_MAX_RATIO * max(entry.compress_size, 1):
            raise _zip_bomb_error()


def _check_zip_contents(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    """Decompress everything: the CRCs catch an entry whose real size differs from the declared one.

    zipfile stops at the declared size, so the count is a second guard, not the main one.
    """
    total = 0
    for entry in entries:
        if entry.is_dir():
            continue
        with archive.open(entry) as stream:
            while chunk := stream.read(64 * 1024):
                total += len(chunk)
                if total > ZIP_MAX_UNCOMPRESSED:
                    raise _zip_bomb_error()


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as stream:
        return stream.read(ZIP_MAX_METADATA)


def _detect_odf(archive: zipfile.ZipFile, names: set[str]) -> str:
    kind = ODF_MIMETYPES.get(_read_small(archive, "mimetype").strip())
    if kind is None or "content.xml" not in names:
        raise _unrecognised()
    if any(_is_odf_script(name) for name in names):
        raise _macro_error()
    return kind


# Library indexes that office suites may write even when the document holds no code.
ODF_SCRIPT_INDEXES = frozenset({"script-lc.xml", "script-lb.xml", "dialog-lc.xml", "dialog-lb.xml"})


def _is_odf_script(name: str) -> bool:
    """Basic modules live under Basic/<library>/, other languages (Python, BeanShell…) under Scripts/."""
    if not name.startswith(("Basic/", "Scripts/")) or name.endswith("/"):
        return False
    return name.startswith("Scripts/") or name.rsplit("/", 1)[-1] not in ODF_SCRIPT_INDEXES


def _detect_ooxml(archive: zipfile.ZipFile, names: set[str]) -> str:
    content_types = _read_small(archive, "[Content_Types].xml").decode("utf-8", "replace")
    lowered = content_types.lower()
    if (
        "macroenabled" in lowered
        or "vbaproject" in lowered
        or any(name.rsplit("/", 1)[-1].lower() == "vbaproject.bin" for name in names)
        or any(name.lower().startswith("xl/macrosheets/") for name in names)
    ):
        raise _macro_error()
    kinds = {kind for content_type, kind in OOXML_MAIN_TYPES.items() if content_type in content_types}
    if not kinds:
        kinds = {kind for prefix, kind in OOXML_PART_PREFIXES.items() if any(n.startswith(prefix) for n in names)}
    if len(kinds) != 1:
        raise _unrecognised()
    return kinds.pop()


# --- OLE2 compound files: doc, xls, ppt ---------------------------------------------------


def _detect_ole2(file) -> str:
    names = {name.lower() for name in _ole2_directory_names(file)}
    if names & OLE2_MACRO_NAMES:
        raise _macro_error()
    if "encryptedpackage" in names:  # a password-protected docx/xlsx/pptx is wrapped in OLE2
        raise _encrypted_error()
    kinds = {kind for stream, kind in OLE2_MAIN_STREAMS.items() if stream in names}
    if len(kinds) != 1:
        raise _unrecognised()
    return kinds.pop()


_OLE2_FREE = 0xFFFFFFFF
_OLE2_END_OF_CHAIN = 0xFFFFFFFE
_OLE2_MAX_SECTOR = 0xFFFFFFFA


def _ole2_directory_names(file) -> list[str]:
    """Names of all storages and streams, read from the directory chain of the compound file.

    A real parse (header → FAT → directory sectors) rather than a byte search, so that a
    document whose text mentions "Macros" is not mistaken for one that contains them.
    """
    file.seek(0, 2)
    file_size = file.tell()

    def read_at(offset: int, length: int) -> bytes:
        file.seek(offset)
        data = file.read(length)
        if len(data) != length:
            raise _unrecognised()
        return data

    header = read_at(0, 512)
    sector_shift = struct.unpack_from("<H", header, 0x1E)[0]
    if sector_shift not in (9, 12):
        raise _unrecognised()
    sector_size = 1 << sector_shift
    max_sectors = file_size // sector_size + 1

    def read_sector(number: int) -> bytes:
        if number > _OLE2_MAX_SECTOR or number >= max_sectors:
            raise _unrecognised()
        return read_at((number + 1) * sector_size, sector_size)

    fat_sector_count, first_directory_sector = struct.unpack_from("<II", header, 0x2C)
    first_difat_sector, difat_sector_count = struct.unpack_from("<II", header, 0x44)
    if fat_sector_count > max_sectors or difat_sector_count > max_sectors:
        raise _unrecognised()
    fat_sectors = [number for number in struct.unpack_from("<109I", header, 0x4C) if number <= _OLE2_MAX_SECTOR]
    difat_sector = first_difat_sector
    for _index in range(difat_sector_count):
        if difat_sector > _OLE2_MAX_SECTOR:
            break
        values = struct.unpack(f"<{sector_size // 4}I", read_sector(difat_sector))
        fat_sectors.extend(number for number in values[:-1] if number <= _OLE2_MAX_SECTOR)
        difat_sector = values[-1]
    fat: list[int] = []
    for number in fat_sectors[:fat_sector_count]:
        fat.extend(struct.unpack(f"<{sector_size // 4}I", read_sector(number)))

    names = []
    sector = first_directory_sector
    seen = set()
    while sector != _OLE2_END_OF_CHAIN:
        if sector in seen or sector >= len(fat):  # a loop or a chain leaving the FAT: corrupt
            raise _unrecognised()
        seen.add(sector)
        data = read_sector(sector)
        for offset in range(0, sector_size, 128):
            name_length, object_type = struct.unpack_from("<HB", data, offset + 0x40)
            if object_type in (1, 2, 5) and 2 <= name_length <= 64:
                names.append(data[offset : offset + name_length - 2].decode("utf-16-le", "replace"))
        sector = fat[sector]
    if not names:
        raise _unrecognised()
    return names
