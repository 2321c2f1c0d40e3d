"""Writes of the staff back-office on the parts of a call or theme: evaluation grids, required
documents, phases and milestones, info sessions. Same contract as `calls.services.configuration`:
keyword-only, one transaction, an audit event under the call, a French `DomainError` on refusal.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from calls.models import (
    Call,
    Criterion,
    InfoSession,
    MilestoneTemplate,
    Phase,
    RequiredDocument,
    Theme,
)
from calls.selectors import staff_theme_lock_reason
from calls.services.common import (
    as_paris,
    assign_fields,
    audit_change,
    check_unique_key,
    ensure_runs_programme,
    full_clean_or_error,
    owner_of,
)
from portal.errors import DomainError

CRITERION_FIELDS = {
    "code",
    "label",
    "definition",
    "weight",
    "scale_min",
    "scale_max",
    "step",
    "threshold",
    "allows_not_applicable",
    "order",
}
DOCUMENT_FIELDS = set(RequiredDocument.EDITABLE_FIELDS)
STEP_FIELDS = {"key", "label", "description", "order"}  # of phases and milestones
INFO_SESSION_FIELDS = {
    "title",
    "description",
    "starts_at",
    "ends_at",
    "place",
    "address",
    "access_conditions",
    "remote_link",
    "capacity",
    "registration_open",
}


# --- evaluation grid --------------------------------------------------------------------


def _check_grid_editable(*, call: Call | None, theme: Theme | None) -> None:
    # Read afresh: the caller's objects may predate a publication.
    themes = Theme.objects.select_related("call").filter(**({"pk": theme.pk} if theme is not None else {"call": call}))
    for each in themes:
        reason = staff_theme_lock_reason(each)
        if reason:
            raise DomainError(
                _("La grille ne peut plus être modifiée : %(reason)s") % {"reason": reason}, code="grid_locked"
            )


def _check_criterion(criterion: Criterion) -> None:
    if not criterion.code:
        raise DomainError(_("Code : il est obligatoire."), code="criterion_invalid", field="code")
    if not criterion.label:
        raise DomainError(_("Libellé : il est obligatoire."), code="criterion_invalid", field="label")
    if criterion.weight is None or criterion.weight < 0:
        raise DomainError(_("Pondération : elle doit être positive ou nulle."), code="criterion_weight", field="weight")
    if criterion.scale_max <= criterion.scale_min:
        raise DomainError(
            _("Note maximale : elle doit dépasser la note minimale."), code="criterion_scale", field="scale_max"
        )
    if criterion.threshold is not None and not criterion.scale_min <= criterion.threshold <= criterion.scale_max:
        raise DomainError(
            _("Seuil minimal : il doit être compris entre %(min)s et %(max)s.")
            % {"min": criterion.scale_min, "max": criterion.scale_max},
            code="criterion_threshold",
            field="threshold",
        )
    if criterion.step is None or criterion.step <= 0:
        raise DomainError(_("Pas de notation : il doit être positif."), code="criterion_step", field="step")
    if criterion.parent_id is not None and criterion.parent.parent_id is not None:
        raise DomainError(_("Un sous-critère ne peut pas avoir lui-même de sous-critères."), code="criterion_depth")


@transaction.atomic
def criterion_create(
    *,
    actor,
    code: str,
    label: str,
    call: Call | None = None,
    theme: Theme | None = None,
    parent: Criterion | None = None,
    **fields,
) -> Criterion:
    """Add a criterion (or a sub-criterion of `parent`) to a call's or a theme's grid.

    Refused once the grid may already have been used (see `staff_theme_lock_reason`).
    """
    owner, owner_call = owner_of(call=call, theme=theme)
    _check_grid_editable(call=call, theme=theme)
    if parent is not None and (parent.call_id, parent.theme_id) != (
        getattr(call, "pk", None),
        getattr(theme, "pk", None),
    ):
        raise DomainError(_("Le critère parent appartient à une autre grille."), code="criterion_parent")
    criterion = Criterion(**owner, parent=parent, code=code, label=label)
    assign_fields(criterion, fields, CRITERION_FIELDS)
    _check_criterion(criterion)
    full_clean_or_error(criterion, "criterion_invalid", exclude=("call", "theme", "parent"))
    criterion.save()
    audit_change(actor=actor, action="criterion.create", call=owner_call, obj=criterion)
    return criterion


def _criterion_owner(criterion: Criterion) -> tuple[Call | None, Theme | None, Call]:
    theme = criterion.theme
    call = criterion.call
    return call, theme, (call or theme.call)


@transaction.atomic
def criterion_update(*, actor, criterion: Criterion, **fields) -> Criterion:
    criterion = (
        Criterion.objects.select_for_update(of=("self",))
        .select_related("call", "theme__call", "parent")
        .get(pk=criterion.pk)
    )
    call, theme, owner_call = _criterion_owner(criterion)
    _check_grid_editable(call=call, theme=theme)
    changes = assign_fields(criterion, fields, CRITERION_FIELDS)
    _check_criterion(criterion)
    full_clean_or_error(criterion, "criterion_invalid", exclude=("call", "theme", "parent"))
    criterion.save()
    audit_change(actor=actor, action="criterion.update", call=owner_call, obj=criterion, data={"changes": changes})
    return criterion


@transaction.atomic
def criterion_delete(*, actor, criterion: Criterion) -> None:
    """Delete a criterion and its sub-criteria (same lock as edits)."""
    criterion = Criterion.objects.select_related("call", "theme__call").get(pk=criterion.pk)
    call, theme, owner_call = _criterion_owner(criterion)
    _check_grid_editable(call=call, theme=theme)
    audit_change(actor=actor, action="criterion.delete", call=owner_call, obj=criterion)
    criterion.delete()


# --- required documents, phases, milestones, info sessions ------------------------------


def _check_formats(formats: list[str]) -> list[str]:
    cleaned = [item.strip().lower().lstrip(".") for item in formats if item.strip()]
    if not cleaned:
        raise DomainError(
            _("Formats acceptés : indiquez au moins une extension (pdf, odt…)."),
            code="document_formats",
            field="formats",
        )
    return cleaned


@transaction.atomic
def required_document_create(
    *, actor, kind: str, label: str, formats: list[str], call: Call | None = None, theme: Theme | None = None, **fields
) -> RequiredDocument:
    owner, owner_call = owner_of(call=call, theme=theme)
    document = RequiredDocument(**owner, kind=kind, label=label, formats=_check_formats(formats))
    assign_fields(document, fields, DOCUMENT_FIELDS)
    full_clean_or_error(document, "document_invalid", exclude=("call", "theme"))
    document.save()
    audit_change(actor=actor, action="required_document.create", call=owner_call, obj=document)
    return document


@transaction.atomic
def required_document_update(*, actor, document: RequiredDocument, **fields) -> RequiredDocument:
    document = RequiredDocument.objects.select_related("call", "theme__call").get(pk=document.pk)
    if "formats" in fields:
        fields["formats"] = _check_formats(fields["formats"])
    changes = assign_fields(document, fields, DOCUMENT_FIELDS)
    full_clean_or_error(document, "document_invalid", exclude=("call", "theme"))
    document.save()
    audit_change(
        actor=actor,
        action="required_document.update",
        call=document.call or document.theme.call,
        obj=document,
        data={"changes": changes},
    )
    return document


@transaction.atomic
def required_document_delete(*, actor, document: RequiredDocument) -> None:
    document = RequiredDocument.objects.select_related("call", "theme__call").get(pk=document.pk)
    audit_change(
        actor=actor, action="required_document.delete", call=document.call or document.theme.call, obj=document
    )
    document.delete()


@transaction.atomic
def phase_create(*, actor, theme: Theme, key: str, label: str, description: str = "") -> Phase:
    """Add a phase after the theme's last one."""
    check_unique_key(theme.phases.all(), key, where=_("ce thème"))
    order = (theme.phases.aggregate(last=Max("order"))["last"] or 0) + 1
    phase = Phase(theme=theme, key=key, label=label, description=description, order=order)
    full_clean_or_error(phase, "phase_invalid", exclude=("theme",))
    phase.save()
    audit_change(actor=actor, action="phase.create", call=theme.call, obj=phase)
    return phase


