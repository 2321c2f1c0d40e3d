"""Jury exports in XLSX, ODS and CSV: the staff's score sheets and ranking, the juror's own sheets.

The juror's export never holds a dossier they declared a conflict on; a staff export covers
only a jury of the staff's programmes; the number of queries does not grow with the rows.
"""

import csv
import io

import openpyxl
import pytest
import tablib
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from juries.models import Assignment
from juries.resources import RankingResource
from juries.services import conflicts, evaluation, juries
from portal.models import AuditEvent, Role
from portal.services import role_assign
from tests.calls.model_factories import ProgrammeFactory
from tests.juries.conftest import sheet
from tests.juries.test_query_counts import populate
from tests.portal.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

FORMATS = ["xlsx", "ods", "csv"]
CRITERIA_COLUMNS = [
    "A Intérêt pour l'usager — note",
    "A Intérêt pour l'usager — commentaire",
    "B1 Équipe — note",
    "B1 Équipe — commentaire",
    "B2 Calendrier — note",
    "B2 Calendrier — commentaire",
]


def read(response, fmt: str) -> list[list[str]]:
    """The sheet as rows of text (header first), whatever the format; numbers as French CSV writes them."""
    if fmt == "csv":
        content = b"".join(response.streaming_content).decode("utf-8")
        assert content.startswith("\ufeff")
        return list(csv.reader(io.StringIO(content[1:]), delimiter=";"))
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    else:
        dataset = tablib.Dataset().load(response.content, format="ods")
        rows = [list(dataset.headers), *(list(row) for row in dataset)]
    return [[_text(value) for value in row] for row in rows]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def export(client, name: str, jury, fmt: str):
    response = client.get(reverse(f"juries:{name}", args=[jury.pk, fmt]))
    assert response.status_code == 200, response.status_code
    return response


@pytest.fixture
def scored(jury, members, reviewed):
    """Chair and juror submitted their sheets on the first dossier; the expert scored the second, then declared a conflict."""
    first, second = reviewed[0], reviewed[1]
    chair, juror, expert = members
    for member, dossier in [(chair, first), (juror, first), (expert, first), (expert, second)]:
        Assignment.objects.create(member=member, dossier=dossier)
    for member, dossier, a in [(chair, first, "4"), (juror, first, "3"), (expert, second, "5")]:
        assignment = Assignment.objects.get(member=member, dossier=dossier)
        evaluation.evaluation_save(
            actor=member.user,
            assignment=assignment,
            scores=sheet(a=a, b1_na=member is chair),
            opinion="=Projet utile." if member is chair else "Avis.",
            recommendation="fund",
        )
        evaluation.evaluation_submit(actor=member.user, assignment=assignment)
    conflicts.conflict_declare(
        actor=expert.user, member=expert, dossier=second, status="conflict", reason="Ancien employeur."
    )
    return reviewed


@pytest.mark.parametrize("fmt", FORMATS)
def test_staff_evaluations_export_has_a_score_and_a_comment_column_per_criterion(
    client, staff, jury, members, scored, fmt
):
    chair = members[0]
    client.force_login(staff)
    rows = read(export(client, "evaluations_export", jury, fmt), fmt)
    assert rows[0] == [
        "Dossier",
        "Acronyme",
        "Porteur",
        "Juré·e",
        *CRITERIA_COLUMNS,
        "Note pondérée (sur 100)",
        "Avis motivé",
        "Recommandation",
        "Transmise le",
    ]
    by_juror = {row[3]: row for row in rows[1:]}
    # The expert's sheet on the dossier they later declared a conflict on counts nowhere.
    assert len(rows) == 3 and str(members[2].user) not in by_juror
    row = by_juror[str(chair.user)]
    assert row[:3] == [scored[0].reference, scored[0].acronym, scored[0].organisation.name]
    assert row[4:10] == ["4,00", "Argumenté.", "non applicable", "Argumenté.", "6,00", "Argumenté."]
    assert row[11:13] == ["'=Projet utile.", "Financer"]  # a juror's text never runs as a formula
    assert row[10] and row[13]
    event = AuditEvent.objects.get(action="export.jury_evaluations")
    assert event.actor == staff and event.data == {"format": fmt}


@pytest.mark.parametrize("fmt", FORMATS)
def test_ranking_export_header_and_rows_come_from_the_resource(client, staff, jury, scored, fmt):
    client.force_login(staff)
    rows = read(export(client, "ranking_export", jury, fmt), fmt)
    assert rows[0] == RankingResource().get_export_headers()
    assert rows[0][:6] == ["Rang", "Dossier", "Acronyme", "Porteur", "Note (sur 100)", "Source"]
    first = next(row for row in rows[1:] if row[1] == scored[0].reference)
    assert first[0] in ("1", "1,00")
    assert first[5] == "moyenne" and first[6] in ("2", "2,00")
    assert AuditEvent.objects.get(action="export.jury_ranking").data == {"format": fmt}


