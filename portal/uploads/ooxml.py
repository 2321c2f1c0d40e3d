"""Office Open XML (docx, xlsx, pptx): which kind it is, and nothing in it that runs, fetches or hides.

One pass reads every part: XML parts through a parser (relationships, content types, field
codes, formulas, slide actions, ribbon callbacks), other parts by their first bytes (an OLE2
file inside is a VBA project, an ActiveX control or an OLE object; a ZIP inside is an
embedded document). Relationships are judged after the pass, since parts come in any order.
"""

import io
import posixpath
from dataclasses import dataclass, field
from urllib.parse import unquote

from portal.uploads import archive, dde, links, ole
from portal.uploads.content import Inspected
from portal.uploads.refusals import (
    active_content_error,
    dde_error,
    embedded_object_error,
    external_link_error,
    macro_error,
    unrecognised,
)
from portal.uploads.xmlparts import PartReader, by_local_name, looks_like_xml
from portal.uploads.xmlparts import name as xml_name

CONTENT_TYPES_PART = "[content_types].xml"
MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
PART_PREFIXES = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
# Each vocabulary in its transitional and strict namespaces (ISO 29500 allows both).
WORD_NAMESPACES = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",
)
# Excel 2010's own namespace too: conditional formats write their formulas there.
SHEET_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
    "http://schemas.microsoft.com/office/excel/2006/main",
)
PRESENTATION_NAMESPACES = (
    "http://schemas.openxmlformats.org/presentationml/2006/main",
    "http://purl.oclc.org/ooxml/presentationml/main",
)
DRAWING_NAMESPACES = (
    "http://schemas.openxmlformats.org/drawingml/2006/main",
    "http://purl.oclc.org/ooxml/drawingml/main",
)
WORD_2012_DRAWING_NAMESPACE = "http://schemas.microsoft.com/office/word/2012/wordprocessingDrawing"
RELATIONSHIPS_NAMESPACE = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES_NAMESPACE = "http://schemas.openxmlformats.org/package/2006/content-types"
EXTENDED_PROPERTIES_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
    "http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
)
CUSTOM_UI_NAMESPACES = (
    "http://schemas.microsoft.com/office/2006/01/customui",
    "http://schemas.microsoft.com/office/2009/07/customui",
)
# What only a macro-enabled file declares: its VBA project and data, Excel 4 macro sheets.
MACRO_CONTENT_TYPES = ("macroenabled", "vbaproject", "vbadata", "macrosheet")
OBJECT_CONTENT_TYPES = ("activex", "oleobject")
MACRO_RELATIONSHIPS = frozenset({"vbaproject", "wordvbadata", "xlmacrosheet", "xlintlmacrosheet"})
# ActiveX controls, OLE objects (embedded or linked), and foreign documents (RTF, HTML) that
# Word converts as the file opens, beyond these checks.
OBJECT_RELATIONSHIPS = frozenset({"oleobject", "control", "activexcontrolbinary", "afchunk"})
# A chart keeps its data in an embedded workbook: the one embedded document accepted, once checked.
CHART_CONTENT_TYPES = ("drawingml.chart+xml", "chartex+xml")
# Slide actions that start a program, a macro or an object's verb (on click or on mouse-over).
PROGRAM_ACTIONS = ("ppaction://program", "ppaction://macro", "ppaction://ole")
# Ribbon attributes that name a macro to call: onLoad, onAction, getLabel, loadImage…
CALLBACK_PREFIXES = ("on", "get", "loadimage")


@dataclass(frozen=True)
class Relationship:
    source: str  # the part the relationship starts from, "" for the package itself
    kind: str  # the last segment of its type, in lower case: "hyperlink", "oleobject"…
    target: str  # as written
    part: str  # the part it points to, in lower case; "" when external
    external: bool


@dataclass
class Findings:
    """What the pass over the parts saw, judged once every part has been read."""

    relationships: list[Relationship] = field(default_factory=list)
    declared_types: list[str] = field(default_factory=list)
    default_types: dict[str, str] = field(default_factory=dict)
    override_types: dict[str, str] = field(default_factory=dict)
    ole_parts: dict[str, bytes] = field(default_factory=dict)
    zip_parts: dict[str, bytes] = field(default_factory=dict)
    properties: dict[str, int] = field(default_factory=dict)
    slides: int = 0

    def content_type(self, part: str) -> str:
        """`part` as `_part_name` gives it."""
        extension = part.rpartition(".")[2] if "." in posixpath.basename(part) else ""
        return self.override_types.get(part) or self.default_types.get(extension, "")


