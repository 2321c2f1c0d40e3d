"""Writes of the staff back-office: calls, themes and sessions (grids, documents, phases and info
sessions in `calls.services.components`, dossier forms in `calls.services.form_builder`).

Every function is keyword-only, takes the acting user, runs in one transaction and writes an
audit event filed under the call (configuration objects do not carry `audit_call_id`, so the
event targets the call and names the object in `data`). Refusals raise `DomainError` with a
French message and the form field it concerns.
"""

from __future__ import annotations

import calendar
import copy
import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from calls.models import (
    Call,
    FormDefinition,
    Programme,
    Session,
    Theme,
)
from calls.publication import publication_check
from calls.services.common import (
    PARIS,
    as_paris,
    assign_fields,
    audit_change,
    check_unique_key,
    ensure_runs_programme,
    full_clean_or_error,
    paris_text,
)
from portal.errors import DomainError

CALL_TRANSITIONS = {
    (Call.Status.DRAFT, Call.Status.PUBLISHED): "call.publish",
    (Call.Status.PUBLISHED, Call.Status.CLOSED): "call.close",
    (Call.Status.CLOSED, Call.Status.ARCHIVED): "call.archive",
}
CALL_FIELDS = {
    "title",
    "kind",
    "owner_team",
    "description",
    "selection_process",
    "tax_basis",
    "steps",
    "second_step_invited_only",
    "source",
}
THEME_FIELDS = {
    "title",
    "summary",
    "objectives",
    "encouraged",
    "eligible_expenses",
    "examples",
    "commitments",
    "support",
    "indicators_text",
    "opening_date",
    "kinds",
    "owner_team",
    "cofinancing_text",
    "eligibility_text",
    "envelope",
    "envelope_text",
    "project_size_min",
    "project_size_max",
    "project_size_text",
    "selection_process",
    "grouping_allowed",
    "grid_note",
    "order",
}
SESSION_FIELDS = set(Session.EDITABLE_FIELDS) - {"key"}


# --- calls ------------------------------------------------------------------------------


@transaction.atomic
def call_create(*, actor, programme: Programme, slug: str, title: str, kind: str, **fields) -> Call:
    """Create a draft call of `programme`, which the actor runs; the slug (its public address) must be free."""
    ensure_runs_programme(actor, programme.pk)
    if Call.objects.filter(slug=slug).exists():
        raise DomainError(
            _("L'identifiant « %(slug)s » est déjà utilisé par un autre appel.") % {"slug": slug},
            code="call_slug_taken",
            field="slug",
        )
    call = Call(programme=programme, slug=slug, title=title, kind=kind, status=Call.Status.DRAFT)
    assign_fields(call, fields, CALL_FIELDS)
    full_clean_or_error(call, "call_invalid")
    call.save()
    audit_change(actor=actor, action="call.create", call=call, data={"slug": slug, "title": title})
    return call