@pytest.mark.parametrize("fmt", FORMATS)
def test_juror_export_never_holds_a_dossier_of_a_declared_conflict(client, jury, members, scored, fmt):
    expert = members[2]
    client.force_login(expert.user)
    rows = read(export(client, "juror_export", jury, fmt), fmt)
    assert rows[0][:4] == ["Dossier", "Acronyme", "Porteur", "Mon évaluation"]
    cells = {cell for row in rows for cell in row}
    assert scored[1].reference not in cells and scored[1].acronym not in cells
    assert {row[0] for row in rows[1:]} == {scored[0].reference}  # the only other dossier assigned to them
    assert AuditEvent.objects.get(action="export.juror_sheets").data == {"format": fmt}


def test_juror_export_holds_their_own_scores(client, jury, members, scored):
    client.force_login(members[1].user)
    rows = read(export(client, "juror_export", jury, "csv"), "csv")
    assert rows[1][:5] == [scored[0].reference, scored[0].acronym, scored[0].organisation.name, "transmise", "3,00"]


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(context.captured_queries)


def test_exports_query_count_does_not_grow_with_the_rows(client, staff, jury, members, session):
    urls = [
        reverse("juries:evaluations_export", args=[jury.pk, "xlsx"]),
        reverse("juries:ranking_export", args=[jury.pk, "csv"]),
    ]
    mine = reverse("juries:juror_export", args=[jury.pk, "ods"])
    populate(jury, members, session, 3, 0)
    client.force_login(staff)
    few = [queries(client, url) for url in urls]
    client.force_login(members[1].user)
    few.append(queries(client, mine))
    populate(jury, members, session, 40, 3)
    client.force_login(staff)
    many = [queries(client, url) for url in urls]
    client.force_login(members[1].user)
    many.append(queries(client, mine))
    assert many == few


def test_staff_exports_are_refused_outside_the_staffs_programmes(client, jury, members, scored):
    other_staff = UserFactory()
    role_assign(actor=None, user=other_staff, role=Role.PROGRAMME_STAFF, scope=ProgrammeFactory())
    applicant = MembershipFactory().user
    staff_urls = [
        reverse(f"juries:{name}", args=[jury.pk, fmt])
        for name in ("evaluations_export", "ranking_export")
        for fmt in FORMATS
    ]
    for user, status in [(other_staff, 404), (applicant, 403), (members[0].user, 403)]:
        client.force_login(user)
        for url in staff_urls:
            assert client.get(url).status_code == status, (user, url)
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()


def test_juror_export_is_refused_to_staff_and_to_another_jurys_juror(client, staff, jury, members, scored):
    url = reverse("juries:juror_export", args=[jury.pk, "csv"])
    client.force_login(staff)
    assert client.get(url).status_code == 403
    other_jury = juries.jury_create(actor=staff, call=jury.call, name="Autre jury")
    outsider = juries.member_add(actor=staff, jury=other_jury, user=UserFactory()).user
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_an_unknown_format_is_not_found(client, staff, jury, members):
    client.force_login(staff)
    assert client.get(reverse("juries:ranking_export", args=[jury.pk, "pdf"])).status_code == 404
    client.force_login(members[0].user)
    assert client.get(reverse("juries:juror_export", args=[jury.pk, "txt"])).status_code == 404


def test_xlsx_shows_money_in_euros_and_scores_as_plain_numbers(client, staff, jury, scored):
    client.force_login(staff)
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "ranking_export", jury, "xlsx").content)).active
    header = [cell.value for cell in sheet[1]]
    first = sheet[2]
    assert sheet.title == "Classement"
    assert "€" in first[header.index("Cumul")].number_format
    assert "€" not in first[header.index("Note (sur 100)")].number_format
    assert isinstance(first[header.index("Note (sur 100)")].value, float)


def test_ranking_export_reads_the_consensus_where_there_is_one(client, staff, jury, members, scored):
    evaluation.consensus_record(
        actor=members[0].user,
        jury=jury,
        dossier=scored[0],
        scores=sheet(a="5"),
        opinion="Consensus : projet solide.",
        recommendation="fund_with_conditions",
    )
    client.force_login(staff)
    rows = read(export(client, "ranking_export", jury, "csv"), "csv")
    row = dict(zip(rows[0], next(row for row in rows[1:] if row[1] == scored[0].reference), strict=True))
    assert row["Source"] == "consensus" and row["Recommandation du consensus"] == "Financer sous conditions"
    assert row["Avis de consensus"] == "Consensus : projet solide." and row["Sous un seuil"] == "non"
