"""PDFs read back as a person reads them: poppler's pdftotext, one string per page."""

import subprocess

from tests.portal.page_text import ENGLISH_NUMBER

__all__ = ["ENGLISH_NUMBER", "pdf_pages"]


def pdf_pages(path_or_bytes, *, layout: bool = True) -> list[str]:
    """The text of each page (pdftotext separates pages by a form feed)."""
    command = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else open(path_or_bytes, "rb").read()
    text = subprocess.run(command, input=data, capture_output=True, check=True).stdout.decode()
    return [page for page in text.split("\f") if page.strip()]
