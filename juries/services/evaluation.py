"""Scoring: the juror's sheet (autosave, submit), the chair's reopening and consensus."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from applications.models import Dossier
from juries import scoring
from juries.models import Assignment, Consensus, Evaluation, Jury, JuryDossier, Recommendation
from juries.selectors import conflict_map, grid_spec
from juries.services.common import ensure_chair, ensure_reason
from portal.errors import DomainError
from portal.selectors import user_roles
from portal.services import audit_record, notify


class SheetError(DomainError):
    """A score sheet with errors; `errors` maps criterion codes (or "opinion", "recommendation") to French messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(
            gettext("La grille contient des erreurs : corrigez les champs signalés."), code="sheet_invalid"
        )
        self.errors = errors


def _ensure_not_frozen(jury: Jury, dossier: Dossier) -> None:
    if JuryDossier.objects.filter(jury=jury, dossier=dossier, frozen_at__isnull=False).exists():
        raise DomainError(
            gettext("La délibération est enregistrée : les notes de ce dossier sont figées."), code="frozen"
        )


def _ensure_may_score(actor, assignment: Assignment) -> None:
    member = assignment.member
    if (
        member.user_id != actor.pk
        or member.withdrawn_at is not None
        or not user_roles(actor).is_juror_of(member.jury_id)
    ):
        raise DomainError(gettext("Cette évaluation ne vous est pas attribuée."), code="forbidden")
    conflicts = conflict_map(member.jury, members=[member], dossier_ids=[assignment.dossier_id])
    if not conflicts.may_read(member.pk, assignment.dossier_id):
        raise DomainError(gettext("Déclarez d'abord l'absence de conflit d'intérêts sur ce dossier."), code="conflict")
    _ensure_not_frozen(member.jury, assignment.dossier)


def _grid_for(jury: Jury, dossier: Dossier):
    return grid_spec(jury, dossier.theme if jury.theme_id is None else None)


def _sheet_fields(grid, scores, opinion, recommendation, *, complete: bool) -> dict[str, str]:
    errors = scoring.sheet_errors(grid, scores, complete=complete)
    if recommendation and recommendation not in Recommendation.values:
        errors["recommendation"] = gettext("Recommandation inconnue.")
    if complete:
        if not (opinion or "").strip():
            errors["opinion"] = gettext("L'avis motivé est obligatoire.")
        if not recommendation:
            errors["recommendation"] = gettext("Choisissez une recommandation.")
    return errors


def own_sheet_pending(member, dossier: Dossier) -> bool:
    """Independent first: a member assigned to the dossier reads no other sheet before submitting theirs."""
    return (
        Assignment.objects.filter(member=member, dossier=dossier)
        .exclude(evaluation__submitted_at__isnull=False)
        .exists()
    )


def evaluation_save(
    *, actor, assignment: Assignment, scores: dict, opinion: str = "", recommendation: str = ""
) -> Evaluation:
    """Autosave a draft sheet: what is filled in must be valid (scale, step, N/A), the rest may wait.

    Raises SheetError with the errors per criterion; nothing is saved then.
    """
    _ensure_may_score(actor, assignment)
    jury = assignment.member.jury
    grid = _grid_for(jury, assignment.dossier)
    errors = _sheet_fields(grid, scores, opinion, recommendation, complete=False)
    if errors:
        raise SheetError(errors)
    with transaction.atomic():
        evaluation, _ = Evaluation.objects.select_for_update().get_or_create(assignment=assignment)
        if evaluation.is_submitted:
            raise DomainError(
                gettext("Évaluation déjà transmise : seul·e le ou la président·e peut la rouvrir."), code="submitted"
            )
        evaluation.scores = scoring.clean_sheet(grid, scores)
        evaluation.opinion, evaluation.recommendation = (opinion or "").strip(), recommendation or ""
        result = scoring.grid_total(grid, evaluation.scores, pass_mark=jury.pass_mark)
        evaluation.total, evaluation.fails_threshold = result.total, result.fails
        evaluation.save()
    return evaluation


