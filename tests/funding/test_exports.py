"""Portfolio exports: columns and one row per resource in XLSX, ODS and CSV, filters, scope, audit, query counts."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import tablib
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.workflow import DossierState
from calls.models import Phase
from funding.models import Convention, IndicatorReport, Milestone, Payment
from portal.models import AuditEvent, Role
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import ProgrammeFactory, SessionFactory, ThemeFactory
from tests.funding.conftest import role
from tests.portal.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
SIGNED = datetime(2026, 2, 10, 9, 30, tzinfo=PARIS)
COUNTERSIGNED = datetime(2026, 2, 12, 14, 0, tzinfo=PARIS)
REVIEWED = datetime(2026, 4, 1, 11, 0, tzinfo=PARIS)
RECORDED = datetime(2026, 2, 20, 17, 45, tzinfo=PARIS)
SUBMITTED = datetime(2026, 4, 20, 10, 0, tzinfo=PARIS)
INDICATORS = [
    {"label": "Avancement des jalons (%)", "frequency": "monthly"},
    {"label": "Dépenses engagées (€)", "frequency": "quarterly"},
]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def export_url(kind: str, fmt: str) -> str:
    return reverse("funding:portfolio_export", kwargs={"kind": kind, "fmt": fmt})


@pytest.fixture
def session(db):
    return SessionFactory(theme=ThemeFactory(code="SNAPX", title="Services numériques", indicators=INDICATORS))


@pytest.fixture
def member(db):
    member = MembershipFactory(organisation__name="Direction des usagers", organisation__siret="13002526500013")
    return member


@pytest.fixture
def staff(session):
    return role(UserFactory(), Role.PROGRAMME_STAFF, session.theme.call.programme)


@pytest.fixture
def operator(session):
    return role(UserFactory(first_name="Olga", last_name="Payeur"), Role.FUND_OPERATOR, session.theme.call.programme)


def funded_project(session, member, operator, *, reference: str, acronym: str):
    """In progress, convention v1 in force; advance paid, milestone tranche released, balance pending, one report."""
    dossier = DossierFactory(
        session=session,
        organisation=member.organisation,
        created_by=member.user,
        state=DossierState.IN_PROGRESS,
        reference=reference,
        acronym=acronym,
        title="Dématérialiser les autorisations",
        granted_amount=Decimal("100000"),
    )
    convention = Convention.objects.create(
        dossier=dossier,
        version=1,
        amount=Decimal("100000"),
        status=Convention.Status.IN_FORCE,
        carrier_signed_at=SIGNED,
        operator_signed_at=COUNTERSIGNED,
        in_force_at=COUNTERSIGNED,
    )
    milestone = Milestone.objects.create(
        dossier=dossier, label="Prototype en test", order=1, status=Milestone.Status.VALIDATED, reviewed_at=REVIEWED
    )
    advance = convention.tranches.create(
        order=1, label="Avance à la signature", amount=Decimal("30000"), condition="signature"
    )
    convention.tranches.create(
        order=2, label="Tranche prototype", amount=Decimal("40000"), condition="milestone", milestone=milestone
    )
    convention.tranches.create(order=3, label="Solde", amount=Decimal("30000"), condition="final_report")
    payment = Payment.objects.create(
        tranche=advance,
        paid_on=date(2026, 2, 20),
        amount=Decimal("30000"),
        reference="VIR-2026-001",
        recorded_by=operator,
    )
    Payment.objects.filter(pk=payment.pk).update(recorded_at=RECORDED)
    IndicatorReport.objects.create(
        dossier=dossier,
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        due_on=date(2026, 4, 15),
        values={"Dépenses engagées (€)": "=1+1", "Avancement des jalons (%)": "40"},
        submitted_at=SUBMITTED,
        submitted_by=member.user,
        is_late=True,
    )
    return dossier


@pytest.fixture
def project(session, member, operator):
    return funded_project(session, member, operator, reference="FIN-0001", acronym="DEMAUT")


def expected(kind: str, dossier, operator) -> tuple[list[str], list[list]]:
    """Headers and rows of one export of `project`; datetimes in naive Paris time."""
    theme = dossier.theme
    if kind == "conventions":
        return [
            "Numéro de dossier",
            "Acronyme",
            "Titre du projet",
            "Porteur",
            "SIRET du porteur",
            "Programme",
            "Thème",
            "État du projet",
            "Montant accordé (€)",
            "Convention",
            "Version en cours",
            "Signée par le porteur le",
            "Contresignée par l'opérateur le",
            "Montant engagé (€)",
            "Montant versé (€)",
            "Reste à verser (€)",
        ], [
            [
                "FIN-0001",
                "DEMAUT",
                "Dématérialiser les autorisations",
                "Direction des usagers",
                "13002526500013",
                theme.call.programme.name,
                "SNAPX — Services numériques",
                str(DossierState.IN_PROGRESS.label),
                Decimal("100000"),
                "En vigueur",
                1,
                datetime(2026, 2, 10, 9, 30),
                datetime(2026, 2, 12, 14, 0),
                Decimal("100000"),
                Decimal("30000"),
                Decimal("70000"),
            ]
        ]
    if kind == "tranches":
        project = ["FIN-0001", "DEMAUT", 1]
        return [
            "Numéro de dossier",
            "Acronyme",
            "Version de la convention",
            "Ordre",
            "Tranche",
            "Condition de versement",
            "Jalon",
            "Montant (€)",
            "État",
            "Libérée le",
            "Montant versé (€)",
            "Reste à verser (€)",
        ], [
            [
                *project,
                1,
                "Avance à la signature",
                "À la signature",
                None,
                Decimal("30000"),
                "Versée",
                datetime(2026, 2, 12, 14, 0),
                Decimal("30000"),
                Decimal("0"),
            ],
            [
                *project,
                2,
                "Tranche prototype",
                "Jalon validé",
                "Prototype en test",
                Decimal("40000"),
                "Libérée, à verser",
                datetime(2026, 4, 1, 11, 0),
                Decimal("0"),
                Decimal("40000"),
            ],
            [
                *project,
                3,
                "Solde",
                "Rapport final validé",
                None,
                Decimal("30000"),
                "En attente de sa condition",
                None,
                Decimal("0"),
                Decimal("30000"),
            ],
        ]
    if kind == "paiements":
        return [
            "Numéro de dossier",
            "Acronyme",
            "Version de la convention",
            "Tranche",
            "Montant (€)",
            "Date du paiement",
            "Référence du paiement",
            "Enregistré par",
            "Enregistré le",
        ], [
            [
                "FIN-0001",
                "DEMAUT",
                1,
                "Avance à la signature",
                Decimal("30000"),
                date(2026, 2, 20),
                "VIR-2026-001",
                "Olga Payeur",
                datetime(2026, 2, 20, 17, 45),
            ]
        ]
    report = ["FIN-0001", "DEMAUT", date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 15)]
    return [
        "Numéro de dossier",
        "Acronyme",
        "Début de la période",
        "Fin de la période",
        "À rendre avant le",
        "Indicateur",
        "Valeur déclarée",
        "État",
        "Transmis le",
    ], [
        # In the theme's order, whatever the order of the stored values; applicant text stays text.
        [*report, "Avancement des jalons (%)", "40", "Transmis en retard", datetime(2026, 4, 20, 10, 0)],
        [*report, "Dépenses engagées (€)", "'=1+1", "Transmis en retard", datetime(2026, 4, 20, 10, 0)],
    ]


KINDS = ["conventions", "tranches", "paiements", "rapports"]


def typed(value):
    """A spreadsheet cell as the resource wrote it: numbers as Decimal, midnight datetimes as dates, no empty strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    return None if value == "" else value


