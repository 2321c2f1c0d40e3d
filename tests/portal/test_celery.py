"""The outbox and its Celery task, eagerly and on a real worker against Redis (CI)."""

import os
import subprocess
import sys
import threading
import time
from unittest import mock

import pytest
from celery import Celery
from django.db import connection, transaction

from portal import services
from portal.models import OutboxMessage
from portal.tasks import outbox_send_pending
from tests.portal.factories import UserFactory


@pytest.mark.django_db
def test_enqueued_mail_is_sent_after_commit(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.outbox_enqueue(event="test", to_email="a@exemple.fr", subject="Objet", body="Corps")
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert [m.subject for m in mailoutbox] == ["Objet"]


@pytest.mark.django_db
def test_running_the_task_twice_sends_once(mailoutbox):
    message = OutboxMessage.objects.create(event="t", to_email="a@exemple.fr", subject="Une fois", body=".")
    outbox_send_pending(message_ids=[message.pk])
    outbox_send_pending(message_ids=[message.pk])
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_broker_outage_leaves_the_row_pending_then_it_goes_out(
    broker_down, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.outbox_enqueue(event="t", to_email="a@exemple.fr", subject="Plus tard", body=".")
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert services.outbox_send_pending() == 1  # what the periodic task does after recovery
    assert [m.subject for m in mailoutbox] == ["Plus tard"]


@pytest.mark.django_db
def test_smtp_failure_backs_off_and_gives_up(settings):
    message = OutboxMessage.objects.create(event="t", to_email="a@exemple.fr", subject="x", body=".")
    with mock.patch("portal.services.EmailMultiAlternatives.send", side_effect=OSError("smtp down")):
        for _ in range(services.OUTBOX_MAX_ATTEMPTS):
            OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)
            services.outbox_send_pending()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert message.attempts == services.OUTBOX_MAX_ATTEMPTS
    assert "smtp down" in message.last_error


def real_services_available() -> bool:
    return bool(os.environ.get("REDIS_URL")) and connection.vendor == "postgresql"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_verification_mail_is_sent_by_a_real_worker(services_required):
    if not real_services_available():
        if services_required:
            pytest.fail("SERVICES_REQUIRED=1 mais Redis ou PostgreSQL manque")
        pytest.skip("needs REDIS_URL and PostgreSQL (run by .ci/run)")
    user = UserFactory(verified=False)
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    worker_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    queue = f"test-{os.getpid()}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "-l",
            "INFO",
        ],
        env=worker_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    # A fresh client app: the shared one is in eager mode for the rest of the suite. Not the current app:
    # the shared tasks of later tests would look themselves up in it.
    producer = Celery("producer", broker=os.environ["REDIS_URL"], set_as_current=False)
    output_lines: list[str] = []
    ready = threading.Event()

    def drain():
        for line in worker.stdout:
            output_lines.append(line.decode(errors="replace"))
            if " ready." in output_lines[-1]:
                ready.set()

    threading.Thread(target=drain, daemon=True).start()
    try:
        # Publishing before the worker has bound its queue would drop the message.
        assert ready.wait(timeout=60), "le worker Celery n'a pas démarré"
        with transaction.atomic():
            message = services.outbox_enqueue(
                event="account.email_confirmation_signup",
                to_email=user.email,
                subject="Confirmez",
                body="Lien",
                recipient=user,
            )
        producer.send_task(outbox_send_pending.name, kwargs={"message_ids": [message.pk]}, queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            message.refresh_from_db()
            if message.status == OutboxMessage.Status.SENT:
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        producer.close()
    output = "".join(output_lines)
    assert message.status == OutboxMessage.Status.SENT, output
    assert "Traceback" not in output, output
