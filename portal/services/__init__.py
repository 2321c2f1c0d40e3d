"""Writes of the portal app: roles, audit trail, notifications (memberships: portal.services.membership)."""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.http import FileResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from portal.database_faults import DISCONNECT_ERRORS, discard_broken_connections
from portal.errors import DomainError
from portal.http import client_ip
from portal.models import (
    ROLE_SCOPES,
    AuditEvent,
    OutboxMessage,
    Role,
    RoleAssignment,
    User,
)
from portal.selectors import forget_user_roles
from portal.services.task_outbox import task_enqueue_on_commit
from portal.uploads import content_disposition

OUTBOX_MAX_ATTEMPTS = 8


def audit_record(
    *, actor, action: str, target=None, data: dict | None = None, ip_address: str | None = None
) -> AuditEvent:
    """Append one audit event. Call it inside the transaction of the change it records.

    A target that belongs to a call exposes `audit_call_id`; the event is then filed under
    that call for the control bodies' export.
    """
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        call_id=getattr(target, "audit_call_id", None),
        actor=actor if authenticated else None,
        actor_label=(actor.email if authenticated else "") or "",
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:255] if target is not None else "",
        ip_address=ip_address,
        data=data or {},
    )


def document_served(
    request, *, file, target, document_id: int, kind: str, name: str, content_type: str = "application/pdf"
) -> FileResponse:
    """Hand a stored document out as a download and record who opened it ("document.view").

    The one way a view serves a stored file, after its own access checks: the event is
    filed under `target` (the dossier, or the deliberation for minutes), so it shows in the
    call's audit trail. A file missing from storage raises before anything is recorded.
    """
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    audit_record(
        actor=request.user,
        action="document.view",
        target=target,
        data={"document": document_id, "kind": kind, "name": name},
        ip_address=client_ip(request),
    )
    return response


def _scope_key(role: str, scope) -> tuple[ContentType | None, int | None]:
    expected = ROLE_SCOPES[Role(role)]
    if expected is None:
        if scope is not None:
            raise DomainError(gettext("Ce rôle est global et ne porte sur aucun objet."), code="role_scope")
        return None, None
    if scope is None or scope._meta.label_lower != expected:
        raise DomainError(gettext("Ce rôle doit porter sur un objet du bon type."), code="role_scope")
    return ContentType.objects.get_for_model(scope), scope.pk


@transaction.atomic
def role_assign(*, actor, user: User, role: str, scope=None) -> RoleAssignment:
    """Give `user` a role on `scope` (a programme, a jury) or globally (admin). Idempotent."""
    scope_type, scope_id = _scope_key(role, scope)
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, scope_type=scope_type, scope_id=scope_id
    )
    if created:
        audit_record(actor=actor, action="role.assign", target=user, data={"role": role, "scope": str(scope or "")})
    forget_user_roles(user)
    return assignment


@transaction.atomic
def role_revoke(*, actor, user: User, role: str, scope=None) -> None:
    scope_type, scope_id = _scope_key(role, scope)
    deleted, _ = RoleAssignment.objects.filter(user=user, role=role, scope_type=scope_type, scope_id=scope_id).delete()
    if deleted:
        audit_record(actor=actor, action="role.revoke", target=user, data={"role": role, "scope": str(scope or "")})
    forget_user_roles(user)


def outbox_enqueue(
    *,
    event: str,
    to_email: str,
    subject: str,
    body: str,
    html_body: str = "",
    recipient=None,
    link: str = "",
    attachments: list[dict] | None = None,
) -> OutboxMessage:
    """Write one e-mail into the outbox and ask for delivery once the transaction commits.

    The row is the promise: if the broker is down the periodic task sends it later.
    """
    message = _outbox_write(
        event=event,
        to_email=to_email,
        subject=subject,
        body=body,
        html_body=html_body,
        recipient=recipient,
        link=link,
        attachments=attachments,
    )
    _request_delivery([message.pk])
    return message


def _outbox_write(*, subject: str, attachments: list[dict] | None = None, **fields) -> OutboxMessage:
    return OutboxMessage.objects.create(subject=subject.strip(), attachments=attachments or [], **fields)


def email_attachment(*, filename: str, content_type: str, content: str) -> dict:
    """A text file to send with a notification (see `notify`'s `attachments`)."""
    return {"filename": filename, "content_type": content_type, "content": content}


