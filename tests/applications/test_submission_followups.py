"""What a submission leaves to tasks after its commit: the receipt (on its own queue, made from the submitted
version) and the members' e-mails, each once."""

import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from applications.models import DossierSnapshot
from applications.services import drafting, exchanges, receipts, submission
from portal.celery import app
from portal.models import OutboxMessage, TaskOutbox
from tests.applications.conftest import complete
from tests.applications.test_workflow import staff_of
from tests.portal.factories import MembershipFactory

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


def test_the_submit_request_renders_no_receipt_and_no_e_mail(ready, member):
    snapshot = submission.dossier_submit(actor=member.user, dossier=ready, declaration=True)
    assert not snapshot.receipt and snapshot.announced_at is None
    assert not OutboxMessage.objects.exists()
    assert sorted(TaskOutbox.objects.values_list("task", "kwargs")) == [
        ("applications.tasks.receipt_generate", {"snapshot_id": snapshot.pk}),
        ("applications.tasks.submission_announce", {"snapshot_id": snapshot.pk}),
    ]


def test_the_members_are_told_once_after_the_commit(ready, member, django_capture_on_commit_callbacks):
    other = MembershipFactory(organisation=ready.organisation).user
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = submission.dossier_submit(actor=member.user, dossier=ready, declaration=True)
    told = OutboxMessage.objects.filter(event="dossier_state_changed")
    assert sorted(told.values_list("to_email", flat=True)) == sorted([member.user.email, other.email])
    assert "Déposé" in told.first().subject
    assert submission.submission_announce(snapshot_id=snapshot.pk) is False  # a redelivery sends nothing
    assert told.count() == 2


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
