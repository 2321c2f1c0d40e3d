import csv
import html
import io

import openpyxl
import pytest
from django.urls import reverse

from portal import services
from portal.models import Role
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import ProgrammeFactory
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier():
    dossier = DossierFactory()
    services.audit_record(actor=dossier.created_by, action="document.view", target=dossier)
    return dossier


def staff_client(client, programme):
    user = UserFactory()
    services.role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    client.force_login(user)
    return client


def test_staff_of_the_programme_sees_the_call_audit(client, dossier):
    call = dossier.theme.call
    content = html.unescape(
        staff_client(client, call.programme).get(reverse("audit:call_audit", args=[call.pk])).content.decode()
    )
    assert "Consultation d'un document" in content and "document.view" in content


@pytest.mark.parametrize(("who", "status"), [("applicant", 403), ("other_staff", 404)])
def test_others_are_refused(client, dossier, who, status):
    call = dossier.theme.call
    if who == "applicant":
        client.force_login(dossier.created_by)
    else:
        staff_client(client, ProgrammeFactory())
    assert client.get(reverse("audit:call_audit", args=[call.pk])).status_code == status
    assert client.get(reverse("audit:call_audit_export", args=[call.pk, "csv"])).status_code == status


def test_export_csv_for_french_excel_and_xlsx(client, dossier):
    call = dossier.theme.call
    staff_client(client, call.programme)
    response = client.get(reverse("audit:call_audit_export", args=[call.pk, "csv"]))
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Date", "Auteur", "Action", "Code de l'action"]
    assert ["Consultation d'un document", "document.view"] in [row[2:4] for row in rows[1:]]
    response = client.get(reverse("audit:call_audit_export", args=[call.pk, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]][:4] == ["Date", "Auteur", "Action", "Code de l'action"]
    # the export itself is audited
    assert "audit.export" in client.get(reverse("audit:call_audit", args=[call.pk])).content.decode()


def test_one_dossiers_history_from_its_staff_page(client, dossier):
    call = dossier.theme.call
    other = DossierFactory(session=dossier.session)
    services.audit_record(actor=other.created_by, action="document.view", target=other)
    staff_client(client, call.programme)
    page = html.unescape(client.get(reverse("applications:staff_dossier", args=[dossier.pk])).content.decode())
    link = f"{reverse('audit:call_audit', args=[call.pk])}?objet={dossier.reference}"
    assert link in page
    events = client.get(link).context["page"].object_list
    assert {event.target_label for event in events} == {str(dossier)}
