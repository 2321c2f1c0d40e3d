"""A call, its programme and everything staff configured, exported as a "portal-call/1" document
(a dict), so that export → import into an empty database gives the same call.

The call is first read as a tree of rows (`call_tree`), the same shape the reader builds from a
document: the diff of a re-import compares two such trees, and `document_of` writes either.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Prefetch
from django.utils import timezone

from calls.models import (
    Call,
    Criterion,
    FormDefinition,
    InfoSession,
    MilestoneTemplate,
    Phase,
    RequiredDocument,
    RuleVersion,
    Session,
    Theme,
)

from .reading import Node
from .schema import (
    CALL_FIELDS,
    CRITERION_FIELDS,
    DOCUMENT_FIELDS,
    FORM_KEYS,
    FORMAT,
    INFO_SESSION_FIELDS,
    MILESTONE_FIELDS,
    PARIS,
    PHASE_FIELDS,
    PROGRAMME_FIELDS,
    SESSION_FIELDS,
    THEME_FIELDS,
    THEME_RULE,
)

# Each kind of row: its exchanged fields, the key of its list (or single value) in its parent.
FIELDS: dict[type[models.Model], list[str]] = {
    Call: CALL_FIELDS,
    Theme: THEME_FIELDS,
    Session: SESSION_FIELDS,
    Phase: PHASE_FIELDS,
    MilestoneTemplate: MILESTONE_FIELDS,
    Criterion: CRITERION_FIELDS,
    RequiredDocument: DOCUMENT_FIELDS,
    InfoSession: INFO_SESSION_FIELDS,
}
LISTS: dict[type[models.Model], str] = {
    Theme: "themes",
    Session: "sessions",
    Phase: "phases",
    MilestoneTemplate: "milestones",
    Criterion: "criteria",
    RequiredDocument: "required_documents",
    InfoSession: "info_sessions",
}
FORM_OF_STEP = {step: key for key, step in FORM_KEYS.items()}
# A form is written as its schema, a rule as its configuration.
SINGLES: dict[type[models.Model], tuple[str, str]] = {
    FormDefinition: ("form", "schema"),
    RuleVersion: (THEME_RULE, "config"),
}
# The order of the nested keys after a row's fields.
NESTED_ORDER = [
    THEME_RULE,
    "sessions",
    "phases",
    "milestones",
    "criteria",
    "sub_criteria",
    "required_documents",
    *FORM_KEYS,
]
NESTED_ORDER += ["info_sessions", "themes"]


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


def document_of(node: Node) -> dict:
    """A tree of rows (from `call_tree` or from the reader) as the document's dict."""
    exported = _fields(node.instance, FIELDS[type(node.instance)])
    nested: dict[str, Any] = {}
    for _attribute, child in node.children:
        kind = type(child.instance)
        if kind in SINGLES:
            key, attribute = SINGLES[kind]
            if kind is FormDefinition:
                key = FORM_OF_STEP[child.instance.step]
            nested[key] = getattr(child.instance, attribute)
        else:
            key = "sub_criteria" if isinstance(node.instance, Criterion) else LISTS[kind]
            nested.setdefault(key, []).append(document_of(child))
    exported.update((key, nested[key]) for key in NESTED_ORDER if key in nested)
    return exported


def _owned_tree(owner: Call | Theme, attribute: str) -> list[tuple[str, Node]]:
    sub = Prefetch("sub_criteria", queryset=Criterion.objects.order_by("order", "code"))
    criteria = owner.criteria.filter(parent__isnull=True).prefetch_related(sub)
    children = [
        (attribute, Node(criterion, [("parent", Node(each)) for each in criterion.sub_criteria.all()]))
        for criterion in criteria
    ]
    children += [(attribute, Node(document)) for document in owner.required_documents.all()]
    # A call's form_definitions are its own: a theme's form has no call (see the model constraint).
    published = owner.form_definitions.filter(status=FormDefinition.Status.PUBLISHED).order_by("-version")
    for step in FORM_KEYS.values():
        form = published.filter(step=step).first()
        if form is not None:
            children.append((attribute, Node(form)))
    return children


def call_tree(call: Call) -> Node:
    """The call as a tree of its rows: what an export writes (demonstration sessions left out)."""
    node = Node(call, _owned_tree(call, "call"))
    node.children += [("call", Node(info)) for info in call.info_sessions.all()]
    themes = call.themes.prefetch_related(
        Prefetch("sessions", queryset=Session.objects.filter(is_demo=False).order_by("opens_at", "pk")),
        Prefetch("rule_versions", queryset=RuleVersion.objects.order_by("-number")),
        "phases__milestones",
    ).order_by("order", "code")
    for theme in themes:
        theme_node = Node(theme)
        versions = list(theme.rule_versions.all())
        if versions:
            theme_node.children.append(("theme", Node(versions[0])))
        theme_node.children += [("theme", Node(session)) for session in theme.sessions.all()]
        theme_node.children += [
            ("theme", Node(phase, [("phase", Node(milestone)) for milestone in phase.milestones.all()]))
            for phase in theme.phases.all()
        ]
        theme_node.children += _owned_tree(theme, "theme")
        node.children.append(("call", theme_node))
    return node


def call_document_export(*, call: Call) -> dict:
    """The call, its programme and everything staff configured, as a "portal-call/1" document."""
    return {
        "format": FORMAT,
        "programme": _fields(call.programme, PROGRAMME_FIELDS),
        "calls": [document_of(call_tree(call))],
    }
