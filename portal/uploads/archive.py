"""ZIP containers: caps on entries and inflated size, no encryption, no ambiguous entries.

Each entry is inflated once, by the format check that reads it (the CRCs catch sizes that
lie); every byte inflated counts against one budget, shared with the archives nested inside
(a chart's workbook in a presentation), so that nesting cannot multiply the cap.
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
CHUNK = 64 * 1024
# What zipfile and zlib raise on a damaged archive, whether opening it or inflating an entry.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    NotImplementedError,
    EOFError,
    OSError,
    ValueError,
    RuntimeError,
    IndexError,
)


def zip_bomb_error() -> DomainError:
    return DomainError(
        _(
            "Le fichier est une archive anormalement compressée (trop d'éléments ou trop volumineuse "
            "une fois décompressée) : il est refusé."
        ),
        "zip_bomb",
    )


class Budget:
    """Bytes that may still be inflated from this archive and those nested in it."""

    def __init__(self, limit: int = ZIP_MAX_UNCOMPRESSED):
        self.remaining = limit

    def spend(self, size: int) -> None:
        self.remaining -= size
        if self.remaining < 0:
            raise zip_bomb_error()


class EntryStream:
    """One entry being inflated, readable once; `peek` looks at the start without consuming it."""

    def __init__(self, raw, budget: Budget):
        self._raw = raw
        self._budget = budget
        self._pending = b""

    def _inflate(self, size: int) -> bytes:
        data = self._raw.read(size)
        self._budget.spend(len(data))
        return data

    def peek(self, size: int) -> bytes:
        while len(self._pending) < size:
            data = self._inflate(size - len(self._pending))
            if not data:
                break
            self._pending += data
        return self._pending[:size]

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            parts = [self._pending]
            while data := self._inflate(CHUNK):
                parts.append(data)
            self._pending = b""
            return b"".join(parts)
        if self._pending:
            data, self._pending = self._pending[:size], self._pending[size:]
            return data
        return self._inflate(size)

    def drain(self) -> None:
        self._pending = b""
        while self._inflate(CHUNK):
            pass


class Package:
    """An archive whose entries passed the declared-size checks, to be read entry by entry."""

    def __init__(self, archive: zipfile.ZipFile, budget: Budget):
        self._archive = archive
        self.budget = budget
        self.entries = [entry for entry in archive.infolist() if not entry.is_dir()]
        self.names = {entry.filename for entry in self.entries}

    def read_each(self) -> Iterator[tuple[zipfile.ZipInfo, EntryStream]]:
        """Every file entry, in archive order; what the reader leaves unread is inflated after it."""
        for entry in self.entries:
            with self._archive.open(entry) as raw:
                stream = EntryStream(raw, self.budget)
                yield entry, stream
                stream.drain()


@contextmanager
def open_package(file, *, budget: Budget | None = None) -> Iterator[Package]:
    """The archive once it is known to be neither a bomb, nor encrypted, nor ambiguous.

    A ZIP defect met later, while the caller reads the entries, is a damaged file too.
    """
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            _check_declared_sizes(entries)
            if any(entry.flag_bits & 0x1 for entry in entries):
                raise encrypted_error()
            _check_unambiguous(entries)
            yield Package(archive, budget or Budget())
    except ZIP_ERRORS:
        raise unrecognised() from None


def _check_declared_sizes(entries: list[zipfile.ZipInfo]) -> None:
    """Refuse on the declared sizes first: cheap, and enough for honest archives."""
    if len(entries) > ZIP_MAX_ENTRIES:
        raise zip_bomb_error()
    if sum(entry.file_size for entry in entries) > ZIP_MAX_UNCOMPRESSED:
        raise zip_bomb_error()
    for entry in entries:
        if entry.file_size > ZIP_RATIO_FLOOR and entry.file_size > ZIP_MAX_RATIO * max(entry.compress_size, 1):
            raise zip_bomb_error()


def _check_unambiguous(entries: list[zipfile.ZipInfo]) -> None:
    """One reading of the archive for every program.

    Two entries under one name (Office compares part names without case) leave each reader
    free to pick either; bytes before the first entry the directory lists are a second file
    glued in front, which a reader that scans from the start would open instead.
    """
    names = [entry.filename.replace("\\", "/").lower() for entry in entries]
    if not entries or len(set(names)) != len(names):
        raise unrecognised()
    if min(entry.header_offset for entry in entries) != 0:
        raise unrecognised()
