"""Upload test files built in memory: minimal valid documents of each accepted format, and bad ones.

Each builder returns bytes; `upload(name, data)` wraps them as Django receives an upload.
The documents are the smallest that still carry the parts the validator looks for.
"""

import io
import struct
import zipfile
from xml.sax.saxutils import escape

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.portal.compound_file import (
    DOCUMENT_SUMMARY_INFORMATION,
    PAGE_COUNT,
    SLIDE_COUNT,
    SUMMARY_INFORMATION,
    compound_file,
    property_set,
)

MEGABYTE = 1024 * 1024


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


# --- PDF ------------------------------------------------------------------------------------


def raw_pdf(objects: list[bytes], *, padding: int = 0) -> bytes:
    """A PDF whose object N is `objects[N - 1]` (1 is the catalog), with a classic xref table."""
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


def pdf(
    text: str = "Budget prévisionnel",
    padding: int = 0,
    *,
    pages: int = 1,
    catalog: bytes = b"",
    page: bytes = b"",
    extra: tuple[bytes, ...] = (),
) -> bytes:
    """A PDF of `pages` pages; `padding` adds a comment of that many bytes (to test sizes).

    `catalog` and `page` are added to the catalog's and each page's dictionary; the objects
    in `extra` are numbered from 5 (1 catalog, 2 page tree, 3 font, 4 page content).
    """
    stream = f"BT /F1 12 Tf 72 720 Td ({text.encode('ascii', 'replace').decode()}) Tj ET".encode()
    first_page = 5 + len(extra)
    kids = b" ".join(b"%d 0 R" % (first_page + index) for index in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        *extra,
    ]
    objects += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 3 0 R >> >> " + page + b" >>"
    ] * pages
    return raw_pdf(objects, padding=padding)


def pdf_update(base: bytes, objects: dict[int, bytes]) -> bytes:
    """`base` followed by an incremental update that replaces or adds `objects` (a new revision)."""
    previous = int(base.rsplit(b"startxref", 1)[1].split()[0])
    size = max(int(base.rsplit(b"/Size", 1)[1].split()[0]), max(objects) + 1)
    out = io.BytesIO(base)
    out.seek(0, io.SEEK_END)
    offsets = {}
    for number, body in objects.items():
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n")
    for number, offset in offsets.items():
        out.write(b"%d 1\n%010d 00000 n \n" % (number, offset))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (size, previous, xref))
    return out.getvalue()


def pdf_with_links(*, pages: int = 2, owner_password: str = "") -> bytes:
    """What office suites write: web links, links to a page, bookmarks, opening on a page (all
    in compressed object streams); `owner_password` restricts copying and printing only, as
    many forms do: the file opens without a password."""
    import pikepdf

    document = pikepdf.new()
    for _index in range(pages):
        document.add_blank_page()
    first = document.pages[0]
    web = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://www.numerique.gouv.fr/"))
    jump = pikepdf.Dictionary(S=pikepdf.Name.GoTo, D=pikepdf.Array([document.pages[-1].obj, pikepdf.Name.Fit]))
    first.Annots = document.make_indirect(
        pikepdf.Array(
            [
                pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[72, 700, 300, 720], A=web),
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[72, 650, 300, 670], A=jump
                ),
            ]
        )
    )
    document.Root.OpenAction = pikepdf.Array([first.obj, pikepdf.Name.Fit])
    with document.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem("Budget", 0))
    out = io.BytesIO()
    encryption = pikepdf.Encryption(owner=owner_password, user="") if owner_password else False
    document.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, encryption=encryption)
    return out.getvalue()


def pdf_opening_on_a_page_by_action() -> bytes:
    """/OpenAction as a GoTo action (not a bare destination): still only shows a page."""
    return pdf(catalog=b"/OpenAction << /S /GoTo /D [5 0 R /Fit] >> /PageMode /UseOutlines", page=b"/AA << >>")


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


XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
NAMESPACES = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
)
_MAIN_XML = {
    "docx": f"<w:document {NAMESPACES}><w:body>{{body}}</w:body></w:document>",
    "xlsx": '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{body}</workbook>',
    "pptx": f"<p:presentation {NAMESPACES}>{{body}}</p:presentation>",
}


def relationships(*items: tuple[str, ...]) -> str:
    """A .rels part from (type, target) or (type, target, "External"); a short type is an officeDocument one."""
    rows = []
    for index, (kind, target, *mode) in enumerate(items, start=1):
        kind = kind if "://" in kind else RELATIONSHIP + kind
        target_mode = f' TargetMode="{mode[0]}"' if mode else ""
        rows.append(f'<Relationship Id="rId{index}" Type="{kind}" Target="{escape(target)}"{target_mode}/>')
    return (
        XML_HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{''.join(rows)}</Relationships>"
    )


