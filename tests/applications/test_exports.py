"""Exports of the staff dossier list (XLSX, ODS, CSV), background exports, registrations export."""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications import exports
from applications.evaluation import dossier_evaluation
from applications.models import DossierPartner
from applications.services.evaluations import evaluations_refresh
from applications.workflow import DossierState
from calls.models import InfoSession, InfoSessionRegistration
from calls.rules import load_rules
from portal.models import AuditEvent, Role
from portal.services import role_assign
from tests.applications.factories import BudgetLineFactory, DossierFactory
from tests.calls.model_factories import CallFactory, ProgrammeFactory, SessionFactory, ThemeFactory
from tests.portal.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

# The registrations export is mounted by the lead in calls.urls_staff; tests mount it here.

HEADERS = [
    "Numéro de dossier",
    "Acronyme",
    "Titre du projet",
    "Porteur",
    "SIRET du porteur",
    "Type de porteur",
    "Programme",
    "Appel",
    "Thème",
    "Session",
    "État",
    "Déposé le",
    "Montant demandé (€)",
    "Montant accordé (€)",
    "Coût total du budget (€)",
    "Coût éligible (€)",
    "Aide maximale selon les règles (€)",
    "Règles de cofinancement respectées",
    "Version de la règle appliquée",
    "Taux dérogatoire décidé (%)",
    "Champs privés de l'instruction",
    "Notes privées de l'instruction",
]


def staff_of(programme):
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    return user


def export_url(fmt: str) -> str:
    return reverse("applications:staff_list_export", args=[fmt])


@pytest.fixture
def programme():
    return ProgrammeFactory(name="France Relance TNE")


@pytest.fixture
def session(programme):
    theme = ThemeFactory(
        call=CallFactory(programme=programme, title="Appel TNE"),
        code="ITN6",
        title="Services numériques",
        funding_rule=load_rules()["ITN6"].to_dict(),
    )
    return SessionFactory(theme=theme, name="Session de mars")


@pytest.fixture
def dossier(session):
    dossier = DossierFactory(
        session=session,
        submitted=True,
        reference="TNE-2026-0001",
        acronym="SIMPL",
        title="Simplifier la démarche",
        organisation=MembershipFactory(
            organisation__name="Direction du numérique", organisation__siret="13002526500013"
        ).organisation,
        requested_amount=Decimal("24000.00"),
        submitted_at=datetime(2026, 3, 2, 15, 30, tzinfo=UTC),
    )
    BudgetLineFactory(dossier=dossier, amount=Decimal("20000.00"))
    BudgetLineFactory(dossier=dossier, amount=Decimal("10000.00"), source="carrier", category="internal_staff")
    evaluations_refresh()  # factories write no stored evaluation: the services do
    return dossier


@pytest.fixture
def staff_client(client, programme):
    client.force_login(staff_of(programme))
    return client


def expected_row(dossier) -> list:
    evaluation = dossier_evaluation(dossier)
    return [
        "TNE-2026-0001",
        "SIMPL",
        "Simplifier la démarche",
        "Direction du numérique",
        "13002526500013",
        "Ministère / direction d'administration centrale",
        "France Relance TNE",
        "Appel TNE",
        "ITN6 — Services numériques",
        "Session de mars",
        "Déposé",
        "02/03/2026 16:30:00",
        Decimal("24000.00"),
        None,
        Decimal("30000.00"),
        evaluation.eligible_cost,
        evaluation.max_programme_amount,
        "oui" if evaluation.is_compliant else "non",
    ]


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))


# --- Columns and one row, in the three formats --------------------------------------------


