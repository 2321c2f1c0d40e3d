"""Celery tasks of dossiers: thin adapters that take ids and call services."""

from applications.services import opinions, receipts
from portal.celery import resilient_task


@resilient_task
def receipt_generate(snapshot_id: int) -> None:
    """Render, store and announce the receipt of one submission; running it twice changes nothing."""
    receipts.receipt_generate(snapshot_id=snapshot_id)


@resilient_task
def receipts_sweep() -> int:
    """Produce the receipts a broker outage left behind (periodic); returns how many were made."""
    return receipts.receipts_generate_missing()


@resilient_task
def opinion_reminders_send() -> int:
    """Remind experts before their deadline and the staff once it has passed (daily); each step once."""
    return opinions.opinion_reminders_send()
