"""Staff's instruction: completeness and eligibility review, then putting dossiers under evaluation."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from applications.evaluation import dossier_evaluation, violations_for_step
from applications.models import Dossier
from applications.services.submission import submission_blockers
from applications.services.workflow import dossier_transition, ensure_staff_sees
from applications.workflow import DossierState
from juries.models import EligibilityReview, Jury, JuryDossier
from juries.services.common import ensure_staff
from portal.errors import DomainError
from portal.selectors import user_roles


def automatic_checks(dossier: Dossier) -> tuple[list[str], list[dict], list[tuple[str, str]]]:
    """(completeness blockers, rule violations, manual items to tick) as staff see them."""
    evaluation = dossier_evaluation(dossier)
    blockers = [b.message for b in submission_blockers(dossier, evaluation)]
    violations = [{"code": v.code, "message": v.message_fr} for v in violations_for_step(dossier, evaluation)]
    manual = list(evaluation.manual_checks) if evaluation else []
    return blockers, violations, manual


def eligibility_review(
    *,
    actor,
    dossier: Dossier,
    outcome: str,
    checklist: dict[str, dict] | None = None,
    reason: str = "",
) -> EligibilityReview:
    """Declare a submitted dossier "recevable" or "irrecevable", with the checks behind the decision.

    `checklist` maps each manual item code of the rule to {"ok": True | False | None, "reason": str}:
    a satisfied item (True) needs no written reason, an unsatisfied one (False) always does, an item
    left unexamined (None or absent) blocks only "recevable". "Recevable" needs a complete dossier, no
    rule violation and every item satisfied; "irrecevable" needs a reason, which the applicant receives.
    """
    if not user_roles(actor).is_staff_of(dossier.theme.call.programme_id):
        raise DomainError(_("Seule l'équipe du programme instruit les dossiers."), code="forbidden")
    ensure_staff_sees(actor, dossier)
    if dossier.state not in (DossierState.SUBMITTED, DossierState.COMPLETE):
        raise DomainError(
            _("Le dossier est « %(state)s » : il n'est pas à instruire.") % {"state": dossier.get_state_display()},
            code="invalid_state",
        )
    checklist = checklist or {}
    blockers, violations, manual = automatic_checks(dossier)
    items = []
    for code, label in manual:
        entry = checklist.get(code) or {}
        ok = entry.get("ok")
        reason_given = (entry.get("reason") or "").strip()
        if ok is False and not reason_given:
            raise DomainError(
                _("Motivez le contrôle non satisfait « %(check)s ».") % {"check": label},
                code="reason_required",
                field=f"check_{code}",
            )
        items.append({"code": code, "label": label, "ok": ok, "reason": reason_given})
    if outcome == EligibilityReview.Outcome.ELIGIBLE:
        unmet = [
            (_("« %(check)s » n'est pas satisfait.") if i["ok"] is False else _("« %(check)s » n'a pas été examiné."))
            % {"check": i["label"]}
            for i in items
            if i["ok"] is not True
        ]
        problems = blockers + [v["message"] for v in violations] + unmet
        if problems:
            raise DomainError(
                _("Le dossier ne peut pas être déclaré recevable : %(problems)s") % {"problems": " ".join(problems)},
                code="not_eligible",
            )
    elif outcome == EligibilityReview.Outcome.INELIGIBLE:
        if not (reason or "").strip():
            raise DomainError(_("Le motif d'irrecevabilité est obligatoire."), code="reason_required", field="reason")
    else:
        raise DomainError(_("Issue inconnue."), code="invalid", field="outcome")
    with transaction.atomic():
        if outcome == EligibilityReview.Outcome.ELIGIBLE:
            if dossier.state == DossierState.SUBMITTED:
                dossier = dossier_transition(dossier=dossier, name="mark_complete", actor=actor)
            dossier = dossier_transition(dossier=dossier, name="declare_eligible", actor=actor, reason=reason)
        else:
            dossier = dossier_transition(dossier=dossier, name="declare_ineligible", actor=actor, reason=reason)
        review = EligibilityReview.objects.create(
            dossier=dossier,
            reviewer=actor,
            completeness=blockers,
            automatic=violations,
            checklist=items,
            outcome=outcome,
            reason=(reason or "").strip(),
        )
    return review


def evaluation_start(*, actor, jury: Jury) -> int:
    """Put the jury's eligible dossiers under evaluation; returns how many moved."""
    ensure_staff(actor, jury)
    moved = 0
    with transaction.atomic():
        for entry in JuryDossier.objects.filter(jury=jury, dossier__state=DossierState.ELIGIBLE).select_related(
            "dossier"
        ):
            dossier_transition(dossier=entry.dossier, name="start_evaluation", actor=actor)
            moved += 1
    return moved
