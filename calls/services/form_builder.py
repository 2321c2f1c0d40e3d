"""Writes of the form builder: a call's or theme's dossier form drafted, edited section by section
and field by field, then published as a new version. Same contract as
`calls.services.configuration`.
"""

from __future__ import annotations

import copy

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from calls.formschema import FIELD_KINDS, FormSchemaError, iter_fields, validate_definition
from calls.models import (
    Call,
    FormDefinition,
    FormStep,
    Theme,
)
from calls.services.common import audit_change, owner_of
from portal.errors import DomainError

# --- dossier forms ----------------------------------------------------------------------


def _form_call(form: FormDefinition) -> Call:
    return form.call if form.call_id else form.theme.call


@transaction.atomic
def form_draft_open(
    *, actor, call: Call | None = None, theme: Theme | None = None, step: str = FormStep.DOSSIER
) -> FormDefinition:
    """The draft version to edit: the existing draft, else version N+1 copied from the latest
    published one (dossiers keep the version they started on), else an empty version 1. Each step
    of a two-step call (the expression of interest, the dossier) has its own versions.
    """
    owner, owner_call = owner_of(call=call, theme=theme)
    forms = FormDefinition.objects.select_for_update().filter(**owner, step=step)
    if theme is None:
        forms = forms.filter(theme__isnull=True)
    latest = forms.order_by("-version").first()
    if latest is not None and latest.status == FormDefinition.Status.DRAFT:
        return latest
    schema = copy.deepcopy(latest.schema) if latest is not None else {"sections": []}
    draft = FormDefinition.objects.create(
        **owner, step=step, version=(latest.version + 1) if latest else 1, schema=schema
    )
    audit_change(actor=actor, action="form.draft", call=owner_call, obj=draft, data={"version": draft.version})
    return draft


def _check_draft(form: FormDefinition) -> None:
    if form.status != FormDefinition.Status.DRAFT:
        raise DomainError(
            gettext("Une version publiée ne se modifie pas : ouvrez une nouvelle version pour la changer."),
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
    audit_change(actor=actor, action="form.update", call=_form_call(form), obj=form, data={"version": form.version})
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
    audit_change(actor=actor, action=action, call=_form_call(form), obj=form, data={"version": form.version, **data})
    return form


def _section(schema: dict, section_key: str) -> dict:
    for section in schema["sections"]:
        if section.get("key") == section_key:
            return section
    raise DomainError(
        gettext("La section « %(section)s » n'existe pas.") % {"section": section_key},
        code="form_section_missing",
        field="section_key",
    )


@transaction.atomic
def form_section_add(*, actor, form: FormDefinition, key: str, title: str, description: str = "") -> FormDefinition:
    def change(schema):
        section = {"key": key, "title": title, "fields": []}
        if description:
            section["description"] = description
        schema["sections"].append(section)

    return _edit_schema(actor=actor, form=form, change=change, action="form.section_add", data={"section": key})


def _field(
    schema: dict,
    *,
    key: str,
    label: str,
    kind: str,
    required: bool = False,
    help: str = "",
    max_length: int | None = None,
    choices: list[str] | None = None,
    show_if_field: str = "",
    show_if_equals=None,
) -> dict:
    """One field of a definition from the builder's inputs (the whole definition is validated after)."""
    if kind not in FIELD_KINDS:
        raise DomainError(
            gettext("Type de champ inconnu « %(kind)s ».") % {"kind": kind}, code="form_field_kind", field="kind"
        )
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

    return _edit_schema(
        actor=actor, form=form, change=change, action="form.field_add", data={"section": section_key, "field": key}
    )


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
        raise DomainError(
            gettext("Le champ « %(field)s » n'existe pas.") % {"field": field_key}, code="form_field_missing"
        )

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

    return _edit_schema(
        actor=actor, form=form, change=change, action="form.remove", data={"section": section_key, "field": field_key}
    )


@transaction.atomic
def form_item_move(
    *, actor, form: FormDefinition, section_key: str, field_key: str = "", offset: int
) -> FormDefinition:
    """Move a field within its section, or a section, by `offset` places (-1 up, +1 down)."""

    def change(schema):
        items = _section(schema, section_key)["fields"] if field_key else schema["sections"]
        wanted = field_key or section_key
        index = next((i for i, item in enumerate(items) if item.get("key") == wanted), None)
        if index is None:
            raise DomainError(
                gettext("Le champ « %(field)s » n'existe pas.") % {"field": wanted}, code="form_field_missing"
            )
        target = min(max(index + offset, 0), len(items) - 1)
        items.insert(target, items.pop(index))

    return _edit_schema(
        actor=actor,
        form=form,
        change=change,
        action="form.move",
        data={"section": section_key, "field": field_key, "offset": offset},
    )


@transaction.atomic
def form_publish(*, actor, form: FormDefinition) -> FormDefinition:
    """Make a draft version the published one; new dossiers start on it, existing ones keep theirs."""
    form = FormDefinition.objects.select_for_update(of=("self",)).select_related("call", "theme__call").get(pk=form.pk)
    _check_draft(form)
    _validated(form.schema)
    if not form.schema.get("sections"):
        raise DomainError(gettext("Le formulaire doit comporter au moins une section."), code="form_empty")
    form.status = FormDefinition.Status.PUBLISHED
    form.published_at = timezone.now()
    form.save(update_fields=["status", "published_at"])
    audit_change(actor=actor, action="form.publish", call=_form_call(form), obj=form, data={"version": form.version})
    return form
