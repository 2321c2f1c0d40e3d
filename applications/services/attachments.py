"""Documents of a dossier: checked from their content before anything is stored."""

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from applications.models import Attachment, Dossier
from applications.permissions import ensure_can_edit
from calls.models import RequiredDocument
from portal.errors import DomainError
from portal.services import audit_record
from portal.services.files import stored_files_removed_on_failure
from portal.uploads import bytes_from_megabytes, validate_upload


def _dossier_limit(dossier: Dossier) -> int | None:
    """The strictest "total per dossier" limit among the theme's documents (PIA: 10 Mo)."""
    from applications.selectors import dossier_required_documents

    limits = [
        bytes_from_megabytes(document.max_size_mb)
        for document in dossier_required_documents(dossier)
        if document.scope == RequiredDocument.Scope.DOSSIER and document.max_size_mb is not None
    ]
    return min(limits) if limits else None


def attachment_upload(*, actor, dossier: Dossier, required_document: RequiredDocument, uploaded_file) -> Attachment:
    """Store one document of kind `required_document.kind`, or raise DomainError saying why.

    Refused files leave the dossier unchanged. Sizes count only the dossier's own documents,
    not the files attached to messages; the call's page limit is checked where the format
    tells the page count (see `validate_upload`).
    """
    with transaction.atomic(), stored_files_removed_on_failure() as keep:
        locked = Dossier.objects.select_for_update(of=("self",)).select_related("session", "theme").get(pk=dossier.pk)
        ensure_can_edit(locked, actor, part=f"document:{required_document.kind}")
        used = locked.attachments.filter(message__isnull=True).aggregate(total=Sum("size"))["total"] or 0
        per_file = (
            None
            if required_document.scope == RequiredDocument.Scope.DOSSIER
            else bytes_from_megabytes(required_document.max_size_mb)
        )
        checked = validate_upload(
            uploaded_file=uploaded_file,
            allowed_formats=required_document.formats,
            max_bytes=per_file,
            already_used_bytes=used,
            max_total_bytes=_dossier_limit(locked),
            max_pages=required_document.max_pages,
        )
        attachment = Attachment(
            dossier=locked,
            # The optional annexes have no document row (calls.selectors.optional_annex).
            required_document=required_document if required_document.pk else None,
            kind=required_document.kind,
            original_name=checked.safe_name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=actor,
        )
        attachment.file.save(checked.safe_name, uploaded_file, save=False)
        keep(attachment.file)
        attachment.save()
        audit_record(
            actor=actor,
            action="dossier.document_upload",
            target=locked,
            data={"kind": attachment.kind, "name": attachment.original_name, "sha256": attachment.sha256},
        )
    return attachment


def attachment_delete(*, actor, attachment: Attachment) -> None:
    with transaction.atomic():
        locked = Dossier.objects.select_for_update(of=("self",)).select_related("session").get(pk=attachment.dossier_id)
        if attachment.message_id is not None:
            raise DomainError(_("Une pièce jointe à un message ne peut pas être supprimée."), code="frozen")
        ensure_can_edit(locked, actor, part=f"document:{attachment.kind}")
        name = attachment.original_name
        attachment.file.delete(save=False)
        attachment.delete()
        audit_record(actor=actor, action="dossier.document_delete", target=locked, data={"name": name})
