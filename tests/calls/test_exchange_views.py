"""Staff export and import of whole calls through the back-office."""

import html
import re

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from calls.interchange import call_document_import
from calls.models import Call
from portal.models import Role
from portal.services import role_assign
from tests.calls.test_interchange import sample_document
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return call_document_import(data=sample_document())[0]


@pytest.fixture
def staff(call):
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=call.programme)
    return user


@pytest.mark.parametrize("fmt", ["yaml", "xlsx"])
def test_staff_export_then_import_elsewhere(client, call, staff, fmt):
    client.force_login(staff)
    response = client.get(reverse("calls_exchange:export", args=[call.pk, fmt]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    content = response.content
    Call.objects.all().delete()
    upload = SimpleUploadedFile(f"appel.{fmt}", content)
    response = client.post(reverse("calls_exchange:import"), {"file": upload})
    assert response.status_code == 302
    assert Call.objects.get().slug == "lit-2016"


def test_import_refusal_lists_the_problems_and_writes_nothing(client, call, staff):
    client.force_login(staff)
    document = sample_document()
    document["calls"][0]["slug"] = "autre"
    document["calls"][0]["themes"][0]["rule"] = "INCONNUE"
    upload = SimpleUploadedFile("appel.yaml", yaml.safe_dump(document, allow_unicode=True).encode())
    response = client.post(reverse("calls_exchange:import"), {"file": upload})
    assert "règle « INCONNUE » inconnue du catalogue" in response.content.decode()
    assert not Call.objects.filter(slug="autre").exists()


def test_permissions(client, call):
    url = reverse("calls_exchange:export", args=[call.pk, "yaml"])
    assert client.get(url).status_code == 302  # anonymous → login
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    assert client.get(reverse("calls_exchange:import")).status_code == 403
    other = UserFactory()
    from tests.calls.model_factories import ProgrammeFactory

    role_assign(actor=None, user=other, role=Role.PROGRAMME_STAFF, scope=ProgrammeFactory())
    client.force_login(other)
    assert client.get(url).status_code == 404
    upload = SimpleUploadedFile(
        "appel.yaml",
        yaml.safe_dump(
            {**sample_document(), "calls": [{**sample_document()["calls"][0], "slug": "x"}]}, allow_unicode=True
        ).encode(),
    )
    response = client.post(reverse("calls_exchange:import"), {"file": upload})
    assert "dont vous faites partie" in response.content.decode()


def test_reimport_shows_the_changes_then_applies_them_on_confirmation(client, call, staff):
    client.force_login(staff)
    document = sample_document()
    document["calls"][0]["themes"][0]["title"] = "Laboratoires régionaux"
    upload = SimpleUploadedFile("appel.yaml", yaml.safe_dump(document, allow_unicode=True).encode())
    response = client.post(reverse("calls_exchange:import"), {"file": upload})
    content = html.unescape(response.content.decode())
    assert "Ce que l'import changerait" in content
    assert "titre : Laboratoires → Laboratoires régionaux" in content
    assert Call.objects.get().themes.get().title == "Laboratoires"
    token = re.search(r'name="token" value="([^"]+)"', content)[1]
    response = client.post(reverse("calls_exchange:import"), {"token": token}, follow=True)
    assert "mis à jour d'après le fichier" in html.unescape(response.content.decode())
    assert Call.objects.get().themes.get().title == "Laboratoires régionaux"
    assert Call.objects.get().status == Call.Status.DRAFT
    expired = client.post(reverse("calls_exchange:import"), {"token": token}, follow=True)
    assert "Cette vérification a expiré" in html.unescape(expired.content.decode())


def test_a_new_call_arrives_as_a_draft(client, call, staff):
    client.force_login(staff)
    document = sample_document()
    document["calls"][0]["slug"] = "lit-2017"
    upload = SimpleUploadedFile("appel.yaml", yaml.safe_dump(document, allow_unicode=True).encode())
    response = client.post(reverse("calls_exchange:import"), {"file": upload}, follow=True)
    assert "Appel importé en brouillon" in html.unescape(response.content.decode())
    assert Call.objects.get(slug="lit-2017").status == Call.Status.DRAFT


def test_xlsx_problems_are_shown_by_sheet_row_and_column(client, call, staff):
    from tests.calls.test_interchange import _broken_workbook

    client.force_login(staff)
    Call.objects.filter(pk=call.pk).update(slug="ancien")
    content = _broken_workbook(call, "critères", "weight", "lourd")
    upload = SimpleUploadedFile("appel.xlsx", content)
    response = client.post(reverse("calls_exchange:import"), {"file": upload})
    page = html.unescape(response.content.decode())
    assert "feuille « critères », ligne 2, colonne" in page and "« weight » : « lourd » n'est pas un nombre." in page
    assert not Call.objects.filter(slug="lit-2016").exists()