def test_xlsx_has_french_headers_and_the_row(staff_client, dossier):
    response = staff_client.get(export_url("xlsx"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADERS
    expected = expected_row(dossier)
    assert rows[1][:11] == expected[:11]
    # Dates and money are typed cells with French formats (Excel shows « 24 000,00 € »).
    assert rows[1][11] == datetime(2026, 3, 2, 16, 30)  # Paris time
    assert sheet["L2"].number_format == "dd/mm/yyyy hh:mm"
    assert [Decimal(str(value)) if value is not None else None for value in rows[1][12:17]] == expected[12:17]
    assert sheet["M2"].number_format == '#,##0.00 "€"'
    assert rows[1][17] == expected[17]
    assert expected[15] is not None and expected[16] is not None  # the rules engine did run


def test_ods_has_french_headers_and_the_row(staff_client, dossier):
    response = staff_client.get(export_url("ods"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    dataset = tablib.Dataset().load(response.content, format="ods")
    assert list(dataset.headers) == HEADERS
    row = list(dataset[0])
    expected = expected_row(dossier)
    assert row[:11] == expected[:11]
    assert row[11] == datetime(2026, 3, 2, 16, 30)
    assert Decimal(str(row[12])) == Decimal("24000") and Decimal(str(row[14])) == Decimal("30000")


def test_csv_is_streamed_for_french_excel(staff_client, dossier):
    response = staff_client.get(export_url("csv"))
    assert response.streaming
    rows = csv_rows(response)
    assert rows[0] == HEADERS
    expected = expected_row(dossier)
    assert rows[1][:12] == expected[:12]
    assert rows[1][12] == "24000,00" and rows[1][13] == "" and rows[1][14] == "30000,00"
    assert rows[1][15] == f"{expected[15]:.2f}".replace(".", ",")


def test_applicant_text_cannot_become_a_spreadsheet_formula(staff_client, dossier):
    dossier.acronym = '=HYPERLINK("http://x")'
    dossier.save()
    sheet = openpyxl.load_workbook(io.BytesIO(staff_client.get(export_url("xlsx")).content)).active
    assert sheet["B2"].data_type == "s"
    assert sheet["B2"].value.startswith("'=")


# --- Filters, scope, permissions, audit -----------------------------------------------------


def test_export_respects_the_list_filters(staff_client, dossier, session):
    DossierFactory(session=session, state=DossierState.SELECTED, reference="TNE-2026-0002")
    DossierFactory(session=session, reference="TNE-2026-DRAFT")  # a draft: left out like in the list
    rows = csv_rows(staff_client.get(export_url("csv"), {"statut": "selected"}))
    assert [row[0] for row in rows[1:]] == ["TNE-2026-0002"]
    rows = csv_rows(staff_client.get(export_url("csv"), {"q": "SIMPL"}))
    assert [row[0] for row in rows[1:]] == ["TNE-2026-0001"]
    rows = csv_rows(staff_client.get(export_url("csv"), {"tri": "reference"}))
    assert [row[0] for row in rows[1:]] == ["TNE-2026-0001", "TNE-2026-0002"]


def test_export_never_contains_another_programmes_dossiers(staff_client, dossier):
    DossierFactory(submitted=True, reference="OTHER-0001")
    rows = csv_rows(staff_client.get(export_url("csv")))
    assert [row[0] for row in rows[1:]] == ["TNE-2026-0001"]


def test_export_of_a_scope_outside_the_users_is_404(staff_client, dossier):
    other = DossierFactory(submitted=True)
    for params in (
        {"programme": other.theme.call.programme_id},
        {"session": other.session_id},
        {"theme": other.theme_id},
    ):
        assert staff_client.get(export_url("xlsx"), params).status_code == 404


def test_export_requires_a_staff_role(client, dossier):
    applicant = dossier.organisation.memberships.first().user
    client.force_login(applicant)
    assert client.get(export_url("csv")).status_code == 403


def test_export_requires_login(client):
    assert client.get(export_url("csv")).status_code == 302


def test_unknown_format_is_404(staff_client):
    assert staff_client.get(export_url("pdf")).status_code == 404


def test_each_export_is_audited(staff_client, dossier):
    staff_client.get(export_url("xlsx"), {"statut": "submitted"})
    event = AuditEvent.objects.get(action="export.dossiers")
    assert event.data == {"format": "xlsx", "filters": "statut=submitted"}


def test_staff_list_offers_exports_with_the_current_filters(staff_client, dossier):
    content = staff_client.get(reverse("applications:staff_list"), {"statut": "submitted"}).content.decode()
    assert f"{export_url('xlsx')}?statut=submitted" in content
    assert f"{export_url('csv')}?statut=submitted" in content


# --- Query budget -------------------------------------------------------------------------


def make_dossiers(session, count: int, *, project_key: str = ""):
    for _ in range(count):
        dossier = DossierFactory(
            session=session, submitted=True, requested_amount=Decimal("1000"), project_key=project_key
        )
        BudgetLineFactory(dossier=dossier)
        DossierPartner.objects.create(
            dossier=dossier, organisation=OrganisationFactory(kind="operateur"), role=DossierPartner.Role.CO_CARRIER
        )
    evaluations_refresh()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_queries_do_not_grow_with_rows(staff_client, session, fmt):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = staff_client.get(export_url(fmt))
            if fmt == "csv":
                b"".join(response.streaming_content)
        return len(context)

    make_dossiers(session, 2, project_key="projet-a")
    queries()  # the first page of a privileged session renews its expiry (a session write)
    few = queries()
    make_dossiers(session, 12, project_key="projet-b")
    assert queries() == few


def test_previous_phase_grants_count_like_in_the_dossier_page(staff_client, session):
    earlier = DossierFactory(
        session=session,
        state=DossierState.SELECTED,
        project_key="projet",
        granted_amount=Decimal("20000"),
        requested_amount=Decimal("20000"),
    )
    later = DossierFactory(session=session, submitted=True, project_key="projet", requested_amount=Decimal("90000"))
    BudgetLineFactory(dossier=earlier, amount=Decimal("20000"))
    BudgetLineFactory(dossier=later, amount=Decimal("120000"))
    evaluations_refresh()
    rows = {row[0]: row for row in csv_rows(staff_client.get(export_url("csv"), {"tri": "reference"}))[1:]}
    for dossier in (earlier, later):
        expected = dossier_evaluation(dossier)
        assert rows[dossier.reference][16] == f"{expected.max_programme_amount:.2f}".replace(".", ",")


# --- Background exports -------------------------------------------------------------------


@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_ASYNC_THRESHOLD", 1)


def test_large_xlsx_export_runs_as_a_task_with_a_progress_page(
    staff_client, session, small_threshold, django_capture_on_commit_callbacks
):
    make_dossiers(session, 3)
    DossierFactory(session=session, state=DossierState.REJECTED)  # filtered out below
    with django_capture_on_commit_callbacks(execute=True):  # the task is published once the request commits
        response = staff_client.get(export_url("xlsx"), {"statut": "submitted"})
    assert response.status_code == 302
    job_url = response.url
    page = staff_client.get(job_url)
    content = page.content.decode()
    assert "Le fichier est prêt : 3 dossiers." in content
    download = staff_client.get(page.context["download_url"])
    assert download.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet.max_row == 4
    assert [cell.value for cell in sheet[1]] == HEADERS


def test_job_status_fragment_polls_until_done(staff_client, session, small_threshold, monkeypatch):
    from applications import tasks_exports

    monkeypatch.setattr(tasks_exports.dossier_export_run, "apply_async", lambda **kwargs: None)  # no worker yet
    make_dossiers(session, 2)
    job_url = staff_client.get(export_url("ods")).url
    fragment = staff_client.get(job_url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "<progress" in fragment and "<html" not in fragment
    job_id = job_url.rstrip("/").rsplit("/", 1)[1]
    tasks_exports.job_build(job_id)
    fragment = staff_client.get(job_url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment and "Télécharger l'export" in fragment


def test_only_the_requester_may_see_or_download_a_job(client, staff_client, session, programme, small_threshold):
    make_dossiers(session, 2)
    job_url = staff_client.get(export_url("xlsx")).url
    colleague = staff_of(programme)
    client.force_login(colleague)
    assert client.get(job_url).status_code == 404
    assert client.get(job_url + "fichier/").status_code == 404


def test_csv_never_goes_through_a_task(staff_client, session, small_threshold):
    make_dossiers(session, 3)
    response = staff_client.get(export_url("csv"))
    assert response.status_code == 200 and len(csv_rows(response)) == 4


# --- Info-session registrations -----------------------------------------------------------


@pytest.fixture
def registration(session):
    starts_at = timezone.now() + timedelta(days=5)
    info_session = InfoSession.objects.create(
        call=session.theme.call,
        title="Webinaire de présentation",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
    )
    return InfoSessionRegistration.objects.create(
        info_session=info_session,
        name="Camille Martin",
        email="camille@exemple.gouv.fr",
        organisation_name="Préfecture",
        attendance="remote",
        cancel_token="jeton",
    )


def registrations_url(call_id: int, fmt: str) -> str:
    return reverse("calls_staff:registrations_export", args=[call_id, fmt])


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "csv"])
def test_registrations_export_in_three_formats(staff_client, registration, fmt):
    response = staff_client.get(registrations_url(registration.info_session.call_id, fmt))
    assert response.status_code == 200
    if fmt == "xlsx":
        rows = [
            list(row) for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
        ]
    elif fmt == "ods":
        dataset = tablib.Dataset().load(response.content, format="ods")
        rows = [list(dataset.headers), *[list(row) for row in dataset]]
    else:
        rows = csv_rows(response)
    assert rows[0] == [
        "Réunion",
        "Début de la réunion",
        "Nom et prénom",
        "Adresse e-mail",
        "Organisation",
        "Participation",
        "Inscrit le",
        "Annulée le",
    ]
    assert rows[1][0] == "Webinaire de présentation"
    assert rows[1][2:6] == ["Camille Martin", "camille@exemple.gouv.fr", "Préfecture", "À distance"]
    assert AuditEvent.objects.filter(action="export.registrations").count() == 1


def test_registrations_export_denies_other_programmes_and_non_staff(client, registration):
    client.force_login(staff_of(ProgrammeFactory()))
    assert client.get(registrations_url(registration.info_session.call_id, "csv")).status_code == 404
    client.force_login(UserFactory())
    assert client.get(registrations_url(registration.info_session.call_id, "csv")).status_code == 403


def test_job_pages_require_a_staff_role(client, staff_client, session, small_threshold):
    make_dossiers(session, 2)
    job_url = staff_client.get(export_url("xlsx")).url
    client.force_login(UserFactory())
    assert client.get(job_url).status_code == 403
    assert client.get(job_url + "fichier/").status_code == 403


def test_export_files_are_removed_once_their_job_expired(
    staff_client, session, small_threshold, django_capture_on_commit_callbacks
):
    from django.core.cache import cache
    from django.core.files.storage import default_storage

    from applications import tasks_exports
    from portal.jobs import job_key
    from portal.services.files import orphan_files_purge

    make_dossiers(session, 2)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = staff_client.get(export_url("xlsx")).url.rstrip("/").rsplit("/", 1)[1]
    [name] = default_storage.listdir(tasks_exports.EXPORT_DIR)[1]
    later = timezone.now() + timedelta(days=2)
    assert orphan_files_purge(now=later) == []  # its job still knows it: the link works
    cache.delete(job_key(job_id))  # the job expires (JOB_TIMEOUT)
    assert orphan_files_purge(now=timezone.now()) == []  # a fresh file is left alone
    assert orphan_files_purge(now=later) == [f"{tasks_exports.EXPORT_DIR}/{name}"]
    assert default_storage.listdir(tasks_exports.EXPORT_DIR)[1] == []
