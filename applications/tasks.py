"""Celery tasks of dossiers: thin adapters that take ids and call services."""

from applications.services import opinions, receipts, submission
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


@resilient_task
def submission_announce(snapshot_id: int) -> None:
    """E-mail the carrier's members that their dossier is submitted; running it twice sends nothing more."""
    submission.submission_announce(snapshot_id=snapshot_id)
