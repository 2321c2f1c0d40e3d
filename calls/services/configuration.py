"""Writes of the staff back-office: calls, themes, sessions, grids, documents, phases, forms.

Every function is keyword-only, takes the acting user, runs in one transaction and writes an
audit event filed under the call (configuration objects do not carry `audit_call_id`, so the
event targets the call and names the object in `data`). Refusals raise `DomainError` with a
French message and the form field it concerns.
"""

from __future__ import annotations

import calendar
import copy
import datetime
import zoneinfo
from decimal import Decimal

import yaml
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from calls.formschema import FIELD_KINDS, FormSchemaError, iter_fields, validate_definition
from calls.models import (
    Call,
    Criterion,
    FormDefinition,
    InfoSession,
    MilestoneTemplate,
    Phase,
    Programme,
    RequiredDocument,
    Session,
    Theme,
)
from calls.rules import Rule, RuleConfigError
from calls.selectors import staff_theme_lock_reason
from portal.errors import DomainError
from portal.services import audit_record

PARIS = zoneinfo.ZoneInfo("Europe/Paris")

# The call life cycle: (from, to) → the audit action. Anything else is refused.
CALL_TRANSITIONS = {
    (Call.Status.DRAFT, Call.Status.PUBLISHED): "call.publish",
    (Call.Status.PUBLISHED, Call.Status.CLOSED): "call.close",
    (Call.Status.CLOSED, Call.Status.ARCHIVED): "call.archive",
}

CALL_FIELDS = {"title", "kind", "owner_team", "description", "selection_process", "tax_basis", "steps", "source"}
THEME_FIELDS = {
    "title", "summary", "objectives", "encouraged", "eligible_expenses", "examples", "commitments", "support",
    "indicators_text", "opening_date", "kinds", "owner_team", "cofinancing_text", "eligibility_text", "envelope",
    "envelope_text", "project_size_min", "project_size_max", "project_size_text", "selection_process",
    "grouping_allowed", "grid_note", "order",
}
SESSION_FIELDS = {
    "name", "kind", "opens_at", "closes_at", "envelope", "project_size_min", "project_size_max", "jury_on", "note",
}
CRITERION_FIELDS = {
    "code", "label", "definition", "weight", "scale_min", "scale_max", "step", "threshold",
    "allows_not_applicable", "order",
}
DOCUMENT_FIELDS = {"kind", "label", "description", "formats", "max_size_mb", "scope", "mandatory", "max_pages", "order"}
STEP_FIELDS = {"key", "label", "description", "order"}  # of phases and milestones
INFO_SESSION_FIELDS = {
    "title", "description", "starts_at", "ends_at", "place", "address", "access_conditions", "remote_link",
    "capacity", "registration_open",
}


# --- shared helpers ---------------------------------------------------------------------

def _audit(*, actor, action: str, call: Call, obj=None, data: dict | None = None) -> None:
    details = dict(data or {})
    if obj is not None and obj is not call:
        details.update({"object": obj._meta.model_name, "object_id": obj.pk, "label": str(obj)[:255]})
    audit_record(actor=actor, action=action, target=call, data=details)


def _assign(instance, fields: dict, allowed: set[str]) -> dict:
    """Set the allowed attributes; return {field: [old, new]} of what changed, for the audit."""
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(f"Champ non modifiable : {', '.join(sorted(unknown))}.", code="field_not_editable")
    changes = {}
    for name, value in fields.items():
        old = getattr(instance, name)
        if old != value:
            changes[name] = [_jsonable(old), _jsonable(value)]
        setattr(instance, name, value)
    return changes


def _jsonable(value):
    if isinstance(value, (Decimal, datetime.date, datetime.datetime)):
        return str(value)
    return value


def _full_clean(instance, code: str, exclude: tuple[str, ...] = ()) -> None:
    """Model validation (field validators and check constraints) as a DomainError on its field."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(messages[0], code=code, field=None if field == NON_FIELD_ERRORS else field) from error


def _aware(value: datetime.datetime | None) -> datetime.datetime | None:
    """A naive date-time typed by staff is Paris time."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, PARIS)
    return value


def _paris(value: datetime.datetime) -> str:
    return timezone.localtime(value, PARIS).strftime("%d/%m/%Y %H:%M")


