"""portal.uploads: every accepted format passes, every bad file is refused with its code and a French reason."""

import hashlib
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.errors import DomainError
from portal.uploads import (
    CONTENT_TYPES,
    MEGABYTE,
    SUPPORTED_FORMATS,
    bytes_from_megabytes,
    content_disposition,
    format_megabytes,
    safe_display_name,
    storage_name,
    validate_upload,
)
from tests.portal import upload_corpus as corpus


def validate(name: str, data: bytes, *, allowed=(), max_bytes=None, **kwargs):
    return validate_upload(
        uploaded_file=corpus.upload(name, data), allowed_formats=list(allowed), max_bytes=max_bytes, **kwargs
    )


def refused(name: str, data: bytes, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        validate(name, data, **kwargs)
    return caught.value


ACCEPTED = [
    ("budget.pdf", corpus.pdf),
    ("note.docx", corpus.docx),
    ("budget.xlsx", corpus.xlsx),
    ("slides.pptx", corpus.pptx),
    ("note.odt", corpus.odt),
    ("budget.ods", corpus.ods),
    ("slides.odp", corpus.odp),
    ("note.doc", corpus.doc),
    ("budget.xls", corpus.xls),
    ("slides.ppt", corpus.ppt),
]


@pytest.mark.parametrize(("name", "build"), ACCEPTED)
def test_each_accepted_format_passes_and_is_described(name, build):
    data = build()
    uploaded = corpus.upload(name, data)

    result = validate_upload(uploaded_file=uploaded, allowed_formats=list(SUPPORTED_FORMATS), max_bytes=10 * MEGABYTE)

    extension = name.rsplit(".", 1)[1]
    assert result.safe_name == name
    assert result.extension == extension
    assert result.content_type == CONTENT_TYPES[extension]
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert uploaded.tell() == 0, "the caller saves the file next: it must be rewound"


def test_documents_written_by_real_libraries_pass():
    import openpyxl
    import weasyprint
    from odf.opendocument import OpenDocumentSpreadsheet

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Budget"
    xlsx = io.BytesIO()
    workbook.save(xlsx)
    ods = io.BytesIO()
    OpenDocumentSpreadsheet().write(ods)
    pdf = weasyprint.HTML(string="<p>Bonjour</p>").write_pdf()

    assert validate("classeur.xlsx", xlsx.getvalue()).extension == "xlsx"
    assert validate("classeur.ods", ods.getvalue()).extension == "ods"
    assert validate("page.pdf", pdf).extension == "pdf"


def test_a_file_spooled_to_disk_is_read_the_same_way():
    data = corpus.docx()
    uploaded = TemporaryUploadedFile("note.docx", "application/octet-stream", len(data), None)
    uploaded.write(data)
    uploaded.seek(0)

    result = validate_upload(uploaded_file=uploaded, allowed_formats=["docx"], max_bytes=None)

    assert result.sha256 == hashlib.sha256(data).hexdigest()
    uploaded.close()


def test_a_word_document_whose_text_mentions_macros_is_not_a_macro():
    assert validate("macros.doc", corpus.doc_mentioning_macros()).extension == "doc"


# The parsers' richer inputs too: object streams, fields, a chart's workbook, summary information.
DAMAGEABLE = [
    *ACCEPTED,
    ("liens.pdf", corpus.pdf_with_links),
    ("note.docx", corpus.docx_with_links_and_fields),
    ("graphique.pptx", corpus.pptx_with_chart),
    ("note.odt", corpus.odt_with_links),
    ("note.doc", lambda: corpus.doc(pages=3)),
    ("slides.ppt", lambda: corpus.ppt(slides=3)),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(DAMAGEABLE),
    changes=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=8),
    cut=st.none() | st.integers(min_value=1),
)
def test_a_damaged_document_is_accepted_or_refused_never_crashes(kind, changes, cut):
    name, build = kind
    data = bytearray(build())
    for position, value in changes:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: max(1, cut % len(data))]

    try:
        validate(name, bytes(data))
    except DomainError as error:
        assert error.code in {"format", "executable", "macro", "encrypted", "zip_bomb", "name"}


