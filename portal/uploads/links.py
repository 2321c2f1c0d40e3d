"""Link targets written in a document: which ones make the reader's computer reach another machine."""

import re
from urllib.parse import unquote

SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def is_remote(target: str) -> bool:
    """True for a network address or a shared folder, False for a path on the author's own disk.

    A path on the author's disk (a template in their profile, a workbook next to the file)
    resolves only on their machine; a network target makes the reader's computer connect,
    and hand its Windows credentials to a shared folder (`\\\\server\\share`, `file://server/`).
    """
    text = unquote(target.strip()).replace("\\", "/")
    if text.startswith("//"):
        return True
    match = SCHEME.match(text)
    if match is None:
        return False
    scheme = match[1].lower()
    if len(scheme) == 1:  # a drive letter, C:/Users/…
        return False
    if scheme != "file":
        return True
    rest = text[len("file:") :]
    if not rest.startswith("//"):
        return False
    authority = rest[2:]
    if authority.startswith("/"):  # file:///C:/… is local, file:////server/share is not
        return authority.startswith("//")
    return authority.split("/", 1)[0].lower() not in ("", "localhost")
