"""The minutes of a long deliberation read back with pdftotext: every table's header repeats on each
page and never ends a page alone, scores read with a decimal comma."""

import re
from decimal import Decimal

import pytest

from juries.models import Decision, JuryDossier
from juries.services import deliberation, evaluation, juries
from juries.services.deliberation import DecisionInput
from tests.juries.conftest import make_dossiers, sheet
from tests.pdf_text import ENGLISH_NUMBER, pdf_pages

pytestmark = pytest.mark.django_db
RANKING_HEADER = re.compile(r"Rang\s+Dossier\s+Note")
DECISIONS_HEADER = re.compile(r"Dossier\s+Porteur\s+Décision")
ROW = re.compile(r"TEST-\d{6}")


def is_header(line: str) -> bool:
    return bool(RANKING_HEADER.search(line) or DECISIONS_HEADER.search(line))


def test_long_minutes_repeat_table_headers_and_keep_them_with_their_rows(
    staff, jury, members, session, django_capture_on_commit_callbacks
):
    dossiers = make_dossiers(session, 45)
    juries.jury_dossiers_add(actor=staff, jury=jury)
    JuryDossier.objects.filter(jury=jury).update(max_amount=Decimal("1000"))
    with django_capture_on_commit_callbacks(execute=True):
        recorded = deliberation.deliberation_record(
            actor=staff,
            jury=jury,
            decisions=[
                DecisionInput(dossier.pk, Decision.Kind.REJECTED, reasons="Le projet ne répond pas à l'axe.")
                for dossier in dossiers
            ],
        )
    recorded.refresh_from_db()
    pages = pdf_pages(recorded.minutes.path)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        lines = [line for line in page.splitlines() if line.strip()]
        rows = [index for index, line in enumerate(lines) if ROW.search(line)]
        headers = [index for index, line in enumerate(lines) if is_header(line)]
        # The rows continued on this page sit under a header repeated at its top.
        assert not rows or (headers and headers[0] < rows[0]), f"page {number} : lignes sans en-tête\n{page}"
        # A header is followed by one of its rows on the same page (a header's label may wrap on two lines).
        for index in headers:
            assert any(ROW.search(line) for line in lines[index + 1 : index + 3]), (
                f"page {number} : en-tête seul\n{page}"
            )
    text = "\n".join(pages)
    assert not ENGLISH_NUMBER.findall(text), ENGLISH_NUMBER.findall(text)


def test_a_refusal_letter_writes_scores_with_a_decimal_comma(
    staff, jury, members, reviewed, django_capture_on_commit_callbacks
):
    evaluation.consensus_record(
        actor=members[0].user,
        jury=jury,
        dossier=reviewed[0],
        scores=sheet(a="2.5"),  # A is scored by half points
        opinion="Insuffisant.",
        recommendation="do_not_fund",
    )
    with django_capture_on_commit_callbacks(execute=True):
        recorded = deliberation.deliberation_record(
            actor=staff, jury=jury, decisions=[DecisionInput(reviewed[0].pk, Decision.Kind.REJECTED)]
        )
    letter = Decision.objects.get(deliberation=recorded).letter
    text = "\n".join(pdf_pages(letter.path))
    assert "2,5 / 5" in text and "8 / 10" in text
    assert not ENGLISH_NUMBER.findall(text), ENGLISH_NUMBER.findall(text)
