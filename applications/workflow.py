"""The dossier life cycle as data: states, and who may move a dossier from where to where.

`applications.services.workflow.dossier_transition` is the only code that applies it.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class DossierState(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Déposé")
    COMPLEMENT_REQUESTED = "complement_requested", _("Compléments demandés")
    COMPLETE = "complete", _("Complet")
    INELIGIBLE = "ineligible", _("Irrecevable")
    ELIGIBLE = "eligible", _("Recevable")
    UNDER_EVALUATION = "under_evaluation", _("En évaluation")
    DELIBERATED = "deliberated", _("Délibéré")
    SELECTED = "selected", _("Retenu")
    REJECTED = "rejected", _("Non retenu")
    RESUBMIT_INVITED = "resubmit_invited", _("Invité à redéposer")
    REORIENTED = "reoriented", _("Réorienté")
    RESERVE = "reserve", _("Liste complémentaire")
    SECOND_STEP_INVITED = "second_step_invited", _("Invité à la seconde étape")
    CONVENTION = "convention", _("Conventionnement")
    IN_PROGRESS = "in_progress", _("En cours de réalisation")
    CLOSED = "closed", _("Clos")
    WITHDRAWN = "withdrawn", _("Retiré")


# What the applicant reads: internal steps of the instruction are not exposed as such.
APPLICANT_LABELS = {
    DossierState.DRAFT: _("Brouillon — non déposé"),
    DossierState.SUBMITTED: _("Déposé"),
    DossierState.COMPLEMENT_REQUESTED: _("Compléments demandés"),
    DossierState.COMPLETE: _("En cours d'instruction"),
    DossierState.INELIGIBLE: _("Irrecevable"),
    DossierState.ELIGIBLE: _("Recevable — en attente d'évaluation"),
    DossierState.UNDER_EVALUATION: _("En cours d'évaluation"),
    DossierState.DELIBERATED: _("En attente de décision"),
    DossierState.SELECTED: _("Retenu"),
    DossierState.REJECTED: _("Non retenu"),
    DossierState.RESUBMIT_INVITED: _("Invité à redéposer après amélioration"),
    DossierState.REORIENTED: _("Réorienté vers un autre thème"),
    DossierState.RESERVE: _("Sur liste complémentaire"),
    DossierState.SECOND_STEP_INVITED: _("Invité à déposer le dossier complet (seconde étape)"),
    DossierState.CONVENTION: _("Convention en préparation"),
    DossierState.IN_PROGRESS: _("Projet en cours"),
    DossierState.CLOSED: _("Projet clos"),
    DossierState.WITHDRAWN: _("Retiré par le porteur"),
}

APPLICANT = "applicant"  # a member of the carrier organisation
STAFF = "staff"  # programme staff of the dossier's programme (or an admin)
FUND_OPERATOR = "fund_operator"  # the paying body of the programme
SYSTEM = "system"  # background jobs, with no actor

S = DossierState
BEFORE_DECISION = (S.DRAFT, S.SUBMITTED, S.COMPLEMENT_REQUESTED, S.COMPLETE, S.ELIGIBLE, S.UNDER_EVALUATION)
# Deposited and not yet declared eligible or not: the secretariat's instruction work.
TO_INSTRUCT = (S.SUBMITTED, S.COMPLETE, S.COMPLEMENT_REQUESTED)
TO_INSTRUCT_FILTER = "a_instruire"  # the staff list's state filter value for TO_INSTRUCT


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    label: str
    reason_required: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("submit", (S.DRAFT,), S.SUBMITTED, frozenset({APPLICANT}), _("Déposer le dossier")),
        Transition(
            "request_complement",
            (S.SUBMITTED, S.COMPLETE, S.ELIGIBLE),
            S.COMPLEMENT_REQUESTED,
            frozenset({STAFF}),
            _("Demander des compléments"),
            reason_required=True,
        ),
        Transition(
            "answer_complement",
            (S.COMPLEMENT_REQUESTED,),
            S.SUBMITTED,
            frozenset({APPLICANT}),
            _("Transmettre les compléments"),
        ),
        Transition("mark_complete", (S.SUBMITTED,), S.COMPLETE, frozenset({STAFF}), _("Déclarer complet")),
        Transition("declare_eligible", (S.COMPLETE,), S.ELIGIBLE, frozenset({STAFF}), _("Déclarer recevable")),
        Transition(
            "declare_ineligible",
            (S.SUBMITTED, S.COMPLETE),
            S.INELIGIBLE,
            frozenset({STAFF}),
            _("Déclarer irrecevable"),
            reason_required=True,
        ),
        Transition(
            "start_evaluation", (S.ELIGIBLE,), S.UNDER_EVALUATION, frozenset({STAFF, SYSTEM}), _("Mettre en évaluation")
        ),
        Transition("deliberate", (S.UNDER_EVALUATION,), S.DELIBERATED, frozenset({STAFF}), _("Délibérer")),
        Transition("select", (S.DELIBERATED, S.RESERVE), S.SELECTED, frozenset({STAFF}), _("Retenir")),
        Transition(
            "reject",
            (S.DELIBERATED, S.RESERVE),
            S.REJECTED,
            frozenset({STAFF}),
            _("Ne pas retenir"),
            reason_required=True,
        ),
        Transition(
            "invite_resubmission",
            (S.DELIBERATED,),
            S.RESUBMIT_INVITED,
            frozenset({STAFF}),
            _("Inviter à redéposer"),
            reason_required=True,
        ),
        Transition(
            "reorient",
            (S.SUBMITTED, S.COMPLETE, S.ELIGIBLE, S.DELIBERATED),
            S.REORIENTED,
            frozenset({STAFF}),
            _("Réorienter"),
            reason_required=True,
        ),
        Transition(
            "resume_after_reorientation",
            (S.REORIENTED,),
            S.SUBMITTED,
            frozenset({STAFF}),
            _("Reprendre dans le nouveau thème"),
        ),
        Transition(
            "put_on_reserve", (S.DELIBERATED,), S.RESERVE, frozenset({STAFF}), _("Placer en liste complémentaire")
        ),
        # A two-step call's expression of interest: no amount is granted, the carrier may file the full dossier.
        Transition(
            "invite_second_step",
            (S.DELIBERATED, S.RESERVE),
            S.SECOND_STEP_INVITED,
            frozenset({STAFF}),
            _("Inviter à la seconde étape"),
        ),
        Transition(
            "start_convention", (S.SELECTED,), S.CONVENTION, frozenset({STAFF, SYSTEM}), _("Préparer la convention")
        ),
        Transition(
            "start_project",
            (S.CONVENTION,),
            S.IN_PROGRESS,
            frozenset({STAFF, FUND_OPERATOR, SYSTEM}),
            _("Convention en vigueur"),
        ),
        Transition("close", (S.IN_PROGRESS,), S.CLOSED, frozenset({STAFF}), _("Clore le projet")),
        Transition(
            "withdraw",
            (*BEFORE_DECISION, S.RESERVE, S.SELECTED),
            S.WITHDRAWN,
            frozenset({APPLICANT}),
            _("Retirer le dossier"),
        ),
    ]
}


def transitions_from(state: str, roles: set[str]) -> list[Transition]:
    """Transitions available from `state` to an actor holding any of `roles`."""
    return [t for t in TRANSITIONS.values() if state in t.sources and t.roles & roles]
