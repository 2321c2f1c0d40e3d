"""The convention PDF read back with pdftotext: articles numbered without gaps, answers and numbers in French."""

import re

import pytest

from funding.services import conventions
from tests.pdf_text import ENGLISH_NUMBER, pdf_pages

pytestmark = pytest.mark.django_db


def convention_text(dossier, staff, capture) -> str:
    with capture(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=dossier)
    convention.refresh_from_db()
    return "\n".join(pdf_pages(convention.pdf.path))


@pytest.mark.parametrize("commitments", [True, False], ids=["with-commitments", "without-commitments"])
def test_articles_are_numbered_without_gaps(dossier, staff, commitments, django_capture_on_commit_callbacks):
    if not commitments:  # the article of the carrier's commitments is left out
        dossier.theme.commitments = []
        dossier.theme.save()
    text = convention_text(dossier, staff, django_capture_on_commit_callbacks)
    numbers = [int(number) for number in re.findall(r"Article (\d+) —", text)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) == (6 if commitments else 5), numbers
    assert ("Engagements du porteur" in text) is commitments


def test_the_technical_annex_and_the_figures_read_in_french(dossier, staff, django_capture_on_commit_callbacks):
    from applications.services.submission import snapshot_freeze

    dossier.answers = {"existante": True, "autre": False, "usagers": 125000, "part": "12.5"}
    dossier.form_definition = None
    dossier.save()
    snapshot_freeze(dossier=dossier, actor=dossier.created_by, at=dossier.created_at)
    from calls.models import FormDefinition

    dossier.form_definition = FormDefinition.objects.create(
        theme=dossier.theme,
        status=FormDefinition.Status.PUBLISHED,
        schema={
            "sections": [
                {
                    "key": "s",
                    "title": "Le projet",
                    "fields": [
                        {"key": "existante", "label": "Solution existante ?", "kind": "yes_no"},
                        {"key": "autre", "label": "Autre financement ?", "kind": "yes_no"},
                        {"key": "usagers", "label": "Usagers", "kind": "integer"},
                    ],
                }
            ]
        },
    )
    dossier.save()
    text = convention_text(dossier, staff, django_capture_on_commit_callbacks)
    flat = re.sub(r"\s+", " ", text)
    assert "Solution existante ? Oui" in flat and "Autre financement ? Non" in flat and "Usagers 125 000" in flat
    assert "True" not in text and "False" not in text
    assert not ENGLISH_NUMBER.findall(text), ENGLISH_NUMBER.findall(text)
