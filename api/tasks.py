"""Celery tasks of the API app: thin adapters that call its services."""

from celery import shared_task

from api.services import webhooks


@shared_task(acks_late=True)
def webhook_deliveries_send(delivery_ids: list[int] | None = None) -> int:
    """Send due webhook deliveries (given ones, or every due one: the periodic sweep). Safe to run twice."""
    return webhooks.deliveries_send_pending(delivery_ids=delivery_ids)
