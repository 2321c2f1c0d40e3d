"""File names: the user's name cleaned for display and downloads, a random one for storage.

The name the user gave never reaches the file system; it is kept, made harmless, to be shown.
"""

import re
import unicodedata
import uuid
from urllib.parse import quote

WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')
MAX_NAME_LENGTH = 200


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
