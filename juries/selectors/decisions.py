"""Reads of decisions after the deliberation: conditions still to lift, and hearings."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from applications.models import Dossier
from juries.models import GRANTING_KINDS, Decision, DecisionCondition, DecisionDraft, Hearing, Jury
from portal.selectors import user_roles


def conditions_of(dossier: Dossier) -> list[DecisionCondition]:
    """Every condition of the dossier's decisions "retenu sous conditions", lifted or not, in order."""
    return list(
        DecisionCondition.objects.filter(decision__dossier=dossier)
        .select_related("lifted_by", "decision")
        .order_by("decision__deliberation__recorded_at", "order", "pk")
    )


def unlifted_conditions(dossier: Dossier) -> list[DecisionCondition]:
    """The conditions that still hold the dossier's tranches back."""
    return [condition for condition in conditions_of(dossier) if not condition.is_lifted]


def hearings_of_carrier(user) -> QuerySet[Hearing]:
    """Hearings of the dossiers of the user's organisations, cancelled ones aside."""
    return (
        Hearing.objects.filter(dossier__organisation_id__in=user_roles(user).organisation_ids)
        .exclude(status=Hearing.Status.CANCELLED)
        .select_related("jury", "dossier__theme__call")
    )


def hearings_of_jury(jury) -> QuerySet[Hearing]:
    return (
        Hearing.objects.filter(jury=jury)
        .select_related("dossier__organisation", "recorded_by")
        .order_by("starts_at", "pk")
    )


def decision_drafts(jury: Jury, dossier_ids) -> dict[int, DecisionDraft]:
    """The decisions in preparation for these dossiers of the jury (a slice of the ranking), by dossier."""
    return {
        draft.dossier_id: draft
        for draft in DecisionDraft.objects.filter(jury=jury, dossier_id__in=dossier_ids).select_related(
            "target_session"
        )
    }


def drafted_granted_total(jury: Jury, *, excluding=()) -> Decimal:
    """What the jury's decisions in preparation grant, over the whole jury (one aggregate, whatever its size);
    the dossiers in `excluding` are left out (their decision is being typed again)."""
    total = (
        DecisionDraft.objects.filter(jury=jury, kind__in=GRANTING_KINDS)
        .exclude(dossier_id__in=list(excluding))
        .aggregate(total=Sum("granted_amount"))["total"]
    )
    return total or Decimal("0")


def drafts_summary(jury: Jury) -> list[tuple[str, int, Decimal | None]]:
    """Per kind of decision in preparation: its French label, how many dossiers, what they grant."""
    labels = dict(Decision.Kind.choices)
    return [
        (labels.get(row["kind"], row["kind"]), row["count"], row["total"] if row["kind"] in GRANTING_KINDS else None)
        for row in DecisionDraft.objects.filter(jury=jury)
        .values("kind")
        .annotate(count=Count("pk"), total=Sum("granted_amount"))
        .order_by("kind")
    ]
