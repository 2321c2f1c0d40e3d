"""Staff hand a control body a whole dossier: from the dossier's page to its archive, checked against its manifest."""

import hashlib
import json
import zipfile

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.applications.conftest import member, pdf_file, session, theme  # noqa: F401
from tests.archives.conftest import programme, submitted  # noqa: F401
from tests.e2e.test_staff_exports import log_in
from tests.funding.conftest import staff  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def export_dossier_archive(page, assert_accessible, tmp_path) -> list[dict]:
    """From a staff dossier page: prepare the dossier's archive, download it, check every file against the
    manifest (listed once, same digest, nothing unlisted); returns the manifest."""
    page.get_by_role("link", name="Dossier complet et archives").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dossier complet et archives")
    assert_accessible(page)
    page.get_by_role("button", name="Préparer l'archive du dossier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Archive pour un organisme de contrôle")
    expect(page.get_by_text("Le fichier est prêt")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger l'archive").click()
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(target)
    with zipfile.ZipFile(target) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert sorted(entry["path"] for entry in manifest) == sorted(
            set(archive.namelist()) - {"manifest.csv", "manifest.json"}
        )
        for entry in manifest:
            assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
    return manifest


def test_staff_export_a_dossier_archive_for_a_control_body(
    page, live_server, assert_accessible, tmp_path, submitted, staff
):
    dossier = submitted[0]
    log_in(page, live_server, staff.email)
    page.goto(live_server.url + reverse("applications:staff_dossier", args=[dossier.pk]))
    manifest = export_dossier_archive(page, assert_accessible, tmp_path)
    assert {entry["kind"] for entry in manifest} == {"dossier_pdf", "piece", "recepisse"}

    # The session's archive, from the same page.
    page.get_by_role("link", name="Revenir aux archives").click()
    page.get_by_role("link", name="Préparer l'archive de la session").click()
    expect(page.get_by_text("L'archive contiendra 2 dossiers déposés")).to_be_visible()
    assert_accessible(page)
