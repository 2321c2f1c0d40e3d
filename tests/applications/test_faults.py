"""Faults: a broker outage during a submission, a dropped database connection during an autosave,
a receipt task run twice. Nothing is lost, nothing is half-written, nothing is duplicated."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from applications.models import Dossier, DossierSnapshot
from applications.services import drafting, receipts, submission
from applications.workflow import DossierState
from tests.applications.conftest import complete, ready_to_submit

pytestmark = pytest.mark.django_db


def test_submission_commits_when_the_broker_is_down_and_the_receipt_follows_after_recovery(
    dossier, member, pdf_file, broker_down, django_capture_on_commit_callbacks
):
    ready = complete(dossier, member.user, pdf_file)
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = submission.dossier_submit(actor=member.user, dossier=ready, declaration=True)
    assert Dossier.objects.get(pk=ready.pk).state == DossierState.SUBMITTED
    snapshot.refresh_from_db()
    assert not snapshot.receipt
    # The broker is back: the periodic sweep produces the missing receipt, once.
    DossierSnapshot.objects.filter(pk=snapshot.pk).update(submitted_at=timezone.now() - timedelta(minutes=5))
    assert receipts.receipts_generate_missing() == 1
    assert receipts.receipts_generate_missing() == 0
    snapshot.refresh_from_db()
    assert snapshot.receipt


def test_receipt_task_run_twice_keeps_one_file(dossier, member, pdf_file):
    ready = complete(dossier, member.user, pdf_file)
    snapshot = submission.dossier_submit(actor=member.user, dossier=ready, declaration=True)
    first = receipts.receipt_generate(snapshot_id=snapshot.pk).receipt.name
    assert receipts.receipt_generate(snapshot_id=snapshot.pk).receipt.name == first


def test_a_dropped_connection_during_an_autosave_writes_nothing(dossier, member):
    with mock.patch("applications.services.drafting.audit_record", side_effect=OperationalError("connexion perdue")):
        with pytest.raises(OperationalError):
            drafting.dossier_save_section(
                actor=member.user,
                dossier=dossier,
                section_key="projet",
                base_version=0,
                raw_answers={"probleme": "Texte qui ne doit pas rester à moitié écrit"},
            )
    dossier.refresh_from_db()
    assert dossier.answers == {} and dossier.version == 1 and dossier.section_versions == {}


def test_a_dropped_connection_during_a_budget_save_keeps_the_old_budget(dossier, member):
    line = {
        "label": "Prestation",
        "year": 2021,
        "phase": "",
        "category": "external_services",
        "source": "programme",
        "cofinancer_name": "",
        "amount": 30000,
    }
    drafting.budget_replace(actor=member.user, dossier=dossier, lines=[line], base_version=0)
    dossier.refresh_from_db()
    with mock.patch("applications.services.drafting.audit_record", side_effect=OperationalError("connexion perdue")):
        with pytest.raises(OperationalError):
            drafting.budget_replace(
                actor=member.user, dossier=dossier, lines=[], base_version=dossier.section_versions["_budget"]
            )
    assert dossier.budget_lines.count() == 1


def test_a_submit_that_meets_a_dropped_connection_stays_a_draft_and_keeps_the_input(dossier, member, pdf_file, client):
    ready = complete(dossier, member.user, pdf_file)
    client.force_login(member.user)
    url = reverse("applications:review", args=[ready.pk])
    with mock.patch(
        "applications.services.submission.snapshot_freeze", side_effect=OperationalError("connexion perdue")
    ):
        response = client.post(url, {"declaration": "on"})
    assert response.status_code == 503  # not a 500: a French « réessayez » page
    assert 'name="declaration" value="on"' in response.content.decode()
    assert Dossier.objects.get(pk=ready.pk).state == DossierState.DRAFT
    assert not DossierSnapshot.objects.filter(dossier=ready).exists()
    assert client.post(url, {"declaration": "on"}).status_code == 302  # the kept input, sent again
    assert Dossier.objects.get(pk=ready.pk).state == DossierState.SUBMITTED


def test_a_receipt_attempt_that_fails_after_writing_its_file_leaves_one_file(dossier, member, pdf_file):
    from django.core.files.storage import default_storage

    ready = complete(dossier, member.user, pdf_file)
    snapshot = submission.dossier_submit(actor=member.user, dossier=ready, declaration=True)  # receipt not made yet
    with mock.patch.object(receipts, "notify", side_effect=OperationalError("connexion perdue")):
        with pytest.raises(OperationalError):
            receipts.receipt_generate(snapshot_id=snapshot.pk)
    snapshot.refresh_from_db()
    assert not snapshot.receipt  # the row was rolled back; its file, at the snapshot's one name, stays
    receipts.receipt_generate(snapshot_id=snapshot.pk)  # the task's retry
    snapshot.refresh_from_db()
    assert default_storage.listdir("receipts")[1] == [snapshot.receipt.name.rsplit("/", 1)[1]]


def test_an_upload_whose_transaction_fails_leaves_no_file(dossier, member, pdf_file):
    from django.core.files.storage import default_storage

    from applications.services import attachments
    from portal.services.files import stored_files

    document = dossier.theme.required_documents.get()
    with mock.patch.object(attachments, "audit_record", side_effect=OperationalError("connexion perdue")):
        with pytest.raises(OperationalError):
            attachments.attachment_upload(
                actor=member.user, dossier=dossier, required_document=document, uploaded_file=pdf_file()
            )
    assert not dossier.attachments.exists()
    assert list(stored_files(default_storage)) == []


@pytest.mark.services
def test_submissions_during_a_broker_outage_get_their_receipt_once_after_recovery(
    private_broker, session, member, pdf_file, client, mailoutbox, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    from portal.models import OutboxMessage, TaskOutbox
    from portal.services.files import orphan_files
    from portal.services.task_outbox import task_outbox_publish_pending
    from tests.brokers import queued, run_queued_tasks, start_redis, stop_redis

    dossiers = ready_to_submit(session=session, member=member, pdf_file=pdf_file, count=3, acronym="REDIS")
    client.force_login(member.user)
    stop_redis(private_broker)
    for dossier in dossiers:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("applications:review", args=[dossier.pk]), {"declaration": "on"})
        assert response.status_code == 302  # deposited, without waiting for Redis
    assert Dossier.objects.filter(state=DossierState.SUBMITTED).count() == 3
    assert TaskOutbox.objects.filter(task="applications.tasks.receipt_generate").count() == 3

    start_redis(private_broker)
    # Beat's sweep, once Redis is back: the 3 receipts and the 3 e-mails announcing the submissions.
    assert task_outbox_publish_pending(min_age_seconds=0) == 6
    assert queued(private_broker) == 6
    broker_url = f"redis://127.0.0.1:{private_broker}/0"
    with django_capture_on_commit_callbacks(execute=True):
        # Each message run twice, as after a lost acknowledgement: the second run changes nothing.
        ran = run_queued_tasks(broker_url, times=2)
    assert ran.count("applications.tasks.receipt_generate") == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert run_queued_tasks(broker_url, times=2)  # the e-mails the receipts asked for
    snapshots = DossierSnapshot.objects.all()
    assert snapshots.count() == 3 and all(snapshot.receipt for snapshot in snapshots)
    assert len(default_storage.listdir("receipts")[1]) == 3
    assert orphan_files(now=timezone.now() + timedelta(minutes=1), grace_hours=0) == []
    assert OutboxMessage.objects.filter(event="dossier_receipt", status=OutboxMessage.Status.SENT).count() == 3
    assert not OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT).exists()
    assert len(mailoutbox) == OutboxMessage.objects.count()  # each e-mail sent once, though its task ran twice
    assert not TaskOutbox.objects.exists() and queued(private_broker) == 0