def _owner_kwargs(*, call: Call | None, theme: Theme | None) -> tuple[dict, Call]:
    if (call is None) == (theme is None):
        raise DomainError("Rattachez l'élément soit à l'appel, soit à un thème.", code="owner")
    return ({"call": call} if call is not None else {"theme": theme}), (call or theme.call)


# --- calls ------------------------------------------------------------------------------

@transaction.atomic
def call_create(*, actor, programme: Programme, slug: str, title: str, kind: str, **fields) -> Call:
    """Create a draft call of `programme`; the slug (its public address) must be free."""
    if Call.objects.filter(slug=slug).exists():
        raise DomainError(f"L'identifiant « {slug} » est déjà utilisé par un autre appel.", code="call_slug_taken", field="slug")
    call = Call(programme=programme, slug=slug, title=title, kind=kind, status=Call.Status.DRAFT)
    _assign(call, fields, CALL_FIELDS)
    _full_clean(call, "call_invalid")
    call.save()
    _audit(actor=actor, action="call.create", call=call, data={"slug": slug, "title": title})
    return call


@transaction.atomic
def call_update(*, actor, call: Call, **fields) -> Call:
    """Change the texts and settings of a call; its status changes only through `call_transition`."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    changes = _assign(call, fields, CALL_FIELDS)
    _full_clean(call, "call_invalid")
    call.save()
    _audit(actor=actor, action="call.update", call=call, data={"changes": changes})
    return call


@transaction.atomic
def call_transition(*, actor, call: Call, to_status: str) -> Call:
    """Move a call along draft → published → closed → archived (the only allowed steps).

    Publishing needs at least one theme with one session, and dates the call today.
    """
    call = Call.objects.select_for_update().get(pk=call.pk)
    action = CALL_TRANSITIONS.get((call.status, to_status))
    if action is None:
        raise DomainError(
            f"Un appel « {call.get_status_display()} » ne peut pas passer à "
            f"« {dict(Call.Status.choices).get(to_status, to_status)} ».",
            code="call_transition_refused",
        )
    if to_status == Call.Status.PUBLISHED:
        if not Session.objects.filter(theme__call=call).exists():
            raise DomainError(
                "Impossible de publier : l'appel doit avoir au moins un thème avec une session de dépôt.",
                code="call_not_ready",
            )
        call.published_on = call.published_on or timezone.localdate()
    previous = call.status
    call.status = to_status
    call.save(update_fields=["status", "published_on", "updated_at"])
    _audit(actor=actor, action=action, call=call, data={"from": previous, "to": to_status})
    return call


def call_publish(*, actor, call: Call) -> Call:
    return call_transition(actor=actor, call=call, to_status=Call.Status.PUBLISHED)


def call_close(*, actor, call: Call) -> Call:
    return call_transition(actor=actor, call=call, to_status=Call.Status.CLOSED)


def call_archive(*, actor, call: Call) -> Call:
    return call_transition(actor=actor, call=call, to_status=Call.Status.ARCHIVED)


# --- themes -----------------------------------------------------------------------------

def _check_theme_code(call: Call, code: str, exclude_pk: int | None = None) -> None:
    if not code:
        raise DomainError("Le code du thème est obligatoire.", code="theme_code_missing", field="code")
    if Theme.objects.filter(call=call, code=code).exclude(pk=exclude_pk).exists():
        raise DomainError(f"Le code « {code} » est déjà utilisé dans cet appel.", code="theme_code_taken", field="code")


def _check_size_range(instance) -> None:
    if (instance.project_size_min is not None and instance.project_size_max is not None
            and instance.project_size_min > instance.project_size_max):
        raise DomainError(
            "Taille maximale : elle doit être supérieure ou égale à la taille minimale.",
            code="size_range", field="project_size_max",
        )


@transaction.atomic
def theme_create(*, actor, call: Call, code: str, title: str, **fields) -> Theme:
    _check_theme_code(call, code)
    theme = Theme(call=call, code=code, title=title)
    _assign(theme, fields, THEME_FIELDS)
    _check_size_range(theme)
    _full_clean(theme, "theme_invalid")
    theme.save()
    _audit(actor=actor, action="theme.create", call=call, obj=theme)
    return theme


@transaction.atomic
def theme_update(*, actor, theme: Theme, **fields) -> Theme:
    theme = Theme.objects.select_for_update(of=("self",)).select_related("call").get(pk=theme.pk)
    if "code" in fields:
        _check_theme_code(theme.call, fields["code"], exclude_pk=theme.pk)
    changes = _assign(theme, fields, THEME_FIELDS | {"code"})
    _check_size_range(theme)
    _full_clean(theme, "theme_invalid")
    theme.save()
    _audit(actor=actor, action="theme.update", call=theme.call, obj=theme, data={"changes": changes})
    return theme


def _clone(instance, **overrides):
    """An unsaved copy of `instance` with `overrides` applied."""
    clone = copy.copy(instance)
    clone.pk = None
    clone._state = type(instance._state)()
    for name, value in overrides.items():
        setattr(clone, name, value)
    return clone


@transaction.atomic
def theme_duplicate(*, actor, theme: Theme, code: str, title: str = "") -> Theme:
    """Copy a theme into the same call under a new code: texts, grid, documents, phases and
    milestones, and its latest form as a draft version 1. Sessions are not copied (dates differ).
    """
    _check_theme_code(theme.call, code)
    new = _clone(theme, code=code, title=title or theme.title)
    new.save()
    for criterion in theme.criteria.filter(parent__isnull=True).prefetch_related("sub_criteria"):
        parent = _clone(criterion, theme=new)
        parent.save()
        for sub in criterion.sub_criteria.all():
            _clone(sub, theme=new, parent=parent).save()
    for document in theme.required_documents.all():
        _clone(document, theme=new).save()
    for phase in theme.phases.prefetch_related("milestones"):
        new_phase = _clone(phase, theme=new)
        new_phase.save()
        for milestone in phase.milestones.all():
            _clone(milestone, phase=new_phase).save()
    form = theme.form_definitions.order_by("-version").first()
    if form is not None:
        FormDefinition.objects.create(theme=new, version=1, schema=copy.deepcopy(form.schema))
    _audit(actor=actor, action="theme.duplicate", call=theme.call, obj=new, data={"source": theme.code})
    return new


# --- sessions ---------------------------------------------------------------------------

def _check_session(session: Session) -> None:
    """Dates ordered, and no overlap with another session of the same theme and the same kind."""
    if session.opens_at is None:
        raise DomainError("Ouverture : la date d'ouverture est obligatoire.", code="session_dates", field="opens_at")
    if session.closes_at is None:
        raise DomainError("Clôture : la date de clôture est obligatoire.", code="session_dates", field="closes_at")
    if session.closes_at <= session.opens_at:
        raise DomainError(
            "Clôture : la date de clôture doit être postérieure à la date d'ouverture.",
            code="session_closes_before_opening", field="closes_at",
        )
    overlapping = (
        Session.objects.filter(theme_id=session.theme_id, kind=session.kind,
                               opens_at__lt=session.closes_at, closes_at__gt=session.opens_at)
        .exclude(pk=session.pk).order_by("opens_at").first()
    )
    if overlapping is not None:
        raise DomainError(
            f"Ouverture : cette session chevauche la session « {overlapping.name} » du même type "
            f"(du {_paris(overlapping.opens_at)} au {_paris(overlapping.closes_at)}).",
            code="session_overlap", field="opens_at",
        )
    _check_size_range(session)


def _check_key(siblings, key: str, *, where: str, exclude_pk: int | None = None) -> None:
    """`key` must be given and free among `siblings` (the sessions or phases of a theme, the milestones of a phase)."""
    if not key:
        raise DomainError("Identifiant : il est obligatoire.", code="key_missing", field="key")
    if siblings.filter(key=key).exclude(pk=exclude_pk).exists():
        raise DomainError(f"Identifiant : « {key} » est déjà utilisé pour {where}.", code="key_taken", field="key")


@transaction.atomic
def session_create(*, actor, theme: Theme, key: str, name: str, kind: str, opens_at, closes_at, **fields) -> Session:
    """Add a deposit window; date-times without a time zone are Paris time."""
    _check_key(theme.sessions.all(), key, where="ce thème")
    session = Session(theme=theme, key=key, name=name, kind=kind, opens_at=_aware(opens_at), closes_at=_aware(closes_at))
    _assign(session, fields, SESSION_FIELDS)
    _check_session(session)
    _full_clean(session, "session_invalid")
    session.save()
    _audit(actor=actor, action="session.create", call=theme.call, obj=session,
           data={"opens_at": str(session.opens_at), "closes_at": str(session.closes_at)})
    return session


@transaction.atomic
def session_update(*, actor, session: Session, **fields) -> Session:
    """Change a session. Once a published call's session has opened, or a dossier was started
    in it, its dates are frozen: applicants rely on them (other fields stay editable).
    """
    session = Session.objects.select_for_update(of=("self",)).select_related("theme__call").get(pk=session.pk)
    for name in ("opens_at", "closes_at"):
        if name in fields:
            fields[name] = _aware(fields[name])
    if "key" in fields:
        _check_key(session.theme.sessions.all(), fields["key"], where="ce thème", exclude_pk=session.pk)
    dates_changed = any(name in fields and fields[name] != getattr(session, name) for name in ("opens_at", "closes_at"))
    opened = session.theme.call.status != Call.Status.DRAFT and session.opens_at <= timezone.now()
    if dates_changed and (opened or session.dossiers.exists()):
        raise DomainError(
            "Ouverture : les dates d'une session déjà ouverte ne peuvent plus être modifiées, car des porteurs "
            "ont pu commencer leur dossier sur ce calendrier. Créez plutôt une nouvelle session.",
            code="session_dates_frozen", field="opens_at",
        )
    changes = _assign(session, fields, SESSION_FIELDS | {"key"})
    _check_session(session)
    _full_clean(session, "session_invalid")
    session.save()
    _audit(actor=actor, action="session.update", call=session.theme.call, obj=session, data={"changes": changes})
    return session


def _next_month(value: datetime.datetime) -> datetime.datetime:
    """Same Paris wall-clock time one month later (the day is clamped to the month's end)."""
    local = timezone.localtime(value, PARIS).replace(tzinfo=None)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = min(local.day, calendar.monthrange(year, month)[1])
    return timezone.make_aware(local.replace(year=year, month=month, day=day), PARIS)


@transaction.atomic
def session_duplicate(*, actor, session: Session) -> Session:
    """Next month's window of a guichet: same Paris times one month later, under a new key."""
    opens_at, closes_at = _next_month(session.opens_at), _next_month(session.closes_at)
    base = f"{session.theme.code}-{timezone.localtime(opens_at, PARIS):%Y-%m}".lower()
    key, number = base, 2
    while Session.objects.filter(theme_id=session.theme_id, key=key).exists():
        key, number = f"{base}-{number}", number + 1
    new = _clone(session, key=key, opens_at=opens_at, closes_at=closes_at, jury_on=None,
                 name=f"{session.name} ({timezone.localtime(opens_at, PARIS):%m/%Y})"[:255])
    _check_session(new)
    new.save()
    _audit(actor=actor, action="session.duplicate", call=session.theme.call, obj=new, data={"source": session.key})
    return new


# --- evaluation grid --------------------------------------------------------------------

def _check_grid_editable(*, call: Call | None, theme: Theme | None) -> None:
    # Read afresh: the caller's objects may predate a publication.
    themes = Theme.objects.select_related("call").filter(**({"pk": theme.pk} if theme is not None else {"call": call}))
    for each in themes:
        reason = staff_theme_lock_reason(each)
        if reason:
            raise DomainError(f"La grille ne peut plus être modifiée : {reason}", code="grid_locked")


def _check_criterion(criterion: Criterion) -> None:
    if not criterion.code:
        raise DomainError("Code : il est obligatoire.", code="criterion_invalid", field="code")
    if not criterion.label:
        raise DomainError("Libellé : il est obligatoire.", code="criterion_invalid", field="label")
    if criterion.weight is None or criterion.weight < 0:
        raise DomainError("Pondération : elle doit être positive ou nulle.", code="criterion_weight", field="weight")
    if criterion.scale_max <= criterion.scale_min:
        raise DomainError("Note maximale : elle doit dépasser la note minimale.", code="criterion_scale", field="scale_max")
    if criterion.threshold is not None and not criterion.scale_min <= criterion.threshold <= criterion.scale_max:
        raise DomainError(
            f"Seuil minimal : il doit être compris entre {criterion.scale_min} et {criterion.scale_max}.",
            code="criterion_threshold", field="threshold",
        )
    if criterion.step is None or criterion.step <= 0:
        raise DomainError("Pas de notation : il doit être positif.", code="criterion_step", field="step")
    if criterion.parent_id is not None and criterion.parent.parent_id is not None:
        raise DomainError("Un sous-critère ne peut pas avoir lui-même de sous-critères.", code="criterion_depth")


@transaction.atomic
def criterion_create(*, actor, code: str, label: str, call: Call | None = None, theme: Theme | None = None,
                     parent: Criterion | None = None, **fields) -> Criterion:
    """Add a criterion (or a sub-criterion of `parent`) to a call's or a theme's grid.

    Refused once the grid may already have been used (see `staff_theme_lock_reason`).
    """
    owner, owner_call = _owner_kwargs(call=call, theme=theme)
    _check_grid_editable(call=call, theme=theme)
    if parent is not None and (parent.call_id, parent.theme_id) != (getattr(call, "pk", None), getattr(theme, "pk", None)):
        raise DomainError("Le critère parent appartient à une autre grille.", code="criterion_parent")
    criterion = Criterion(**owner, parent=parent, code=code, label=label)
    _assign(criterion, fields, CRITERION_FIELDS)
    _check_criterion(criterion)
    _full_clean(criterion, "criterion_invalid", exclude=("call", "theme", "parent"))
    criterion.save()
    _audit(actor=actor, action="criterion.create", call=owner_call, obj=criterion)
    return criterion


def _criterion_owner(criterion: Criterion) -> tuple[Call | None, Theme | None, Call]:
    theme = criterion.theme
    call = criterion.call
    return call, theme, (call or theme.call)


@transaction.atomic
def criterion_update(*, actor, criterion: Criterion, **fields) -> Criterion:
    criterion = Criterion.objects.select_for_update(of=("self",)).select_related("call", "theme__call", "parent").get(pk=criterion.pk)
    call, theme, owner_call = _criterion_owner(criterion)
    _check_grid_editable(call=call, theme=theme)
    changes = _assign(criterion, fields, CRITERION_FIELDS)
    _check_criterion(criterion)
    _full_clean(criterion, "criterion_invalid", exclude=("call", "theme", "parent"))
    criterion.save()
    _audit(actor=actor, action="criterion.update", call=owner_call, obj=criterion, data={"changes": changes})
    return criterion


@transaction.atomic
def criterion_delete(*, actor, criterion: Criterion) -> None:
    """Delete a criterion and its sub-criteria (same lock as edits)."""
    criterion = Criterion.objects.select_related("call", "theme__call").get(pk=criterion.pk)
    call, theme, owner_call = _criterion_owner(criterion)
    _check_grid_editable(call=call, theme=theme)
    _audit(actor=actor, action="criterion.delete", call=owner_call, obj=criterion)
    criterion.delete()


# --- required documents, phases, milestones, info sessions ------------------------------

def _check_formats(formats: list[str]) -> list[str]:
    cleaned = [item.strip().lower().lstrip(".") for item in formats if item.strip()]
    if not cleaned:
        raise DomainError("Formats acceptés : indiquez au moins une extension (pdf, odt…).", code="document_formats", field="formats")
    return cleaned


@transaction.atomic
def required_document_create(*, actor, kind: str, label: str, formats: list[str], call: Call | None = None,
                             theme: Theme | None = None, **fields) -> RequiredDocument:
    owner, owner_call = _owner_kwargs(call=call, theme=theme)
    document = RequiredDocument(**owner, kind=kind, label=label, formats=_check_formats(formats))
    _assign(document, fields, DOCUMENT_FIELDS)
    _full_clean(document, "document_invalid", exclude=("call", "theme"))
    document.save()
    _audit(actor=actor, action="required_document.create", call=owner_call, obj=document)
    return document


@transaction.atomic
def required_document_update(*, actor, document: RequiredDocument, **fields) -> RequiredDocument:
    document = RequiredDocument.objects.select_related("call", "theme__call").get(pk=document.pk)
    if "formats" in fields:
        fields["formats"] = _check_formats(fields["formats"])
    changes = _assign(document, fields, DOCUMENT_FIELDS)
    _full_clean(document, "document_invalid", exclude=("call", "theme"))
    document.save()
    _audit(actor=actor, action="required_document.update", call=document.call or document.theme.call, obj=document,
           data={"changes": changes})
    return document


@transaction.atomic
def required_document_delete(*, actor, document: RequiredDocument) -> None:
    document = RequiredDocument.objects.select_related("call", "theme__call").get(pk=document.pk)
    _audit(actor=actor, action="required_document.delete", call=document.call or document.theme.call, obj=document)
    document.delete()


@transaction.atomic
def phase_create(*, actor, theme: Theme, key: str, label: str, description: str = "") -> Phase:
    """Add a phase after the theme's last one."""
    _check_key(theme.phases.all(), key, where="ce thème")
    order = (theme.phases.aggregate(last=Max("order"))["last"] or 0) + 1
    phase = Phase(theme=theme, key=key, label=label, description=description, order=order)
    _full_clean(phase, "phase_invalid", exclude=("theme",))
    phase.save()
    _audit(actor=actor, action="phase.create", call=theme.call, obj=phase)
    return phase


@transaction.atomic
def milestone_create(*, actor, phase: Phase, key: str, label: str, description: str = "") -> MilestoneTemplate:
    """Add a milestone after the phase's last one."""
    _check_key(phase.milestones.all(), key, where="cette phase")
    order = (phase.milestones.aggregate(last=Max("order"))["last"] or 0) + 1
    milestone = MilestoneTemplate(phase=phase, key=key, label=label, description=description, order=order)
    _full_clean(milestone, "milestone_invalid", exclude=("phase",))
    milestone.save()
    _audit(actor=actor, action="milestone.create", call=phase.theme.call, obj=milestone)
    return milestone


@transaction.atomic
def phase_update(*, actor, phase: Phase, **fields) -> Phase:
    phase = Phase.objects.select_related("theme__call").get(pk=phase.pk)
    if "key" in fields:
        _check_key(phase.theme.phases.all(), fields["key"], where="ce thème", exclude_pk=phase.pk)
    changes = _assign(phase, fields, STEP_FIELDS)
    _full_clean(phase, "phase_invalid", exclude=("theme",))
    phase.save()
    _audit(actor=actor, action="phase.update", call=phase.theme.call, obj=phase, data={"changes": changes})
    return phase


@transaction.atomic
def milestone_update(*, actor, milestone: MilestoneTemplate, **fields) -> MilestoneTemplate:
    milestone = MilestoneTemplate.objects.select_related("phase__theme__call").get(pk=milestone.pk)
    if "key" in fields:
        _check_key(milestone.phase.milestones.all(), fields["key"], where="cette phase", exclude_pk=milestone.pk)
    changes = _assign(milestone, fields, STEP_FIELDS)
    _full_clean(milestone, "milestone_invalid", exclude=("phase",))
    milestone.save()
    _audit(actor=actor, action="milestone.update", call=milestone.phase.theme.call, obj=milestone,
           data={"changes": changes})
    return milestone


def _check_info_session(info: InfoSession) -> None:
    if info.ends_at <= info.starts_at:
        raise DomainError("Fin : elle doit être postérieure au début.", code="info_session_dates", field="ends_at")


@transaction.atomic
def info_session_create(*, actor, call: Call, title: str, starts_at, ends_at, **fields) -> InfoSession:
    info = InfoSession(call=call, title=title, starts_at=_aware(starts_at), ends_at=_aware(ends_at))
    _assign(info, fields, INFO_SESSION_FIELDS)
    _check_info_session(info)
    _full_clean(info, "info_session_invalid", exclude=("call",))
    info.save()
    _audit(actor=actor, action="info_session.create", call=call, obj=info)
    return info


@transaction.atomic
def info_session_update(*, actor, info_session: InfoSession, **fields) -> InfoSession:
    info = InfoSession.objects.select_related("call").get(pk=info_session.pk)
    for name in ("starts_at", "ends_at"):
        if name in fields:
            fields[name] = _aware(fields[name])
    changes = _assign(info, fields, INFO_SESSION_FIELDS)
    _check_info_session(info)
    _full_clean(info, "info_session_invalid", exclude=("call",))
    info.save()
    _audit(actor=actor, action="info_session.update", call=info.call, obj=info, data={"changes": changes})
    return info


# --- dossier forms ----------------------------------------------------------------------

def _form_call(form: FormDefinition) -> Call:
    return form.call if form.call_id else form.theme.call


@transaction.atomic
def form_draft_open(*, actor, call: Call | None = None, theme: Theme | None = None) -> FormDefinition:
    """The draft version to edit: the existing draft, else version N+1 copied from the latest
    published one (dossiers keep the version they started on), else an empty version 1.
    """
    owner, owner_call = _owner_kwargs(call=call, theme=theme)
    forms = FormDefinition.objects.select_for_update().filter(**owner)
    if theme is None:
        forms = forms.filter(theme__isnull=True)
    latest = forms.order_by("-version").first()
    if latest is not None and latest.status == FormDefinition.Status.DRAFT:
        return latest
    schema = copy.deepcopy(latest.schema) if latest is not None else {"sections": []}
    draft = FormDefinition.objects.create(**owner, version=(latest.version + 1) if latest else 1, schema=schema)
    _audit(actor=actor, action="form.draft", call=owner_call, obj=draft, data={"version": draft.version})
    return draft


def _check_draft(form: FormDefinition) -> None:
    if form.status != FormDefinition.Status.DRAFT:
        raise DomainError(
            "Une version publiée ne se modifie pas : ouvrez une nouvelle version pour la changer.",
            code="form_published",
        )


def _validated(schema: dict) -> dict:
    try:
        validate_definition(schema)
    except FormSchemaError as error:
        raise DomainError(" ".join(error.errors), code="form_invalid", field="schema") from error
    return schema


@transaction.atomic
def form_schema_save(*, actor, form: FormDefinition, schema: dict) -> FormDefinition:
    """Replace the whole definition of a draft version after validating it (JSON editor)."""
    form = FormDefinition.objects.select_for_update(of=("self",)).select_related("call", "theme__call").get(pk=form.pk)
    _check_draft(form)
    form.schema = _validated(schema)
    form.save(update_fields=["schema"])
    _audit(actor=actor, action="form.update", call=_form_call(form), obj=form, data={"version": form.version})
    return form


def _edit_schema(*, actor, form: FormDefinition, change, action: str, data: dict) -> FormDefinition:
    """Apply `change(schema)` to a copy of the draft's schema, validate, save, audit."""
    form = FormDefinition.objects.select_for_update(of=("self",)).select_related("call", "theme__call").get(pk=form.pk)
    _check_draft(form)
    schema = copy.deepcopy(form.schema) or {"sections": []}
    schema.setdefault("sections", [])
    change(schema)
    form.schema = _validated(schema)
    form.save(update_fields=["schema"])
    _audit(actor=actor, action=action, call=_form_call(form), obj=form, data={"version": form.version, **data})
    return form


def _section(schema: dict, section_key: str) -> dict:
    for section in schema["sections"]:
        if section.get("key") == section_key:
            return section
    raise DomainError(f"La section « {section_key} » n'existe pas.", code="form_section_missing", field="section_key")


@transaction.atomic
def form_section_add(*, actor, form: FormDefinition, key: str, title: str, description: str = "") -> FormDefinition:
    def change(schema):
        section = {"key": key, "title": title, "fields": []}
        if description:
            section["description"] = description
        schema["sections"].append(section)

    return _edit_schema(actor=actor, form=form, change=change, action="form.section_add", data={"section": key})


def _field(schema: dict, *, key: str, label: str, kind: str, required: bool = False, help: str = "",
           max_length: int | None = None, choices: list[str] | None = None, show_if_field: str = "",
           show_if_equals=None) -> dict:
    """One field of a definition from the builder's inputs (the whole definition is validated after)."""
    if kind not in FIELD_KINDS:
        raise DomainError(f"Type de champ inconnu « {kind} ».", code="form_field_kind", field="kind")
    field = {"key": key, "label": label, "kind": kind, "required": bool(required)}
    if help:
        field["help"] = help
    if max_length:
        field["max_length"] = max_length
    if choices:
        field["choices"] = list(choices)
    if show_if_field:
        target = next((f for _, f in iter_fields(schema) if f.get("key") == show_if_field), {})
        field["show_if"] = {"field": show_if_field, "equals": _condition_value(target, show_if_equals)}
    return field


def _condition_value(target: dict, value):
    """A yes/no field stores booleans, so « oui » / « non » typed by staff become True / False."""
    if target.get("kind") == "yes_no" and isinstance(value, str):
        return value.strip().lower() in {"oui", "true", "1"}
    return value


@transaction.atomic
def form_field_add(*, actor, form: FormDefinition, section_key: str, key: str, **spec) -> FormDefinition:
    """Append a typed field to a section; a condition may only point to an earlier field.

    `spec`: label, kind, required, help, max_length, choices, show_if_field, show_if_equals.
    """
    def change(schema):
        _section(schema, section_key)["fields"].append(_field(schema, key=key, **spec))

    return _edit_schema(actor=actor, form=form, change=change, action="form.field_add",
                        data={"section": section_key, "field": key})


@transaction.atomic
def form_field_update(*, actor, form: FormDefinition, field_key: str, **spec) -> FormDefinition:
    """Replace a field's settings in place (its key stays: answers and conditions refer to it)."""
    def change(schema):
        for _, field in iter_fields(schema):
            if field.get("key") == field_key:
                replacement = _field(schema, key=field_key, **spec)
                field.clear()
                field.update(replacement)
                return
        raise DomainError(f"Le champ « {field_key} » n'existe pas.", code="form_field_missing")

    return _edit_schema(actor=actor, form=form, change=change, action="form.field_update", data={"field": field_key})


@transaction.atomic
def form_item_remove(*, actor, form: FormDefinition, section_key: str, field_key: str = "") -> FormDefinition:
    """Remove a field, or a whole section when no field is given (refused if a condition needs it)."""
    def change(schema):
        if field_key:
            section = _section(schema, section_key)
            section["fields"] = [field for field in section["fields"] if field.get("key") != field_key]
        else:
            _section(schema, section_key)
            schema["sections"] = [section for section in schema["sections"] if section.get("key") != section_key]

    return _edit_schema(actor=actor, form=form, change=change, action="form.remove",
                        data={"section": section_key, "field": field_key})


@transaction.atomic
def form_item_move(*, actor, form: FormDefinition, section_key: str, field_key: str = "", offset: int) -> FormDefinition:
    """Move a field within its section, or a section, by `offset` places (-1 up, +1 down)."""
    def change(schema):
        items = _section(schema, section_key)["fields"] if field_key else schema["sections"]
        wanted = field_key or section_key
        index = next((i for i, item in enumerate(items) if item.get("key") == wanted), None)
        if index is None:
            raise DomainError(f"Le champ « {wanted} » n'existe pas.", code="form_field_missing")
        target = min(max(index + offset, 0), len(items) - 1)
        items.insert(target, items.pop(index))

    return _edit_schema(actor=actor, form=form, change=change, action="form.move",
                        data={"section": section_key, "field": field_key, "offset": offset})


@transaction.atomic
def form_publish(*, actor, form: FormDefinition) -> FormDefinition:
    """Make a draft version the published one; new dossiers start on it, existing ones keep theirs."""
    form = FormDefinition.objects.select_for_update(of=("self",)).select_related("call", "theme__call").get(pk=form.pk)
    _check_draft(form)
    _validated(form.schema)
    if not form.schema.get("sections"):
        raise DomainError("Le formulaire doit comporter au moins une section.", code="form_empty")
    form.status = FormDefinition.Status.PUBLISHED
    form.published_at = timezone.now()
    form.save(update_fields=["status", "published_at"])
    _audit(actor=actor, action="form.publish", call=_form_call(form), obj=form, data={"version": form.version})
    return form


def theme_rule_update(*, actor, theme: Theme, rule_yaml: str) -> Theme:
    """Replace the theme's co-financing rule, given as YAML (the format of calls/rules/data/rules.yaml).

    Refused once a dossier of the theme has been submitted: the rule has judged it, and
    changing it would change the figures staff and jurors already read.
    """
    try:
        data = yaml.safe_load(rule_yaml) if rule_yaml.strip() else {}
    except yaml.YAMLError as error:
        raise DomainError(f"Le YAML de la règle est illisible : {error}", "rule_invalid", field="rule_yaml") from None
    if not isinstance(data, dict):
        raise DomainError("La règle doit être un ensemble de clés et de valeurs.", "rule_invalid", field="rule_yaml")
    try:
        stored = Rule.from_dict(data, prefix=theme.code).to_dict() if data else {}
    except RuleConfigError as error:
        raise DomainError(str(error), "rule_invalid", field="rule_yaml") from None
    with transaction.atomic():
        theme = Theme.objects.select_for_update(of=("self",)).select_related("call").get(pk=theme.pk)
        if theme.dossiers.exclude(state="draft").exists():
            raise DomainError(
                "Des dossiers de ce thème ont déjà été déposés et jugés selon la règle actuelle : "
                "elle ne peut plus changer. Créez un nouveau thème (dupliquer) pour une nouvelle règle.",
                "rule_locked", field="rule_yaml",
            )
        before = theme.funding_rule
        theme.funding_rule = stored
        theme.save(update_fields=["funding_rule"])
        _audit(actor=actor, action="theme.rule_update", call=theme.call, obj=theme, data={"before": before, "after": stored})
    return theme
