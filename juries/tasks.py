"""Celery tasks of juries: thin adapters that take ids and call services."""

from juries.services import documents
from portal.celery import resilient_task


@resilient_task
def deliberation_documents(deliberation_id: int) -> None:
    """Render the minutes and the decision letters of one deliberation; running it twice changes nothing."""
    documents.minutes_generate(deliberation_id=deliberation_id)
    documents.letters_generate(deliberation_id=deliberation_id)


@resilient_task
def deliberation_documents_sweep() -> int:
    """Periodic catch-up for documents whose task was lost (broker down at commit time)."""
    return documents.documents_sweep()
