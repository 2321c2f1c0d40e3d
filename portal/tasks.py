"""Celery tasks of the portal app: thin adapters that call services; each one may run twice."""

import socket

from django.utils import timezone

from portal import services
from portal.celery import resilient_task
from portal.models import Heartbeat
from portal.services import files, task_outbox


@resilient_task
def outbox_send_pending(message_ids: list[int] | None = None) -> int:
    """Send pending outbox e-mails (given ones, or every due one). Safe to run twice."""
    return services.outbox_send_pending(message_ids=message_ids)


@resilient_task
def task_outbox_publish() -> int:
    """Publish the tasks left in the task outbox by a broker outage (periodic, TASK_OUTBOX_SWEEP_SECONDS)."""
    return task_outbox.task_outbox_publish_pending()


@resilient_task
def heartbeat() -> None:
    """The worker's sign of life (periodic): a worker that runs it is alive and reads the broker."""
    Heartbeat.objects.update_or_create(
        name="worker", defaults={"seen_at": timezone.now(), "detail": socket.gethostname()[:255]}
    )


@resilient_task
def orphan_files_purge() -> int:
    """Remove the stored files nothing references, past the grace period (periodic); returns how many."""
    return len(files.orphan_files_purge())
