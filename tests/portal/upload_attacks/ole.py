"""Office 97-2003 attacks: VBA in PowerPoint records, Excel 4 macro sheets, objects, DDE, links, encryption.

Each builder returns the bytes of one crafted file; `ATTACKS` lists them with the error code and
French words of their refusal.
"""

import struct
import zlib

from tests.portal import upload_corpus as corpus
from tests.portal.compound_file import compound_file


def _powerpoint_storage(inner: bytes) -> bytes:
    """An ExOleObjStg record (type 0x1011, instance 1: compressed) holding a compound file."""
    compressed = struct.pack("<I", len(inner)) + zlib.compress(inner)
    return struct.pack("<HHI", 0x0010, 0x1011, len(compressed)) + compressed


def ppt_with_vba_in_records() -> bytes:
    """PowerPoint 97-2003 keeps its VBA project compressed inside the document stream."""
    return corpus.ppt(document=_powerpoint_storage(compound_file(corpus.vba_project())))


def ppt_with_embedded_object() -> bytes:
    package = compound_file({"\x01Ole10Native": b"\x00\x00\x00\x00" + corpus.windows_executable()})
    return corpus.ppt(document=_powerpoint_storage(package))


def xls_with_excel4_macro_sheet() -> bytes:
    """A BoundSheet8 record whose sheet type is 1: an Excel 4 (XLM) macro sheet."""
    name = b"Macro1"
    return corpus.xls(corpus.biff_record(0x85, struct.pack("<IBBBB", 0, 0, 1, len(name), 0) + name))


def _supporting_link(tab_count: int, path: str) -> bytes:
    """A SupBook record: sheet count, path length, then the path (8-bit characters)."""
    return corpus.biff_record(0x01AE, struct.pack("<HHB", tab_count, len(path), 0) + path.encode("latin-1"))


def xls_with_dde_link() -> bytes:
    """A SupBook of the DDE kind (no sheets): Excel asks cmd for its data."""
    return corpus.xls(_supporting_link(0, "cmd"))


def xls_with_remote_workbook_link() -> bytes:
    """A link to a workbook on a shared folder (\\x01@ starts a UNC path in a VirtualPath)."""
    return corpus.xls(_supporting_link(1, "\x01@attacker.example\x03partage\x03budget.xls"))


def doc_with_ddeauto_field() -> bytes:
    return corpus.doc(text=b'\x13 DDEAUTO c:\\\\Windows\\\\System32\\\\cmd.exe "/k calc.exe" \x14\x15')


def doc_with_packaged_program() -> bytes:
    """An embedded "Package" object in Word's ObjectPool, wrapping a program."""
    native = b"\x00\x00\x00\x00" + corpus.windows_executable()
    return corpus.doc(extra={"ObjectPool/_1234567890/\x01Ole10Native": native, "ObjectPool/_1234567890/\x01Ole": b""})


def xls_with_embedded_object() -> bytes:
    """An embedded object in one of Excel's MBD storages."""
    return corpus.xls(extra={"MBD0001A2B3/\x01CompObj": b"\x01\x00\xfe\xff", "MBD0001A2B3/CONTENTS": b"x"})


def doc_encrypted_legacy() -> bytes:
    """Word 97-2003 encryption: the FIB's fEncrypted flag."""
    return compound_file({"WordDocument": corpus.word_stream(encrypted=True), "1Table": b""})


# (file name, builder, code, words of the French reason)


# (file name, builder, code, words of the French reason)
ATTACKS = [
    ("macros.ppt", ppt_with_vba_in_records, "macro", "contient des macros"),
    ("objet.ppt", ppt_with_embedded_object, "embedded_object", "objet OLE"),
    ("xlm.xls", xls_with_excel4_macro_sheet, "macro", "contient des macros"),
    ("dde.xls", xls_with_dde_link, "dde", "champ ou une formule DDE"),
    ("lien.xls", xls_with_remote_workbook_link, "external_link", "autre serveur"),
    ("champ.doc", doc_with_ddeauto_field, "dde", "champ ou une formule DDE"),
    ("paquet.doc", doc_with_packaged_program, "embedded_object", "objet OLE"),
    ("objet.xls", xls_with_embedded_object, "embedded_object", "objet OLE"),
    ("chiffre.doc", doc_encrypted_legacy, "encrypted", "protégé par un mot de passe"),
]