def rels_of(part: str) -> str:
    """word/document.xml → word/_rels/document.xml.rels"""
    folder, _slash, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def ooxml(
    kind: str,
    *,
    macro_enabled: bool = False,
    body: str = "",
    main: str | None = None,
    links: tuple[tuple[str, ...], ...] = (),
    parts: dict[str, bytes | str] | None = None,
    content_types: str = "",
    content_types_padding: str = "",
    pages: dict[str, int] | None = None,
    package_links: tuple[tuple[str, ...], ...] = (),
    extra_parts: dict[str, bytes | str] | None = None,
) -> bytes:
    """docx/xlsx/pptx: [Content_Types].xml, the package relationships and the main part.

    `body` goes inside the main part (or `main` replaces it whole), `links` are the main
    part's relationships, `parts` more parts (a tuple value: the part and its relationships),
    `content_types` more <Default>/<Override> lines, written after `content_types_padding`.
    `pages` ({"Pages": 3} or {"Slides": 3}) writes docProps/app.xml as Office does.
    """
    main_part, main_type = _OOXML[kind]
    if macro_enabled:
        main_type = _OOXML_MACRO_TYPES[kind]
    types = (
        XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f"{content_types_padding}"
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="png" ContentType="image/png"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/>{content_types}'
        "</Types>"
    )
    package = [("officeDocument", main_part), *package_links]
    files: dict[str, bytes | str] = {"[Content_Types].xml": types}
    if pages:
        package.append(("extended-properties", "docProps/app.xml"))
        values = "".join(f"<{name}>{value}</{name}>" for name, value in pages.items())
        files["docProps/app.xml"] = (
            XML_HEAD + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            f"{values}</Properties>"
        )
    files["_rels/.rels"] = relationships(*package)
    files[main_part] = main if main is not None else XML_HEAD + _MAIN_XML[kind].format(body=body)
    if links:
        files[rels_of(main_part)] = relationships(*links)
    for name, content in (parts or {}).items():
        if isinstance(content, tuple):
            content, part_links = content
            files[rels_of(name)] = relationships(*part_links)
        files[name] = content
    files.update(extra_parts or {})
    return _zip(files)


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


CHART_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"


def docx_with_links_and_fields(pages: int = 2) -> bytes:
    """What Word writes every day: web links, a table of contents (HYPERLINK and PAGEREF fields),
    page numbers, a template from the author's own disk, and the page count in docProps/app.xml."""
    toc = (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-3" \\h \\z \\u </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> HYPERLINK \\l "_Toc1" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>Budget</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> PAGEREF _Toc1 \\h </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )
    body = (
        f"<w:p>{toc}</w:p>"
        '<w:p><w:hyperlink r:id="rId2"><w:r><w:t>Le site du programme</w:t></w:r></w:hyperlink></w:p>'
        '<w:p><w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p>'
    )
    return docx_with_template(
        "file:///C:/Users/agent/Modeles/Modele%20ministere.dotx",
        body=body,
        pages={"Pages": pages},
        links=(("hyperlink", "https://www.numerique.gouv.fr/", "External"),),
    )


def docx_with_template(target: str, *, links: tuple[tuple[str, ...], ...] = (), **options) -> bytes:
    """A docx whose settings attach the template at `target`, as Word records the author's template."""
    return ooxml(
        "docx",
        links=(("settings", "settings.xml"), *links),
        parts={
            "word/settings.xml": (
                f'<w:settings {NAMESPACES}><w:attachedTemplate r:id="rId1"/></w:settings>',
                (("attachedTemplate", target, "External"),),
            )
        },
        **options,
    )


def xlsx_with_formulas() -> bytes:
    """Sums, a string and a sheet name holding "|", a cross-sheet reference and a web link."""
    rows = (
        '<row r="1"><c r="A1"><v>1200</v></c><c r="B1"><f>SUM(A1:A2)</f></c>'
        '<c r="C1" t="str"><f>"Coût | HT "&amp;A1</f></c><c r="D1"><f>\'Budget|2026\'!A1*2</f></c></row>'
    )
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheetData>{rows}</sheetData><hyperlinks><hyperlink ref="A1" r:id="rId1"/></hyperlinks></worksheet>'
    )
    return ooxml(
        "xlsx",
        body='<definedNames><definedName name="Total">Budget!$B$1</definedName></definedNames>',
        links=(("worksheet", "worksheets/sheet1.xml"),),
        parts={"xl/worksheets/sheet1.xml": (sheet, (("hyperlink", "https://www.economie.gouv.fr/", "External"),))},
    )


def _slide(content: str = "") -> str:
    return (
        f'<p:sld {NAMESPACES}><p:cSld><p:spTree><p:sp><p:nvSpPr><p:cNvPr id="2" name="Titre">{content}'
        "</p:cNvPr></p:nvSpPr></p:sp></p:spTree></p:cSld></p:sld>"
    )


