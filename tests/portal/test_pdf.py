"""portal.pdf.render_pdf: real WeasyPrint output, read back with poppler's pdftotext."""

import io
import subprocess

import pikepdf
import pytest

from portal.pdf import StaticOnlyFetcher, render_pdf, static_base_dir

RECEIPT = """{% extends "portal/pdf/base.html" %}
{% block title %}Accusé de réception{% endblock %}
{% block service %}Portail des appels à projets{% endblock %}
{% block footer %}Dossier {{ reference }}{% endblock %}
{% block content %}
<h1>Accusé de réception</h1>
<p>Dossier {{ reference }} déposé par {{ applicant }}.</p>
{% for line in lines %}<p>Ligne {{ line }}</p>{% endfor %}
{% endblock %}
"""


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture
def pdf_templates(settings, tmp_path):
    """Test templates in a temporary dir, searched before the project's."""
    (tmp_path / "test_pdf").mkdir()
    (tmp_path / "test_pdf" / "receipt.html").write_text(RECEIPT, encoding="utf-8")
    engine = {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]
    return "test_pdf/receipt.html"


def test_render_pdf_gives_a_pdf_with_header_text_and_footer(pdf_templates):
    data = render_pdf(pdf_templates, {"reference": "ETNA-2026-0042", "applicant": "Éléonore Durand", "lines": []})

    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "République française" in text
    assert "Portail des appels à projets" in text
    assert "Dossier ETNA-2026-0042 déposé par Éléonore Durand." in text
    assert "Page 1 sur 1" in text


def test_render_pdf_numbers_every_page(pdf_templates):
    data = render_pdf(pdf_templates, {"reference": "R-1", "applicant": "A", "lines": range(150)})

    pages = pdf_text(data).split("\f")
    total = len([page for page in pages if page.strip()])
    assert total >= 3
    for number, page in enumerate(pages[:total], start=1):
        assert f"Page {number} sur {total}" in page
        assert "République française" in page
        assert "Dossier R-1" in page


def test_render_pdf_escapes_user_text(pdf_templates):
    data = render_pdf(
        pdf_templates, {"reference": "R-2", "applicant": "<b>Mallory</b> <img src='/etc/passwd'>", "lines": []}
    )

    assert "<b>Mallory</b> <img src='/etc/passwd'>" in pdf_text(data)


def test_fetcher_serves_static_files_only(tmp_path):
    root = static_base_dir()
    fetcher = StaticOnlyFetcher(root)
    inside = next(path for path in root.rglob("*") if path.is_file())

    assert fetcher.fetch(inside.as_uri()) is not None
    assert fetcher.fetch("data:text/plain,bonjour") is not None
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    with pytest.raises(ValueError):
        fetcher.fetch(outside.as_uri())
    with pytest.raises(ValueError):
        fetcher.fetch((root / ".." / "pyproject.toml").as_uri())
    with pytest.raises(ValueError):
        fetcher.fetch("http://127.0.0.1:6379/")


def test_render_pdf_gives_a_tagged_pdf_ua_document_with_its_language_and_title(pdf_templates):
    """RGAA 13.3: a screen reader finds the document's structure, language and title (PDF/UA-1)."""
    data = render_pdf(pdf_templates, {"reference": "R-1", "applicant": "A", "lines": []})

    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root
        assert "/StructTreeRoot" in root and bool(root.MarkInfo.Marked)
        assert str(root.Lang).startswith("fr")
        assert bool(root.ViewerPreferences.DisplayDocTitle)
        metadata = pdf.open_metadata()
        assert metadata.get("pdfuaid:part") == "1"
        assert "Accusé de réception" in str(metadata.get("dc:title"))
