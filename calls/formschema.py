"""Dossier form definitions: validation of a definition, and of answers against it.

Pure Python on plain dicts (the JSON of `FormDefinition.schema`), so that the staff form
builder, the applicant's autosave, the submission check and imports share one rule set.

A definition is ``{"sections": [{"key", "title", "description"?, "fields": [field, …]}]}``
and a field is ``{"key", "label", "kind", "required"?, "help"?, "max_length"?, "choices"?,
"show_if"?: {"field": key, "equals": value}}``. Answers are a flat dict keyed by field key,
holding JSON values (amounts and percentages as decimal strings, dates as ISO strings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from portal.fields import MAX_INTEGER, DateInputField, parse_decimal, parse_integer
from portal.validators import validate_siret

FIELD_KINDS = {
    "short_text": "Texte court",
    "long_text": "Texte long",
    "integer": "Nombre entier",
    "amount": "Montant en euros",
    "percentage": "Pourcentage",
    "date": "Date",
    "choice": "Choix unique",
    "multiple_choice": "Choix multiples",
    "yes_no": "Oui / non",
    "email": "Adresse e-mail",
    "url": "Adresse web",
    "siret": "SIRET",
}
CHOICE_KINDS = {"choice", "multiple_choice"}
SHORT_TEXT_LIMIT = 255
# Amounts and percentages typed in a dossier form: a thousand billion and more is a typo (and beyond
# 28 digits Decimal cannot even round it to the cent).
MAX_ANSWER_NUMBER = Decimal("1e12")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class FormSchemaError(Exception):
    """A definition that cannot be used; `errors` are French sentences naming the place."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class MissingField:
    section_key: str
    section_title: str
    field_key: str
    label: str


def iter_fields(schema: dict):
    for section in schema.get("sections", []):
        for field in section.get("fields", []):
            yield section, field


def validate_definition(schema: dict) -> None:
    """Raise FormSchemaError listing every problem of the definition, or return None."""
    errors: list[str] = []
    if not isinstance(schema, dict) or not isinstance(schema.get("sections"), list):
        raise FormSchemaError(["La définition doit contenir une liste de sections."])
    seen_sections: set[str] = set()
    seen_fields: dict[str, dict] = {}
    for section_index, section in enumerate(schema["sections"], start=1):
        section_key = section.get("key", "")
        where = f"section {section_index} « {section.get('title') or section_key} »"
        if not KEY_PATTERN.match(str(section_key)):
            errors.append(f"{where} : identifiant invalide (minuscules, chiffres et _).")
        elif section_key in seen_sections:
            errors.append(f"{where} : l'identifiant « {section_key} » est déjà utilisé.")
        seen_sections.add(section_key)
        if not section.get("title"):
            errors.append(f"{where} : le titre est obligatoire.")
        for field_index, field in enumerate(section.get("fields", []), start=1):
            errors.extend(_field_errors(field, f"{where}, champ {field_index}", seen_fields))
            if KEY_PATTERN.match(str(field.get("key", ""))):
                seen_fields.setdefault(field["key"], field)
    if errors:
        raise FormSchemaError(errors)


def _field_errors(field: dict, where: str, earlier: dict[str, dict]) -> list[str]:
    errors = []
    key = field.get("key", "")
    where = f"{where} « {field.get('label') or key} »"
    if not KEY_PATTERN.match(str(key)):
        errors.append(f"{where} : identifiant invalide (minuscules, chiffres et _).")
    elif key in earlier:
        errors.append(f"{where} : l'identifiant « {key} » est déjà utilisé.")
    if not field.get("label"):
        errors.append(f"{where} : le libellé est obligatoire.")
    kind = field.get("kind")
    if kind not in FIELD_KINDS:
        errors.append(f"{where} : type de champ inconnu « {kind} ».")
    if kind in CHOICE_KINDS and not field.get("choices"):
        errors.append(f"{where} : un champ à choix doit proposer au moins un choix.")
    max_length = field.get("max_length")
    if max_length is not None and (not isinstance(max_length, int) or max_length <= 0):
        errors.append(f"{where} : la limite de caractères doit être un entier positif.")
    condition = field.get("show_if")
    if condition:
        target = earlier.get(condition.get("field"))
        if target is None:
            errors.append(
                f"{where} : la condition d'affichage renvoie au champ « {condition.get('field')} », "
                "qui n'existe pas avant ce champ."
            )
        elif target.get("kind") in CHOICE_KINDS and condition.get("equals") not in target.get("choices", []):
            errors.append(
                f"{where} : la valeur « {condition.get('equals')} » n'est pas un choix du champ « {target['key']} »."
            )
    return errors


