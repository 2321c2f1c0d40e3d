"""Private annotations and the jury: notes never, private fields only when the call says so."""

import io

import openpyxl
import pytest
from django.urls import reverse

from applications.services import annotations
from juries.services import assignment

pytestmark = pytest.mark.django_db
NOTE = "Note interne : le porteur a un contentieux en cours."


def test_jurors_never_read_notes_and_read_fields_only_when_the_call_shows_them(
    client, settings, staff, jury, members, reviewed
):
    settings.PORTAL_ENFORCE_MFA = False
    dossier, chair = reviewed[0], members[0]
    assignment.assign_manual(actor=staff, member=chair, dossier=dossier)
    call = dossier.theme.call
    annotations.call_annotation_field_add(
        actor=staff, call=call, key="avis", label="Avis du service", kind="short_text"
    )
    annotations.dossier_annotations_save(actor=staff, dossier=dossier, raw={"avis": "Service favorable"})
    annotations.private_note_add(actor=staff, dossier=dossier, body=NOTE)
    client.force_login(chair.user)
    score_url = reverse("juries:score", args=[jury.pk, dossier.pk])

    def juror_sees() -> str:
        page = client.get(score_url).content.decode()
        workbook = openpyxl.load_workbook(
            io.BytesIO(client.get(reverse("juries:juror_export", args=[jury.pk, "xlsx"])).content)
        )
        cells = " ".join(str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row if c)
        return page + cells

    seen = juror_sees()
    assert NOTE not in seen and "Service favorable" not in seen
    annotations.call_annotations_shown_to_jury_set(actor=staff, call=call, shown=True)
    seen = juror_sees()
    assert "Service favorable" in seen and NOTE not in seen
