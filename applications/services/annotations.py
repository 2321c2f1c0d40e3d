"""Staff's private annotations: the private fields of a call, their values on a dossier, private notes.

Everything here is for the staff who see the dossier (`dossiers_of_staff`); every write is audited.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from applications.models import CallAnnotationFields, Dossier, DossierAnnotation, PrivateNote
from applications.selectors import dossiers_of_staff, manages_instruction_of
from calls.formschema import FIELD_KINDS, FormSchemaError, clean_answers, validate_definition
from portal.errors import DomainError
from portal.services import audit_record

NOTE_LIMIT = 10_000


def _ensure_sees(actor, dossier: Dossier) -> None:
    if not dossiers_of_staff(actor).filter(pk=dossier.pk).exists():
        raise DomainError(_("Ce dossier n'est pas dans votre périmètre."), code="forbidden")


def _configuration(*, actor, call) -> CallAnnotationFields:
    if not manages_instruction_of(actor, call.programme_id):
        raise DomainError(_("Seuls les pilotes du programme configurent les champs privés."), code="forbidden")
    return CallAnnotationFields.objects.select_for_update().get_or_create(call=call)[0]


def call_annotation_field_add(*, actor, call, key: str, label: str, kind: str, choices: list[str] | None = None):
    """Append a private field to the call's, checked by the form builder's rules (key, kind, choices)."""
    field = {"key": (key or "").strip(), "label": (label or "").strip(), "kind": kind}
    if choices:
        field["choices"] = [choice.strip() for choice in choices if choice.strip()]
    if kind not in FIELD_KINDS:
        raise DomainError(_("Type de champ inconnu."), code="invalid", field="kind")
    with transaction.atomic():
        configuration = _configuration(actor=actor, call=call)
        fields = [*configuration.fields, field]
        try:
            validate_definition({"sections": [{"key": "annotations", "title": "Annotations", "fields": fields}]})
        except FormSchemaError as error:
            raise DomainError(" ".join(error.errors), code="invalid") from None
        configuration.fields = fields
        configuration.save(update_fields=["fields", "updated_at"])
        audit_record(actor=actor, action="call.annotation_field_add", target=call, data={"field": field})
    return configuration


def call_annotation_field_remove(*, actor, call, key: str) -> CallAnnotationFields:
    """Remove a private field; the values already typed stay in the dossiers' annotations, unread."""
    with transaction.atomic():
        configuration = _configuration(actor=actor, call=call)
        fields = [field for field in configuration.fields if field["key"] != key]
        if len(fields) == len(configuration.fields):
            raise DomainError(_("Ce champ privé n'existe pas."), code="not_found", field="key")
        configuration.fields = fields
        configuration.save(update_fields=["fields", "updated_at"])
        audit_record(actor=actor, action="call.annotation_field_remove", target=call, data={"key": key})
    return configuration


def call_annotations_shown_to_jury_set(*, actor, call, shown: bool) -> CallAnnotationFields:
    """Whether the call's jurors read the private fields (never the notes)."""
    with transaction.atomic():
        configuration = _configuration(actor=actor, call=call)
        configuration.shown_to_jury = shown
        configuration.save(update_fields=["shown_to_jury", "updated_at"])
        audit_record(actor=actor, action="call.annotations_shown_to_jury", target=call, data={"shown": shown})
    return configuration


def dossier_annotations_save(*, actor, dossier: Dossier, raw: dict) -> tuple[DossierAnnotation, dict[str, str]]:
    """Save the private fields' values that are valid; returns the annotation and {key: French error}.

    Only the call's fields are kept; the audit entry names the fields that changed with their new value.
    """
    _ensure_sees(actor, dossier)
    configuration = CallAnnotationFields.objects.filter(call_id=dossier.theme.call_id).first()
    if configuration is None or not configuration.fields:
        raise DomainError(_("L'appel n'a pas de champ privé."), code="invalid")
    cleaned, errors = clean_answers(configuration.schema, raw)
    with transaction.atomic():
        annotation, _created = DossierAnnotation.objects.select_for_update().get_or_create(dossier=dossier)
        changed = {key: value for key, value in cleaned.items() if annotation.values.get(key) != value}
        if changed:
            annotation.values = {**annotation.values, **changed}
            annotation.updated_by = actor
            annotation.save(update_fields=["values", "updated_by", "updated_at"])
            audit_record(actor=actor, action="dossier.annotations_save", target=dossier, data={"changed": changed})
    return annotation, errors


def private_note_add(*, actor, dossier: Dossier, body: str) -> PrivateNote:
    """Add a staff note to the dossier (never shown to its carrier or jurors)."""
    _ensure_sees(actor, dossier)
    body = (body or "").strip()
    if not body:
        raise DomainError(_("La note est vide."), code="required", field="body")
    if len(body) > NOTE_LIMIT:
        raise DomainError(
            _("La note dépasse %(limit)s caractères.") % {"limit": NOTE_LIMIT}, code="too_long", field="body"
        )
    with transaction.atomic():
        note = PrivateNote.objects.create(dossier=dossier, author=actor, body=body)
        audit_record(actor=actor, action="dossier.private_note_add", target=dossier, data={"note": note.pk})
    return note
