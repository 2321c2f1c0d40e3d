"""A required document's page limit (`max_pages`): checked where the format tells the page count.

Exact for PDF (qpdf counts the pages), pptx and odp (their list of slides); as recorded by
the writing program for docx (docProps/app.xml), odt (meta.xml), doc and ppt (summary
information); never for spreadsheets, which have no pages.
"""

import pytest

from portal.errors import DomainError
from portal.uploads import validate_upload
from tests.portal import upload_corpus as corpus

COUNTED = [
    ("rapport.pdf", lambda: corpus.pdf(pages=3)),
    ("rapport.pdf", lambda: corpus.pdf_with_links(pages=3)),
    ("diaporama.pptx", lambda: corpus.pptx_with_slides(3)),
    ("diaporama.odp", lambda: corpus.odp_with_pages(3)),
    ("rapport.docx", lambda: corpus.docx_with_links_and_fields(pages=3)),
    ("rapport.odt", lambda: corpus.odt_with_links(page_count=3)),
    ("rapport.doc", lambda: corpus.doc(pages=3)),
    ("diaporama.ppt", lambda: corpus.ppt(slides=3)),
]


def validate(name: str, data: bytes, max_pages: int | None):
    return validate_upload(
        uploaded_file=corpus.upload(name, data), allowed_formats=[], max_bytes=None, max_pages=max_pages
    )


@pytest.mark.parametrize(("name", "build"), COUNTED, ids=[name for name, _build in COUNTED])
def test_a_three_page_document_passes_a_limit_of_three(name, build):
    assert validate(name, build(), max_pages=3).safe_name == name


@pytest.mark.parametrize(("name", "build"), COUNTED, ids=[name for name, _build in COUNTED])
def test_a_three_page_document_is_refused_over_a_limit_of_two(name, build):
    with pytest.raises(DomainError) as caught:
        validate(name, build(), max_pages=2)

    assert caught.value.code == "pages"
    assert caught.value.message == (
        "Le document compte 3 pages, au-delà de la limite de 2 pages pour cette pièce : "
        "raccourcissez-le puis déposez-le à nouveau."
    )


def test_a_limit_of_one_page_is_told_in_the_singular():
    with pytest.raises(DomainError) as caught:
        validate("lettre.pdf", corpus.pdf(pages=2), max_pages=1)

    assert "au-delà de la limite de 1 page pour cette pièce" in caught.value.message


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("budget.xlsx", corpus.xlsx_with_formulas),
        ("budget.ods", corpus.ods_with_formulas),
        ("budget.xls", corpus.xls),
        ("note.docx", corpus.docx),  # no docProps/app.xml: nothing recorded
        ("note.odt", corpus.odt),  # no meta.xml
        ("note.doc", corpus.doc),  # no summary information
    ],
)
def test_a_format_that_records_no_page_count_is_not_checked(name, build):
    assert validate(name, build(), max_pages=1).safe_name == name


def test_no_limit_when_the_call_sets_none():
    assert validate("rapport.pdf", corpus.pdf(pages=40), max_pages=None).safe_name == "rapport.pdf"
