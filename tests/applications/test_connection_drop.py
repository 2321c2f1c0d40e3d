"""PostgreSQL connections terminated (pg_terminate_backend) in the middle of submissions, of the receipt
tasks and of the e-mail task: no 500, nothing half-written, nothing lost, nothing duplicated, no orphan
file, every receipt delivered once.

A real termination, not a mocked exception: the portal's own backend is ended by a second connection at
a chosen moment, and the next query meets what production meets (psycopg's OperationalError).
"""

from datetime import timedelta
from unittest import mock

import psycopg
import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from applications.models import Dossier, DossierSnapshot
from applications.services import receipts, submission
from applications.workflow import DossierState
from portal.models import OutboxMessage, TaskOutbox
from portal.services.files import orphan_files
from portal.services.task_outbox import task_outbox_publish_pending
from tests.applications.conftest import ready_to_submit

SUBMISSIONS = 5


def terminate_own_backend() -> None:
    """End this process's PostgreSQL backend from another connection, as a failover or an operator would."""
    pid = connection.connection.info.backend_pid
    settings_dict = connection.settings_dict
    with psycopg.connect(
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"],
        dbname=settings_dict["NAME"],
        autocommit=True,
    ) as killer:
        killer.execute("SELECT pg_terminate_backend(%s)", [pid])


def dropping_once(function, calls: list):
    """`function`, but its 1st call (then its 5th, 9th…) finds its connection terminated."""

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) % 4 == 1:
            terminate_own_backend()
        return function(*args, **kwargs)

    return wrapper


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_connections_terminated_during_submissions_cost_nothing(services_required, session, member, pdf_file, client):
    if connection.vendor != "postgresql":
        if services_required:
            pytest.fail("SERVICES_REQUIRED=1 mais la base n'est pas PostgreSQL")
        pytest.skip("pg_terminate_backend: PostgreSQL seulement (CI)")
    dossiers = ready_to_submit(session=session, member=member, pdf_file=pdf_file, count=SUBMISSIONS, acronym="PANNE")
    mail.outbox.clear()
    sent_before = OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count()
    client.force_login(member.user)

    freezes, renders, sends = [], [], []
    refused = 0
    with (
        mock.patch.object(submission, "snapshot_freeze", dropping_once(submission.snapshot_freeze, freezes)),
        mock.patch.object(receipts, "render_pdf", dropping_once(receipts.render_pdf, renders)),
        mock.patch.object(mail.EmailMultiAlternatives, "send", dropping_once(mail.EmailMultiAlternatives.send, sends)),
    ):
        for dossier in dossiers:
            url = reverse("applications:review", args=[dossier.pk])
            response = client.post(url, {"declaration": "on", "commentaire": "gardé"})
            if response.status_code == 503:  # the connection dropped during the submit: nothing was written
                refused += 1
                page = response.content.decode()
                assert "Réessayez" in page and "Renvoyer ma saisie" in page
                assert 'name="declaration" value="on"' in page and 'name="commentaire" value="gardé"' in page
                assert Dossier.objects.get(pk=dossier.pk).state == DossierState.DRAFT
                assert not DossierSnapshot.objects.filter(dossier=dossier).exists()
                response = client.post(url, {"declaration": "on"})  # the user sends the kept input again
            assert response.status_code == 302, response.content.decode()[:500]

        # Terminated: 2 of the 5 submits (the 1st and the 5th), 2 receipt renders, 2 e-mail sends.
        assert refused == 2 and len(freezes) == SUBMISSIONS + 2
        # The two interrupted receipt tasks are kept in the task outbox (a worker retries them itself: in this
        # eager test, the retry is the sweep's publication), their rows and files left as they were before.
        assert len(renders) == SUBMISSIONS and TaskOutbox.objects.filter(task__endswith="receipt_generate").count() == 2
        assert DossierSnapshot.objects.filter(receipt="").count() == 2
        assert task_outbox_publish_pending(min_age_seconds=0) == 2
    assert len(renders) == SUBMISSIONS + 2 and not TaskOutbox.objects.exists()
    assert Dossier.objects.filter(state=DossierState.SUBMITTED).count() == SUBMISSIONS
    snapshots = DossierSnapshot.objects.all()
    assert snapshots.count() == SUBMISSIONS  # none lost, none duplicated
    assert all(snapshot.receipt for snapshot in snapshots)  # every receipt delivered, without the sweep
    assert sorted(default_storage.listdir("receipts")[1]) == sorted(
        snapshot.receipt.name.rsplit("/", 1)[1] for snapshot in snapshots
    )
    assert orphan_files(now=timezone.now() + timedelta(minutes=1), grace_hours=0) == []
    receipt_messages = OutboxMessage.objects.filter(event="dossier_receipt")
    assert receipt_messages.count() == SUBMISSIONS
    assert set(receipt_messages.values_list("status", flat=True)) == {OutboxMessage.Status.SENT}
    # Each e-mail went out once, even those whose connection dropped between the sending and the row saying so.
    assert len(sends) >= 5  # the 1st and the 5th met a terminated connection
    assert len(mail.outbox) == OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count() - sent_before
    assert len([m for m in mail.outbox if m.to == [member.user.email]]) >= SUBMISSIONS