def normalised(rows) -> list[list]:
    return [[typed(value) for value in row] for row in rows]


def csv_rows(response) -> list[list[str]]:
    assert response.streaming
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))


def read(response, fmt: str) -> list[list]:
    """Every row of an export, headers first."""
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    if fmt == "csv":
        return csv_rows(response)
    if fmt == "xlsx":
        return [
            list(row) for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
        ]
    dataset = tablib.Dataset().load(response.content, format="ods")
    return [list(dataset.headers), *[list(row) for row in dataset]]


# --- Columns and rows, in the three formats ------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_spreadsheets_have_french_headers_and_typed_rows(kind, fmt, project, staff, operator):
    rows = read(client_for(staff).get(export_url(kind, fmt)), fmt)
    headers, expected_rows = expected(kind, project, operator)
    assert rows[0] == headers
    assert normalised(rows[1:]) == normalised(expected_rows)


@pytest.mark.parametrize("kind", KINDS)
def test_xlsx_money_and_dates_have_french_formats(kind, project, staff, operator):
    response = client_for(staff).get(export_url(kind, "xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    _headers, expected_rows = expected(kind, project, operator)
    for column, value in enumerate(expected_rows[0], start=1):
        cell = sheet.cell(row=2, column=column)
        if isinstance(value, Decimal):
            assert cell.number_format == '#,##0.00 "€"', cell.coordinate
        elif isinstance(value, datetime):
            assert cell.number_format == "dd/mm/yyyy hh:mm", cell.coordinate


def test_csv_is_streamed_with_french_numbers_and_dates(project, staff, operator):
    client = client_for(staff)
    conventions = csv_rows(client.get(export_url("conventions", "csv")))
    assert conventions[0] == expected("conventions", project, operator)[0]
    assert conventions[1] == [
        "FIN-0001",
        "DEMAUT",
        "Dématérialiser les autorisations",
        "Direction des usagers",
        "13002526500013",
        project.theme.call.programme.name,
        "SNAPX — Services numériques",
        str(DossierState.IN_PROGRESS.label),
        "100000,00",
        "En vigueur",
        "1",
        "10/02/2026 09:30:00",
        "12/02/2026 14:00:00",
        "100000,00",
        "30000,00",
        "70000,00",
    ]
    tranches = csv_rows(client.get(export_url("tranches", "csv")))
    assert tranches[0] == expected("tranches", project, operator)[0]
    assert tranches[2] == [
        "FIN-0001",
        "DEMAUT",
        "1",
        "2",
        "Tranche prototype",
        "Jalon validé",
        "Prototype en test",
        "40000,00",
        "Libérée, à verser",
        "01/04/2026 11:00:00",
        "0,00",
        "40000,00",
    ]
    payments = csv_rows(client.get(export_url("paiements", "csv")))
    assert payments[0] == expected("paiements", project, operator)[0]
    assert payments[1] == [
        "FIN-0001",
        "DEMAUT",
        "1",
        "Avance à la signature",
        "30000,00",
        "20/02/2026",
        "VIR-2026-001",
        "Olga Payeur",
        "20/02/2026 17:45:00",
    ]
    reports = csv_rows(client.get(export_url("rapports", "csv")))
    assert reports[0] == expected("rapports", project, operator)[0]
    assert reports[2] == [
        "FIN-0001",
        "DEMAUT",
        "01/03/2026",
        "31/03/2026",
        "15/04/2026",
        "Dépenses engagées (€)",
        "'=1+1",
        "Transmis en retard",
        "20/04/2026 10:00:00",
    ]


def test_applicant_text_cannot_become_a_spreadsheet_formula(project, staff):
    project.acronym = '=HYPERLINK("http://x")'
    project.save()
    sheet = openpyxl.load_workbook(io.BytesIO(client_for(staff).get(export_url("conventions", "xlsx")).content)).active
    assert sheet["B2"].data_type == "s" and sheet["B2"].value.startswith("'=")


def test_tranches_count_the_payments_of_the_amended_version(project, staff):
    """An amendment in force: its tranches only, each counting what was paid on the version it replaces."""
    v1 = project.conventions.get()
    v1.status = Convention.Status.SUPERSEDED
    v1.save()
    v2 = Convention.objects.create(
        dossier=project,
        version=2,
        previous=v1,
        amount=Decimal("100000"),
        status=Convention.Status.IN_FORCE,
        in_force_at=REVIEWED,
    )
    for tranche in v1.tranches.all():
        v2.tranches.create(
            order=tranche.order,
            label=tranche.label,
            amount=tranche.amount,
            condition=tranche.condition,
            milestone=tranche.milestone,
            previous=tranche,
        )
    rows = csv_rows(client_for(staff).get(export_url("tranches", "csv")))
    assert [(row[2], row[4], row[8], row[10]) for row in rows[1:]] == [
        ("2", "Avance à la signature", "Versée", "30000,00"),
        ("2", "Tranche prototype", "Libérée, à verser", "0,00"),
        ("2", "Solde", "En attente de sa condition", "0,00"),
    ]


def test_a_tranche_waits_for_the_previous_phase_like_its_payment_form(project, session, member, operator, staff):
    """`release_blocker`: a milestone of the project's earlier phase still open holds every tranche back."""
    first, second = (
        Phase.objects.create(theme=session.theme, key=f"phase-{order}", label=f"Phase {order}", order=order)
        for order in (1, 2)
    )
    earlier = DossierFactory(
        session=session,
        organisation=member.organisation,
        created_by=member.user,
        state=DossierState.CLOSED,
        project_key="demaut",
        phase=first,
    )
    Milestone.objects.create(dossier=earlier, label="Fin de phase 1", status=Milestone.Status.DECLARED)
    project.project_key, project.phase = "demaut", second
    project.save()
    rows = csv_rows(client_for(staff).get(export_url("tranches", "csv"), {"q": "DEMAUT"}))
    assert [(row[4], row[8], row[9]) for row in rows[1:]] == [
        ("Avance à la signature", "Versée", ""),
        ("Tranche prototype", "En attente de sa condition", ""),
        ("Solde", "En attente de sa condition", ""),
    ]


def test_the_grant_is_committed_once_the_carrier_signed_as_on_the_dashboard(session, member, staff):
    for reference, status in (("FIN-0008", Convention.Status.SENT), ("FIN-0009", Convention.Status.SIGNED_BY_CARRIER)):
        dossier = DossierFactory(
            session=session,
            organisation=member.organisation,
            created_by=member.user,
            state=DossierState.CONVENTION,
            reference=reference,
            granted_amount=Decimal("5000"),
        )
        Convention.objects.create(
            dossier=dossier,
            version=1,
            amount=Decimal("5000"),
            status=status,
            carrier_signed_at=SIGNED if status == Convention.Status.SIGNED_BY_CARRIER else None,
        )
    DossierFactory(
        session=session,
        organisation=member.organisation,
        created_by=member.user,
        state=DossierState.SELECTED,
        reference="FIN-0010",
        granted_amount=Decimal("5000"),
    )
    client = client_for(staff)
    rows = csv_rows(client.get(export_url("conventions", "csv")))
    assert [[row[0], *row[9:]] for row in rows[1:]] == [
        ["FIN-0008", "Envoyée au porteur", "1", "", "", "", "0,00", ""],
        ["FIN-0009", "Signée par le porteur", "1", "10/02/2026 09:30:00", "", "5000,00", "0,00", "5000,00"],
        ["FIN-0010", "Pas encore générée", "", "", "", "", "0,00", ""],
    ]
    rows = csv_rows(client.get(export_url("conventions", "csv"), {"convention": "signed"}))
    assert [row[0] for row in rows[1:]] == ["FIN-0009"]


# --- Filters, scope, permissions, audit -----------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_export_holds_what_the_filtered_portfolio_shows(kind, project, session, member, operator, staff):
    funded_project(session, member, operator, reference="FIN-0002", acronym="AUTRE")
    client = client_for(staff)
    listed = [row.reference for row in client.get(reverse("funding:portfolio"), {"q": "DEMAUT"}).context["rows"]]
    assert listed == ["FIN-0001"]
    rows = csv_rows(client.get(export_url(kind, "csv"), {"q": "DEMAUT"}))
    assert {row[0] for row in rows[1:]} == {"FIN-0001"}
    rows = csv_rows(client.get(export_url(kind, "csv"), {"convention": "sent"}))
    assert rows[1:] == []
    rows = csv_rows(client.get(export_url(kind, "csv")))
    assert {row[0] for row in rows[1:]} == {"FIN-0001", "FIN-0002"}


def test_export_never_holds_another_programmes_projects(project, staff, operator):
    other_member = MembershipFactory()
    funded_project(
        SessionFactory(theme=ThemeFactory(indicators=INDICATORS)),
        other_member,
        operator,
        reference="OTHER-0001",
        acronym="AILLEURS",
    )
    for kind in KINDS:
        rows = csv_rows(client_for(staff).get(export_url(kind, "csv")))
        assert {row[0] for row in rows[1:]} == {"FIN-0001"}, kind


def test_a_programme_filter_outside_the_users_scope_is_404(project, staff):
    other = ProgrammeFactory()
    assert client_for(staff).get(export_url("conventions", "xlsx"), {"programme": other.pk}).status_code == 404


def test_unknown_kind_or_format_is_404(staff):
    client = client_for(staff)
    assert client.get(export_url("jalons", "csv")).status_code == 404
    assert client.get(export_url("conventions", "pdf")).status_code == 404


def test_export_is_denied_like_the_portfolio(project, member):
    """The applicant gets 403 like on the portfolio; another programme's staff get their own (empty) portfolio."""
    other_staff = role(UserFactory(), Role.PROGRAMME_STAFF, ProgrammeFactory())
    for kind in KINDS:
        url = export_url(kind, "csv")
        assert client_for(member.user).get(reverse("funding:portfolio")).status_code == 403
        assert client_for(member.user).get(url).status_code == 403
        assert client_for(UserFactory()).get(url).status_code == 403
        assert client_for(other_staff).get(reverse("funding:portfolio")).status_code == 200
        assert csv_rows(client_for(other_staff).get(url))[1:] == []
        response = Client().get(url)
        assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    assert not AuditEvent.objects.filter(action__startswith="export.funding_", actor=member.user).exists()


def test_fund_operator_exports_their_programme(project, operator):
    rows = csv_rows(client_for(operator).get(export_url("paiements", "csv")))
    assert [row[0] for row in rows[1:]] == ["FIN-0001"]


def test_each_export_is_audited(project, staff):
    client_for(staff).get(export_url("tranches", "ods"), {"q": "DEMAUT"})
    event = AuditEvent.objects.get(action="export.funding_tranches")
    assert event.actor == staff
    assert event.data == {"format": "ods", "filters": "q=DEMAUT"}


def test_portfolio_shows_export_links_with_the_filters(project, staff):
    content = client_for(staff).get(reverse("funding:portfolio"), {"q": "DEMAUT"}).content.decode()
    for kind in KINDS:
        for fmt in ("xlsx", "ods", "csv"):
            assert f'href="{export_url(kind, fmt)}?q=DEMAUT"' in content


# --- Query counts ---------------------------------------------------------------------------


def export_queries(client, kind: str, fmt: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(export_url(kind, fmt))
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_query_count_does_not_grow_with_the_projects(fmt, session, member, operator, staff):
    funded_project(session, member, operator, reference="FIN-0001", acronym="P1")
    client = client_for(staff)
    client.get(reverse("funding:portfolio"))  # the session's first save is behind us
    one = {kind: export_queries(client, kind, fmt) for kind in KINDS}
    for index in range(2, 6):
        funded_project(session, member, operator, reference=f"FIN-000{index}", acronym=f"P{index}")
    five = {kind: export_queries(client, kind, fmt) for kind in KINDS}
    assert five == one
