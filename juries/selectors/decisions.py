"""Reads of decisions after the deliberation: conditions still to lift, and hearings."""

from __future__ import annotations

from django.db.models import QuerySet

from applications.models import Dossier
from juries.models import DecisionCondition, Hearing
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
