"""What re-importing a call would change, in French sentences staff can read before confirming:
the call's texts, its themes, sessions, phases, criteria, documents, forms and rules, matched by
their codes and keys between the call as stored and the call as the file describes it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls.models import (
    Call,
    Criterion,
    FormDefinition,
    FormStep,
    InfoSession,
    MilestoneTemplate,
    Phase,
    RequiredDocument,
    RuleVersion,
    Session,
    Theme,
)
from calls.rules.config import FIELD_LABELS

from .exporting import FIELDS
from .reading import Node
from .schema import FORM_KEYS, PARIS

# How rows of a kind are told apart between the two versions, and named to a reader.
IDENTITY = {
    Theme: lambda theme: theme.code,
    Session: lambda session: session.key,
    Phase: lambda phase: phase.key,
    MilestoneTemplate: lambda milestone: milestone.key,
    Criterion: lambda criterion: criterion.code,
    # The same kind of document may be asked at each step of a two-step call.
    RequiredDocument: lambda document: (
        document.kind if document.step == FormStep.DOSSIER else f"{document.kind} ({FormStep(document.step).label})"
    ),
    InfoSession: lambda info: f"{info.title} ({_shown(info.starts_at)})",
}
KIND_NAMES = {
    Theme: gettext_lazy("thème"),
    Session: gettext_lazy("session"),
    Phase: gettext_lazy("phase"),
    MilestoneTemplate: gettext_lazy("jalon"),
    Criterion: gettext_lazy("critère"),
    RequiredDocument: gettext_lazy("pièce"),
    InfoSession: gettext_lazy("réunion d'information"),
}
# The order in which the kinds of rows are compared, as a reader goes through a call.
KIND_ORDER = [RuleVersion, Session, Phase, MilestoneTemplate, Criterion, RequiredDocument, FormDefinition]
KIND_ORDER += [InfoSession, Theme]


@dataclass(frozen=True)
class Change:
    """One difference: where it is (« Thème ITN5 — session aap-1 ») and what it is."""

    place: str
    text: str


def _shown(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value, PARIS).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f").replace(".", ",")
    if isinstance(value, (list, tuple)):
        return ", ".join(_shown(item) for item in value) if all(not isinstance(i, dict) for i in value) else "…"
    if isinstance(value, dict):
        return "…"
    text = str(value)
    return text if len(text) <= 80 else f"{text[:79]}…"


def _same(old: Any, new: Any) -> bool:
    """Equal for a reader: 1 and 1,00 are the same amount; blank and absent are the same."""
    if old in (None, "", [], {}) and new in (None, "", [], {}):
        return True
    return old == new


def _field_changes(place: str, old: models.Model, new: models.Model, names: list[str]) -> list[Change]:
    changes = []
    for name in names:
        before, after = getattr(old, name), getattr(new, name)
        if not _same(before, after):
            label = str(type(old)._meta.get_field(name).verbose_name)
            changes.append(Change(place, f"{label} : {_shown(before)} → {_shown(after)}"))
    return changes


def _rule_changes(place: str, old: RuleVersion | None, new: RuleVersion | None) -> list[Change]:
    before = old.config if old is not None else {}
    after = new.config if new is not None else {}
    if before == after:
        return []
    if not before:
        return [Change(place, _("règle de cofinancement ajoutée"))]
    if not after:
        return [Change(place, _("règle de cofinancement retirée"))]
    keys = [key for key in FIELD_LABELS if not _same(before.get(key), after.get(key))]
    return [
        Change(
            place,
            _("règle de cofinancement, %(field)s : %(before)s → %(after)s")
            % {"field": FIELD_LABELS[key], "before": _shown(before.get(key)), "after": _shown(after.get(key))},
        )
        for key in keys
    ]


def _children(node: Node, kind: type[models.Model]) -> list[Node]:
    return [child for _attribute, child in node.children if isinstance(child.instance, kind)]


def _single(node: Node, kind: type[models.Model]):
    found = _children(node, kind)
    return found[0].instance if found else None


def _compare(place: str, old: Node, new: Node) -> list[Change]:
    """The changes from `old` to `new`, rows of the same kind and place, then their children."""
    # A re-imported call stays a draft whatever the file says: its status is no change.
    names = [name for name in FIELDS[type(old.instance)] if not (isinstance(old.instance, Call) and name == "status")]
    changes = _field_changes(place, old.instance, new.instance, names)
    for kind in KIND_ORDER:
        if kind is RuleVersion:
            changes += _rule_changes(place, _single(old, RuleVersion), _single(new, RuleVersion))
        elif kind is FormDefinition:
            for step in FORM_KEYS.values():
                changes += _form_changes(place, step, _form(old, step), _form(new, step))
        else:
            changes += _compare_lists(place, kind, _children(old, kind), _children(new, kind))
    return changes


def _form(node: Node, step: str) -> FormDefinition | None:
    return next((form.instance for form in _children(node, FormDefinition) if form.instance.step == step), None)


def _form_changes(place: str, step: str, before: FormDefinition | None, after: FormDefinition | None) -> list[Change]:
    if _same(before.schema if before else None, after.schema if after else None):
        return []
    name = FormStep(step).label.lower()
    if after is None:
        return [Change(place, _("formulaire « %(step)s » retiré") % {"step": name})]
    sections = len(after.schema.get("sections", []))
    return [
        Change(
            place,
            _("formulaire « %(step)s » remplacé (%(count)s sections), publié en version 1")
            % {"step": name, "count": sections},
        )
    ]


def _compare_lists(place: str, kind, old: list[Node], new: list[Node]) -> list[Change]:
    identity, name = IDENTITY[kind], KIND_NAMES[kind]
    before = {identity(node.instance): node for node in old}
    after = {identity(node.instance): node for node in new}
    changes = []
    for key, node in after.items():
        where = f"{place} — {name} {key}"
        if key not in before:
            changes.append(Change(where, _("ajouté(e)")))
        else:
            changes += _compare(where, before[key], node)
    changes += [Change(f"{place} — {name} {key}", _("supprimé(e)")) for key in before if key not in after]
    return changes


def call_changes(current: Node, incoming: Node) -> list[Change]:
    """Every difference between a stored call and its re-imported version (both trees of rows)."""
    changes = _compare(_("Appel"), current, incoming)
    # Themes read better as « Thème ITN5 » than as « Appel — thème ITN5 ».
    prefix = f"{_('Appel')} — {KIND_NAMES[Theme]} "
    return [
        Change(_("Thème %(rest)s") % {"rest": change.place[len(prefix) :]}, change.text)
        if change.place.startswith(prefix)
        else change
        for change in changes
    ]
