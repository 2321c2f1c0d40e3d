"""Whole calls written from a "portal-call/1" document, all or nothing: the document is read and
validated in full (reading.py), then every row is saved in one transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from calls.models import Call, Criterion, Programme

from .reading import Node, Reader
from .schema import InterchangeError


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


def call_document_import(*, data: Any, actor=None) -> list[Call]:
    """Create the programme (or reuse it by slug) and the document's calls, all or nothing.

    Raises InterchangeError listing every problem found; an existing call slug is one of them.
    """
    from portal.services import audit_record

    reader = Reader()
    with transaction.atomic():
        programme_values, call_nodes = reader.read_document(data)
        if reader.errors:
            raise InterchangeError(reader.errors)
        programme = Programme.objects.filter(slug=programme_values["slug"]).first()
        if programme is None:
            programme = Programme(**programme_values)
            reader.validated(programme, "programme", exclude=[])
            if reader.errors:
                raise InterchangeError(reader.errors)
            programme.save()
        for node in call_nodes:
            _save(node, programme=programme)
            audit_record(actor=actor, action="call.import", target=node.instance, data={"slug": node.instance.slug})
    return [node.instance for node in call_nodes]
