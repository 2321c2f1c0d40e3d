"""A call, its programme and everything staff configured, exported as a "portal-call/1" document
(a dict), so that export → import into an empty database gives the same call.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from calls.models import Call, FormDefinition, Theme

from .schema import (
    CALL_FIELDS,
    CRITERION_FIELDS,
    DOCUMENT_FIELDS,
    FORMAT,
    INFO_SESSION_FIELDS,
    MILESTONE_FIELDS,
    PARIS,
    PHASE_FIELDS,
    PROGRAMME_FIELDS,
    SESSION_FIELDS,
    THEME_FIELDS,
)


def _export_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value, PARIS).isoformat()
    return value


def _fields(instance: models.Model, names: list[str]) -> dict:
    exported = {}
    for name in names:
        value = getattr(instance, name)
        if value is None or value == "" or value == [] or value == {}:
            continue
        exported[name] = _export_value(value)
    return exported


def _export_criteria(criteria) -> list[dict]:
    return [
        {
            **_fields(criterion, CRITERION_FIELDS),
            **({"sub_criteria": _export_criteria(subs)} if (subs := criterion.sub_criteria.all()) else {}),
        }
        for criterion in criteria
    ]


def _export_owned(owner: Call | Theme) -> dict:
    exported: dict = {}
    criteria = owner.criteria.filter(parent__isnull=True).prefetch_related("sub_criteria")
    if criteria:
        exported["criteria"] = _export_criteria(criteria)
    documents = owner.required_documents.all()
    if documents:
        exported["required_documents"] = [_fields(document, DOCUMENT_FIELDS) for document in documents]
    # A call's form_definitions are its own: a theme's form has no call (see the model constraint).
    form = owner.form_definitions.filter(status=FormDefinition.Status.PUBLISHED).order_by("-version").first()
    if form is not None:
        exported["form"] = form.schema
    return exported


def call_document_export(*, call: Call) -> dict:
    """The call, its programme and everything staff configured, as a "portal-call/1" document."""
    exported_call = {**_fields(call, CALL_FIELDS), **_export_owned(call)}
    info_sessions = [_fields(info, INFO_SESSION_FIELDS) for info in call.info_sessions.all()]
    if info_sessions:
        exported_call["info_sessions"] = info_sessions
    themes = []
    for theme in call.themes.prefetch_related("sessions", "phases__milestones").order_by("order", "code"):
        exported_theme = _fields(theme, THEME_FIELDS)
        sessions = [_fields(session, SESSION_FIELDS) for session in theme.sessions.all() if not session.is_demo]
        if sessions:
            exported_theme["sessions"] = sessions
        phases = [
            {
                **_fields(phase, PHASE_FIELDS),
                **(
                    {"milestones": [_fields(m, MILESTONE_FIELDS) for m in phase.milestones.all()]}
                    if phase.milestones.all()
                    else {}
                ),
            }
            for phase in theme.phases.all()
        ]
        if phases:
            exported_theme["phases"] = phases
        exported_theme.update(_export_owned(theme))
        themes.append(exported_theme)
    if themes:
        exported_call["themes"] = themes
    return {"format": FORMAT, "programme": _fields(call.programme, PROGRAMME_FIELDS), "calls": [exported_call]}