@transaction.atomic
def milestone_create(*, actor, phase: Phase, key: str, label: str, description: str = "") -> MilestoneTemplate:
    """Add a milestone after the phase's last one, in a phase of a programme the actor runs."""
    ensure_runs_programme(actor, phase.theme.call.programme_id)
    check_unique_key(phase.milestones.all(), key, where=_("cette phase"))
    order = (phase.milestones.aggregate(last=Max("order"))["last"] or 0) + 1
    milestone = MilestoneTemplate(phase=phase, key=key, label=label, description=description, order=order)
    full_clean_or_error(milestone, "milestone_invalid", exclude=("phase",))
    milestone.save()
    audit_change(actor=actor, action="milestone.create", call=phase.theme.call, obj=milestone)
    return milestone


@transaction.atomic
def phase_update(*, actor, phase: Phase, **fields) -> Phase:
    phase = Phase.objects.select_related("theme__call").get(pk=phase.pk)
    if "key" in fields:
        check_unique_key(phase.theme.phases.all(), fields["key"], where=_("ce thème"), exclude_pk=phase.pk)
    changes = assign_fields(phase, fields, STEP_FIELDS)
    full_clean_or_error(phase, "phase_invalid", exclude=("theme",))
    phase.save()
    audit_change(actor=actor, action="phase.update", call=phase.theme.call, obj=phase, data={"changes": changes})
    return phase


