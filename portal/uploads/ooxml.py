"""Office Open XML (docx, xlsx, pptx): which kind the content types say, and no VBA project."""

import zipfile

from portal.uploads.archive import read_small
from portal.uploads.refusals import macro_error, unrecognised

# Main-part content types in [Content_Types].xml; the macro-enabled ones are caught before.
OOXML_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
OOXML_PART_PREFIXES = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}


def check_ooxml(archive: zipfile.ZipFile, names: set[str]) -> str:
    content_types = read_small(archive, "[Content_Types].xml").decode("utf-8", "replace")
    lowered = content_types.lower()
    if (
        "macroenabled" in lowered
        or "vbaproject" in lowered
        or any(name.rsplit("/", 1)[-1].lower() == "vbaproject.bin" for name in names)
        or any(name.lower().startswith("xl/macrosheets/") for name in names)
    ):
        raise macro_error()
    kinds = {kind for content_type, kind in OOXML_MAIN_TYPES.items() if content_type in content_types}
    if not kinds:
        kinds = {kind for prefix, kind in OOXML_PART_PREFIXES.items() if any(n.startswith(prefix) for n in names)}
    if len(kinds) != 1:
        raise unrecognised()
    return kinds.pop()
