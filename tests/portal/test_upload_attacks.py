"""The attack corpus against `validate_upload`: each technique refused with its code and French reason,
and the documents office suites write every day (links, fields, charts, formulas) still accepted.

Every file of `ATTACKS` passed the byte search that judged uploads before a parser did.
"""

import io

import olefile
import openpyxl
import pikepdf
import pytest
from odf.opendocument import OpenDocumentText
from odf.text import A, P

from portal.errors import DomainError
from portal.uploads import validate_upload
from tests.portal import upload_attacks as attacks
from tests.portal import upload_corpus as corpus
from tests.portal.upload_attacks import ole as ole_attacks
from tests.portal.upload_attacks import pdf as pdf_attacks


def validate(name: str, data: bytes, **kwargs):
    return validate_upload(uploaded_file=corpus.upload(name, data), allowed_formats=[], max_bytes=None, **kwargs)


@pytest.mark.parametrize(
    ("name", "build", "code", "reason"), attacks.ATTACKS, ids=[build.__name__ for _n, build, *_r in attacks.ATTACKS]
)
def test_each_attack_is_refused_with_its_code_and_a_french_reason(name, build, code, reason):
    with pytest.raises(DomainError) as caught:
        validate(name, build())

    assert caught.value.code == code
    assert reason in caught.value.message


LINK = b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 720] /A %s >>"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (corpus.pdf(catalog=b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>"), "du JavaScript"),
        (corpus.pdf(page=b"/Annots [5 0 R]", extra=(LINK % b"<< /S /Launch /F (cmd.exe) >>",)), "lance un programme"),
        (corpus.pdf(catalog=b"/Names << /EmbeddedFiles << /Names [] >> >>"), "des fichiers joints"),
    ],
    ids=["javascript", "launch", "embedded-files"],
)
def test_the_same_pdf_features_written_plainly_are_refused(data, reason):
    with pytest.raises(DomainError) as caught:
        validate("piece.pdf", data)

    assert caught.value.code == "pdf_active_content"
    assert reason in caught.value.message


CLEAN = [
    ("liens.pdf", corpus.pdf_with_links),
    ("restreint.pdf", lambda: corpus.pdf_with_links(owner_password="proprietaire")),
    ("ouverture.pdf", corpus.pdf_opening_on_a_page_by_action),
    ("note.docx", corpus.docx_with_links_and_fields),
    ("budget.xlsx", corpus.xlsx_with_formulas),
    ("diaporama.pptx", corpus.pptx_with_slides),
    ("graphique.pptx", corpus.pptx_with_chart),
    ("note.odt", corpus.odt_with_links),
    ("budget.ods", corpus.ods_with_formulas),
    ("diaporama.odp", corpus.odp_with_pages),
    ("note.doc", lambda: corpus.doc(pages=3)),
    ("diaporama.ppt", lambda: corpus.ppt(slides=3)),
]


@pytest.mark.parametrize(("name", "build"), CLEAN, ids=[name for name, _build in CLEAN])
def test_documents_with_links_fields_charts_and_formulas_are_accepted(name, build):
    assert validate(name, build()).extension == name.rsplit(".", 1)[1]


def test_documents_written_by_real_libraries_with_links_and_formulas_are_accepted():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["A2"], sheet["A3"] = 1200, 800, "=SUM(A1:A2)"
    sheet["B1"].hyperlink = "https://www.numerique.gouv.fr/"
    xlsx = io.BytesIO()
    workbook.save(xlsx)
    text = OpenDocumentText()
    paragraph = P(text="Voir ")
    paragraph.addElement(A(href="https://www.numerique.gouv.fr/", text="le programme"))
    text.text.addElement(paragraph)
    odt = io.BytesIO()
    text.write(odt)

    assert validate("budget.xlsx", xlsx.getvalue()).extension == "xlsx"
    assert validate("note.odt", odt.getvalue()).extension == "odt"


def test_the_crafted_compound_files_are_valid_for_olefile():
    """The corpus' own OLE2 writer checked by the reference parser, strictly."""
    for build in (
        corpus.doc,
        corpus.xls,
        corpus.ppt,
        ole_attacks.doc_with_packaged_program,
        ole_attacks.ppt_with_vba_in_records,
    ):
        with olefile.OleFileIO(io.BytesIO(build()), raise_defects=olefile.DEFECT_INCORRECT) as ole:
            assert ole.listdir()


def test_the_crafted_pdfs_are_valid_for_qpdf():
    for build in (pdf_attacks.pdf_open_action_hex_escaped, pdf_attacks.pdf_embedded_file_hex_escaped, corpus.pdf):
        with pikepdf.open(io.BytesIO(build())) as pdf:
            assert pdf.check_pdf_syntax() == []
