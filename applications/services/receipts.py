"""Receipts: the PDF that proves a submission, with its server timestamp and digest."""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from applications.models import DossierSnapshot
from applications.selectors import snapshot_documents
from portal.models import User
from portal.pdf import render_pdf
from portal.services import notify
from portal.services.files import document_store


def receipt_generate(*, snapshot_id: int) -> DossierSnapshot:
    """Store the receipt PDF of a snapshot once, then e-mail the carrier's members a link to it.

    Under the snapshot's row lock: a second run (a retry, a late redelivery, the sweep) finds the
    receipt and does nothing, and nothing is made for an anonymised dossier. The file has one name per
    snapshot, so a run that fails before its commit leaves nothing that the next run does not overwrite.
    """
    with transaction.atomic():
        snapshot = (
            DossierSnapshot.objects.select_for_update(of=("self",))
            .select_related(
                "dossier__organisation", "dossier__theme__call__programme", "dossier__session", "submitted_by"
            )
            .get(pk=snapshot_id)
        )
        if snapshot.receipt or snapshot.dossier.anonymised_at is not None:
            return snapshot
        dossier = snapshot.dossier
        pdf = render_pdf(
            "applications/pdf/receipt.html",
            {
                "snapshot": snapshot,
                "dossier": dossier,
                "submitted_at": timezone.localtime(snapshot.submitted_at),
                "content": snapshot.content,
                "documents": snapshot_documents(snapshot.content, dossier.theme),
            },
        )
        document_store(snapshot, "receipt", f"receipts/recepisse-{dossier.reference}-{snapshot.number}.pdf", pdf)
        snapshot.save(update_fields=["receipt"])
        link = reverse("applications:receipt", args=[dossier.pk, snapshot.number])
        notify(
            "dossier_receipt",
            actor=None,
            recipients=User.objects.filter(memberships__organisation_id=dossier.organisation_id, is_active=True),
            context={
                "dossier": dossier,
                "snapshot": snapshot,
                "submitted_at": timezone.localtime(snapshot.submitted_at),
            },
            link=link,
        )
    return snapshot


def receipts_pending():
    """Snapshots still waiting for their receipt (an anonymised dossier's never will)."""
    return DossierSnapshot.objects.filter(receipt="", dossier__anonymised_at__isnull=True)


def receipts_generate_missing(*, older_than_seconds: int = 60, limit: int = 200) -> int:
    """Generate the receipts still missing a while after their submission (lost task, broker down)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    missing = receipts_pending().filter(submitted_at__lte=cutoff).values_list("pk", flat=True)[:limit]
    for snapshot_id in list(missing):
        receipt_generate(snapshot_id=snapshot_id)
    return len(missing)
