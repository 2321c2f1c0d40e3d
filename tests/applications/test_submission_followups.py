"""What a submission leaves to tasks: the receipt on its own queue, made from the submitted version."""

import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from applications.models import DossierSnapshot
from applications.services import drafting, exchanges, receipts, submission
from portal.celery import app
from portal.models import TaskOutbox
from tests.applications.conftest import complete
from tests.applications.test_workflow import staff_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(dossier, member, pdf_file):
    return complete(dossier, member.user, pdf_file)


def _queue(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_receipts_have_their_own_queue_and_the_rest_the_default_one(settings):
    assert _queue("applications.tasks.receipt_generate") == settings.RECEIPTS_QUEUE == "receipts"
    assert _queue("applications.tasks.receipts_sweep") == "receipts"
    assert _queue("portal.tasks.outbox_send_pending") == "celery"
    assert _queue("applications.tasks_exports.job_build") == "celery"
    # A message reaches one queue only: each queue has its own routing key.
    assert {queue.routing_key for queue in app.amqp.queues.values()} == {"celery", "receipts"}


def test_the_submit_request_renders_no_receipt(ready, member):
    snapshot = submission.dossier_submit(actor=member.user, dossier=ready, declaration=True)
    assert not snapshot.receipt
    assert TaskOutbox.objects.filter(
        task="applications.tasks.receipt_generate", kwargs={"snapshot_id": snapshot.pk}
    ).exists()


def _pdf_text(snapshot: DossierSnapshot) -> str:
    with snapshot.receipt.open("rb") as handle:
        return subprocess.run(
            ["pdftotext", "-", "-"], input=handle.read(), capture_output=True, check=True
        ).stdout.decode()


def test_a_late_receipt_shows_the_submitted_version_and_a_second_run_changes_nothing(ready, member, mailoutbox):
    """The receipt task may run long after the request (a queue behind a deadline, a broker outage): the
    dossier may have changed by then, its receipt still proves the version submitted."""
    snapshot = submission.dossier_submit(actor=member.user, dossier=ready, declaration=True)
    exchanges.complement_request_create(
        actor=staff_of(ready.theme.call.programme),
        dossier=ready,
        points=[{"section": "equipe", "message": "Précisez la cheffe de projet."}],
        due_at=timezone.now() + timedelta(days=7),
    )
    ready.refresh_from_db()
    drafting.dossier_save_section(
        actor=member.user,
        dossier=ready,
        section_key="equipe",
        base_version=ready.section_versions["equipe"],
        raw_answers={"chef": "nouvelle@example.gouv.fr"},
    )
    receipts.receipt_generate(snapshot_id=snapshot.pk)
    snapshot.refresh_from_db()
    text = _pdf_text(snapshot).replace("\n", "")
    assert snapshot.digest in text
    assert timezone.localtime(snapshot.submitted_at).strftime("%H:%M:%S") in text
    assert "nouvelle@example.gouv.fr" not in text
    name, sent = snapshot.receipt.name, len(mailoutbox)
    receipts.receipt_generate(snapshot_id=snapshot.pk)
    snapshot.refresh_from_db()
    assert snapshot.receipt.name == name and len(mailoutbox) == sent
