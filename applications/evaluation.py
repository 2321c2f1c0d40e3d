"""A dossier's budget seen by the rules engine: the one bridge from stored rows to `calls.rules`."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from applications.models import BudgetLine, Dossier
from applications.workflow import DossierState
from calls.rules import CostLine, Evaluation, evaluate
from calls.selectors import rule_of

# Grants of earlier phases count against a per-project cap once they are decided.
GRANTED_STATES = (DossierState.SELECTED, DossierState.CONVENTION, DossierState.IN_PROGRESS, DossierState.CLOSED)


def cost_lines(lines) -> list[CostLine]:
    return [
        CostLine(
            label=line.label,
            amount=line.amount,
            category=line.category,
            year=line.year,
            phase=line.phase or None,
            source=line.source,
            cofinancer_name=line.cofinancer_name,
            in_kind=line.source == BudgetLine.Source.IN_KIND,
            tags=frozenset(line.tags or []),
        )
        for line in lines
    ]


def previous_grants_of(dossier: Dossier) -> Decimal:
    if not dossier.project_key:
        return Decimal("0")
    granted = (
        Dossier.objects.filter(project_key=dossier.project_key, theme_id=dossier.theme_id, state__in=GRANTED_STATES)
        .exclude(pk=dossier.pk)
        .aggregate(total=Sum("granted_amount"))["total"]
    )
    return granted or Decimal("0")


def dossier_evaluation(dossier: Dossier, lines=None) -> Evaluation | None:
    """The engine's verdict on the dossier's budget (or on `lines` not saved yet); None without a rule."""
    rule = rule_of(dossier.theme)
    if rule is None:
        return None
    co_carrier_kinds = [
        partner.organisation.kind
        for partner in dossier.partners.select_related("organisation")
        if partner.role == "co_carrier"
    ]
    return evaluate(
        rule=rule,
        lines=cost_lines(dossier.budget_lines.all() if lines is None else lines),
        carrier_kind=dossier.organisation.kind,
        session_kind=dossier.session.kind,
        previous_grants=previous_grants_of(dossier),
        requested_amount=dossier.requested_amount,
        derogation_rate=dossier.derogation_rate,
        co_carrier_kinds=co_carrier_kinds,
    )


def budget_lines_from(lines: list[CostLine]) -> list[dict]:
    """The engine's cost lines (e.g. from the simulator) as rows for `drafting.budget_replace`."""
    return [
        {
            "label": line.label or _("Dépense"),
            "year": line.year,
            "phase": line.phase or "",
            "category": line.category,
            "source": BudgetLine.Source.IN_KIND if line.in_kind else line.source,
            "cofinancer_name": line.cofinancer_name,
            "amount": line.amount,
        }
        for line in lines
    ]