def pptx_with_slides(count: int = 3) -> bytes:
    """Slides listed in presentation.xml, the first with a web link and a jump to the next slide."""
    ids = "".join(f'<p:sldId id="{256 + index}" r:id="rId{index + 1}"/>' for index in range(count))
    link = '<a:hlinkClick r:id="rId1"/><a:hlinkMouseOver r:id="" action="ppaction://hlinkshowjump?jump=nextslide"/>'
    parts = {
        f"ppt/slides/slide{index + 1}.xml": (
            _slide(link if index == 0 else ""),
            (("hyperlink", "https://www.modernisation.gouv.fr/", "External"),),
        )
        for index in range(count)
    }
    return ooxml(
        "pptx",
        body=f"<p:sldIdLst>{ids}</p:sldIdLst>",
        links=tuple(("slide", f"slides/slide{index + 1}.xml") for index in range(count)),
        parts=parts,
    )


def pptx_with_chart(workbook: bytes | None = None) -> bytes:
    """A slide with a chart whose data lives in an embedded workbook (a clean xlsx by default)."""
    chart = '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"><c:externalData r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/></c:chartSpace>'
    return ooxml(
        "pptx",
        body='<p:sldIdLst><p:sldId id="256" r:id="rId1"/></p:sldIdLst>',
        links=(("slide", "slides/slide1.xml"),),
        content_types=f'<Override PartName="/ppt/charts/chart1.xml" ContentType="{CHART_TYPE}"/>'
        '<Default Extension="xlsx" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"/>',
        parts={
            "ppt/slides/slide1.xml": (_slide(), (("chart", "../charts/chart1.xml"),)),
            "ppt/charts/chart1.xml": (chart, (("package", "../embeddings/Microsoft_Excel_Worksheet.xlsx"),)),
        },
        extra_parts={
            "ppt/embeddings/Microsoft_Excel_Worksheet.xlsx": workbook if workbook is not None else xlsx_with_formulas()
        },
    )


_ODF_MIMETYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}


ODF_NAMESPACES = (
    " ".join(
        f'xmlns:{prefix}="urn:oasis:names:tc:opendocument:xmlns:{name}:1.0"'
        for prefix, name in (
            ("office", "office"),
            ("text", "text"),
            ("table", "table"),
            ("draw", "drawing"),
            ("style", "style"),
            ("script", "script"),
            ("presentation", "presentation"),
            ("meta", "meta"),
        )
    )
    + ' xmlns:xlink="http://www.w3.org/1999/xlink"'
)


def odf(
    kind: str,
    *,
    body: str = "",
    scripts: str = "",
    manifest_entries: str = "",
    page_count: int | None = None,
    extra_parts: dict[str, bytes | str] | None = None,
) -> bytes:
    """odt/ods/odp: `body` inside office:body, `scripts` in office:scripts, `page_count` in meta.xml."""
    mimetype = _ODF_MIMETYPES[kind]
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        f"{manifest_entries}</manifest:manifest>"
    )
    parts: dict[str, bytes | str] = {
        "mimetype": mimetype,
        "content.xml": (
            f"<office:document-content {ODF_NAMESPACES}><office:scripts>{scripts}</office:scripts>"
            f"<office:body>{body}</office:body></office:document-content>"
        ),
        "META-INF/manifest.xml": manifest,
    }
    if page_count is not None:
        parts["meta.xml"] = (
            f'<office:document-meta {ODF_NAMESPACES}><office:meta><meta:document-statistic meta:page-count="{page_count}"/>'
            "</office:meta></office:document-meta>"
        )
    parts.update(extra_parts or {})
    return _zip(parts, stored_first="mimetype")


def odt_with_links(page_count: int = 2) -> bytes:
    """A text with a web link, a mail link, an embedded chart (a sub-document) and its page count."""
    body = (
        '<office:text><text:p><text:a xlink:type="simple" xlink:href="https://www.numerique.gouv.fr/">Programme</text:a> '
        '<text:a xlink:type="simple" xlink:href="mailto:contact@example.gouv.fr">Contact</text:a></text:p>'
        '<text:p><draw:frame><draw:object xlink:href="./Object 1" xlink:type="simple" xlink:show="embed" '
        'xlink:actuate="onLoad"/></draw:frame></text:p></office:text>'
    )
    chart = f"<office:document-content {ODF_NAMESPACES}><office:body><office:chart/></office:body></office:document-content>"
    return odf(
        "odt",
        body=body,
        page_count=page_count,
        manifest_entries='<manifest:file-entry manifest:full-path="Object 1/" manifest:media-type="application/vnd.oasis.opendocument.chart"/>',
        extra_parts={"Object 1/content.xml": chart},
    )


