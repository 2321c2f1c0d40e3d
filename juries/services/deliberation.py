"""The deliberation: decisions within the envelope and the rules engine, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.evaluation import GRANTED_STATES, dossier_evaluation
from applications.models import Dossier
from applications.services.workflow import dossier_transition
from applications.workflow import DossierState
from calls.models import Session
from juries.models import Decision, Deliberation, Jury, JuryDossier, JuryMember
from juries.selectors import envelope_of, ranking
from juries.services.common import ensure_staff
from portal.errors import DomainError
from portal.services import audit_record, task_enqueue_on_commit
from portal.templatetags.portal_format import format_euros

Kind = Decision.Kind
# Each decision applies "deliberate", then this transition (see applications.workflow.TRANSITIONS).
KIND_TRANSITIONS = {
    Kind.SELECTED: "select",
    Kind.REJECTED: "reject",
    Kind.RESUBMIT: "invite_resubmission",
    Kind.REORIENTED: "reorient",
    Kind.RESERVE: "put_on_reserve",
}
REASONED_KINDS = (Kind.REJECTED, Kind.RESUBMIT, Kind.REORIENTED)


@dataclass(frozen=True)
class DecisionInput:
    dossier_id: int
    kind: str
    granted_amount: Decimal | None = None
    conditions: str = ""
    reasons: str = ""
    target_session: Session | None = None


def deliberation_record(
    *,
    actor,
    jury: Jury,
    decisions: list[DecisionInput],
    members_present: list[JuryMember] | None = None,
    override_reason: str = "",
    at=None,
) -> Deliberation:
    """Record the committee's decisions, all or nothing, and freeze the scores of the dossiers decided.

    Refused when the selected total exceeds the envelope without a reasoned override (recorded
    in the chair's name), when an amount exceeds the engine's maximum (with its explanation), or
    when a rejection, invitation or reorientation has no reason (the consensus opinion is used
    when left blank). The minutes and the letters are generated after commit by Celery.
    """
    ensure_staff(actor, jury)
    at = at or timezone.now()
    entries = {e.dossier_id: e for e in JuryDossier.objects.filter(jury=jury).select_related("dossier__theme__call")}
    if not decisions:
        raise DomainError(_("Aucune décision à enregistrer."), code="empty")
    rows = {row.dossier.pk: row for row in ranking(jury)}
    for decision in decisions:
        entry = entries.get(decision.dossier_id)
        if entry is None:
            raise DomainError(_("Un dossier ne relève pas de ce jury."), code="jury_scope")
        if entry.frozen_at is not None:
            raise DomainError(
                _("Le dossier %(reference)s a déjà été délibéré.") % {"reference": entry.dossier.reference},
                code="frozen",
            )
        if decision.kind not in KIND_TRANSITIONS:
            raise DomainError(_("Décision inconnue."), code="invalid")
    granted_total = sum((d.granted_amount or Decimal("0") for d in decisions if d.kind == Kind.SELECTED), Decimal("0"))
    envelope = envelope_of(jury)
    override_by = None
    if envelope is not None and granted_total > envelope:
        if not override_reason.strip():
            raise DomainError(
                _(
                    "Le total accordé (%(total)s) dépasse l'enveloppe de la session (%(envelope)s) : "
                    "un dépassement exige une dérogation motivée du ou de la président·e."
                )
                % {"total": format_euros(granted_total), "envelope": format_euros(envelope)},
                code="envelope_exceeded",
                field="override_reason",
            )
        override_by = JuryMember.objects.filter(jury=jury, is_chair=True, withdrawn_at__isnull=True).first()
        if override_by is None:
            raise DomainError(
                _("Le jury n'a pas de président·e pour autoriser le dépassement."), code="envelope_exceeded"
            )
    for decision in decisions:
        dossier = entries[decision.dossier_id].dossier
        _check_decision(decision, dossier, rows.get(dossier.pk))
    with transaction.atomic():
        deliberation = Deliberation.objects.create(
            jury=jury,
            session=jury.session,
            recorded_at=at,
            recorded_by=actor,
            envelope=envelope,
            granted_total=granted_total,
            override_reason=override_reason.strip() if override_by else "",
            override_by=override_by,
            ranking=ranking_snapshot(rows.values()),
        )
        deliberation.members_present.set(
            jury.members.filter(withdrawn_at__isnull=True) if members_present is None else members_present
        )
        for decision in decisions:
            _apply(actor, deliberation, decision, entries[decision.dossier_id].dossier, rows.get(decision.dossier_id))
        JuryDossier.objects.filter(jury=jury, dossier_id__in=[d.dossier_id for d in decisions]).update(frozen_at=at)
        audit_record(
            actor=actor,
            action="juries.deliberation_record",
            target=deliberation,
            data={
                "granted_total": str(granted_total),
                "envelope": str(envelope) if envelope is not None else None,
                "override_reason": deliberation.override_reason,
                "decisions": {str(d.dossier_id): d.kind for d in decisions},
            },
        )
        task_enqueue_on_commit("juries.tasks.deliberation_documents", deliberation_id=deliberation.pk)
    return deliberation


def _reasons(decision: DecisionInput, row) -> str:
    if decision.reasons.strip():
        return decision.reasons.strip()
    if row is not None and row.consensus is not None:
        return row.consensus.opinion
    return ""


def _check_decision(decision: DecisionInput, dossier: Dossier, row) -> None:
    if decision.kind == Kind.SELECTED:
        amount = decision.granted_amount
        if amount is None or amount <= 0:
            raise DomainError(
                _("%(reference)s : indiquez le montant accordé.") % {"reference": dossier.reference},
                code="amount_required",
            )
        evaluation = dossier_evaluation(dossier)
        if evaluation is not None and amount > evaluation.max_programme_amount:
            raise DomainError(
                _("%(reference)s : %(amount)s dépasse le maximum permis par la règle (%(maximum)s). %(explanation)s")
                % {
                    "reference": dossier.reference,
                    "amount": format_euros(amount),
                    "maximum": format_euros(evaluation.max_programme_amount),
                    "explanation": " ".join(evaluation.explanation),
                },
                code="amount_above_rule",
            )
    if decision.kind in REASONED_KINDS and not _reasons(decision, row):
        raise DomainError(
            _("%(reference)s : motivez la décision.") % {"reference": dossier.reference}, code="reason_required"
        )
    if decision.kind == Kind.REORIENTED and decision.target_session is None:
        raise DomainError(
            _("%(reference)s : choisissez la session de réorientation.") % {"reference": dossier.reference},
            code="target_required",
        )


def _apply(actor, deliberation: Deliberation, decision: DecisionInput, dossier: Dossier, row) -> Decision:
    reasons = _reasons(decision, row)
    dossier = dossier_transition(dossier=dossier, name="deliberate", actor=actor)
    dossier = dossier_transition(dossier=dossier, name=KIND_TRANSITIONS[decision.kind], actor=actor, reason=reasons)
    if decision.kind == Kind.SELECTED:
        Dossier.objects.filter(pk=dossier.pk).update(granted_amount=decision.granted_amount)
    elif decision.kind == Kind.REORIENTED:
        # The dossier moves to the new theme and session; staff resume it there.
        target = decision.target_session
        Dossier.objects.filter(pk=dossier.pk).update(theme_id=target.theme_id, session=target)
    return Decision.objects.create(
        deliberation=deliberation,
        dossier=dossier,
        kind=decision.kind,
        rank=row.rank if row else None,
        granted_amount=decision.granted_amount if decision.kind == Kind.SELECTED else None,
        conditions=decision.conditions.strip(),
        reasons=reasons,
        target_session=decision.target_session,
    )


def ranking_snapshot(rows) -> list[dict]:
    """The ranking as the minutes print it, kept on the deliberation."""
    return [
        {
            "rank": r.rank,
            "dossier": r.dossier.pk,
            "reference": r.dossier.reference,
            "acronym": r.dossier.acronym,
            "total": str(r.total) if r.total is not None else None,
            "source": r.source,
            "abstentions": [str(m) for m in r.abstentions],
        }
        for r in sorted(rows, key=lambda r: r.rank)
    ]


def granted_total_of(jury: Jury) -> Decimal:
    """What the jury's dossiers hold now: selected ones still in the race (a withdrawal frees its money)."""
    total = Dossier.objects.filter(jury_entries__jury=jury, state__in=GRANTED_STATES).aggregate(
        total=Sum("granted_amount")
    )["total"]
    return total or Decimal("0")


def reserve_promote(*, actor, jury: Jury, dossier: Dossier, granted_amount: Decimal, conditions: str = "") -> Decision:
    """Select a dossier of the reserve list once money is freed: within the envelope and the rule's maximum.

    The deliberation's decision row is updated (before/after audited) and a new letter is generated.
    """
    ensure_staff(actor, jury)
    decision = Decision.objects.filter(deliberation__jury=jury, dossier=dossier, kind=Kind.RESERVE).first()
    if decision is None:
        raise DomainError(_("Ce dossier n'est pas sur la liste complémentaire de ce jury."), code="not_reserve")
    envelope = envelope_of(jury)
    if envelope is not None and granted_total_of(jury) + granted_amount > envelope:
        raise DomainError(
            _("L'enveloppe restante (%(remaining)s) ne couvre pas ce montant.")
            % {"remaining": format_euros(envelope - granted_total_of(jury))},
            code="envelope_exceeded",
        )
    _check_decision(DecisionInput(dossier.pk, Kind.SELECTED, granted_amount=granted_amount), dossier, None)
    with transaction.atomic():
        dossier = dossier_transition(
            dossier=dossier, name="select", actor=actor, reason=_("Promu de la liste complémentaire.")
        )
        Dossier.objects.filter(pk=dossier.pk).update(granted_amount=granted_amount)
        decision.kind, decision.granted_amount, decision.conditions = Kind.SELECTED, granted_amount, conditions.strip()
        decision.letter = ""
        decision.save(update_fields=["kind", "granted_amount", "conditions", "letter"])
        audit_record(
            actor=actor,
            action="juries.reserve_promote",
            target=decision.deliberation,
            data={"dossier": dossier.pk, "before": Kind.RESERVE, "granted_amount": str(granted_amount)},
        )
        task_enqueue_on_commit("juries.tasks.deliberation_documents", deliberation_id=decision.deliberation_id)
    return decision


# Where each decision leaves the dossier (see applications.workflow.TRANSITIONS).
KIND_STATES = {
    Kind.SELECTED: DossierState.SELECTED,
    Kind.REJECTED: DossierState.REJECTED,
    Kind.RESUBMIT: DossierState.RESUBMIT_INVITED,
    Kind.REORIENTED: DossierState.REORIENTED,
    Kind.RESERVE: DossierState.RESERVE,
}


def deliberation_record_past(*, actor, jury: Jury, decisions: list[DecisionInput], recorded_at) -> Deliberation:
    """Record a deliberation held before the portal (an earlier edition): each dossier must already be
    in the state its decision leads to; nothing is transitioned, the scores are frozen, the minutes follow."""
    ensure_staff(actor, jury)
    entries = {e.dossier_id: e for e in JuryDossier.objects.filter(jury=jury).select_related("dossier")}
    for decision in decisions:
        entry = entries.get(decision.dossier_id)
        if entry is None or entry.dossier.state != KIND_STATES[decision.kind]:
            raise DomainError(_("Un dossier n'est pas dans l'état de la décision à reprendre."), code="invalid_state")
    rows = {row.dossier.pk: row for row in ranking(jury)}
    with transaction.atomic():
        deliberation = Deliberation.objects.create(
            jury=jury,
            session=jury.session,
            recorded_at=recorded_at,
            recorded_by=actor,
            envelope=envelope_of(jury),
            granted_total=sum(
                (d.granted_amount or Decimal("0") for d in decisions if d.kind == Kind.SELECTED), Decimal("0")
            ),
            ranking=ranking_snapshot(rows.values()),
        )
        deliberation.members_present.set(jury.members.filter(withdrawn_at__isnull=True))
        Decision.objects.bulk_create(
            [
                Decision(
                    deliberation=deliberation,
                    dossier_id=d.dossier_id,
                    kind=d.kind,
                    granted_amount=d.granted_amount,
                    rank=rows[d.dossier_id].rank if d.dossier_id in rows else None,
                    reasons=d.reasons.strip(),
                    conditions=d.conditions.strip(),
                )
                for d in decisions
            ]
        )
        JuryDossier.objects.filter(jury=jury, dossier_id__in=[d.dossier_id for d in decisions]).update(
            frozen_at=recorded_at
        )
        audit_record(
            actor=actor,
            action="juries.deliberation_record_past",
            target=deliberation,
            data={"decisions": {str(d.dossier_id): d.kind for d in decisions}},
        )
        task_enqueue_on_commit("juries.tasks.deliberation_documents", deliberation_id=deliberation.pk)
    return deliberation
