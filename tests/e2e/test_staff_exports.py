"""Programme staff filter the dossier list, export it to XLSX, open the dashboard and drill down."""

from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portal.models import Role
from portal.services import role_assign
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import CallFactory, ProgrammeFactory, SessionFactory, ThemeFactory
from tests.portal.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_server, email: str) -> None:
    page.goto(live_server.url + reverse("account_login"))
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_staff_export_the_filtered_list_and_drill_down_from_the_dashboard(
    page, live_server, assert_accessible, tmp_path
):
    programme = ProgrammeFactory(name="France Relance TNE")
    session = SessionFactory(
        theme=ThemeFactory(call=CallFactory(programme=programme), code="ITN6"), name="Session de mars"
    )
    DossierFactory(
        session=session,
        selected=True,
        acronym="RETENU",
        requested_amount=Decimal("50000"),
        granted_amount=Decimal("40000"),
    )
    DossierFactory(session=session, submitted=True, acronym="DEPOSE", requested_amount=Decimal("30000"))
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    log_in(page, live_server, user.email)

    # Filter the list, then export exactly what it shows.
    page.goto(live_server.url + reverse("applications:staff_list"))
    page.locator("#id_statut").select_option("selected")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("table")).to_contain_text("RETENU")
    expect(page.get_by_role("table")).not_to_contain_text("DEPOSE")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter en XLSX (Excel)").click()
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(target)
    assert target.suffix == ".xlsx"
    rows = list(openpyxl.load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0][0] == "Numéro de dossier"
    assert [row[1] for row in rows[1:]] == ["RETENU"]

    # The dashboard, and from a figure to the dossiers behind it.
    page.goto(live_server.url + reverse("dashboard:index"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord des programmes")
    assert_accessible(page)
    page.get_by_role("link", name="1 dossier à l'état Déposé").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Instruction des dossiers")
    expect(page.get_by_role("table")).to_contain_text("DEPOSE")
    expect(page.get_by_role("table")).not_to_contain_text("RETENU")


def test_large_export_shows_its_progress_page_and_download_link(
    page, live_server, assert_accessible, tmp_path, monkeypatch
):
    from applications import exports

    monkeypatch.setattr(exports, "EXPORT_ASYNC_THRESHOLD", 1)  # any list with two rows counts as large
    programme = ProgrammeFactory()
    session = SessionFactory(theme=ThemeFactory(call=CallFactory(programme=programme)))
    for acronym in ("UN", "DEUX"):
        DossierFactory(session=session, submitted=True, acronym=acronym)
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    log_in(page, live_server, user.email)

    page.goto(live_server.url + reverse("applications:staff_list"))
    page.get_by_role("link", name="Exporter en ODS (LibreOffice)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Export des dossiers")
    expect(page.get_by_text("Le fichier est prêt : 2 dossiers.")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger l'export").click()
    assert download_info.value.suggested_filename.endswith(".ods")


def test_staff_import_organisations_after_fixing_the_file(page, live_server, assert_accessible, tmp_path):
    from portal.models import Organisation

    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=ProgrammeFactory())
    log_in(page, live_server, user.email)
    page.goto(live_server.url + reverse("imports:organisations"))
    assert_accessible(page)

    wrong = tmp_path / "organisations.csv"
    wrong.write_text("Nom;Type;SIRET\nDirection A;ministere;\nDirection B;association;123\n", encoding="utf-8")
    page.get_by_label("Fichier des organisations").set_input_files(wrong)
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_role("alert")).to_contain_text("aucune organisation n'a été importée")
    expect(page.get_by_role("table")).to_contain_text("Type inconnu")
    assert_accessible(page)

    fixed = tmp_path / "organisations-corrige.csv"
    fixed.write_text("Nom;Type;SIRET\nDirection A;ministere;\nDirection B;operateur;\n", encoding="utf-8")
    page.get_by_label("Fichier des organisations").set_input_files(fixed)
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_role("heading", name="Aperçu : 2 organisations à créer")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer l'import").click()
    expect(page.get_by_text("2 organisations importées.")).to_be_visible()
    assert Organisation.objects.filter(name__startswith="Direction ").count() == 2
