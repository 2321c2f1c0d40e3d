"""The stored evaluation of a dossier: the rules engine's verdict kept beside it (StoredEvaluation).

Every service that changes what the rule reads calls `evaluation_store` in its own transaction:
budget lines (drafting.budget_replace), co-carriers (drafting.partner_add/partner_remove), the
derogation (derogations), the grants of a project's earlier phases (juries' deliberation, through
`evaluations_store_project`) and the submission (which pins the rule version). Lists and exports read
the stored row and never replay the engine; `evaluations_refresh` recomputes every row.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from applications.evaluation import DossierEvaluation, dossier_evaluation
from applications.models import Dossier, StoredEvaluation


def stored_values(dossier: Dossier, evaluation: DossierEvaluation | None, budget_total: Decimal) -> dict:
    """The columns of StoredEvaluation for `evaluation` (None: the theme has no rule)."""
    if evaluation is None:
        return {
            "rule_version": None,
            "budget_total": budget_total,
            **dict.fromkeys(
                (
                    "total_cost",
                    "eligible_cost",
                    "max_aid",
                    "requested_amount",
                    "granted_amount",
                    "granted_percent",
                    "carrier_percent",
                    "is_compliant",
                ),
                None,
            ),
            "violations": [],
        }
    return {
        "rule_version": evaluation.rule_version,
        "budget_total": budget_total,
        "total_cost": evaluation.total_cost,
        "eligible_cost": evaluation.eligible_cost,
        "max_aid": evaluation.max_programme_amount,
        "requested_amount": evaluation.requested_amount,
        "granted_amount": evaluation.granted_amount,
        "granted_percent": evaluation.granted_percent,
        "carrier_percent": evaluation.carrier_percent,
        "is_compliant": evaluation.is_compliant,
        "violations": [violation.code for violation in evaluation.violations],
    }


def evaluation_store(*, dossier: Dossier, evaluation: DossierEvaluation | None = None) -> StoredEvaluation:
    """Compute (or take `evaluation`, already computed on the dossier's current figures) and store the
    engine's verdict on `dossier`, reading the dossier afresh so that a derogation or partner just
    written counts. Idempotent; call it inside the transaction of the change."""
    fresh = Dossier.objects.select_related("session", "organisation", "theme", "rule_version").get(pk=dossier.pk)
    if evaluation is None:
        evaluation = dossier_evaluation(fresh)
    budget_total = fresh.budget_lines.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    stored, _created = StoredEvaluation.objects.update_or_create(
        dossier=fresh, defaults={**stored_values(fresh, evaluation, budget_total), "computed_at": timezone.now()}
    )
    return stored


def evaluations_store_project(*, dossier: Dossier) -> None:
    """Store again the evaluation of the other phases of `dossier`'s project: a grant decided on one
    phase counts against the per-project cap of the others."""
    if not dossier.project_key:
        return
    siblings = Dossier.objects.filter(project_key=dossier.project_key, theme_id=dossier.theme_id).exclude(pk=dossier.pk)
    for sibling in siblings.only("pk"):
        evaluation_store(dossier=sibling)


def evaluations_refresh(dossiers=None, *, batch: int = 500) -> int:
    """Recompute and store the evaluation of every dossier (or of the `dossiers` queryset), a transaction
    per batch; returns how many were stored. For dossiers created before stored evaluations, and after a
    change of rule that should reach drafts at once."""
    pks = list((Dossier.objects.all() if dossiers is None else dossiers).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), batch):
        with transaction.atomic():
            for pk in pks[start : start + batch]:
                evaluation_store(dossier=Dossier(pk=pk))
    return len(pks)
