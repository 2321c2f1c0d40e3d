"""The dossiers' check on the operators' health page (settings.HEALTH_CHECKS, portal.health)."""

from django.db.models import Count, Min
from django.utils.translation import gettext as _

from applications.services.receipts import receipts_pending
from portal.health import HealthCheck, backlog

# The sweep makes a receipt missing for a minute, every two minutes: beyond this, something is stuck.
RECEIPT_LATE_SECONDS = 300


def pending_receipts() -> HealthCheck:
    """Submissions still waiting for their receipt, and for how long the oldest has."""
    rows = receipts_pending().aggregate(oldest=Min("submitted_at"), count=Count("pk"))
    return backlog(
        "pending_receipts",
        _("Accusés de réception à produire"),
        count=rows["count"],
        oldest=rows["oldest"],
        late_after=RECEIPT_LATE_SECONDS,
    )
