"""OpenDocument (odt, ods, odp): which kind the `mimetype` part says, and no macros."""

import zipfile

from portal.uploads.archive import read_small
from portal.uploads.refusals import macro_error, unrecognised

ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
# Library indexes that office suites may write even when the document holds no code.
ODF_SCRIPT_INDEXES = frozenset({"script-lc.xml", "script-lb.xml", "dialog-lc.xml", "dialog-lb.xml"})


def check_odf(archive: zipfile.ZipFile, names: set[str]) -> str:
    kind = ODF_MIMETYPES.get(read_small(archive, "mimetype").strip())
    if kind is None or "content.xml" not in names:
        raise unrecognised()
    if any(_is_odf_script(name) for name in names):
        raise macro_error()
    return kind


def _is_odf_script(name: str) -> bool:
    """Basic modules live under Basic/<library>/, other languages (Python, BeanShell…) under Scripts/."""
    if not name.startswith(("Basic/", "Scripts/")) or name.endswith("/"):
        return False
    return name.startswith("Scripts/") or name.rsplit("/", 1)[-1] not in ODF_SCRIPT_INDEXES
