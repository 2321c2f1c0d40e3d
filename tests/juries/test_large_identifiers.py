"""Identifiers from 1 000 up stay plain digits in pages: a grouped "1 391" in an element id or a
hidden input breaks the form that posts it back (the jury browser journey failed on it once the
database sequences had passed 1 000)."""

import pytest
from django.urls import reverse

from applications.workflow import DossierState
from juries.models import ConflictDeclaration
from juries.services import juries
from tests.applications.factories import DossierFactory

pytestmark = pytest.mark.django_db


def test_a_declaration_on_a_dossier_numbered_above_a_thousand_is_posted_back_and_recorded(
    client, staff, jury, members, session
):
    dossier = DossierFactory(pk=123456, session=session, state=DossierState.UNDER_EVALUATION)
    juries.jury_dossiers_add(actor=staff, jury=jury)
    juror = members[1]
    client.force_login(juror.user)
    page = client.get(reverse("juries:declarations", args=[jury.pk])).content.decode()
    assert 'id="dossier-123456"' in page and 'name="dossier" value="123456"' in page

    response = client.post(reverse("juries:declarations", args=[jury.pk]), {"dossier": "123456", "status": "none"})

    assert response.status_code == 302
    assert ConflictDeclaration.objects.get(member=juror, dossier=dossier).status == ConflictDeclaration.Status.NONE