@transaction.atomic
def call_update(*, actor, call: Call, **fields) -> Call:
    """Change the texts and settings of a call; its status changes only through `call_transition`."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    changes = assign_fields(call, fields, CALL_FIELDS)
    full_clean_or_error(call, "call_invalid")
    call.save()
    audit_change(actor=actor, action="call.update", call=call, data={"changes": changes})
    return call


@transaction.atomic
def call_transition(*, actor, call: Call, to_status: str) -> Call:
    """Move a call along draft → published → closed → archived (the only allowed steps).

    Publishing is refused while the pre-publication check (`calls.publication`) finds a blocker,
    all of them listed; it dates the call today unless the call states its publication date.
    """
    call = Call.objects.select_for_update().get(pk=call.pk)
    action = CALL_TRANSITIONS.get((call.status, to_status))
    if action is None:
        raise DomainError(
            _("Un appel « %(status)s » ne peut pas passer à « %(to_status)s ».")
            % {"status": call.get_status_display(), "to_status": dict(Call.Status.choices).get(to_status, to_status)},
            code="call_transition_refused",
        )
    if to_status == Call.Status.PUBLISHED:
        blockers = publication_check(call).blockers
        if blockers:
            raise DomainError(
                ngettext(
                    "Impossible de publier, %(count)s point bloque encore : %(blockers)s",
                    "Impossible de publier, %(count)s points bloquent encore : %(blockers)s",
                    len(blockers),
                )
                % {"count": len(blockers), "blockers": " ".join(problem.message for problem in blockers)},
                code="call_not_ready",
            )
        call.published_on = call.published_on or timezone.localdate()
    previous = call.status
    call.status = to_status
    call.save(update_fields=["status", "published_on", "updated_at"])
    audit_change(actor=actor, action=action, call=call, data={"from": previous, "to": to_status})
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
        raise DomainError(_("Le code du thème est obligatoire."), code="theme_code_missing", field="code")
    if Theme.objects.filter(call=call, code=code).exclude(pk=exclude_pk).exists():
        raise DomainError(
            _("Le code « %(code)s » est déjà utilisé dans cet appel.") % {"code": code},
            code="theme_code_taken",
            field="code",
        )


def _check_size_range(instance) -> None:
    if (
        instance.project_size_min is not None
        and instance.project_size_max is not None
        and instance.project_size_min > instance.project_size_max
    ):
        raise DomainError(
            _("Taille maximale : elle doit être supérieure ou égale à la taille minimale."),
            code="size_range",
            field="project_size_max",
        )


@transaction.atomic
def theme_create(*, actor, call: Call, code: str, title: str, **fields) -> Theme:
    _check_theme_code(call, code)
    theme = Theme(call=call, code=code, title=title)
    assign_fields(theme, fields, THEME_FIELDS)
    _check_size_range(theme)
    full_clean_or_error(theme, "theme_invalid")
    theme.save()
    audit_change(actor=actor, action="theme.create", call=call, obj=theme)
    return theme


@transaction.atomic
def theme_update(*, actor, theme: Theme, **fields) -> Theme:
    theme = Theme.objects.select_for_update(of=("self",)).select_related("call").get(pk=theme.pk)
    if "code" in fields:
        _check_theme_code(theme.call, fields["code"], exclude_pk=theme.pk)
    changes = assign_fields(theme, fields, THEME_FIELDS | {"code"})
    _check_size_range(theme)
    full_clean_or_error(theme, "theme_invalid")
    theme.save()
    audit_change(actor=actor, action="theme.update", call=theme.call, obj=theme, data={"changes": changes})
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
    audit_change(actor=actor, action="theme.duplicate", call=theme.call, obj=new, data={"source": theme.code})
    return new


# --- sessions ---------------------------------------------------------------------------


def check_session_dates(session: Session) -> None:
    """Dates ordered, and no overlap with another session of the same theme and the same kind."""
    if session.opens_at is None:
        raise DomainError(_("Ouverture : la date d'ouverture est obligatoire."), code="session_dates", field="opens_at")
    if session.closes_at is None:
        raise DomainError(_("Clôture : la date de clôture est obligatoire."), code="session_dates", field="closes_at")
    if session.closes_at <= session.opens_at:
        raise DomainError(
            _("Clôture : la date de clôture doit être postérieure à la date d'ouverture."),
            code="session_closes_before_opening",
            field="closes_at",
        )
    overlapping = (
        Session.objects.filter(
            theme_id=session.theme_id, kind=session.kind, opens_at__lt=session.closes_at, closes_at__gt=session.opens_at
        )
        .exclude(pk=session.pk)
        .order_by("opens_at")
        .first()
    )
    if overlapping is not None:
        raise DomainError(
            _(
                "Ouverture : cette session chevauche la session « %(session)s » du même type "
                "(du %(opens_at)s au %(closes_at)s)."
            )
            % {
                "session": overlapping.name,
                "opens_at": paris_text(overlapping.opens_at),
                "closes_at": paris_text(overlapping.closes_at),
            },
            code="session_overlap",
            field="opens_at",
        )
    _check_size_range(session)


def _free_key(theme: Theme, opens_at: datetime.datetime) -> str:
    """« itn5-2027-03 » from the theme and the opening month, numbered when already taken."""
    base = f"{theme.code}-{timezone.localtime(opens_at, PARIS):%Y-%m}".lower()
    key, number = base, 2
    while Session.objects.filter(theme_id=theme.pk, key=key).exists():
        key, number = f"{base}-{number}", number + 1
    return key


@transaction.atomic
def session_create(
    *, actor, theme: Theme, name: str, kind: str, opens_at, closes_at, key: str = "", **fields
) -> Session:
    """Add a deposit window; date-times without a time zone are Paris time. Without a key, one is
    made from the theme's code and the opening month."""
    if not key and opens_at is not None:
        key = _free_key(theme, as_paris(opens_at))
    check_unique_key(theme.sessions.all(), key, where=_("ce thème"))
    session = Session(
        theme=theme, key=key, name=name, kind=kind, opens_at=as_paris(opens_at), closes_at=as_paris(closes_at)
    )
    assign_fields(session, fields, SESSION_FIELDS)
    check_session_dates(session)
    full_clean_or_error(session, "session_invalid")
    session.save()
    audit_change(
        actor=actor,
        action="session.create",
        call=theme.call,
        obj=session,
        data={"opens_at": str(session.opens_at), "closes_at": str(session.closes_at)},
    )
    return session


@transaction.atomic
def session_update(*, actor, session: Session, **fields) -> Session:
    """Change a session. Once a published call's session has opened, or a dossier was started
    in it, its dates are frozen: applicants rely on them (other fields stay editable).
    """
    session = Session.objects.select_for_update(of=("self",)).select_related("theme__call").get(pk=session.pk)
    for name in ("opens_at", "closes_at"):
        if name in fields:
            fields[name] = as_paris(fields[name])
    if "key" in fields and not fields["key"]:
        del fields["key"]  # left empty in the form: the session keeps its identifier
    if "key" in fields:
        check_unique_key(session.theme.sessions.all(), fields["key"], where=_("ce thème"), exclude_pk=session.pk)
    dates_changed = any(name in fields and fields[name] != getattr(session, name) for name in ("opens_at", "closes_at"))
    opened = session.theme.call.status != Call.Status.DRAFT and session.opens_at <= timezone.now()
    if dates_changed and (opened or session.dossiers.exists()):
        raise DomainError(
            _(
                "Ouverture : les dates d'une session déjà ouverte ne peuvent plus être modifiées, car des porteurs "
                "ont pu commencer leur dossier sur ce calendrier. Créez plutôt une nouvelle session."
            ),
            code="session_dates_frozen",
            field="opens_at",
        )
    changes = assign_fields(session, fields, SESSION_FIELDS | {"key"})
    check_session_dates(session)
    full_clean_or_error(session, "session_invalid")
    session.save()
    audit_change(actor=actor, action="session.update", call=session.theme.call, obj=session, data={"changes": changes})
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
    new = _clone(
        session,
        key=_free_key(session.theme, opens_at),
        opens_at=opens_at,
        closes_at=closes_at,
        jury_on=None,
        name=f"{session.name} ({timezone.localtime(opens_at, PARIS):%m/%Y})"[:255],
    )
    check_session_dates(new)
    new.save()
    audit_change(
        actor=actor, action="session.duplicate", call=session.theme.call, obj=new, data={"source": session.key}
    )
    return new
