"""A dossier's budget seen by the rules engine: the one bridge from stored rows to `calls.rules`,
with the version of the theme's rule the dossier is judged on and the derogation decided on it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

from django.db.models import Sum
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from applications.models import BudgetLine, Derogation, Dossier
from applications.workflow import DossierState
from calls.models import FormStep, RuleVersion
from calls.rules import CostLine, Evaluation, evaluate
from calls.selectors import current_rule_version, rule_for, step_of_session

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


@dataclass(frozen=True)
class DossierEvaluation(Evaluation):
    """The engine's verdict on a dossier, with the version of the theme's rule that gave it."""

    rule_version: RuleVersion


def dossier_rule_version(dossier: Dossier) -> RuleVersion | None:
    """The version a dossier is judged on: the one pinned at its submission, else the current one."""
    if dossier.rule_version_id is not None:
        return dossier.rule_version
    return current_rule_version(dossier.theme)


def derogation_of(dossier: Dossier) -> Derogation | None:
    try:
        return dossier.derogation
    except Derogation.DoesNotExist:
        return None


def derogation_decision(derogation: Derogation) -> str:
    """« le comité de pilotage du fonds, le 12 mars 2017 » (who decided, when), as the engine says it."""
    return _("%(body)s, le %(date)s") % {
        "body": derogation.deciding_body,
        "date": date_format(derogation.decided_on, "j F Y"),
    }


def judge(
    dossier: Dossier,
    *,
    version: RuleVersion,
    lines,
    previous_grants: Decimal,
    co_carrier_kinds: list[str],
    derogation: Derogation | None,
) -> DossierEvaluation:
    """Apply `version` to the dossier's figures (already loaded by the caller, once)."""
    evaluation = evaluate(
        rule=rule_for(version=version, session=dossier.session),
        lines=cost_lines(lines),
        carrier_kind=dossier.organisation.kind,
        session_kind=dossier.session.kind,
        previous_grants=previous_grants,
        requested_amount=dossier.requested_amount,
        derogation_rate=derogation.rate_percent if derogation is not None else None,
        derogation_decision=derogation_decision(derogation) if derogation is not None else None,
        co_carrier_kinds=co_carrier_kinds,
    )
    values = {field.name: getattr(evaluation, field.name) for field in fields(Evaluation)}
    return DossierEvaluation(**values, rule_version=version)


def dossier_evaluation(dossier: Dossier, lines=None) -> DossierEvaluation | None:
    """The engine's verdict on the dossier's budget (or on `lines` not saved yet), with the rule
    version it applied (see `dossier_rule_version`) and the derogation recorded on it; None
    without a rule."""
    version = dossier_rule_version(dossier)
    if version is None:
        return None
    co_carrier_kinds = [
        partner.organisation.kind
        for partner in dossier.partners.select_related("organisation")
        if partner.role == "co_carrier"
    ]
    return judge(
        dossier,
        version=version,
        lines=dossier.budget_lines.all() if lines is None else lines,
        previous_grants=previous_grants_of(dossier),
        co_carrier_kinds=co_carrier_kinds,
        derogation=derogation_of(dossier),
    )


# An expression of interest needs no budget: the rule judges it only on who may apply.
WHO_APPLIES_CODES = frozenset(
    {"unknown_carrier_kind", "carrier_kind_not_allowed", "carrier_kind_excluded", "grouping_not_allowed"}
)


def violations_for_step(dossier: Dossier, evaluation: Evaluation | None) -> list:
    """The rule's violations that count at the dossier's step: all of them for a full dossier, only those
    about who may apply for an expression of interest (its budget, if any, is indicative)."""
    if evaluation is None:
        return []
    if step_of_session(dossier.session) == FormStep.INTEREST:
        return [violation for violation in evaluation.violations if violation.code in WHO_APPLIES_CODES]
    return list(evaluation.violations)


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