@transaction.atomic
def milestone_update(*, actor, milestone: MilestoneTemplate, **fields) -> MilestoneTemplate:
    milestone = MilestoneTemplate.objects.select_related("phase__theme__call").get(pk=milestone.pk)
    if "key" in fields:
        check_unique_key(
            milestone.phase.milestones.all(), fields["key"], where=_("cette phase"), exclude_pk=milestone.pk
        )
    changes = assign_fields(milestone, fields, STEP_FIELDS)
    full_clean_or_error(milestone, "milestone_invalid", exclude=("phase",))
    milestone.save()
    audit_change(
        actor=actor,
        action="milestone.update",
        call=milestone.phase.theme.call,
        obj=milestone,
        data={"changes": changes},
    )
    return milestone


def _check_info_session(info: InfoSession) -> None:
    if info.ends_at <= info.starts_at:
        raise DomainError(_("Fin : elle doit être postérieure au début."), code="info_session_dates", field="ends_at")


@transaction.atomic
def info_session_create(*, actor, call: Call, title: str, starts_at, ends_at, **fields) -> InfoSession:
    info = InfoSession(call=call, title=title, starts_at=as_paris(starts_at), ends_at=as_paris(ends_at))
    assign_fields(info, fields, INFO_SESSION_FIELDS)
    _check_info_session(info)
    full_clean_or_error(info, "info_session_invalid", exclude=("call",))
    info.save()
    audit_change(actor=actor, action="info_session.create", call=call, obj=info)
    return info


@transaction.atomic
def info_session_update(*, actor, info_session: InfoSession, **fields) -> InfoSession:
    info = InfoSession.objects.select_related("call").get(pk=info_session.pk)
    for name in ("starts_at", "ends_at"):
        if name in fields:
            fields[name] = as_paris(fields[name])
    changes = assign_fields(info, fields, INFO_SESSION_FIELDS)
    _check_info_session(info)
    full_clean_or_error(info, "info_session_invalid", exclude=("call",))
    info.save()
    audit_change(actor=actor, action="info_session.update", call=info.call, obj=info, data={"changes": changes})
    return info