def ods_with_formulas() -> bytes:
    cells = (
        '<table:table-cell office:value-type="float" office:value="1200"/>'
        '<table:table-cell table:formula="of:=SUM([.A1:.A2])"/>'
        '<table:table-cell table:formula="of:=CONCATENATE(&quot;DDE(&quot;;[.A1])"/>'
    )
    body = f'<office:spreadsheet><table:table table:name="Budget"><table:table-row>{cells}</table:table-row></table:table></office:spreadsheet>'
    return odf("ods", body=body)


def odp_with_pages(count: int = 3) -> bytes:
    """Slides (draw:page), the first with a link to the next one and one to a web page."""
    first = (
        '<draw:page draw:name="p1"><draw:rect><office:event-listeners><presentation:event-listener '
        'script:event-name="dom:click" presentation:action="next-page"/></office:event-listeners></draw:rect>'
        '<draw:frame><draw:text-box><text:p><text:a xlink:href="https://www.numerique.gouv.fr/">Site</text:a>'
        "</text:p></draw:text-box></draw:frame></draw:page>"
    )
    pages = first + "".join(f'<draw:page draw:name="p{index}"/>' for index in range(2, count + 1))
    return odf("odp", body=f"<office:presentation>{pages}</office:presentation>")


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


def word_stream(text: bytes = b"Budget previsionnel", *, encrypted: bool = False) -> bytes:
    """A WordDocument stream: the 32-byte FibBase (fEncrypted is bit 8 of its flags), then the text."""
    flags = 0x0100 if encrypted else 0
    fib_base = struct.pack("<HHHHHHHIBBHHII", 0xA5EC, 0x00C1, 0, 0x040C, 0, flags, 0x00BF, 0, 0, 0, 0, 0, 0, 0)
    return fib_base + text


def biff_record(record_type: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", record_type, len(data)) + data


def workbook_stream(*records: bytes) -> bytes:
    """A BIFF8 Workbook stream: the globals' BOF, the given records, EOF."""
    bof = biff_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x2775, 0x07CD, 0, 0x0206))
    return bof + b"".join(records) + biff_record(0x000A)


def doc(*, pages: int | None = None, extra: dict[str, bytes | None] | None = None, text: bytes = b"") -> bytes:
    streams: dict[str, bytes | None] = {"WordDocument": word_stream(text or b"Budget previsionnel"), "1Table": b""}
    if pages is not None:
        streams["\x05SummaryInformation"] = property_set(SUMMARY_INFORMATION, {PAGE_COUNT: pages})
    return compound_file(streams | (extra or {}))


def xls(*records: bytes, extra: dict[str, bytes | None] | None = None) -> bytes:
    return compound_file({"Workbook": workbook_stream(*records), "\x05SummaryInformation": b""} | (extra or {}))


def ppt(*, document: bytes = b"", slides: int | None = None) -> bytes:
    streams: dict[str, bytes | None] = {"PowerPoint Document": document, "Current User": b""}
    if slides is not None:
        streams["\x05DocumentSummaryInformation"] = property_set(DOCUMENT_SUMMARY_INFORMATION, {SLIDE_COUNT: slides})
    return compound_file(streams)


VBA_PROJECT = {"VBA/dir": b"\x01", "VBA/_VBA_PROJECT": b"\xcc\x61", "PROJECT": b'ID="{00000000}"\r\n'}


def vba_project(root: str = "") -> dict[str, bytes]:
    """The streams MS-OVBA requires of a VBA project (what oletools looks for), under `root`."""
    return {f"{root}{path}": data for path, data in VBA_PROJECT.items()}


def doc_with_vba_project() -> bytes:
    return doc(extra=vba_project("Macros/"))


def xls_with_vba_project() -> bytes:
    return xls(extra=vba_project("_VBA_PROJECT_CUR/"))


def doc_mentioning_macros() -> bytes:
    """Text that talks about macros (UTF-16, as Word stores it) is not a macro."""
    return doc(text="Macros VBA _VBA_PROJECT Attribut".encode("utf-16-le"))


def password_protected_docx() -> bytes:
    """Office wraps an encrypted docx/xlsx/pptx in an OLE2 file."""
    return compound_file({"EncryptionInfo": b"", "EncryptedPackage": b"", "\x06DataSpaces": None})


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
    return compound_file({"\u4840\u3f3f\u4577": b"", "SummaryInformation": b""})


# --- Executables and junk -------------------------------------------------------------------------


def windows_executable() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00" + bytes(56) + b"This program cannot be run in DOS mode." + bytes(200)


def elf_executable() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + bytes(200)


def text_file() -> bytes:
    return b"Ceci n'est pas un document.\n"