REFUSED = [
    # (name, builder, code, French reason)
    ("programme.pdf", corpus.windows_executable, "executable", "programme exécutable"),
    ("programme.pdf", corpus.elf_executable, "executable", "programme exécutable"),
    ("rapport.docm", corpus.docm, "macro", "avec macros (.docm)"),
    ("budget.xlsm", corpus.xlsm, "macro", "avec macros (.xlsm)"),
    ("budget.xlsx", corpus.xlsm, "macro", "contient des macros"),
    ("budget.xlsx", corpus.xlsx_with_vba_project, "macro", "contient des macros"),
    ("note.doc", corpus.doc_with_vba_project, "macro", "contient des macros"),
    ("budget.xls", corpus.xls_with_vba_project, "macro", "contient des macros"),
    ("note.odt", corpus.odt_with_basic_macro, "macro", "contient des macros"),
    ("note.docx", corpus.password_protected_docx, "encrypted", "protégé par un mot de passe"),
    ("note.docx", corpus.encrypted_zip_docx, "encrypted", "protégé par un mot de passe"),
    ("note.docx", corpus.zip_bomb_ratio, "zip_bomb", "anormalement compressée"),
    ("note.docx", corpus.zip_many_entries, "zip_bomb", "anormalement compressée"),
    ("note.docx", corpus.zip_lying_sizes, "format", "endommagé"),
    ("note.docx", corpus.plain_zip, "format", "aucun format accepté"),
    ("installeur.doc", corpus.msi_like, "format", "aucun format accepté"),
    ("texte.pdf", corpus.text_file, "format", "aucun format accepté"),
    ("vide.pdf", lambda: b"", "empty", "vide"),
    ("tronque.doc", lambda: corpus.doc()[:600], "format", "endommagé"),
    ("tronque.docx", lambda: corpus.docx()[:300], "format", "endommagé"),
]


@pytest.mark.parametrize(("name", "build", "code", "reason"), REFUSED)
def test_each_bad_file_is_refused_with_its_code_and_a_french_reason(name, build, code, reason):
    error = refused(name, build())

    assert error.code == code
    assert reason in error.message


@pytest.fixture(scope="module")
def zip_bomb():
    return corpus.zip_bomb_declared()


def test_an_archive_declaring_200_mb_is_refused_without_inflating_it(zip_bomb):
    assert len(zip_bomb) < 1 * MEGABYTE
    error = refused("note.docx", zip_bomb)

    assert error.code == "zip_bomb"


@pytest.mark.parametrize(
    ("name", "build", "detected"),
    [
        ("budget.pdf", corpus.docx, "DOCX"),
        ("note.docx", corpus.xlsx, "XLSX"),
        ("budget.xls", corpus.doc, "DOC"),
        ("note.odt", corpus.ods, "ODS"),
        ("note.docx", corpus.odt, "ODT"),
        ("note.doc", corpus.pdf, "PDF"),
    ],
)
def test_the_extension_must_agree_with_the_content(name, build, detected):
    error = refused(name, build())

    assert error.code == "format"
    extension = name.rsplit(".", 1)[1]
    assert f"porte l'extension .{extension} mais son contenu est au format {detected}" in error.message


def test_only_the_formats_of_the_required_document_are_accepted():
    error = refused("note.docx", corpus.docx(), allowed=["pdf", "odt"])

    assert error.code == "format"
    assert error.message == "Le format .docx n'est pas accepté pour cette pièce. Formats acceptés : PDF, ODT."


def test_formats_are_read_leniently_and_unsupported_ones_ignored():
    assert validate("budget.pdf", corpus.pdf(), allowed=[".PDF"]).extension == "pdf"
    assert refused("setup.exe", corpus.windows_executable(), allowed=["exe", "pdf"]).code == "format"


def test_an_empty_format_list_means_every_supported_format():
    for name, build in ACCEPTED:
        assert validate(name, build(), allowed=[]).extension == name.rsplit(".", 1)[1]


# --- Sizes --------------------------------------------------------------------------------------


def test_the_file_size_limit_is_inclusive_and_told_in_mo():
    data = corpus.pdf(padding=int(1.5 * MEGABYTE))

    assert validate("budget.pdf", data, max_bytes=len(data)).size == len(data)
    error = refused("budget.pdf", data, max_bytes=MEGABYTE)
    assert error.code == "size"
    assert error.message == ("Le fichier pèse 1,5 Mo, au-delà de la taille maximale de 1 Mo pour cette pièce.")


def test_the_dossier_total_counts_files_already_there():
    data = corpus.pdf(padding=int(1.5 * MEGABYTE))
    limit = 10 * MEGABYTE

    assert validate("a.pdf", data, already_used_bytes=limit - len(data), max_total_bytes=limit).size == len(data)
    error = refused("a.pdf", data, already_used_bytes=9 * MEGABYTE, max_total_bytes=limit)
    assert error.code == "total_size"
    assert "taille totale autorisée pour le dossier (10 Mo ; 9 Mo déjà utilisés)" in error.message


