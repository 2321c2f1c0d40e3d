"""Dossier files on an S3-compatible object store (tests/object_storage.py; moto in CI): an upload lands in
the bucket under its random key, the receipt and the exports are written there, and each is served only
after the permission check, streamed from the bucket."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import exports
from applications.services import submission
from portal.models import Role
from portal.services import role_assign
from portal.services.files import orphan_files_purge
from tests.applications.conftest import complete
from tests.calls.model_factories import ProgrammeFactory
from tests.portal.factories import MembershipFactory, UserFactory
from tests.portal.upload_corpus import pdf, upload

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def staff_of(programme):
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    return user


def test_an_upload_lands_in_the_bucket_and_only_its_dossiers_people_read_it(client, object_store, dossier, member):
    client.force_login(member.user)
    document = dossier.theme.required_documents.get()
    client.post(
        reverse("applications:documents", args=[dossier.pk]),
        {"document": document.pk, "file": upload("Lettre signée.pdf", pdf())},
    )
    attachment = dossier.attachments.get()
    assert attachment.file.name.startswith(f"dossiers/{dossier.pk}/")
    assert object_store.keys() == {attachment.file.name}
    assert object_store.read(attachment.file.name) == pdf()

    url = reverse("applications:document_download", args=[dossier.pk, attachment.pk])
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == pdf()
    # Another applicant (of another organisation), then nobody signed in: never the file.
    client.force_login(MembershipFactory().user)
    assert client.get(url).status_code == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and reverse("account_login") in response.url

    client.force_login(member.user)
    client.post(reverse("applications:document_delete", args=[dossier.pk, attachment.pk]))
    assert object_store.keys() == set()


def test_the_receipt_is_written_to_the_bucket_and_served_to_its_applicant_only(
    client, object_store, dossier, member, pdf_file, django_capture_on_commit_callbacks
):
    complete(dossier, member.user, pdf_file)
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = submission.dossier_submit(actor=member.user, dossier=dossier, declaration=True)
    snapshot.refresh_from_db()
    assert snapshot.receipt.name.startswith("receipts/")
    assert snapshot.receipt.name in object_store.keys()
    assert object_store.read(snapshot.receipt.name).startswith(b"%PDF")

    url = reverse("applications:receipt", args=[dossier.pk, snapshot.number])
    client.force_login(member.user)
    assert b"".join(client.get(url).streaming_content) == object_store.read(snapshot.receipt.name)
    client.force_login(MembershipFactory().user)
    assert client.get(url).status_code == 404


def test_an_export_is_built_in_the_bucket_and_unreachable_from_another_programme(
    client, object_store, dossier, member, pdf_file, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "EXPORT_ASYNC_THRESHOLD", 0)
    complete(dossier, member.user, pdf_file)
    submission.dossier_submit(actor=member.user, dossier=dossier, declaration=True)
    client.force_login(staff_of(dossier.theme.call.programme))
    with django_capture_on_commit_callbacks(execute=True):
        job_url = client.get(reverse("applications:staff_list_export", args=["xlsx"])).url
    job_id = job_url.rstrip("/").rsplit("/", 1)[1]
    assert f"exports/{job_id}.xlsx" in object_store.keys()
    download = client.get(job_url + "fichier/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == object_store.read(f"exports/{job_id}.xlsx")

    client.force_login(staff_of(ProgrammeFactory()))
    assert client.get(job_url + "fichier/").status_code == 404
    client.force_login(member.user)
    assert client.get(job_url + "fichier/").status_code == 403

    # The orphan sweep walks the bucket as it walks a directory: the export outlives its job, then goes.
    from django.core.cache import cache

    from portal.jobs import job_key

    cache.delete(job_key(job_id))
    removed = orphan_files_purge(now=timezone.now() + timedelta(days=2))
    assert removed == [f"exports/{job_id}.xlsx"]
    assert f"exports/{job_id}.xlsx" not in object_store.keys()
