"""ZIP containers: caps on entries and inflated size, no encryption, every entry's CRC checked.

Every entry is inflated once here (the CRCs catch sizes that lie), before the OOXML or
OpenDocument check reads the parts it needs.
"""

import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import gettext as _

from portal.errors import DomainError
from portal.uploads.limits import MEGABYTE
from portal.uploads.refusals import encrypted_error, unrecognised

SIGNATURE = b"PK\x03\x04"
ZIP_MAX_UNCOMPRESSED = 100 * MEGABYTE
ZIP_MAX_RATIO = 100
ZIP_MAX_ENTRIES = 2000
# Small parts of a legitimate document (an empty sheet, a style list) can compress very well;
# the ratio only matters once an entry is big enough to hurt.
ZIP_RATIO_FLOOR = MEGABYTE
# Only small XML parts are read whole; anything past this is not a real [Content_Types].xml.
ZIP_MAX_METADATA = MEGABYTE


@contextmanager
def checked_zip(file) -> Iterator[tuple[zipfile.ZipFile, set[str]]]:
    """The archive and its entry names, once it is known not to be a bomb nor encrypted.

    A ZIP defect met later, while the caller reads parts, is a damaged file too.
    """
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            _check_zip_bomb(entries)
            if any(entry.flag_bits & 0x1 for entry in entries):
                raise encrypted_error()
            _check_zip_contents(archive, entries)
            yield archive, {entry.filename for entry in entries}
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
        raise unrecognised() from None


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


def read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as stream:
        return stream.read(ZIP_MAX_METADATA)
