"""Import of a past session's results: dry run with every wrong cell, atomic import through the past-round services,
and who may use it."""

import datetime
from decimal import Decimal

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applications.models import Dossier
from juries import history_import
from juries.models import Decision, Deliberation, Jury, JuryDossier
from portal.errors import DomainError
from portal.imports import dataset_from_upload
from portal.models import Role
from portal.services import role_assign
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.portal.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "Acronyme;Titre;Porteur;Montant demandé;Décision;Montant accordé;Date de décision"
VALID = "\n".join(
    [
        HEADER,
        "DRIVE;Espace de fichiers partagés;Ministère de l'Intérieur;120 000,00;retenu;100 000,00;21/06/2019",
        "ITINEO;Poste de travail nomade;130 000 000 00012;80000;Retenu;;21/06/2019",
        "NR01;Dossier non retenu;Ministère de l'Intérieur;12 500,50;non retenu;;02/07/2019",
    ]
)


def upload(text: str, name: str = "resultats.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"))


def dataset(text: str) -> tablib.Dataset:
    return dataset_from_upload(upload(text))


@pytest.fixture
def session(db):
    return SessionFactory(
        theme=ThemeFactory(code="ETNA-1"),
        name="1re édition",
        opens_at=datetime.datetime(2019, 3, 1, 9, 0, tzinfo=datetime.UTC),
        closes_at=datetime.datetime(2019, 5, 31, 17, 0, tzinfo=datetime.UTC),
        envelope=Decimal("740616"),
    )


@pytest.fixture
def organisations(db):
    return [
        OrganisationFactory(name="Ministère de l'Intérieur"),
        OrganisationFactory(name="Ministère de l'Europe", siret="13000000000012"),
    ]


@pytest.fixture
def staff(session):
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=session.theme.call.programme)
    return user


def test_dry_run_lists_every_wrong_row_and_cell_and_writes_nothing(session, organisations):
    check = history_import.history_check(
        session,
        dataset(
            "\n".join(
                [
                    HEADER,
                    "OK;Ligne correcte;Ministère de l'Intérieur;12 500,00;retenu;10 000;21/06/2019",
                    "MONTANT;Montant illisible;Ministère de l'Intérieur;douze mille;retenu;;21/06/2019",
                    "DATE;Date illisible;Ministère de l'Intérieur;1000;non retenu;;2019-06-21",
                    "INCONNU;Porteur inconnu;Préfecture imaginaire;1000;retenu;;21/06/2019",
                    "TROP;Accordé au-delà;Ministère de l'Intérieur;1 000,00;retenu;1 500,00;21/06/2019",
                    "REFUS;Non retenu avec montant;Ministère de l'Intérieur;1000;non retenu;500;21/06/2019",
                    "OK;Acronyme en double;Ministère de l'Intérieur;1000;peut-être;;01/01/2019",
                    ";;;;;;",  # a blank line is skipped
                    "VIDE;;;;;;",
                ]
            )
        ),
    )
    assert not check.is_valid and check.rows == []
    errors = {(error.line, error.column) for error in check.errors}
    assert errors == {
        (3, "Montant demandé"),
        (4, "Date de décision"),
        (5, "Porteur"),
        (6, "Montant accordé"),
        (7, "Montant accordé"),
        (8, "Acronyme"),
        (8, "Décision"),
        (8, "Date de décision"),  # a duplicate, an unknown decision, before the close
        (10, "Titre"),
        (10, "Porteur"),
        (10, "Décision"),
        (10, "Date de décision"),
    }
    messages = " ".join(error.message for error in check.errors)
    assert "Organisation inconnue : « Préfecture imaginaire »" in messages and "jj/mm/aaaa" in messages
    assert "dépasse le montant demandé" in messages and "12 500,50" in messages
    assert not Dossier.objects.exists() and not Jury.objects.exists()


def test_a_missing_column_is_reported_on_the_header_line(session, organisations):
    check = history_import.history_check(session, dataset("Acronyme;Titre;Porteur;Décision\nA;B;C;retenu"))
    assert {(error.line, error.column) for error in check.errors} == {
        (1, "Montant demandé"),
        (1, "Montant accordé"),
        (1, "Date de décision"),
    }


def test_french_amounts_names_sirets_and_spreadsheet_cells_are_read(session, organisations):
    check = history_import.history_check(session, dataset(VALID))
    assert check.is_valid, check.errors
    first, second, third = check.rows
    assert first["requested_amount"] == Decimal("120000.00") and first["granted_amount"] == Decimal("100000.00")
    assert second["organisation"] == organisations[1] and second["granted_amount"] is None  # amount not published
    assert third["requested_amount"] == Decimal("12500.50") and third["decided_on"] == datetime.date(2019, 7, 2)
    sheet = tablib.Dataset(headers=HEADER.split(";"))
    sheet.append(
        ["DRIVE", "Espace", "Ministère de l'Intérieur", 120000.5, "retenu", 100000, datetime.datetime(2019, 6, 21)]
    )
    xlsx = dataset_from_upload(SimpleUploadedFile("resultats.xlsx", sheet.export("xlsx")))
    [row] = history_import.history_check(session, xlsx).rows
    assert row["requested_amount"] == Decimal("120000.5") and row["decided_on"] == datetime.date(2019, 6, 21)


