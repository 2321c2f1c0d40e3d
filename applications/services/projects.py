"""Projects filed in phases (SNAP3, SNAP4 and any theme with phases): the project, the phases its
carrier plans (label, amount asked, milestones), and the per-project cap over all of them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils.text import slugify
from django.utils.translation import gettext as _

from applications.models import Dossier, Project, ProjectPhase
from applications.selectors import phase_holds
from applications.workflow import DossierState
from calls.models import Theme
from calls.selectors import rule_of
from portal.errors import DomainError
from portal.selectors import user_roles
from portal.services import audit_record
from portal.templatetags.portal_format import format_euros

MAX_PHASES = 12
MAX_MILESTONES_PER_PHASE = 12


@dataclass(frozen=True)
class PhasePlan:
    """A phase as the carrier types it; `phase_id` names an existing phase that is kept."""

    label: str
    requested_amount: Decimal
    description: str = ""
    milestones: list[dict] = field(default_factory=list)  # {label, month, deliverable}
    phase_id: int | None = None


def is_phased(theme: Theme) -> bool:
    """A theme whose projects are filed in phases, one dossier each: its rule caps a project across its
    phases (SNAP3, SNAP4). The phases some themes describe for the convention (PIA: conventionnement,
    clôture) are milestones of one dossier, not dossiers of their own."""
    rule = rule_of(theme)
    return rule is not None and rule.cap_per_project is not None


def project_key_for(acronym: str) -> str:
    return f"{slugify(acronym)[:40]}-{uuid.uuid4().hex[:8]}"


def project_open(*, actor, dossier: Dossier) -> Project:
    """The project a first dossier of a phased theme starts: its cap from the theme's rule, the dossier
    as its phase 1 (named after the theme's first phase). Called inside the dossier's creation."""
    rule = rule_of(dossier.theme)
    first = dossier.theme.phases.order_by("order").first()
    project = Project.objects.create(
        organisation=dossier.organisation,
        theme=dossier.theme,
        key=dossier.project_key,
        acronym=dossier.acronym,
        title=dossier.title,
        cap=rule.cap_per_project if rule is not None else None,
        created_by=actor,
    )
    ProjectPhase.objects.create(
        project=project,
        order=1,
        label=first.label if first is not None else _("Phase 1"),
        requested_amount=Decimal("0"),
        dossier=dossier,
    )
    audit_record(actor=actor, action="project.open", target=project, data={"dossier": dossier.pk})
    return project


def _ensure_member(actor, project: Project) -> None:
    if not user_roles(actor).is_member_of(project.organisation_id):
        raise DomainError(_("Projet introuvable."), code="not_found")


def _check_plan(project: Project, plans: list[PhasePlan], existing: dict[int, ProjectPhase]) -> None:
    rule = rule_of(project.theme)
    per_dossier = rule.cap_per_dossier if rule is not None else None
    if not plans:
        raise DomainError(_("Le projet compte au moins une phase."), code="phases_required", field="phases")
    if len(plans) > MAX_PHASES:
        raise DomainError(
            _("Un projet compte au plus %(count)s phases.") % {"count": MAX_PHASES}, code="too_many", field="phases"
        )
    for number, plan in enumerate(plans, start=1):
        if not plan.label.strip():
            raise DomainError(
                _("Phase %(number)s : indiquez son intitulé.") % {"number": number},
                code="label_required",
                field="phases",
            )
        if plan.requested_amount < 0:
            raise DomainError(
                _("Phase %(number)s : le montant demandé ne peut pas être négatif.") % {"number": number},
                code="invalid_amount",
                field="phases",
            )
        if per_dossier is not None and plan.requested_amount > per_dossier:
            raise DomainError(
                _(
                    "Phase %(number)s : %(amount)s dépasse le plafond par dossier (%(cap)s), chaque phase étant un dossier."
                )
                % {"number": number, "amount": format_euros(plan.requested_amount), "cap": format_euros(per_dossier)},
                code="phase_above_dossier_cap",
                field="phases",
            )
        if len(plan.milestones) > MAX_MILESTONES_PER_PHASE:
            raise DomainError(
                _("Phase %(number)s : %(count)s jalons au plus.")
                % {"number": number, "count": MAX_MILESTONES_PER_PHASE},
                code="too_many",
                field="phases",
            )
    kept = {plan.phase_id for plan in plans if plan.phase_id is not None}
    for phase in existing.values():
        filed = phase.dossier is not None and phase.dossier.state != DossierState.DRAFT
        plan = next((p for p in plans if p.phase_id == phase.pk), None)
        if filed and plan is None:
            raise DomainError(
                _("La phase « %(phase)s » est déposée : elle ne peut pas être retirée du projet.")
                % {"phase": phase.label},
                code="phase_filed",
                field="phases",
            )
        if filed and plan.requested_amount != phase.requested_amount:
            raise DomainError(
                _("La phase « %(phase)s » est déposée : son montant ne change plus.") % {"phase": phase.label},
                code="phase_filed",
                field="phases",
            )
    if kept - set(existing):
        raise DomainError(_("Une phase ne relève pas de ce projet : rechargez la page."), code="not_found")
    if project.cap is None:
        return
    weights = []
    for number, plan in enumerate(plans, start=1):
        phase = existing.get(plan.phase_id) or ProjectPhase(requested_amount=plan.requested_amount)
        weights.append((number, *phase_holds(phase, requested=plan.requested_amount)))
    total = sum((amount for _number, amount, _why in weights), Decimal("0"))
    if total > project.cap:
        detail = ", ".join(
            _("phase %(number)s : %(amount)s %(why)s") % {"number": number, "amount": format_euros(amount), "why": why}
            for number, amount, why in weights
        )
        raise DomainError(
            _(
                "Le projet dépasserait son plafond de %(cap)s toutes phases confondues : %(detail)s, soit %(total)s "
                "(%(excess)s de trop)."
            )
            % {
                "cap": format_euros(project.cap),
                "detail": detail,
                "total": format_euros(total),
                "excess": format_euros(total - project.cap),
            },
            code="project_cap_exceeded",
            field="phases",
        )


def project_phases_set(*, actor, project: Project, phases: list[PhasePlan]) -> list[ProjectPhase]:
    """Replace the plan of the project's phases, all or nothing.

    A phase already filed keeps its amount and cannot be removed; the amounts of all phases (the
    grant of a decided one, what the others ask) stay within the project's cap, whatever state the
    earlier phases are in. A draft phase dossier takes its phase's milestones.
    """
    with transaction.atomic():
        project = Project.objects.select_for_update(of=("self",)).select_related("theme__call").get(pk=project.pk)
        _ensure_member(actor, project)
        existing = {phase.pk: phase for phase in project.phases.select_related("dossier")}
        _check_plan(project, phases, existing)
        # Orders are rewritten from 1: move the kept phases out of the way of the unique constraint first.
        ProjectPhase.objects.filter(project=project).update(order=F("order") + 1000)
        saved = []
        for order, plan in enumerate(phases, start=1):
            phase = existing.get(plan.phase_id) or ProjectPhase(project=project)
            phase.order = order
            phase.label = plan.label.strip()[:255]
            phase.description = plan.description.strip()
            phase.requested_amount = plan.requested_amount
            phase.milestones = [
                {
                    "label": item["label"].strip()[:255],
                    "month": item.get("month"),
                    "deliverable": (item.get("deliverable") or "").strip(),
                }
                for item in plan.milestones
                if (item.get("label") or "").strip()
            ]
            phase.save()
            if phase.dossier is not None and phase.dossier.state == DossierState.DRAFT:
                Dossier.objects.filter(pk=phase.dossier_id).update(planned_milestones=phase.milestones)
            saved.append(phase)
        ProjectPhase.objects.filter(project=project).exclude(pk__in=[phase.pk for phase in saved]).delete()
        audit_record(
            actor=actor,
            action="project.phases_set",
            target=project,
            data={"phases": [{"label": p.label, "requested_amount": str(p.requested_amount)} for p in saved]},
        )
    return saved
