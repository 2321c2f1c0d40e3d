"""Exchanges after submission: complement requests and answers, messages, withdrawal."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import (
    MESSAGE_ATTACHMENT_KIND,
    Attachment,
    ComplementRequest,
    Dossier,
    Message,
    MessageRead,
    distinct_messages,
)
from applications.permissions import complement_parts, ensure_member, open_complement_request
from applications.recipients import carrier_members, programme_staff
from applications.services.submission import snapshot_freeze
from applications.services.workflow import actor_roles_on, dossier_transition
from applications.workflow import APPLICANT, STAFF
from portal.errors import DomainError
from portal.services import audit_record, notify
from portal.services.files import stored_files_removed_on_failure
from portal.uploads import validate_upload


def complement_request_create(
    *, actor, dossier: Dossier, points: list[dict], due_at: datetime.datetime
) -> ComplementRequest:
    """Reopen only `points` of a submitted dossier until `due_at`; the carrier is notified."""
    if not points:
        raise DomainError(_("Indiquez au moins un point à compléter."), code="required", field="points")
    if due_at <= timezone.now():
        raise DomainError(_("La date limite doit être dans le futur."), code="invalid", field="due_at")
    with transaction.atomic():
        summary = "\n".join(f"- {message}" for message in distinct_messages(points))
        locked = dossier_transition(dossier=dossier, name="request_complement", actor=actor, reason=summary)
        request = ComplementRequest.objects.create(dossier=locked, requested_by=actor, points=points, due_at=due_at)
        if not complement_parts(request):
            raise DomainError(
                _("Chaque point doit désigner une section, le budget, le projet ou une pièce."),
                code="invalid",
                field="points",
            )
    return request


def complement_answer(*, actor, dossier: Dossier):
    """Send the completed points back: a new snapshot (and receipt) is frozen, the dossier is submitted again."""
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        ensure_member(locked, actor)
        request = open_complement_request(locked)
        if request is None:
            raise DomainError(
                _("Aucune demande de compléments n'est ouverte (la date limite est peut-être passée)."),
                code="invalid_state",
            )
        now = timezone.now()
        request.answered_at = now
        request.save(update_fields=["answered_at"])
        locked = dossier_transition(dossier=locked, name="answer_complement", actor=actor)
        return snapshot_freeze(dossier=locked, actor=actor, at=now)


def message_post(*, actor, dossier: Dossier, body: str, files=()) -> Message:
    """Add a message to the dossier's thread (applicant or staff) and notify the other side."""
    if not body.strip():
        raise DomainError(_("Le message est vide."), code="required", field="body")
    roles = actor_roles_on(dossier, actor)
    if not roles & {APPLICANT, STAFF}:
        raise DomainError(_("Dossier introuvable."), code="not_found")
    with transaction.atomic(), stored_files_removed_on_failure() as keep:
        message = Message.objects.create(dossier=dossier, author=actor, body=body.strip())
        for uploaded in files:
            checked = validate_upload(uploaded_file=uploaded, allowed_formats=[], max_bytes=10 * 1024 * 1024)
            attachment = Attachment(
                dossier=dossier,
                message=message,
                kind=MESSAGE_ATTACHMENT_KIND,
                original_name=checked.safe_name,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                uploaded_by=actor,
            )
            attachment.file.save(checked.safe_name, uploaded, save=False)
            keep(attachment.file)
            attachment.save()
        MessageRead.objects.create(message=message, user=actor)
        audit_record(actor=actor, action="dossier.message", target=dossier, data={"message": message.pk})
        if APPLICANT in roles:
            recipients = programme_staff(dossier)
            link = reverse("applications:staff_dossier", args=[dossier.pk])
        else:
            recipients = carrier_members(dossier)
            link = reverse("applications:messages", args=[dossier.pk])
        notify(
            "dossier_message",
            actor=actor,
            recipients=recipients,
            context={"dossier": dossier, "message": message},
            link=link,
        )
    return message


def messages_mark_read(*, actor, dossier: Dossier) -> int:
    unread = dossier.messages.exclude(reads__user=actor)
    created = MessageRead.objects.bulk_create(
        [MessageRead(message=message, user=actor) for message in unread], ignore_conflicts=True
    )
    return len(created)


def dossier_withdraw(*, actor, dossier: Dossier, reason: str = "") -> Dossier:
    return dossier_transition(dossier=dossier, name="withdraw", actor=actor, reason=reason)