def evaluation_submit(*, actor, assignment: Assignment, at=None) -> Evaluation:
    """Submit the saved sheet: every criterion scored (or N/A) and commented, opinion and recommendation given.

    After the due date it is accepted but marked late. Audited.
    """
    _ensure_may_score(actor, assignment)
    at = at or timezone.now()
    jury = assignment.member.jury
    grid = _grid_for(jury, assignment.dossier)
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().filter(assignment=assignment).first()
        if evaluation is None:
            raise SheetError(_sheet_fields(grid, {}, "", "", complete=True))
        if evaluation.is_submitted:
            return evaluation
        errors = _sheet_fields(grid, evaluation.scores, evaluation.opinion, evaluation.recommendation, complete=True)
        if errors:
            raise SheetError(errors)
        due = assignment.due_at or jury.due_at
        evaluation.submitted_at, evaluation.is_late = at, bool(due and at > due)
        evaluation.save(update_fields=["submitted_at", "is_late", "saved_at"])
        audit_record(
            actor=actor,
            action="juries.evaluation_submit",
            target=jury,
            data={
                "dossier": assignment.dossier_id,
                "total": str(evaluation.total),
                "late": evaluation.is_late,
            },
        )
    return evaluation


def evaluation_reopen(*, actor, evaluation: Evaluation, reason: str) -> Evaluation:
    """The chair reopens a submitted sheet, with a reason; the juror may then edit and resubmit."""
    jury = evaluation.assignment.member.jury
    ensure_chair(actor, jury)
    reason = ensure_reason(reason, gettext("Motivez la réouverture de l'évaluation."))
    _ensure_not_frozen(jury, evaluation.assignment.dossier)
    assignment = evaluation.assignment
    if conflict_map(jury, members=[assignment.member_id], dossier_ids=[assignment.dossier_id]).is_blocked(
        assignment.member_id, assignment.dossier_id
    ):
        raise DomainError(
            gettext(
                "Ce juré a un conflit d'intérêts sur ce dossier : son évaluation ne compte pas et ne se rouvre pas."
            ),
            code="conflict",
        )
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if not evaluation.is_submitted:
            raise DomainError(gettext("Cette évaluation n'a pas encore été transmise."), code="not_submitted")
        previous = evaluation.submitted_at
        evaluation.submitted_at, evaluation.is_late = None, False
        evaluation.reopened_at, evaluation.reopen_reason = timezone.now(), reason
        evaluation.save(update_fields=["submitted_at", "is_late", "reopened_at", "reopen_reason", "saved_at"])
        audit_record(
            actor=actor,
            action="juries.evaluation_reopen",
            target=jury,
            data={
                "dossier": evaluation.assignment.dossier_id,
                "juror": evaluation.assignment.member.user.email,
                "reason": reason,
                "submitted_at": previous.isoformat(),
            },
        )
        dossier = evaluation.assignment.dossier
        notify(
            "jury_evaluation_reopened",
            actor=actor,
            recipients=[evaluation.assignment.member.user],
            context={"jury": jury, "dossier": dossier, "reason": reason},
            link=reverse("juries:score", args=[jury.pk, dossier.pk]),
        )
    return evaluation


def consensus_record(
    *,
    actor,
    jury: Jury,
    dossier: Dossier,
    scores: dict,
    opinion: str,
    recommendation: str,
) -> Consensus:
    """The chair writes the consensus sheet (complete, commented); hearings are recorded apart
    (`juries.services.hearings`).

    The individual sheets are left untouched. A chair in conflict on the dossier cannot.
    """
    chair = ensure_chair(actor, jury)
    if not JuryDossier.objects.filter(jury=jury, dossier=dossier).exists():
        raise DomainError(gettext("Ce dossier n'est pas examiné par ce jury."), code="jury_scope")
    if conflict_map(jury, members=[chair], dossier_ids=[dossier.pk]).is_blocked(chair.pk, dossier.pk):
        raise DomainError(
            gettext("Vous avez un conflit d'intérêts sur ce dossier : un autre membre doit rédiger le consensus."),
            code="conflict",
        )
    if own_sheet_pending(chair, dossier):
        raise DomainError(
            gettext("Transmettez d'abord votre propre évaluation de ce dossier."), code="independent_first"
        )
    _ensure_not_frozen(jury, dossier)
    grid = _grid_for(jury, dossier)
    errors = _sheet_fields(grid, scores, opinion, recommendation, complete=True)
    if errors:
        raise SheetError(errors)
    cleaned = scoring.clean_sheet(grid, scores)
    result = scoring.grid_total(grid, cleaned, pass_mark=jury.pass_mark)
    with transaction.atomic():
        consensus, created = Consensus.objects.select_for_update().update_or_create(
            jury=jury,
            dossier=dossier,
            defaults={
                "scores": cleaned,
                "opinion": opinion.strip(),
                "recommendation": recommendation,
                "total": result.total,
                "fails_threshold": result.fails,
                "recorded_by": actor,
            },
        )
        audit_record(
            actor=actor,
            action="juries.consensus_record",
            target=jury,
            data={"dossier": dossier.pk, "total": str(result.total), "created": created},
        )
    return consensus
