"""Reads of calls configuration shared by views, services and other apps.

A criterion, a required document or a form belongs to a call (inherited by all its themes)
or to one theme, which then overrides the call's: the functions below resolve that.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from calls.models import Call, Criterion, FormDefinition, RequiredDocument, Theme
from calls.rules import Rule


def grid_of(theme: Theme) -> list[Criterion]:
    """Top-level criteria of the theme's grid (the call's when the theme has none), with sub-criteria."""
    sub = Prefetch("sub_criteria", queryset=Criterion.objects.order_by("order", "code"))
    own = list(theme.criteria.filter(parent__isnull=True).prefetch_related(sub))
    if own:
        return own
    return list(Criterion.objects.filter(call_id=theme.call_id, parent__isnull=True).prefetch_related(sub))


def required_documents_of(theme: Theme) -> list[RequiredDocument]:
    """The call's documents, then the theme's own; a theme document of the same kind replaces the call's."""
    own = list(theme.required_documents.all())
    own_kinds = {document.kind for document in own}
    inherited = [d for d in RequiredDocument.objects.filter(call_id=theme.call_id) if d.kind not in own_kinds]
    return sorted(inherited + own, key=lambda document: (document.order, document.label))


def published_form_of(theme: Theme) -> FormDefinition | None:
    """The latest published form version of the theme, else of its call; None when there is none."""
    published = FormDefinition.objects.filter(status=FormDefinition.Status.PUBLISHED)
    return (
        published.filter(theme=theme).order_by("-version").first()
        or published.filter(call_id=theme.call_id, theme__isnull=True).order_by("-version").first()
    )


def rule_of(theme: Theme) -> Rule | None:
    """The theme's co-financing rule as the engine reads it; None when staff have not set one."""
    if not theme.funding_rule:
        return None
    return Rule.from_dict(theme.funding_rule, prefix=theme.code)


def themes_with_call(queryset: QuerySet[Theme] | None = None) -> QuerySet[Theme]:
    return (queryset if queryset is not None else Theme.objects.all()).select_related("call", "call__programme")


def call_by_slug(slug: str) -> Call:
    return Call.objects.select_related("programme").get(slug=slug)
