"""Whole calls written from a "portal-call/1" document, all or nothing: the document is read and
validated in full (reading.py), then every row is saved in one transaction.

An imported call arrives as a draft, whatever the file says, and is published through its
pre-publication check like any other. A call whose identifier already exists is re-imported: what
would change is shown first (diff.py), and only a draft takes the file's version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from calls.models import Call, Criterion, Programme, RuleVersion, Theme
from calls.services.configuration import call_transition
from calls.services.rules import theme_rule_save
from portal.errors import DomainError
from portal.services import audit_record

from .diff import Change, call_changes
from .exporting import call_tree
from .reading import Node, Reader
from .schema import CALL_FIELDS, THEME_FIELDS, InterchangeError


@dataclass
class PlannedCall:
    """A call of the document: new, or the re-import of `existing` with its `changes`."""

    node: Node
    existing: Call | None = None
    changes: list[Change] = field(default_factory=list)

    @property
    def refused(self) -> str:
        """Why this call cannot be re-imported (only a draft takes a file's version), or ""."""
        if self.existing is None or self.existing.status == Call.Status.DRAFT:
            return ""
        return _(
            "L'appel « %(title)s » est « %(status)s » : un import ne modifie qu'un appel en brouillon. "
            "Changez-le dans le back-office (la règle d'un thème se change en nouvelle version)."
        ) % {"title": self.existing.title, "status": self.existing.get_status_display()}


@dataclass
class ImportPlan:
    programme_values: dict
    calls: list[PlannedCall]

    @property
    def reimports(self) -> list[PlannedCall]:
        return [planned for planned in self.calls if planned.existing is not None]


def call_document_plan(*, data: Any) -> ImportPlan:
    """Read and check the whole document, and say for each call whether it is new or what its
    re-import would change. Writes nothing; raises InterchangeError listing every problem."""
    reader = Reader()
    programme_values, nodes = reader.read_document(data)
    if reader.problems:
        raise InterchangeError.of(reader.problems)
    slugs = [node.instance.slug for node in nodes]
    existing = {call.slug: call for call in Call.objects.select_related("programme").filter(slug__in=slugs)}
    moved = [
        (
            f"calls[{index}].slug",
            f"l'appel « {slug} » existe déjà dans le programme « {existing[slug].programme.name} ».",
        )
        for index, slug in enumerate(slugs)
        if slug in existing and existing[slug].programme.slug != programme_values["slug"]
    ]
    if moved:
        raise InterchangeError.of(moved)
    planned = []
    for node in nodes:
        current = existing.get(node.instance.slug)
        changes = call_changes(call_tree(current), node) if current is not None else []
        planned.append(PlannedCall(node, current, changes))
    return ImportPlan(programme_values, planned)


def _save(node: Node, **parents) -> None:
    for name, value in parents.items():
        setattr(node.instance, name, value)
    node.instance.save()
    for attribute, child in node.children:
        context = {attribute: node.instance}
        # A criterion, document or form belongs to its call or theme only, never both.
        if isinstance(child.instance, Criterion) and attribute == "parent":
            context.update(call_id=node.instance.call_id, theme_id=node.instance.theme_id)
        _save(child, **context)


def _replace_parts(owner: Call | Theme, node: Node, attribute: str) -> None:
    """Drop the owner's own rows (a draft's: no dossier points to them) and save the file's instead."""
    if isinstance(owner, Call):
        owner.criteria.all().delete()
        owner.required_documents.all().delete()
        owner.form_definitions.filter(theme__isnull=True).delete()
        owner.info_sessions.all().delete()
    else:
        for related in (owner.criteria, owner.required_documents, owner.form_definitions, owner.sessions, owner.phases):
            related.all().delete()
    for _attribute, child in node.children:
        if not isinstance(child.instance, (Theme, RuleVersion)):
            _save(child, **{attribute: owner})


def _reimport(planned: PlannedCall, *, actor) -> Call:
    call = Call.objects.select_for_update().get(pk=planned.existing.pk)
    if call.status != Call.Status.DRAFT:
        raise DomainError(planned.refused, code="call_not_draft")
    incoming = planned.node.instance
    for name in CALL_FIELDS:
        if name not in ("slug", "status"):
            setattr(call, name, getattr(incoming, name))
    call.save()
    _replace_parts(call, planned.node, "call")
    themes = {theme.code: theme for theme in call.themes.all()}
    for _attribute, theme_node in planned.node.children:
        if not isinstance(theme_node.instance, Theme):
            continue
        theme = themes.pop(theme_node.instance.code, None)
        if theme is None:
            _save(theme_node, call=call)
            continue
        for name in THEME_FIELDS:
            setattr(theme, name, getattr(theme_node.instance, name))
        theme.save()
        _replace_parts(theme, theme_node, "theme")
        rule = next(
            (child.instance for _a, child in theme_node.children if isinstance(child.instance, RuleVersion)), None
        )
        if rule is not None:
            theme_rule_save(actor=actor, theme=theme, rule=rule.rule, note=_("Import de l'appel"))
        else:
            theme.rule_versions.all().delete()
    for theme in themes.values():
        theme.delete()
    audit_record(
        actor=actor,
        action="call.reimport",
        target=call,
        data={"slug": call.slug, "changes": [f"{change.place} : {change.text}" for change in planned.changes]},
    )
    return call


def call_document_import(*, data: Any, actor=None) -> list[Call]:
    """Create the programme (or reuse it by slug) and the document's calls, all or nothing.

    New calls are drafts; a call that exists is re-imported if it is a draft (refused otherwise).
    Raises InterchangeError listing every problem found, DomainError for a refused re-import.
    """
    with transaction.atomic():
        plan = call_document_plan(data=data)
        programme = Programme.objects.filter(slug=plan.programme_values["slug"]).first()
        if programme is None:
            programme = Programme(**plan.programme_values)
            reader = Reader()
            reader.validated(programme, "programme", exclude=[])
            if reader.problems:
                raise InterchangeError.of(reader.problems)
            programme.save()
        calls = []
        for planned in plan.calls:
            if planned.existing is not None:
                calls.append(_reimport(planned, actor=actor))
                continue
            planned.node.instance.status = Call.Status.DRAFT.value
            _save(planned.node, programme=programme)
            call = planned.node.instance
            audit_record(actor=actor, action="call.import", target=call, data={"slug": call.slug})
            calls.append(call)
    return calls


def call_document_load(*, data: Any, actor=None) -> list[Call]:
    """Import the document, then give each call the status its file states, along the life cycle
    (so through the pre-publication check): for the source documents the portal ships (demo,
    benchmark), not for what staff upload."""
    path = [Call.Status.DRAFT, Call.Status.PUBLISHED, Call.Status.CLOSED, Call.Status.ARCHIVED]
    with transaction.atomic():
        calls = call_document_import(data=data, actor=actor)
        wanted = {call.get("slug"): call.get("status") for call in data["calls"]}
        for index, call in enumerate(calls):
            target = wanted.get(call.slug) or Call.Status.DRAFT
            for status in path[1 : path.index(target) + 1]:
                calls[index] = call_transition(actor=actor, call=calls[index], to_status=status)
    return calls
