"""Celery tasks of the portal app: thin adapters that call services."""

from celery import shared_task

from portal import services


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def outbox_send_pending(message_ids: list[int] | None = None) -> int:
    """Send pending outbox e-mails (given ones, or every due one). Safe to run twice."""
    return services.outbox_send_pending(message_ids=message_ids)
