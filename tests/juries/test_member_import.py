"""Import of a jury's members from a spreadsheet: dry-run preview with each wrong line and cell, then all or nothing."""

import html
import io

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from juries import imports
from juries.models import JuryMember
from juries.services import juries
from portal.errors import DomainError
from portal.models import AuditEvent, Role, User
from portal.services import role_assign
from tests.calls.model_factories import ProgrammeFactory
from tests.portal.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = ["Courriel", "Prénom", "Nom", "Organisation", "Président", "Externe", "Secteur"]


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("membres.csv", ("\ufeff" + text).encode("utf-8"), content_type="text/csv")


def xlsx_file(rows) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("membres.xlsx", buffer.getvalue())


def ods_file(rows) -> SimpleUploadedFile:
    return SimpleUploadedFile("membres.ods", tablib.Dataset(*rows[1:], headers=rows[0]).export("ods"))


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def url(jury) -> str:
    return reverse("juries:member_import", args=[jury.pk])


@pytest.fixture
def ministry():
    return OrganisationFactory(name="Direction du numérique")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_valid_file_is_previewed_without_writing_then_imported_on_confirmation(staff_client, jury, ministry):
    known = UserFactory(email="Connue@Exemple.fr", first_name="Déjà", last_name="Inscrite")
    response = staff_client.post(
        url(jury),
        {
            "file": csv_file(
                ";".join(HEADER) + "\n"
                "nouvelle@exemple.fr;Nina;Nouvelle;direction du numérique;oui;non;public\n"
                "connue@exemple.fr;Autre;Nom;;non;OUI;privé\n"
            )
        },
    )
    check = response.context["check"]
    assert check.is_valid and response.context["token"]
    assert [(row["line"], row["email"], row["new_account"]) for row in check.rows] == [
        (2, "nouvelle@exemple.fr", True),
        (3, "connue@exemple.fr", False),
    ]
    assert "Confirmer l'import" in page_text(response)
    assert (
        not JuryMember.objects.filter(jury=jury).exists()
        and not User.objects.filter(email="nouvelle@exemple.fr").exists()
    )

    response = staff_client.post(url(jury), {"token": response.context["token"]})
    assert response.status_code == 302 and response["Location"] == reverse("juries:staff_jury", args=[jury.pk])
    chair = JuryMember.objects.get(jury=jury, user__email="nouvelle@exemple.fr")
    assert chair.is_chair and not chair.is_external and chair.sector == "public" and chair.organisation == ministry
    assert chair.user.get_full_name() == "Nina Nouvelle" and not chair.user.has_usable_password()
    member = JuryMember.objects.get(jury=jury, user=known)
    assert member.is_external and member.sector == "private" and not member.is_chair
    known.refresh_from_db()
    assert known.get_full_name() == "Déjà Inscrite"  # a known person's names are left as they are
    assert AuditEvent.objects.get(action="import.jury_members").data == {"added": 2}


def test_each_wrong_line_and_cell_is_listed_and_nothing_is_imported(staff_client, jury, staff, ministry):
    juries.member_add(actor=staff, jury=jury, user=UserFactory(email="deja@jury.fr"))
    response = staff_client.post(
        url(jury),
        {
            "file": xlsx_file(
                [
                    HEADER,
                    ["bonne@exemple.fr", "Bonne", "Ligne", "Direction du numérique", "oui", "non", "public"],
                    ["pas-un-courriel", "A", "B", "", "non", "non", "public"],
                    ["c@exemple.fr", "C", "D", "Organisation fantôme", "peut-être", "non", "associatif"],
                    ["bonne@exemple.fr", "E", "", "", "oui", "non", "public"],
                    ["deja@jury.fr", "F", "G", "", "non", "non", "public"],
                ]
            )
        },
    )
    check = response.context["check"]
    assert not check.is_valid and response.context["token"] is None and check.rows == []
    assert {(error.line, error.column) for error in check.errors} == {
        (3, "Courriel"),
        (4, "Organisation"),
        (4, "Président"),
        (4, "Secteur"),
        (5, "Nom"),
        (5, "Courriel"),
        (5, "Président"),
        (6, "Courriel"),
    }
    content = page_text(response)
    assert "aucun membre n'a été ajouté" in content and "Organisation inconnue : « Organisation fantôme »" in content
    assert "figure déjà ligne 2" in content and "déjà membre du jury" in content
    assert JuryMember.objects.filter(jury=jury).count() == 1
    assert not User.objects.filter(email__in=["bonne@exemple.fr", "c@exemple.fr"]).exists()


