"""OLE2 compound files (doc, xls, ppt): which program wrote them, and no macros, objects, DDE or encryption.

Read with olefile and oletools, the maintained parsers for these formats: VBA projects
wherever Word, Excel or PowerPoint keep them (PowerPoint hides them in compressed records),
Excel 4 macro sheets, embedded OLE objects, DDE and links to remote workbooks, and each
program's own encryption.
"""

import io
import logging
import re

import olefile
from oletools import crypto, xls_parser
from oletools.ppt_parser import PptParser

from portal.errors import DomainError
from portal.uploads import links
from portal.uploads.content import Inspected
from portal.uploads.refusals import (
    dde_error,
    embedded_object_error,
    encrypted_error,
    external_link_error,
    macro_error,
    unrecognised,
)

logger = logging.getLogger(__name__)

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
# OLE2 streams that say which Office program wrote the file.
OLE2_MAIN_STREAMS = {"worddocument": "doc", "workbook": "xls", "book": "xls", "powerpoint document": "ppt"}
# OLE2 storages/streams holding VBA code (Word: Macros, Excel: _VBA_PROJECT_CUR).
OLE2_MACRO_NAMES = frozenset({"macros", "_vba_project_cur", "_vba_project", "vba"})
# Storages of embedded objects: Word keeps them under ObjectPool, Excel in MBD<8 hex digits>;
# \x01Ole10Native is the "Package" object that wraps any file (a script, a program).
EXCEL_OBJECT_STORAGE = re.compile(r"^mbd[0-9a-f]{8}$")
PACKAGE_STREAM = "\x01ole10native"
# msodde's test for a Word field, as one regex: the field-begin mark, blanks, then DDE or
# DDEAUTO, in 8-bit or UTF-16 text (msodde reads byte by byte, about a second per megabyte).
DOC_DDE_FIELD = re.compile(rb"\x13[\x00\s]*d\x00?d\x00?e", re.IGNORECASE)
# BIFF8 records of the workbook globals: BoundSheet8's sheet type, and its end.
BOUNDSHEET, EOF_RECORD = 0x85, 0x0A
# Sheet types: an Excel 4 macro sheet, a VBA module sheet (Excel 5).
MACRO_SHEET_TYPES = frozenset({0x01, 0x06})
# VirtualPath of an external workbook: \x01@ starts a UNC path, \x05 a URL (MS-XLS 2.5.277).
REMOTE_VIRTUAL_PATH = ("\x01@", "\x05")


def check_ole(file) -> Inspected:
    """The kind and recorded page count of a clean doc/xls/ppt, or DomainError saying what it carries.

    The parsers raise many kinds of errors on a damaged file (OSError, struct.error,
    IndexError…): any of them refuses the file rather than let it through unread.
    """
    file.seek(0)
    data = file.read()
    file.seek(0)
    try:
        return _inspect(data)
    except DomainError:
        raise
    except Exception as error:
        logger.info("OLE2 file unreadable, refused as damaged: %r", error)
        raise unrecognised() from None


def _inspect(data: bytes) -> Inspected:
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        paths = [[part.lower() for part in path] for path in ole.listdir(streams=True, storages=True)]
        names = {part for path in paths for part in path}
        if names & OLE2_MACRO_NAMES:
            raise macro_error()
        if "encryptedpackage" in names:  # a password-protected docx/xlsx/pptx is wrapped in OLE2
            raise encrypted_error()
        kinds = {kind for stream, kind in OLE2_MAIN_STREAMS.items() if [stream] in paths}
        if len(kinds) != 1:
            raise unrecognised()
        kind = kinds.pop()
        if crypto.is_encrypted(ole):
            raise encrypted_error()
        if has_macros(data) or (kind == "xls" and _has_macro_sheet(data)):
            raise macro_error()
        if _has_embedded_objects(ole, paths, kind):
            raise embedded_object_error()
        if kind == "doc" and DOC_DDE_FIELD.search(ole.openstream("WordDocument").read()):
            raise dde_error()
        if kind == "xls":
            _check_workbook_links(data)
        return Inspected(kind, _pages(ole, kind))


def has_macros(data: bytes) -> bool:
    """Whether oletools finds a VBA project in this OLE2 file (storages, PowerPoint records, stray code)."""
    # Imported here: olevba builds its pyparsing grammars on import (over a second), a cost
    # every process would otherwise pay at start-up for a module only uploads need.
    from oletools.olevba import VBA_Parser

    try:
        parser = VBA_Parser("upload", data=data)
    except Exception:  # not a file oletools can open: nothing of VBA it could run either
        return False
    try:
        return bool(parser.detect_vba_macros())
    finally:
        parser.close()


def _globals_records(data: bytes):
    """The records of Excel's workbook globals (sheets, links), before the first sheet begins."""
    with xls_parser.XlsFile(io.BytesIO(data)) as workbook:
        for stream in workbook.iter_streams():
            if stream.name is None or stream.name.lower() != "workbook":
                continue
            for record in stream.iter_records(fill_data=True):
                if record.type == EOF_RECORD:
                    break
                yield record
            return


def _has_macro_sheet(data: bytes) -> bool:
    """An Excel 4 macro sheet or an Excel 5 module sheet, declared in BoundSheet8 (byte 5: its type)."""
    return any(
        record.type == BOUNDSHEET and len(record.data) > 5 and record.data[5] in MACRO_SHEET_TYPES
        for record in _globals_records(data)
    )


def _check_workbook_links(data: bytes) -> None:
    """DDE or OLE data sources refused; other workbooks only when they sit on another machine."""
    for record in _globals_records(data):
        if not isinstance(record, xls_parser.XlsRecordSupBook):
            continue
        if record.support_link_type == record.LINK_TYPE_OLE_DDE:
            raise dde_error()
        if record.support_link_type == record.LINK_TYPE_EXTERNAL and (
            record.virt_path.startswith(REMOTE_VIRTUAL_PATH) or links.is_remote(record.virt_path)
        ):
            raise external_link_error()


def _has_embedded_objects(ole: olefile.OleFileIO, paths: list[list[str]], kind: str) -> bool:
    if any(PACKAGE_STREAM in path for path in paths):
        return True
    if kind == "doc":
        return any(len(path) > 1 and path[0] == "objectpool" for path in paths)
    if kind == "xls":
        return any(EXCEL_OBJECT_STORAGE.match(path[0]) for path in paths)
    # PowerPoint keeps each object (and its VBA, found before) in an ExOleObjStg record.
    return any(True for _storage in PptParser(ole, fast_fail=False).search_vba_storage())


def _pages(ole: olefile.OleFileIO, kind: str) -> int | None:
    """What the program recorded in the summary information: Word's pages, PowerPoint's slides."""
    try:
        metadata = ole.get_metadata()
    except Exception:
        return None
    count = {"doc": metadata.num_pages, "ppt": metadata.slides}.get(kind)
    return count if isinstance(count, int) and count > 0 else None