def test_valid_file_is_previewed_then_imported_through_the_past_round_services(client, session, organisations, staff):
    client.force_login(staff)
    url = reverse("juries:history_import")
    response = client.post(url, {"session": session.pk, "file": upload(VALID)})
    assert response.status_code == 200
    assert response.context["check"].is_valid and "Confirmer l'import" in response.content.decode()
    assert not Dossier.objects.exists()  # the preview writes nothing
    response = client.post(url, {"token": response.context["token"], "session_id": session.pk})
    assert response.status_code == 302
    dossiers = {dossier.acronym: dossier for dossier in Dossier.objects.filter(session=session)}
    assert {acronym: dossier.state for acronym, dossier in dossiers.items()} == {
        "DRIVE": "selected",
        "ITINEO": "selected",
        "NR01": "rejected",
    }
    assert dossiers["DRIVE"].granted_amount == Decimal("100000") and dossiers["NR01"].granted_amount is None
    assert (
        dossiers["DRIVE"].reference.startswith("ETNA-1-2019-") and dossiers["DRIVE"].submitted_at == session.closes_at
    )
    jury = Jury.objects.get(session=session)
    assert JuryDossier.objects.filter(jury=jury, frozen_at__isnull=False).count() == 3
    first, second = Deliberation.objects.filter(jury=jury).order_by("recorded_at")
    assert timezone.localtime(first.recorded_at).date() == datetime.date(
        2019, 6, 21
    ) and first.granted_total == Decimal("100000")
    assert [d.dossier.acronym for d in second.decisions.all()] == ["NR01"]
    assert Decision.objects.get(dossier=dossiers["NR01"]).kind == Decision.Kind.REJECTED
    # The same file again: its dossiers are already there, nothing is added.
    response = client.post(url, {"session": session.pk, "file": upload(VALID)})
    assert "existe déjà dans la session" in response.content.decode()
    assert Dossier.objects.count() == 3


def test_import_is_all_or_nothing(session, organisations, staff, monkeypatch):
    def fail(**kwargs):
        raise DomainError("Panne au milieu de l'import.")

    monkeypatch.setattr(history_import, "deliberation_record_past", fail)
    with pytest.raises(DomainError):
        history_import.history_import(actor=staff, session=session, dataset=dataset(VALID))
    assert not Dossier.objects.exists() and not Jury.objects.exists()


def test_an_open_session_is_refused(session, organisations, staff):
    open_session = SessionFactory(theme=session.theme)
    with pytest.raises(DomainError, match="pas close"):
        history_import.history_import(actor=staff, session=open_session, dataset=dataset(VALID))
    assert open_session not in history_import.closed_sessions_of(staff)


def test_staff_of_another_programme_cannot_import_into_the_session(client, session, organisations, staff):
    other = UserFactory()
    role_assign(actor=None, user=other, role=Role.PROGRAMME_STAFF, scope=SessionFactory().theme.call.programme)
    assert session not in history_import.closed_sessions_of(other)
    with pytest.raises(DomainError, match="ne gérez pas"):
        history_import.history_import(actor=other, session=session, dataset=dataset(VALID))
    client.force_login(other)
    url = reverse("juries:history_import")
    response = client.post(url, {"session": session.pk, "file": upload(VALID)})
    assert (
        response.status_code == 200 and response.context["check"] is None and response.context["form"].errors["session"]
    )
    client.force_login(staff)
    token = client.post(url, {"session": session.pk, "file": upload(VALID)}).context["token"]
    client.force_login(other)  # even with a token of the right staff
    assert client.post(url, {"token": token, "session_id": session.pk}).status_code == 404
    assert not Dossier.objects.exists()


def test_an_applicant_is_refused(client, session, organisations):
    client.force_login(MembershipFactory().user)
    url = reverse("juries:history_import")
    assert client.get(url).status_code == 403
    assert client.post(url, {"session": session.pk, "file": upload(VALID)}).status_code == 403
    assert not Dossier.objects.exists()


def test_the_staff_jury_list_links_to_the_import(client, staff):
    client.force_login(staff)
    assert reverse("juries:history_import") in client.get(reverse("juries:staff_list")).content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_file_at_once_record_it_once(session, organisations, staff, services_required):
    """A double-clicked confirmation: the session's row is locked, so the second import is checked against
    the first one's dossiers and refused as stale, instead of doubling every dossier and grant."""
    from tests.concurrency import concurrently, require_postgresql

    require_postgresql(services_required)
    outcomes = concurrently(
        *[lambda: history_import.history_import(actor=staff, session=session, dataset=dataset(VALID))] * 2
    )
    assert sorted(str(o) if isinstance(o, int) else o.code for o in outcomes) == ["3", "import_stale"], outcomes
    assert Dossier.objects.count() == 3 and Jury.objects.count() == 1