def test_a_missing_column_is_reported(staff_client, jury):
    response = staff_client.post(
        url(jury), {"file": csv_file("Courriel;Prénom;Nom;Président;Externe\na@b.fr;A;B;non;non\n")}
    )
    assert [(error.line, error.column, error.message) for error in response.context["check"].errors] == [
        (1, "Secteur", "Colonne manquante."),
    ]


def test_an_ods_file_without_the_optional_column_is_read(staff_client, jury):
    rows = [[c for c in HEADER if c != "Organisation"], ["ods@exemple.fr", "O", "D", "non", "non", "prive"]]
    check = staff_client.post(url(jury), {"file": ods_file(rows)}).context["check"]
    assert check.is_valid and check.rows[0]["organisation"] is None and check.rows[0]["sector"] == "private"


def test_import_is_all_or_nothing_when_a_row_fails_during_the_import(staff_client, jury, monkeypatch):
    response = staff_client.post(
        url(jury),
        {
            "file": csv_file(
                ";".join(HEADER)
                + "\nun@exemple.fr;Un;Premier;;non;non;public\ndeux@exemple.fr;Deux;Second;;non;non;public\n"
            )
        },
    )
    add = juries.member_invite

    def failing_on_the_second(*, email, **kwargs):
        if email == "deux@exemple.fr":
            raise DomainError("Échec simulé.")
        return add(email=email, **kwargs)

    monkeypatch.setattr(imports.juries, "member_invite", failing_on_the_second)
    response = staff_client.post(url(jury), {"token": response.context["token"]}, follow=True)
    assert "Échec simulé." in page_text(response)
    assert not JuryMember.objects.filter(jury=jury).exists()
    assert not User.objects.filter(email="un@exemple.fr").exists()


def test_a_checked_file_is_stale_when_the_jury_changed_meanwhile(staff_client, jury, staff):
    response = staff_client.post(
        url(jury),
        {
            "file": csv_file(
                ";".join(HEADER)
                + "\nun@exemple.fr;Un;Premier;;non;non;public\ndeux@exemple.fr;Deux;Second;;non;non;public\n"
            )
        },
    )
    juries.member_invite(actor=staff, jury=jury, email="deux@exemple.fr")  # added by someone else meanwhile
    response = staff_client.post(url(jury), {"token": response.context["token"]}, follow=True)
    assert "n'est plus valable" in page_text(response)
    assert list(JuryMember.objects.filter(jury=jury).values_list("user__email", flat=True)) == ["deux@exemple.fr"]


def test_a_checked_file_is_confirmed_for_its_jury_only(staff_client, jury, staff):
    other_jury = juries.jury_create(actor=staff, call=jury.call, name="Autre jury")
    response = staff_client.post(
        url(jury), {"file": csv_file(";".join(HEADER) + "\nun@exemple.fr;Un;Premier;;non;non;public\n")}
    )
    staff_client.post(url(other_jury), {"token": response.context["token"]})
    assert not JuryMember.objects.exists()
    staff_client.post(url(jury), {"token": response.context["token"]})
    assert JuryMember.objects.filter(jury=jury).count() == 1


def test_import_is_for_the_staff_of_the_jurys_programme_only(client, jury, members):
    other_staff = UserFactory()
    role_assign(actor=None, user=other_staff, role=Role.PROGRAMME_STAFF, scope=ProgrammeFactory())
    upload = {"file": csv_file(";".join(HEADER) + "\nun@exemple.fr;Un;Premier;;non;non;public\n")}
    for user, status in [(other_staff, 404), (MembershipFactory().user, 403), (members[0].user, 403)]:
        client.force_login(user)
        assert client.get(url(jury)).status_code == status
        upload["file"].seek(0)
        assert client.post(url(jury), upload).status_code == status
    assert not User.objects.filter(email="un@exemple.fr").exists()
