"""The one PDF helper: a Django template rendered to HTML, then laid out by WeasyPrint.

Templates extend "portal/pdf/base.html" (A4, République française header, page numbers).
Rendering takes a second or so: call it from a Celery task, not in a request.
"""

from pathlib import Path

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from weasyprint.urls import URLFetcher


def static_base_dir() -> Path:
    """Where relative URLs in PDF templates (stylesheets, logos) are looked up.

    STATIC_ROOT once `collectstatic` has run (production), the source static dir otherwise.
    """
    static_root = Path(settings.STATIC_ROOT)
    if static_root.is_dir():
        return static_root
    return Path(settings.STATICFILES_DIRS[0])


class StaticOnlyFetcher(URLFetcher):
    """Fetch only data: URIs and files under the static dir.

    Rendered documents carry user text: whatever slips into a URL must not make the worker
    read arbitrary files or call internal hosts. A refused URL is skipped, not fatal.
    """

    def __init__(self, root: Path):
        super().__init__(allowed_protocols={"file", "data"})
        self._root = root.resolve()

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            path = Path(weasyprint.urls.unquote(url.split("?", 1)[0].removeprefix("file://"))).resolve()
            if not path.is_relative_to(self._root):
                raise ValueError(f"Outside the static dir: {url}")
        return super().fetch(url, headers)


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render `template_name` with `context` and return the PDF bytes."""
    html = render_to_string(template_name, context)
    root = static_base_dir()
    document = weasyprint.HTML(string=html, base_url=f"{root.as_uri()}/", url_fetcher=StaticOnlyFetcher(root))
    # PDF/UA-1: a tagged PDF (headings, tables, reading order, language, title) that a screen
    # reader can read, as RGAA 13.3 asks of every document the portal hands out.
    return document.write_pdf(pdf_variant="pdf/ua-1")
