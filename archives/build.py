"""The whole-dossier PDF and the ZIP archives, written for a control body.

An archive is written entry by entry into a temporary file on disk (never whole in memory), each
stored file copied from the storage API in chunks while its SHA-256 is computed, then handed to the
storage API; its manifest (manifest.csv and manifest.json, at the root) lists every other entry with
its path, kind, dossier, size and digest.
"""

import csv
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable

from django.core.files import File

from applications.models import Dossier
from archives.selectors import dossier_files, dossier_record, file_slug
from portal.pdf import render_pdf

CHUNK = 1024 * 1024  # bytes copied at a time from the storage into the archive
MANIFEST_FIELDS = ("path", "kind", "dossier", "size", "sha256")
PDF_TEMPLATE = "archives/pdf/dossier.html"


def dossier_pdf(dossier: Dossier, record: dict | None = None) -> bytes:
    """The whole dossier as a tagged PDF (PDF/UA-1 through portal.pdf.render_pdf)."""
    return render_pdf(PDF_TEMPLATE, record or dossier_record(dossier))


def dossier_pdf_name(dossier: Dossier) -> str:
    return f"dossier-complet-{file_slug(dossier.reference)}.pdf"


class ArchiveWriter:
    """Entries added one by one to a ZIP on a temporary file; `manifest` lists them as they are written."""

    def __init__(self, target):
        self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)
        self.manifest: list[dict] = []

    def _entry(self, path: str, kind: str, dossier: Dossier | None, size: int, digest: str) -> None:
        reference = dossier.reference if dossier is not None else ""
        self.manifest.append({"path": path, "kind": kind, "dossier": reference, "size": size, "sha256": digest})

    def add_bytes(self, path: str, content: bytes, *, kind: str, dossier: Dossier) -> None:
        self.zip.writestr(path, content)
        self._entry(path, kind, dossier, len(content), hashlib.sha256(content).hexdigest())

    def add_stored(self, path: str, field_file, *, kind: str, dossier: Dossier) -> None:
        digest, size = hashlib.sha256(), 0
        with field_file.open("rb") as source, self.zip.open(path, "w") as target:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                target.write(chunk)
        self._entry(path, kind, dossier, size, digest.hexdigest())

    def add_dossier(self, dossier: Dossier) -> None:
        record = dossier_record(dossier)
        folder = file_slug(dossier.reference)
        self.add_bytes(
            f"{folder}/{dossier_pdf_name(dossier)}", dossier_pdf(dossier, record), kind="dossier_pdf", dossier=dossier
        )
        for stored in dossier_files(dossier, record):
            self.add_stored(stored.path, stored.file, kind=stored.kind, dossier=dossier)

    def close(self) -> None:
        """Write the manifests (which list every entry but themselves) and finish the ZIP."""
        table = io.StringIO()
        writer = csv.DictWriter(table, fieldnames=MANIFEST_FIELDS)
        writer.writeheader()
        writer.writerows(self.manifest)
        self.zip.writestr("manifest.csv", table.getvalue())
        self.zip.writestr("manifest.json", json.dumps(self.manifest, ensure_ascii=False, indent=2))
        self.zip.close()


def archive_write(dossiers: Iterable[Dossier], store: Callable[[File], object], progress: Callable[[int], None]):
    """Write the archive of `dossiers` to a temporary file, call `progress(done)` after each dossier, then
    `store(file)` (the file read from its start) before the temporary file is removed. Returns the manifest."""
    with tempfile.TemporaryFile() as target:
        writer = ArchiveWriter(target)
        for done, dossier in enumerate(dossiers, start=1):
            writer.add_dossier(dossier)
            progress(done)
        writer.close()
        target.seek(0)
        store(File(target, name="archive.zip"))
    return writer.manifest