def is_visible(field: dict, answers: dict) -> bool:
    condition = field.get("show_if")
    if not condition:
        return True
    value = answers.get(condition["field"])
    expected = condition.get("equals")
    if isinstance(value, list):
        return expected in value
    return value == expected


def _is_empty(value) -> bool:
    return value is None or value == "" or value == []


def clean_value(field: dict, raw):
    """Convert one submitted value to its stored JSON form; raise ValidationError in French."""
    kind = field["kind"]
    if _is_empty(raw):
        return None
    if kind in {"short_text", "long_text"}:
        text = str(raw).strip()
        limit = field.get("max_length") or (SHORT_TEXT_LIMIT if kind == "short_text" else None)
        if limit and len(text) > limit:
            raise ValidationError(f"{len(text)} caractères saisis pour {limit} autorisés au maximum.")
        return text
    if kind == "integer":
        number = parse_integer(raw)
        if abs(number) > MAX_INTEGER:  # stored in JSON, but shown and added up with the database's integers
            raise ValidationError("Ce nombre est trop grand.")
        return number
    if kind in {"amount", "percentage"}:
        number = parse_decimal(raw)
        if number < 0:
            raise ValidationError("Saisissez un nombre positif.")
        if number >= MAX_ANSWER_NUMBER:
            raise ValidationError("Ce nombre est trop grand.")
        if kind == "percentage" and number > 100:
            raise ValidationError("Un pourcentage ne peut pas dépasser 100.")
        return str(number.quantize(Decimal("0.01")))
    if kind == "date":
        return (
            DateInputField(
                input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                error_messages={"invalid": "Saisissez une date valide (JJ/MM/AAAA)."},
            )
            .clean(str(raw).strip())
            .isoformat()
        )
    if kind == "choice":
        if raw not in field.get("choices", []):
            raise ValidationError("Choisissez une des valeurs proposées.")
        return raw
    if kind == "multiple_choice":
        values = raw if isinstance(raw, list) else [raw]
        unknown = [value for value in values if value not in field.get("choices", [])]
        if unknown:
            raise ValidationError("Choisissez parmi les valeurs proposées.")
        return values
    if kind == "yes_no":
        if raw in (True, "true", "oui", "1", "on"):
            return True
        if raw in (False, "false", "non", "0"):
            return False
        raise ValidationError("Répondez par oui ou par non.")
    if kind == "email":
        EmailValidator(message="Saisissez une adresse e-mail valide.")(str(raw).strip())
        return str(raw).strip().lower()
    if kind == "url":
        URLValidator(message="Saisissez une adresse web complète (https://…).")(str(raw).strip())
        return str(raw).strip()
    if kind == "siret":
        compact = str(raw).replace(" ", "")
        validate_siret(compact)
        return compact
    raise ValidationError(f"Type de champ inconnu « {kind} ».")


def clean_answers(schema: dict, raw_answers: dict, *, section_key: str | None = None) -> tuple[dict, dict[str, str]]:
    """Validate submitted answers (of one section, or all) without requiring completeness.

    Returns (cleaned answers, {field key: French error}). Fields hidden by their
    condition are dropped, so a stale hidden answer never reaches a jury.
    """
    cleaned: dict = {}
    errors: dict[str, str] = {}
    merged = dict(raw_answers)
    for section, field in iter_fields(schema):
        if section_key is not None and section["key"] != section_key:
            continue
        if field["key"] not in raw_answers:
            continue
        try:
            cleaned[field["key"]] = clean_value(field, raw_answers[field["key"]])
        except ValidationError as error:
            errors[field["key"]] = error.messages[0]
        merged[field["key"]] = cleaned.get(field["key"], raw_answers[field["key"]])
    for _, field in iter_fields(schema):
        if field["key"] in cleaned and not is_visible(field, merged):
            cleaned[field["key"]] = None
    return cleaned, errors


def missing_fields(schema: dict, answers: dict) -> list[MissingField]:
    """Required, visible fields without an answer: the completeness summary."""
    return [
        MissingField(section["key"], section["title"], field["key"], field["label"])
        for section, field in iter_fields(schema)
        if field.get("required") and is_visible(field, answers) and _is_empty(answers.get(field["key"]))
    ]


def section_progress(schema: dict, answers: dict) -> dict[str, tuple[int, int]]:
    """{section key: (answered required fields, required visible fields)}."""
    progress: dict[str, tuple[int, int]] = {}
    for section, field in iter_fields(schema):
        done, total = progress.get(section["key"], (0, 0))
        if field.get("required") and is_visible(field, answers):
            total += 1
            done += 0 if _is_empty(answers.get(field["key"])) else 1
        progress[section["key"]] = (done, total)
    return progress