def check_ooxml(package: archive.Package, *, nested: bool = False) -> Inspected:
    """The kind and recorded page count of a clean docx/xlsx/pptx, or DomainError saying what it carries.

    `nested` is a chart's embedded workbook: checked the same way, and holding no document in turn.
    """
    findings = Findings()
    for entry, stream in package.read_each():
        head = stream.peek(64)
        if head.startswith(ole.SIGNATURE):
            findings.ole_parts[entry.filename] = stream.read()
        elif head.startswith(archive.SIGNATURE):
            findings.zip_parts[entry.filename] = stream.read()
        # VML drawings are not always well-formed XML; what they point to goes through relationships.
        elif looks_like_xml(head) and not entry.filename.lower().endswith(".vml"):
            _PartReader(entry.filename, findings).read(stream)
    names = {_part_name(name) for name in package.names}
    _check_macros(findings, names)
    _check_objects(findings, names, nested=nested)
    for relationship in findings.relationships:
        if relationship.external and relationship.kind != "hyperlink" and links.is_remote(relationship.target):
            raise external_link_error()
    for data in findings.zip_parts.values():
        with archive.open_package(io.BytesIO(data), budget=package.budget) as workbook:
            if CONTENT_TYPES_PART not in {name.lower() for name in workbook.names}:
                raise embedded_object_error()
            check_ooxml(workbook, nested=True)
    return _inspected(findings, package.names)


def _check_macros(findings: Findings, names: set[str]) -> None:
    if (
        any(marker in declared for declared in findings.declared_types for marker in MACRO_CONTENT_TYPES)
        or any(posixpath.basename(name) == "vbaproject.bin" or name.startswith("xl/macrosheets/") for name in names)
        or any(relationship.kind in MACRO_RELATIONSHIPS for relationship in findings.relationships)
        or any(ole.has_macros(data) for data in findings.ole_parts.values())
    ):
        raise macro_error()


def _check_objects(findings: Findings, names: set[str], *, nested: bool) -> None:
    """Any OLE2 part, object relationship or object part; a ZIP part only as a chart's workbook."""
    if findings.ole_parts or any(relationship.kind in OBJECT_RELATIONSHIPS for relationship in findings.relationships):
        raise embedded_object_error()
    if any(marker in findings.content_type(name) for name in names for marker in OBJECT_CONTENT_TYPES):
        raise embedded_object_error()
    packages = [r for r in findings.relationships if r.kind == "package" and not r.external]
    chart_workbooks = {
        r.part for r in packages if any(chart in findings.content_type(r.source) for chart in CHART_CONTENT_TYPES)
    }
    if nested and (packages or findings.zip_parts):
        raise embedded_object_error()
    if any(r.part not in chart_workbooks for r in packages):
        raise embedded_object_error()
    if any(_part_name(name) not in chart_workbooks for name in findings.zip_parts):
        raise embedded_object_error()


def _inspected(findings: Findings, names: set[str]) -> Inspected:
    kinds = {MAIN_TYPES[declared] for declared in findings.declared_types if declared in MAIN_TYPES}
    if not kinds:
        kinds = {kind for prefix, kind in PART_PREFIXES.items() if any(name.startswith(prefix) for name in names)}
    if len(kinds) != 1:
        raise unrecognised()
    kind = kinds.pop()
    # Word's page count is the one it recorded when saving; a presentation's is its list of slides.
    pages = {"docx": findings.properties.get("Pages"), "pptx": findings.slides or findings.properties.get("Slides")}
    return Inspected(kind, pages.get(kind) or None)


@dataclass
class _Field:
    code: list[str] = field(default_factory=list)
    collecting: bool = True


def _names(namespaces: tuple[str, ...], *locals_: str) -> list[str]:
    return [xml_name(namespace, local) for namespace in namespaces for local in locals_]