def test_the_real_size_wins_over_the_declared_one():
    uploaded = corpus.upload("budget.pdf", corpus.pdf(padding=5000))
    uploaded.size = 10

    with pytest.raises(DomainError) as caught:
        validate_upload(uploaded_file=uploaded, allowed_formats=["pdf"], max_bytes=1000)
    assert caught.value.code == "size"


def test_megabytes_convert_both_ways():
    assert bytes_from_megabytes(Decimal("2.50")) == 2_621_440
    assert bytes_from_megabytes(None) is None
    assert format_megabytes(10 * MEGABYTE) == "10 Mo"
    assert format_megabytes(2_621_440) == "2,5 Mo"
    assert format_megabytes(1) == "0 Mo"


# --- Names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("Budget prévisionnel.pdf", "Budget prévisionnel.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\x\\a.pdf", "a.pdf"),
        ("/var/www/a.pdf", "a.pdf"),
        ("a\x00b.pdf", "ab.pdf"),
        ("facture\u202efdp.exe", "facturefdp.exe"),  # right-to-left override shows "exe.pdf"
        ("  ..cache.pdf. ", "cache.pdf"),
        ('a"b<c>|d?.pdf', "a_b_c__d_.pdf"),
        ("ligne\r\nsuivante.pdf", "ligne suivante.pdf"),
        ("tab\tet  espaces.pdf", "tab et espaces.pdf"),
        ("e\u0301te\u0301.pdf", "été.pdf"),
        ("..", ""),
        ("../", ""),
        ("", ""),
    ],
)
def test_safe_display_name(name, safe):
    assert safe_display_name(name) == safe


def test_a_long_name_is_shortened_keeping_its_extension():
    safe = safe_display_name("x" * 300 + ".pdf")

    assert len(safe) == 200
    assert safe.endswith("x.pdf")


@pytest.mark.parametrize(
    ("name", "safe"),
    [("../../etc/passwd.pdf", "passwd.pdf"), ("C:\\x\\a.pdf", "a.pdf"), ("a\x00.pdf", "a.pdf")],
)
def test_path_components_never_reach_the_result(name, safe):
    assert validate(name, corpus.pdf()).safe_name == safe


def test_a_nul_cannot_hide_the_real_extension():
    error = refused("programme.exe\x00.pdf", corpus.windows_executable())

    assert error.code == "executable"


@pytest.mark.parametrize("name", ["..\\", "budget", ".pdf", "\x00\x01", "   "])
def test_a_name_without_stem_or_extension_is_refused(name):
    error = refused(name, corpus.pdf())

    assert error.code == "name"
    assert "Le nom du fichier n'est pas valide" in error.message


def test_storage_names_are_random_and_keep_only_the_extension():
    first, second = storage_name("PDF"), storage_name(".pdf")

    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", first)
    assert first != second
    with pytest.raises(ValueError):
        storage_name("../pdf")


def test_content_disposition_gives_an_ascii_fallback_and_the_utf8_name():
    header = content_disposition("Budget prévisionnel 2026.pdf")

    assert header == (
        "attachment; filename=\"Budget previsionnel 2026.pdf\"; filename*=UTF-8''Budget%20pr%C3%A9visionnel%202026.pdf"
    )


def test_content_disposition_cannot_be_broken_out_of():
    header = content_disposition('../a"b\r\nSet-Cookie: x=1;.pdf')

    assert header.isascii()
    assert "\r" not in header and "\n" not in header
    ascii_part = re.fullmatch(r'attachment; filename="([^"]*)"; filename\*=UTF-8\'\'(\S+)', header)
    assert ascii_part is not None
    assert ascii_part.group(1) == "a_b Set-Cookie_ x=1;.pdf"
    assert content_disposition("") == "attachment; filename=\"fichier\"; filename*=UTF-8''fichier"
    assert 'filename="fichier.pdf"' in content_disposition("東京.pdf")


def test_content_types_cover_exactly_the_supported_formats():
    assert set(CONTENT_TYPES) == set(SUPPORTED_FORMATS)


def test_a_300_character_name_is_refused():
    error = refused("a" * 296 + ".pdf", corpus.pdf(), allowed=["pdf"])
    assert error.code == "name" and "au-delà des 250 permis" in error.message
