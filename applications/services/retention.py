"""Retention (RGPD): personal data of dossiers that were not funded is erased after a delay."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from applications.models import Dossier
from applications.workflow import DossierState
from portal.services import audit_record

NOT_FUNDED = (DossierState.REJECTED, DossierState.INELIGIBLE, DossierState.WITHDRAWN)


@transaction.atomic
def dossier_anonymise(*, dossier: Dossier, actor=None) -> None:
    """Erase what may identify people (answers, summary, files, messages, invitations,
    frozen contents) and keep what statistics need (theme, session, state, amounts, carrier)."""
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    for attachment in dossier.attachments.all():
        attachment.file.delete(save=False)
    dossier.attachments.all().delete()
    dossier.messages.all().delete()
    dossier.invitations.all().delete()
    for snapshot in dossier.snapshots.all():
        if snapshot.receipt:
            snapshot.receipt.delete(save=False)
        snapshot.content = {"anonymise": True}
        snapshot.save(update_fields=["content", "receipt"])
    dossier.answers = {}
    dossier.summary = ""
    dossier.anonymised_at = timezone.now()
    dossier.save(update_fields=["answers", "summary", "anonymised_at", "updated_at"])
    audit_record(actor=actor, action="dossier.anonymise", target=dossier)


def dossiers_anonymise_expired(*, now=None, days: int | None = None) -> int:
    """Anonymise every not-funded dossier unchanged for `days` (default: the setting).

    One transaction per dossier, so an error on one leaves the others done; safe to rerun.
    """
    now = now or timezone.now()
    days = settings.RETENTION_REJECTED_DAYS if days is None else days
    expired = Dossier.objects.filter(
        state__in=NOT_FUNDED, anonymised_at__isnull=True, updated_at__lt=now - timedelta(days=days)
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(expired):
        dossier_anonymise(dossier=Dossier(pk=pk))
        count += 1
    return count