class _PartReader(PartReader):
    """One part's elements: relationships and content types recorded, fields and formulas judged at once."""

    def __init__(self, name: str, findings: Findings):
        super().__init__()
        self.name = name
        self.findings = findings
        self.fields: list[_Field] = []  # open complex fields, outermost first
        reactions = [
            (_names((CONTENT_TYPES_NAMESPACE,), "Default", "Override"), self._content_type),
            (_names(WORD_NAMESPACES, "fldChar"), self._field_char),
            (_names(WORD_NAMESPACES, "instrText"), self._instruction),
            (_names(WORD_NAMESPACES, "fldSimple"), self._simple_field),
            (_names(SHEET_NAMESPACES, "f", "definedName"), self._formula),
            (_names(SHEET_NAMESPACES, "ddeLink"), self._dde_link),
            (_names(SHEET_NAMESPACES, "oleLink"), self._ole_link),
            (_names(PRESENTATION_NAMESPACES, "sldId"), self._slide),
            (_names(EXTENDED_PROPERTIES_NAMESPACES, "Pages"), self._property("Pages")),
            (_names(EXTENDED_PROPERTIES_NAMESPACES, "Slides"), self._property("Slides")),
            (_names(DRAWING_NAMESPACES, "hlinkClick", "hlinkMouseOver", "hlinkHover"), self._hyperlink),
            (_names((WORD_2012_DRAWING_NAMESPACE,), "webVideoPr"), self._online_video),
            (_names(CUSTOM_UI_NAMESPACES, "customUI"), self._ribbon),
        ]
        if name.lower().endswith(".rels"):
            reactions.append(([xml_name(RELATIONSHIPS_NAMESPACE, "Relationship")], self._relationship))
        self.elements = {element: react for elements, react in reactions for element in elements}

    def _relationship(self, attributes):
        self.findings.relationships.append(_parse_relationship(self.name, attributes))

    def _content_type(self, attributes):
        declared = attributes.get("ContentType", "").strip().lower()
        self.findings.declared_types.append(declared)
        if "Extension" in attributes:
            self.findings.default_types[attributes["Extension"].lower()] = declared
        else:
            self.findings.override_types[_part_name(attributes.get("PartName", ""))] = declared

    def _field_char(self, attributes):
        """Complex fields: their code may be split over several runs, or computed by nested fields."""
        kind = by_local_name(attributes).get("fldCharType")
        if kind == "begin":
            self._nested_field()
            self.fields.append(_Field())
        elif kind in ("separate", "end") and self.fields:
            if self.fields[-1].collecting:
                self.fields[-1].collecting = False
                self._judge_field("".join(self.fields[-1].code))
            if kind == "end":
                self.fields.pop()

    def _instruction(self, _attributes):
        if self.fields and self.fields[-1].collecting:
            self.gather(self.fields[-1].code.append)

    def _simple_field(self, attributes):
        self._nested_field()
        self._judge_field(by_local_name(attributes).get("instr", ""))

    def _nested_field(self) -> None:
        if self.fields and self.fields[-1].collecting:
            self.fields[-1].code.append(dde.NESTED_FIELD)

    def _judge_field(self, code: str) -> None:
        if dde.is_dde_field(code):
            raise dde_error()

    def _formula(self, _attributes):
        def judge(formula: str) -> None:
            if dde.is_dde_excel_formula(formula):
                raise dde_error()

        self.gather(judge)

    def _dde_link(self, _attributes):
        raise dde_error()

    def _ole_link(self, _attributes):
        raise embedded_object_error()

    def _slide(self, _attributes):
        self.findings.slides += 1

    def _property(self, property_name: str):
        """Pages or Slides as the writing program recorded them in docProps/app.xml."""

        def record(text: str) -> None:
            if text.strip().isdigit():
                self.findings.properties[property_name] = int(text)

        return lambda _attributes: self.gather(record)

    def _hyperlink(self, attributes):
        if attributes.get("action", "").strip().lower().startswith(PROGRAM_ACTIONS):
            raise active_content_error()

    def _online_video(self, attributes):
        # Word's online video: HTML of the author's choosing, rendered in a browser frame.
        if by_local_name(attributes).get("embeddedHtml"):
            raise active_content_error()

    def _ribbon(self, attributes):
        """A custom ribbon: any element of it may name a macro to call (onLoad, onAction, getLabel…)."""

        def check(_element, element_attributes):
            if any(key.lower().startswith(CALLBACK_PREFIXES) for key in element_attributes):
                raise active_content_error()

        check("customUI", attributes)
        self.listen_to_every_element(check)


def _part_name(raw: str) -> str:
    """A part's name as Office compares them: percent-decoded, without case, from the package root."""
    name = unquote(raw).replace("\\", "/").lstrip("/")
    return posixpath.normpath(name).lower() if name else ""


def _parse_relationship(rels_name: str, attributes: dict[str, str]) -> Relationship:
    """A relationship of `word/_rels/document.xml.rels`, starting from `word/document.xml`."""
    folder, base = posixpath.split(rels_name.replace("\\", "/"))
    owner_folder = posixpath.dirname(folder)
    target = attributes.get("Target", "")
    external = attributes.get("TargetMode", "").strip().lower() == "external" or links.is_remote(target)
    part = ""
    if not external:
        path = unquote(target).replace("\\", "/")
        part = _part_name(path if path.startswith("/") else posixpath.join(owner_folder, path))
    return Relationship(
        source=_part_name(posixpath.join(owner_folder, base[: -len(".rels")])),
        kind=attributes.get("Type", "").rstrip("/").rsplit("/", 1)[-1].lower(),
        target=target,
        part=part,
        external=external,
    )
