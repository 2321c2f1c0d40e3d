"""Import of organisations: dry-run preview with each wrong line and cell, then an all-or-nothing import."""

import html
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from portal.models import AuditEvent, Organisation, Role
from portal.services import role_assign
from tests.calls.model_factories import ProgrammeFactory
from tests.portal.factories import OrganisationFactory, UserFactory

# The lead mounts portal.urls_imports in portal.urls; until then the tests mount it here.
pytestmark = pytest.mark.django_db

VALID_SIRET = "13002526500013"
OTHER_VALID_SIRET = "11000201100044"


def csv_file(text: str, name: str = "organisations.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\ufeff" + text).encode("utf-8"), content_type="text/csv")


def xlsx_file(rows) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("organisations.xlsx", buffer.getvalue())


@pytest.fixture
def staff_client(client):
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=ProgrammeFactory())
    client.force_login(user)
    return client


def upload(client, file):
    return client.post(reverse("imports:organisations"), {"file": file})


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def test_valid_file_is_previewed_then_imported_on_confirmation(staff_client):
    response = upload(
        staff_client,
        csv_file(
            "Nom;Type;SIRET;Ministère de rattachement\n"
            f"Direction du numérique;ministere;{VALID_SIRET[:3]} {VALID_SIRET[3:]};Premier ministre\n"
            "Préfecture de Bretagne;Préfecture de région / SGAR;;Intérieur\n"
        ),
    )
    content = page_text(response)
    assert "Aperçu : 2 organisations à créer" in content and "Direction du numérique" in content
    assert Organisation.objects.count() == 0  # a dry run writes nothing
    response = staff_client.post(reverse("imports:organisations"), {"token": response.context["token"]}, follow=True)
    assert "2 organisations importées." in page_text(response)
    assert set(Organisation.objects.values_list("name", "kind", "siret")) == {
        ("Direction du numérique", "ministere", VALID_SIRET),
        ("Préfecture de Bretagne", "prefecture_region", ""),
    }
    assert AuditEvent.objects.get(action="import.organisations").data == {"created": 2}


def test_each_wrong_line_and_cell_is_listed_and_nothing_is_imported(staff_client):
    OrganisationFactory(siret=OTHER_VALID_SIRET)
    response = upload(
        staff_client,
        xlsx_file(
            [
                ["Nom", "Type", "SIRET"],
                ["Bonne ligne", "operateur", VALID_SIRET],
                ["Type inconnu", "association", ""],
                ["SIRET faux", "ministere", "12345678901234"],
                ["Déjà connue", "ministere", int(OTHER_VALID_SIRET)],
                ["", "ministere", ""],
            ]
        ),
    )
    check = response.context["check"]
    assert not check.is_valid and response.context["token"] is None
    by_line = {(error.line, error.column) for error in check.errors}
    assert by_line == {(3, "Type"), (4, "SIRET"), (5, "SIRET"), (6, "Nom")}
    content = page_text(response)
    assert "aucune organisation n'a été importée" in content and "Type inconnu : « association »" in content
    assert "déjà enregistrée" in content
    assert Organisation.objects.count() == 1


def test_a_missing_column_is_reported(staff_client):
    response = upload(staff_client, csv_file("Nom;SIRET\nDirection;\n"))
    assert [(error.line, error.column, error.message) for error in response.context["check"].errors] == [
        (1, "Type", "Colonne manquante."),
    ]


def test_same_siret_twice_in_the_file_is_an_error(staff_client):
    response = upload(staff_client, csv_file(f"Nom;Type;SIRET\nA;ministere;{VALID_SIRET}\nB;ministere;{VALID_SIRET}\n"))
    assert [(error.line, error.column) for error in response.context["check"].errors] == [(3, "SIRET")]


def test_unreadable_or_wrong_format_is_reported_next_to_the_field(staff_client):
    response = upload(staff_client, SimpleUploadedFile("organisations.pdf", b"%PDF-1.4"))
    assert "Choisissez un fichier CSV, XLSX ou ODS." in page_text(response)
    response = upload(staff_client, SimpleUploadedFile("organisations.xlsx", b"pas un classeur"))
    assert "Ce fichier est illisible" in page_text(response)


def test_import_is_atomic_when_the_data_changed_since_the_check(staff_client):
    response = upload(staff_client, csv_file(f"Nom;Type;SIRET\nA;ministere;\nB;ministere;{VALID_SIRET}\n"))
    OrganisationFactory(siret=VALID_SIRET)  # registered by someone else meanwhile
    response = staff_client.post(reverse("imports:organisations"), {"token": response.context["token"]}, follow=True)
    assert "n'est plus valable" in page_text(response)
    assert Organisation.objects.count() == 1  # not even row A


def test_a_preview_belongs_to_its_requester_and_is_used_once(staff_client):
    response = upload(staff_client, csv_file("Nom;Type\nA;ministere\n"))
    token = response.context["token"]
    other = UserFactory()
    role_assign(actor=None, user=other, role=Role.ADMIN)
    admin_client = Client()
    admin_client.force_login(other)
    admin_client.post(reverse("imports:organisations"), {"token": token})
    assert Organisation.objects.count() == 0
    staff_client.post(reverse("imports:organisations"), {"token": token})
    staff_client.post(reverse("imports:organisations"), {"token": token})
    assert Organisation.objects.count() == 1


def test_import_requires_a_staff_role(client):
    client.force_login(UserFactory())
    assert client.get(reverse("imports:organisations")).status_code == 403
    assert upload(client, csv_file("Nom;Type\nA;ministere\n")).status_code == 403
    assert Organisation.objects.count() == 0
