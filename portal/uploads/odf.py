"""OpenDocument (odt, ods, odp): which kind the `mimetype` says, and no macros, scripts, objects or DDE.

One pass reads every part; XML parts (content, styles, manifest, metadata, and those of the
sub-documents a chart or a formula lives in) go through a parser.
"""

from dataclasses import dataclass

from portal.uploads import archive, dde, links, ole
from portal.uploads.content import Inspected
from portal.uploads.refusals import (
    active_content_error,
    dde_error,
    embedded_object_error,
    encrypted_error,
    external_link_error,
    macro_error,
    unrecognised,
)
from portal.uploads.xmlparts import PartReader, looks_like_xml
from portal.uploads.xmlparts import name as xml_name

ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
# Library indexes that office suites may write even when the document holds no code.
ODF_SCRIPT_INDEXES = frozenset({"script-lc.xml", "script-lb.xml", "dialog-lc.xml", "dialog-lb.xml"})


def _name(prefix: str, local: str) -> str:
    return xml_name(f"urn:oasis:names:tc:opendocument:xmlns:{prefix}:1.0", local)


HREF = xml_name("http://www.w3.org/1999/xlink", "href")
ACTUATE = xml_name("http://www.w3.org/1999/xlink", "actuate")
FORMULAS = (_name("table", "formula"), _name("text", "formula"))
PRESENTATION_ACTION = _name("presentation", "action")
# A script attached to an event or a link: in the document (Basic) or in the office suite itself.
SCRIPT_URL_PREFIXES = ("vnd.sun.star.script:", "macro:")
SCRIPT_ELEMENTS = frozenset({_name("script", "event-listener"), _name("text", "execute-macro")})
MACRO_ELEMENTS = frozenset({_name("office", "script")})
OBJECT_ELEMENTS = frozenset({_name("drawing", "object-ole"), _name("drawing", "applet"), _name("drawing", "plugin")})
DDE_ELEMENTS = frozenset(
    {
        _name("office", "dde-source"),
        _name("text", "dde-connection-decl"),
        _name("text", "dde-connection"),
        _name("table", "dde-link"),
    }
)
# Elements whose content is loaded from their xlink:href as the document opens.
LOADED_ELEMENTS = frozenset(
    {
        _name("drawing", "object"),
        _name("drawing", "image"),
        _name("drawing", "floating-frame"),
        _name("drawing", "fill-image"),
        _name("style", "background-image"),
        _name("text", "section-source"),
        _name("table", "table-source"),
    }
)
PRESENTATION_LISTENER = _name("presentation", "event-listener")
# Presentation actions that start a program or an object's verb.
PROGRAM_ACTIONS = frozenset({"execute", "verb"})
MANIFEST_ENTRY, ENCRYPTION = _name("manifest", "file-entry"), _name("manifest", "encryption-data")
FULL_PATH, MEDIA_TYPE = _name("manifest", "full-path"), _name("manifest", "media-type")
STATISTICS, PAGE_COUNT = _name("meta", "document-statistic"), _name("meta", "page-count")
SLIDE = _name("drawing", "page")
OLE_OBJECT_MEDIA_TYPE = "application/vnd.sun.star.oleobject"


@dataclass
class Findings:
    kind: str | None = None
    pages: int | None = None  # as the word processor recorded it in meta.xml
    slides: int = 0


def check_odf(package: archive.Package) -> Inspected:
    """The kind and page count of a clean odt/ods/odp, or DomainError saying what it carries."""
    if "content.xml" not in package.names:
        raise unrecognised()
    if any(_is_odf_script(name) for name in package.names):
        raise macro_error()
    findings = Findings()
    for entry, stream in package.read_each():
        head = stream.peek(64)
        if entry.filename == "mimetype":
            findings.kind = ODF_MIMETYPES.get(stream.read().strip())
        elif head.startswith((ole.SIGNATURE, archive.SIGNATURE)):
            raise embedded_object_error()
        elif looks_like_xml(head):
            _PartReader(entry.filename, findings).read(stream)
    if findings.kind is None:
        raise unrecognised()
    # Text documents record their page count when saved; a presentation's is its list of slides.
    pages = {"odt": findings.pages, "odp": findings.slides or None}.get(findings.kind)
    return Inspected(findings.kind, pages)


def _is_odf_script(name: str) -> bool:
    """Basic modules live under Basic/<library>/, other languages (Python, BeanShell…) under Scripts/."""
    if not name.startswith(("Basic/", "Scripts/")) or name.endswith("/"):
        return False
    return name.startswith("Scripts/") or name.rsplit("/", 1)[-1] not in ODF_SCRIPT_INDEXES


class _PartReader(PartReader):
    """Every element matters here (a script address may sit in any link): checked by name and by attribute."""

    def __init__(self, name: str, findings: Findings):
        super().__init__()
        self.name = name
        self.findings = findings
        self.elements = {}
        self.every_element = self._element

    def _element(self, element: str, attributes: dict[str, str]) -> None:
        href = attributes.get(HREF, "")
        if element in MACRO_ELEMENTS:
            raise macro_error()
        if element in SCRIPT_ELEMENTS or href.strip().lower().startswith(SCRIPT_URL_PREFIXES):
            raise active_content_error()
        if element == PRESENTATION_LISTENER and attributes.get(PRESENTATION_ACTION) in PROGRAM_ACTIONS:
            raise active_content_error()
        if element in OBJECT_ELEMENTS:
            raise embedded_object_error()
        if element in DDE_ELEMENTS or any(
            dde.is_dde_odf_formula(attributes[key]) for key in FORMULAS if key in attributes
        ):
            raise dde_error()
        if (element in LOADED_ELEMENTS or attributes.get(ACTUATE) == "onLoad") and links.is_remote(href):
            raise external_link_error()
        if element == ENCRYPTION:
            raise encrypted_error()
        if element == MANIFEST_ENTRY:
            if _is_odf_script(attributes.get(FULL_PATH, "")):
                raise macro_error()
            if attributes.get(MEDIA_TYPE, "").strip().lower() == OLE_OBJECT_MEDIA_TYPE:
                raise embedded_object_error()
        elif element == STATISTICS and self.name == "meta.xml":
            count = attributes.get(PAGE_COUNT, "")
            self.findings.pages = int(count) if count.isdigit() and int(count) > 0 else None
        elif element == SLIDE and self.name == "content.xml":
            self.findings.slides += 1
