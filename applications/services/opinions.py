"""Expert opinions (avis): ask, accept the invitation, declare interests, answer, cancel, remind.

Staff who see the dossier (`dossiers_of_staff`) ask; the expert — a colleague of the programme's staff or
an outside person invited by e-mail — reads that dossier only, after declaring no interest, until they
answer. Every write is audited; notifications go through the outbox.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Dossier, OpinionAttachment, OpinionRequest
from applications.recipients import programme_staff
from applications.selectors import dossiers_of_staff
from applications.workflow import DossierState
from portal.errors import DomainError
from portal.services import audit_record, notify, notify_address
from portal.uploads import MEGABYTE, validate_upload

QUESTION_LIMIT = 5_000
ANSWER_LIMIT = 20_000
ATTACHMENT_MAX_BYTES = 10 * MEGABYTE
ATTACHMENTS_MAX = 5
# Reminders to the expert before the deadline, latest first: only the latest due step is sent, the
# earlier ones are marked as sent with it (a request made two days before its deadline gets one « J-1 »).
REMINDER_STEPS = (("j-1", timedelta(days=1)), ("j-3", timedelta(days=3)))
OVERDUE_STEP = "retard"


def _ensure_sees(actor, dossier: Dossier) -> None:
    if not dossiers_of_staff(actor).filter(pk=dossier.pk).exists():
        raise DomainError(_("Ce dossier n'est pas dans votre périmètre."), code="forbidden")


def _locked(request: OpinionRequest) -> OpinionRequest:
    return (
        OpinionRequest.objects.select_for_update(of=("self",))
        .select_related("dossier__theme__call__programme", "requested_by", "expert")
        .get(pk=request.pk)
    )


def _expert_link(request: OpinionRequest) -> str:
    if request.expert_id is None:
        return reverse("applications:opinion_invitation", args=[request.token])
    return reverse("applications:opinion_expert", args=[request.pk])


def opinion_request_create(
    *, actor, dossier: Dossier, email: str, question: str, due_at: datetime, visibility: str
) -> OpinionRequest:
    """Ask one expert a question on a deposited dossier. A staff member of the dossier's programme is
    bound at once (a colleague); anyone else receives an invitation link to accept with the account of
    that address. Both must declare their interests before they read the dossier."""
    email = (email or "").strip().lower()
    question = (question or "").strip()
    if not question:
        raise DomainError(_("Posez la question à l'expert·e."), code="required", field="question")
    if len(question) > QUESTION_LIMIT:
        raise DomainError(_("La question est trop longue."), code="too_long", field="question")
    if due_at <= timezone.now():
        raise DomainError(_("La date limite doit être dans le futur."), code="past", field="due_at")
    if visibility not in OpinionRequest.Visibility.values:
        raise DomainError(_("Choisissez qui lira l'avis."), code="invalid", field="visibility")
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().select_related("theme__call__programme").get(pk=dossier.pk)
        _ensure_sees(actor, locked)
        if locked.state == DossierState.DRAFT:
            raise DomainError(_("Un avis se demande sur un dossier déposé."), code="not_submitted")
        if email == actor.email.lower():
            raise DomainError(_("Vous ne pouvez pas vous demander un avis."), code="self", field="email")
        if OpinionRequest.objects.filter(dossier=locked, email=email, status__in=OpinionRequest.WAITING).exists():
            raise DomainError(
                _("Une demande d'avis à cette adresse est déjà en cours sur ce dossier."),
                code="duplicate",
                field="email",
            )
        colleague = programme_staff(locked).filter(email__iexact=email).first()
        request = OpinionRequest.objects.create(
            dossier=locked,
            requested_by=actor,
            email=email,
            expert=colleague,
            is_colleague=colleague is not None,
            token=secrets.token_urlsafe(32),
            question=question,
            due_at=due_at,
            visibility=visibility,
        )
        context = {"opinion": request, "dossier": locked}
        if colleague is not None:
            notify(
                "opinion_requested", actor=actor, recipients=[colleague], context=context, link=_expert_link(request)
            )
        else:
            notify_address(
                "opinion_requested", to_email=email, actor=actor, context=context, link=_expert_link(request)
            )
        audit_record(
            actor=actor,
            action="opinion.request",
            target=request,
            data={
                "dossier": locked.reference,
                "email": email,
                "colleague": colleague is not None,
                "due_at": due_at.isoformat(),
                "visibility": visibility,
            },
        )
    return request


def opinion_invitation_accept(*, actor, token: str) -> OpinionRequest:
    """Bind an outside expert to the request sent to their address. Idempotent for the same person;
    a cancelled, declined or answered request, or another address, is refused."""
    with transaction.atomic():
        request = OpinionRequest.objects.select_for_update().filter(token=token).first()
        if request is None or not request.is_waiting:
            raise DomainError(_("Cette invitation n'est plus valable."), code="invalid_token")
        if request.email != actor.email.lower():
            raise DomainError(_("Cette invitation a été envoyée à une autre adresse e-mail."), code="forbidden")
        if request.expert_id is None:
            request.expert = actor
            request.save(update_fields=["expert"])
            audit_record(actor=actor, action="opinion.invitation_accept", target=request)
        elif request.expert_id != actor.pk:
            raise DomainError(_("Cette invitation n'est plus valable."), code="invalid_token")
    return request


def opinion_interests_declare(
    *, actor, request: OpinionRequest, has_interest: bool, reason: str = ""
) -> OpinionRequest:
    """The expert's declaration: no interest opens the dossier to them; an interest closes the request as
    declined (the reason is required) and tells the staff who asked."""
    reason = (reason or "").strip()
    if has_interest and not reason:
        raise DomainError(_("Décrivez l'intérêt que vous déclarez."), code="required", field="reason")
    with transaction.atomic():
        locked = _locked(request)
        if locked.expert_id != actor.pk or locked.status != OpinionRequest.Status.PENDING:
            raise DomainError(_("Cette déclaration n'est plus attendue."), code="invalid_state")
        locked.declared_at = timezone.now()
        locked.interest_reason = reason if has_interest else ""
        locked.status = OpinionRequest.Status.DECLINED if has_interest else OpinionRequest.Status.OPEN
        locked.save(update_fields=["declared_at", "interest_reason", "status"])
        audit_record(
            actor=actor,
            action="opinion.interest_declared" if has_interest else "opinion.no_interest",
            target=locked,
            data={"reason": locked.interest_reason},
        )
        if has_interest:
            notify(
                "opinion_declined",
                actor=actor,
                recipients=[locked.requested_by],
                context={"opinion": locked, "dossier": locked.dossier},
                link=reverse("applications:dossier_opinions", args=[locked.dossier_id]),
            )
    return locked


def opinion_answer(*, actor, request: OpinionRequest, answer: str, position: str, files=()) -> OpinionRequest:
    """The expert's answer: text, position and attachments (each checked by `validate_upload`), once.
    An answer after the deadline is accepted and shown as late. The staff who asked hear of it."""
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(_("Rédigez votre avis."), code="required", field="answer")
    if len(answer) > ANSWER_LIMIT:
        raise DomainError(_("L'avis est trop long."), code="too_long", field="answer")
    if position not in OpinionRequest.Position.values:
        raise DomainError(_("Indiquez votre position."), code="required", field="position")
    files = [file for file in files if file]
    if len(files) > ATTACHMENTS_MAX:
        raise DomainError(
            _("Joignez au plus %(count)s fichiers.") % {"count": ATTACHMENTS_MAX}, code="too_many", field="files"
        )
    checked = []
    for file in files:
        try:
            checked.append(
                (file, validate_upload(uploaded_file=file, allowed_formats=[], max_bytes=ATTACHMENT_MAX_BYTES))
            )
        except DomainError as error:
            error.field = "files"
            raise
    with transaction.atomic():
        locked = _locked(request)
        if locked.expert_id != actor.pk or locked.status != OpinionRequest.Status.OPEN:
            raise DomainError(_("Cet avis n'est plus attendu."), code="invalid_state")
        locked.answer, locked.position = answer, position
        locked.answered_at = timezone.now()
        locked.status = OpinionRequest.Status.ANSWERED
        locked.save(update_fields=["answer", "position", "answered_at", "status"])
        for file, upload in checked:
            attachment = OpinionAttachment(
                request=locked,
                original_name=upload.safe_name,
                content_type=upload.content_type,
                size=upload.size,
                sha256=upload.sha256,
            )
            attachment.file.save(f"avis.{upload.extension}", file, save=False)
            attachment.save()
        audit_record(
            actor=actor,
            action="opinion.answer",
            target=locked,
            data={"position": position, "late": locked.is_late, "files": [upload.sha256 for _file, upload in checked]},
        )
        notify(
            "opinion_answered",
            actor=actor,
            recipients=[locked.requested_by],
            context={"opinion": locked, "dossier": locked.dossier},
            link=reverse("applications:dossier_opinions", args=[locked.dossier_id]),
        )
    return locked


def opinion_request_cancel(*, actor, request: OpinionRequest) -> OpinionRequest:
    """Staff who see the dossier withdraw a request still awaited; the expert loses access and is told."""
    with transaction.atomic():
        locked = _locked(request)
        _ensure_sees(actor, locked.dossier)
        if not locked.is_waiting:
            raise DomainError(_("Seule une demande en attente peut être annulée."), code="invalid_state")
        locked.status = OpinionRequest.Status.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["status", "cancelled_at"])
        audit_record(actor=actor, action="opinion.cancel", target=locked)
        context = {"opinion": locked, "dossier": locked.dossier}
        if locked.expert_id:
            notify("opinion_cancelled", actor=actor, recipients=[locked.expert], context=context)
        else:
            notify_address("opinion_cancelled", to_email=locked.email, actor=actor, context=context)
    return locked


def opinion_reminders_send(*, now: datetime | None = None) -> int:
    """Remind experts of awaited opinions before the deadline (« J-3 », « J-1 ») and tell the staff who asked
    once the deadline has passed. Each step is sent at most once per request, whatever how often this runs
    (rows locked, steps recorded in the same transaction). Returns how many notifications were written."""
    now = now or timezone.now()
    horizon = now + REMINDER_STEPS[-1][1]
    sent = 0
    candidates = OpinionRequest.objects.filter(status__in=OpinionRequest.WAITING, due_at__lte=horizon)
    for pk in list(candidates.values_list("pk", flat=True)):
        with transaction.atomic():
            request = (
                OpinionRequest.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("dossier", "expert", "requested_by")
                .filter(pk=pk, status__in=OpinionRequest.WAITING)
                .first()
            )
            if request is None:
                continue
            step = _due_step(request, now)
            if step is None:
                continue
            context = {"opinion": request, "dossier": request.dossier}
            if step == OVERDUE_STEP:
                notify(
                    "reminder_opinion_overdue",
                    recipients=[request.requested_by],
                    context=context,
                    link=reverse("applications:dossier_opinions", args=[request.dossier_id]),
                )
            elif request.expert_id:
                notify("reminder_opinion_due", recipients=[request.expert], context=context, link=_expert_link(request))
            else:
                notify_address(
                    "reminder_opinion_due", to_email=request.email, context=context, link=_expert_link(request)
                )
            earlier = [name for name, _delta in REMINDER_STEPS] if step == OVERDUE_STEP else _steps_from(step)
            request.reminders_sent = sorted({*request.reminders_sent, *earlier, step})
            request.save(update_fields=["reminders_sent"])
            audit_record(actor=None, action="opinion.reminder", target=request, data={"step": step})
            sent += 1
    return sent


def _steps_from(step: str) -> list[str]:
    names = [name for name, _delta in REMINDER_STEPS]
    return names[names.index(step) :]


def _due_step(request: OpinionRequest, now: datetime) -> str | None:
    """The step to send now, or None: the overdue notice past the deadline, else the latest reminder due."""
    if request.due_at <= now:
        return None if OVERDUE_STEP in request.reminders_sent else OVERDUE_STEP
    for name, delta in REMINDER_STEPS:
        if now >= request.due_at - delta:
            return None if name in request.reminders_sent else name
    return None
