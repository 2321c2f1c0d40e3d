"""Decisions "retenu sous conditions": staff lift each condition with its evidence; once all are
lifted the convention's tranches may be paid (see funding.services.followup.release_blocker)."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.recipients import carrier_members, fund_operators
from juries.models import DecisionCondition
from juries.services.common import ensure_staff
from portal.errors import DomainError
from portal.services import audit_record, notify
from portal.uploads import MEGABYTE, validate_upload

EVIDENCE_MAX_BYTES = 20 * MEGABYTE


def condition_lift(
    *, actor, condition: DecisionCondition, note: str, evidence=None, ip_address: str | None = None
) -> DecisionCondition:
    """Lift one condition, saying what lifts it and attaching the evidence when there is a file; never twice.

    The carrier and the fund operator hear of it; the message says whether conditions remain.
    """
    if not (note or "").strip():
        raise DomainError(_("Dites ce qui lève la condition."), code="note_required", field="note")
    upload = None
    if evidence:
        try:
            upload = validate_upload(uploaded_file=evidence, allowed_formats=[], max_bytes=EVIDENCE_MAX_BYTES)
        except DomainError as error:
            error.field = "evidence"
            raise
    with transaction.atomic():
        condition = (
            DecisionCondition.objects.select_for_update(of=("self",))
            .select_related("decision__deliberation__jury", "decision__dossier__theme__call__programme")
            .get(pk=condition.pk)
        )
        ensure_staff(actor, condition.decision.deliberation.jury)
        if condition.is_lifted:
            raise DomainError(
                _("La condition « %(condition)s » est déjà levée.") % {"condition": condition.text},
                code="already_lifted",
            )
        condition.lifted_at = timezone.now()
        condition.lifted_by = actor
        condition.evidence_note = note.strip()
        if upload is not None:
            condition.evidence.save(f"preuve.{upload.extension}", evidence, save=False)
            condition.evidence_name = upload.safe_name
        condition.save()
        dossier = condition.decision.dossier
        remaining = DecisionCondition.objects.filter(decision__dossier=dossier, lifted_at__isnull=True).count()
        audit_record(
            actor=actor,
            action="decision.condition_lift",
            target=condition,
            ip_address=ip_address,
            data={"condition": condition.text, "evidence": upload.sha256 if upload else "", "remaining": remaining},
        )
        notify(
            "decision_condition_lifted",
            actor=actor,
            recipients=[*carrier_members(dossier), *fund_operators(dossier)],
            context={"condition": condition, "dossier": dossier, "remaining": remaining},
            link=reverse("funding:convention", args=[dossier.pk]),
        )
    return condition
