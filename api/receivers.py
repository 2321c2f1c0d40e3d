"""The API listens to the audit trail: an audited action that is a webhook event writes its deliveries
in the same transaction (see api.events for why the audit trail rather than signals sent by services)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from api.services.webhooks import deliveries_for_audit
from portal.models import AuditEvent


@receiver(post_save, sender=AuditEvent, dispatch_uid="api_webhook_deliveries")
def write_webhook_deliveries(sender, instance: AuditEvent, created: bool, raw: bool = False, **kwargs):
    if created and not raw:
        deliveries_for_audit(instance)
