"""Upload test files built in memory: minimal valid documents of each accepted format, and bad ones.

Each builder returns bytes; `upload(name, data)` wraps them as Django receives an upload.
The documents are the smallest that still carry the parts the validator looks for.
"""

import io
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

MEGABYTE = 1024 * 1024


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


# --- PDF ------------------------------------------------------------------------------------


def pdf(text: str = "Budget prévisionnel", padding: int = 0) -> bytes:
    """A one-page PDF; `padding` adds a comment of that many bytes (to test sizes)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text.encode('ascii', 'replace').decode()}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    if padding:
        out.write(b"%" + b"x" * padding + b"\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


# --- ZIP-based documents ----------------------------------------------------------------------


def _zip(parts: dict[str, bytes | str], *, stored_first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            # ODF wants `mimetype` first and uncompressed.
            archive.writestr(zipfile.ZipInfo(stored_first), parts[stored_first], compress_type=zipfile.ZIP_STORED)
        for name, content in parts.items():
            if name != stored_first:
                archive.writestr(name, content)
    return out.getvalue()


_OOXML = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}
_OOXML_MACRO_TYPES = {
    "docx": "application/vnd.ms-word.document.macroEnabled.main+xml",
    "xlsx": "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "pptx": "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
}


def ooxml(kind: str, *, macro_enabled: bool = False, extra_parts: dict[str, bytes] | None = None) -> bytes:
    """docx/xlsx/pptx with [Content_Types].xml, the package relationships and the main part."""
    main_part, main_type = _OOXML[kind]
    if macro_enabled:
        main_type = _OOXML_MACRO_TYPES[kind]
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/>'
        "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'officeDocument" Target="{main_part}"/></Relationships>'
    )
    parts = {"[Content_Types].xml": content_types, "_rels/.rels": rels, main_part: "<root>Projet</root>"}
    parts.update(extra_parts or {})
    return _zip(parts)


def docx() -> bytes:
    return ooxml("docx")


def xlsx() -> bytes:
    return ooxml("xlsx")


def pptx() -> bytes:
    return ooxml("pptx")


def docm() -> bytes:
    return ooxml("docx", macro_enabled=True, extra_parts={"word/vbaProject.bin": b"\x00" * 64})


def xlsm() -> bytes:
    return ooxml("xlsx", macro_enabled=True, extra_parts={"xl/vbaProject.bin": b"\x00" * 64})


def xlsx_with_vba_project() -> bytes:
    """Declared as a plain workbook, but smuggling a VBA project."""
    return ooxml("xlsx", extra_parts={"xl/vbaProject.bin": b"\x00" * 64})


_ODF_MIMETYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}


def odf(kind: str, *, extra_parts: dict[str, bytes] | None = None) -> bytes:
    mimetype = _ODF_MIMETYPES[kind]
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    parts = {
        "mimetype": mimetype,
        "content.xml": '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>',
        "META-INF/manifest.xml": manifest,
    }
    parts.update(extra_parts or {})
    return _zip(parts, stored_first="mimetype")


def odt() -> bytes:
    return odf("odt")


def ods() -> bytes:
    return odf("ods")


def odp() -> bytes:
    return odf("odp")


def odt_with_basic_macro() -> bytes:
    return odf("odt", extra_parts={"Basic/Standard/Module1.xml": b"<script:module/>"})


def zip_bomb_declared(size: int = 200 * MEGABYTE) -> bytes:
    """A docx whose one entry inflates to `size` bytes of zeros (about 200 kB compressed).

    Written in 1 MB chunks through zipfile's streaming writer, so memory stays low.
    """
    out = io.BytesIO()
    base = zipfile.ZipFile(io.BytesIO(docx()))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in base.infolist():
            archive.writestr(info.filename, base.read(info))
        with archive.open("word/media/zeros.bin", "w", force_zip64=True) as stream:
            block = bytes(MEGABYTE)
            for _ in range(size // MEGABYTE):
                stream.write(block)
    return out.getvalue()


def zip_bomb_ratio() -> bytes:
    """Small in total (5 MB inflated) but one entry compresses more than 1000:1."""
    return ooxml("docx", extra_parts={"word/media/zeros.bin": bytes(5 * MEGABYTE)})


def zip_many_entries(count: int = 2001) -> bytes:
    return ooxml("docx", extra_parts={f"word/media/{index}.xml": b"" for index in range(count)})


def zip_lying_sizes() -> bytes:
    """A docx whose 5 MB entry declares 1 kB in the central directory (what readers trust)."""
    data = bytearray(ooxml("docx", extra_parts={"word/media/zeros.bin": bytes(5 * MEGABYTE)}))
    name = b"word/media/zeros.bin"
    entry = data.find(b"PK\x01\x02")
    while entry != -1:
        name_length = struct.unpack_from("<H", data, entry + 28)[0]
        if data[entry + 46 : entry + 46 + name_length] == name:
            struct.pack_into("<I", data, entry + 24, 1024)
        entry = data.find(b"PK\x01\x02", entry + 4)
    return bytes(data)


def plain_zip() -> bytes:
    return _zip({"readme.txt": "bonjour"})


# --- OLE2 compound files (doc, xls, ppt) ----------------------------------------------------------

_FREE, _END, _FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def ole2(stream_names: list[str], payload: bytes = b"") -> bytes:
    """A compound file with 512-byte sectors: header, one FAT sector, then the directory.

    Streams are empty (their data is not what the validator reads); `payload` is appended
    as a trailing sector, e.g. text that merely mentions a macro name.
    """
    entries = [("Root Entry", 5)] + [(name, 2) for name in stream_names]
    directory = b""
    for name, object_type in entries:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry = encoded.ljust(64, b"\x00")
        entry += struct.pack("<HBB", len(encoded), object_type, 1)
        entry += struct.pack("<III", _FREE, _FREE, _FREE)  # left, right, child (no tree needed here)
        entry += bytes(16 + 4 + 16)  # CLSID, state bits, times
        entry += struct.pack("<IQ", _END, 0)  # start sector, size
        directory += entry
    directory = directory.ljust(-(-len(directory) // 512) * 512, b"\x00")
    directory_sectors = len(directory) // 512
    fat = [_FAT_SECTOR] + [index + 1 for index in range(1, directory_sectors)] + [_END]
    payload_sectors = -(-len(payload) // 512)
    fat += [_END] * payload_sectors
    fat_sector = struct.pack(f"<{len(fat)}I", *fat).ljust(512, b"\xff")

    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<IIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END) + struct.pack("<I", 0)
    header += struct.pack("<I", 0) + struct.pack("<108I", *([_FREE] * 108))
    assert len(header) == 512
    return header + fat_sector + directory + payload.ljust(payload_sectors * 512, b"\x00")


def doc() -> bytes:
    return ole2(["WordDocument", "1Table", "\x05SummaryInformation"])


def xls() -> bytes:
    return ole2(["Workbook", "\x05SummaryInformation"])


def ppt() -> bytes:
    return ole2(["PowerPoint Document", "Current User"])


def doc_with_vba_project() -> bytes:
    return ole2(["WordDocument", "1Table", "Macros", "VBA", "_VBA_PROJECT", "dir"])


def xls_with_vba_project() -> bytes:
    return ole2(["Workbook", "_VBA_PROJECT_CUR", "VBA"])


def doc_mentioning_macros() -> bytes:
    """Text that talks about macros (UTF-16, as Word stores it) is not a macro."""
    return ole2(["WordDocument", "1Table"], payload="Macros VBA _VBA_PROJECT".encode("utf-16-le"))


def password_protected_docx() -> bytes:
    """Office wraps an encrypted docx/xlsx/pptx in an OLE2 file."""
    return ole2(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"])


def encrypted_zip_docx() -> bytes:
    """A docx whose entries carry the ZIP "encrypted" flag."""
    data = bytearray(docx())
    for signature, flags_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        index = data.find(signature)
        while index != -1:
            flags = struct.unpack_from("<H", data, index + flags_offset)[0]
            struct.pack_into("<H", data, index + flags_offset, flags | 0x1)
            index = data.find(signature, index + 4)
    return bytes(data)


def msi_like() -> bytes:
    """An OLE2 file that no Office program wrote (as installers are)."""
    return ole2(["\u4840\u3f3f\u4577", "SummaryInformation"])


# --- Executables and junk -------------------------------------------------------------------------


def windows_executable() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00" + bytes(56) + b"This program cannot be run in DOS mode." + bytes(200)


def elf_executable() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + bytes(200)


def text_file() -> bytes:
    return b"Ceci n'est pas un document.\n"