def notify(
    event: str,
    *,
    actor=None,
    recipients: Iterable[User],
    context: dict | None = None,
    link: str = "",
    attachments: list[dict] | None = None,
) -> list[OutboxMessage]:
    """The one entry point for notifications: renders `emails/<event>_subject.txt` and
    `emails/<event>.txt` per recipient and writes them to the outbox in the caller's transaction, with one delivery
    request for them all once it commits. `attachments` (from `email_attachment`) go with every copy.
    """
    messages = []
    for recipient in recipients:
        full_context = {
            "recipient": recipient,
            "actor": actor,
            "link": link,
            "site_url": settings.SITE_URL,
            **(context or {}),
        }
        subject, body = _render_email(event, full_context)
        messages.append(
            _outbox_write(
                event=event,
                to_email=recipient.email,
                subject=subject,
                body=body,
                recipient=recipient,
                link=link,
                attachments=attachments,
            )
        )
    if messages:
        _request_delivery([message.pk for message in messages])
    return messages


def notify_address(
    event: str, *, to_email: str, context: dict | None = None, link: str = "", actor=None
) -> OutboxMessage:
    """`notify` for someone without an account (an invitee, a visitor): the same templates, one address."""
    full_context = {"recipient": None, "actor": actor, "link": link, "site_url": settings.SITE_URL, **(context or {})}
    subject, body = _render_email(event, full_context)
    return outbox_enqueue(event=event, to_email=to_email, subject=subject, body=body, link=link)


def _render_email(event: str, context: dict) -> tuple[str, str]:
    return render_to_string(f"emails/{event}_subject.txt", context), render_to_string(f"emails/{event}.txt", context)


def _request_delivery(message_ids: list[int]) -> None:
    task_enqueue_on_commit("portal.tasks.outbox_send_pending", message_ids=message_ids)


def outbox_send_pending(*, message_ids: list[int] | None = None, limit: int = 200) -> int:
    """Send due pending e-mails; returns how many were sent.

    Each row is locked while it is sent (SKIP LOCKED where the database has it), so two
    workers never send the same e-mail; failures back off exponentially, then give up.
    """
    now = timezone.now()
    sent = 0
    candidates = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
    if message_ids is not None:
        candidates = candidates.filter(pk__in=message_ids)
    for message_id in list(candidates.order_by("next_attempt_at").values_list("pk", flat=True)[:limit]):
        delivered = False
        try:
            with transaction.atomic():
                message = (
                    OutboxMessage.objects.select_for_update(skip_locked=True)
                    .filter(pk=message_id, status=OutboxMessage.Status.PENDING)
                    .first()
                )
                if message is None:
                    continue
                try:
                    email = EmailMultiAlternatives(message.subject, message.body, to=[message.to_email])
                    if message.html_body:
                        email.attach_alternative(message.html_body, "text/html")
                    for attachment in message.attachments:
                        email.attach(attachment["filename"], attachment["content"], attachment["content_type"])
                    email.send()
                except Exception as error:  # SMTP errors vary by backend; every one is retried
                    message.attempts += 1
                    message.last_error = str(error)[:1000]
                    if message.attempts >= OUTBOX_MAX_ATTEMPTS:
                        message.status = OutboxMessage.Status.FAILED
                    message.next_attempt_at = timezone.now() + timedelta(minutes=2**message.attempts)
                    message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
                    continue
                delivered = True
                message.status = OutboxMessage.Status.SENT
                message.sent_at = timezone.now()
                message.attempts += 1
                message.save(update_fields=["status", "sent_at", "attempts"])
        except DISCONNECT_ERRORS:
            if not delivered:
                raise  # nothing left: the task retries later
            # The e-mail is gone but the connection dropped before its row said so: say it on a new
            # connection, or the task's retry would send it a second time.
            discard_broken_connections()
            OutboxMessage.objects.filter(pk=message_id, status=OutboxMessage.Status.PENDING).update(
                status=OutboxMessage.Status.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1
            )
        sent += 1
    return sent


def notification_mark_read(*, user: User, message_id: int) -> None:
    OutboxMessage.objects.filter(pk=message_id, recipient=user, read_at__isnull=True).update(read_at=timezone.now())
