"""Celery tasks of dossiers: thin adapters that take ids and call services."""

from celery import shared_task

from applications.services import receipts


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def receipt_generate(snapshot_id: int) -> None:
    """Render, store and announce the receipt of one submission; running it twice changes nothing."""
    receipts.receipt_generate(snapshot_id=snapshot_id)


@shared_task
def receipts_sweep() -> int:
    """Produce the receipts a broker outage left behind (periodic); returns how many were made."""
    return receipts.receipts_generate_missing()
