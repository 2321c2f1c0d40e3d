"""Which audited actions are webhook events, and what each event says.

Every write that matters is audited by its service inside its transaction (the house rule, held by
review and by the audit-label test), so the API hooks on the audit trail rather than asking each
service to remember a signal: a new path to an existing action (an import, an admin action, a
background job) emits the same event without anyone thinking of webhooks. Lower apps import nothing
from here. The payload is small: ids, references and the API address where the token-scoped detail
lives, so that a receiver reads the rest with its own token and rights.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from api.models import WebhookEvent
from applications.models import Dossier
from applications.workflow import TRANSITIONS
from funding.models import Convention, Milestone, Payment
from juries.models import Decision
from portal.models import AuditEvent

E = WebhookEvent


@dataclass(frozen=True)
class Occurrence:
    event: str
    data: dict


def api_url(name: str, **kwargs) -> str:
    return settings.SITE_URL + reverse(f"api_v1:{name}", kwargs=kwargs)


def moment(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def dossier_ref(dossier: Dossier) -> dict:
    return {
        "id": dossier.pk,
        "reference": dossier.reference,
        "state": dossier.state,
        "url": api_url("dossier_detail", dossier_id=dossier.pk),
    }


def _dossier_transition(audit: AuditEvent) -> list[Occurrence]:
    dossier = Dossier.objects.get(pk=audit.target_id)
    transition = audit.action.partition(".")[2]
    data = {
        "dossier": dossier_ref(dossier),
        "transition": transition,
        "from_state": audit.data.get("before"),
        "to_state": audit.data.get("after"),
        "reason": audit.data.get("reason", ""),
    }
    occurrences = [Occurrence(E.DOSSIER_STATE_CHANGED, data)]
    if transition == "submit":
        occurrences.append(Occurrence(E.DOSSIER_SUBMITTED, {"dossier": dossier_ref(dossier)}))
    return occurrences


def _decision(decision: Decision) -> Occurrence:
    return Occurrence(
        E.DECISION_RECORDED,
        {
            "decision": {
                "id": decision.pk,
                "kind": decision.kind,
                "rank": decision.rank,
                "granted_amount": f"{decision.granted_amount:.2f}" if decision.granted_amount is not None else None,
                "jury": decision.jury_id,
                "deliberation": decision.deliberation_id,
            },
            "dossier": dossier_ref(decision.dossier),
        },
    )


def _deliberation(audit: AuditEvent) -> list[Occurrence]:
    decisions = Decision.objects.filter(deliberation_id=audit.target_id).select_related("dossier")
    return [_decision(decision) for decision in decisions.order_by("pk")]


def _promotion(audit: AuditEvent) -> list[Occurrence]:
    decisions = Decision.objects.filter(deliberation_id=audit.target_id, dossier_id=audit.data.get("dossier"))
    return [_decision(decision) for decision in decisions.select_related("dossier")]


def _convention_signed(audit: AuditEvent) -> list[Occurrence]:
    convention = Convention.objects.select_related("dossier").get(pk=audit.target_id)
    return [
        Occurrence(
            E.CONVENTION_SIGNED,
            {
                "convention": {
                    "id": convention.pk,
                    "version": convention.version,
                    "status": convention.status,
                    "signed_by": "carrier" if audit.action == "convention.sign_carrier" else "operator",
                    "url": api_url("convention_detail", convention_id=convention.pk),
                },
                "dossier": dossier_ref(convention.dossier),
            },
        )
    ]


def _milestone_validated(audit: AuditEvent) -> list[Occurrence]:
    milestone = Milestone.objects.select_related("dossier").get(pk=audit.target_id)
    return [
        Occurrence(
            E.MILESTONE_VALIDATED,
            {
                "milestone": {
                    "id": milestone.pk,
                    "label": milestone.label,
                    "reviewed_at": moment(milestone.reviewed_at),
                },
                "dossier": dossier_ref(milestone.dossier),
            },
        )
    ]


def _payment_recorded(audit: AuditEvent) -> list[Occurrence]:
    payment = (
        Payment.objects.select_related("dossier")
        .filter(tranche_id=audit.target_id, reference=audit.data.get("reference"))
        .first()
    )
    if payment is None:
        return []
    return [
        Occurrence(
            E.PAYMENT_RECORDED,
            {
                "payment": {
                    "id": payment.pk,
                    "tranche": payment.tranche_id,
                    "amount": f"{payment.amount:.2f}",
                    "reference": payment.reference,
                    "paid_on": payment.paid_on.isoformat(),
                    "url": api_url("payment_detail", payment_id=payment.pk),
                },
                "dossier": dossier_ref(payment.dossier),
            },
        )
    ]


# Audit action → the occurrences it stands for. The dossier's transitions all change its state.
HANDLERS = {
    **{f"dossier.{name}": _dossier_transition for name in TRANSITIONS},
    "juries.deliberation_record": _deliberation,
    "juries.deliberation_record_past": _deliberation,
    "juries.reserve_promote": _promotion,
    "convention.sign_carrier": _convention_signed,
    "convention.sign_operator": _convention_signed,
    "milestone.validate": _milestone_validated,
    "payment.record": _payment_recorded,
}
# What each event may come from, for the endpoint form's help and the docs.
EVENT_SOURCES = {
    E.DOSSIER_SUBMITTED: ("dossier.submit",),
    E.DOSSIER_STATE_CHANGED: tuple(f"dossier.{name}" for name in TRANSITIONS),
    E.DECISION_RECORDED: ("juries.deliberation_record", "juries.deliberation_record_past", "juries.reserve_promote"),
    E.CONVENTION_SIGNED: ("convention.sign_carrier", "convention.sign_operator"),
    E.MILESTONE_VALIDATED: ("milestone.validate",),
    E.PAYMENT_RECORDED: ("payment.record",),
}


def occurrences_of(audit: AuditEvent) -> list[Occurrence]:
    handler = HANDLERS.get(audit.action)
    return handler(audit) if handler is not None else []
