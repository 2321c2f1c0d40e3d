"""Import and export of whole calls in the "portal-call/1" format (docs/call-format.md).

A document (a dict, read from YAML or rebuilt from an XLSX workbook) is validated in full
before anything is written: every problem is collected with its place
(« calls[0].themes[3].sessions[1].closes_at : … ») and the import raises `InterchangeError`.
When it is valid, all rows are written in one transaction. The same module exports a call
to the same dict, so that export → import into an empty database gives the same call.
"""

from __future__ import annotations

import calendar
import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import tablib
import yaml
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from calls.formschema import FormSchemaError, validate_definition
from calls.models import (
    Call,
    Criterion,
    FormDefinition,
    InfoSession,
    MilestoneTemplate,
    Phase,
    Programme,
    RequiredDocument,
    Session,
    Theme,
)
from calls.rules import Rule, RuleConfigError, load_rules
from portal.errors import DomainError
from portal.exports import text_from_inert, xlsx_bytes

FORMAT = "portal-call/1"
PARIS = ZoneInfo("Europe/Paris")
MONTHS_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]

# Exchanged model fields, in the order they are written; nested lists are handled apart.
PROGRAMME_FIELDS = [
    "slug",
    "name",
    "fund",
    "owner_teams",
    "total_envelope",
    "grantor_name",
    "grantor_siret",
    "show_juror_identities",
    "source",
]
CALL_FIELDS = [
    "slug",
    "title",
    "kind",
    "owner_team",
    "status",
    "description",
    "selection_process",
    "tax_basis",
    "steps",
    "published_on",
    "source",
]
THEME_FIELDS = [
    "code",
    "title",
    "order",
    "summary",
    "objectives",
    "encouraged",
    "eligible_expenses",
    "examples",
    "commitments",
    "support",
    "indicators",
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
    "tie_break",
    "funding_rule",
]
SESSION_FIELDS = [
    "key",
    "name",
    "kind",
    "opens_at",
    "closes_at",
    "envelope",
    "project_size_min",
    "project_size_max",
    "jury_on",
    "note",
]
PHASE_FIELDS = ["key", "label", "description", "order"]
MILESTONE_FIELDS = ["key", "label", "description", "order"]
CRITERION_FIELDS = [
    "code",
    "label",
    "definition",
    "weight",
    "scale_min",
    "scale_max",
    "step",
    "threshold",
    "allows_not_applicable",
    "level_descriptions",
    "order",
]
DOCUMENT_FIELDS = ["kind", "label", "description", "formats", "max_size_mb", "scope", "mandatory", "max_pages", "order"]
INFO_SESSION_FIELDS = [
    "title",
    "description",
    "starts_at",
    "ends_at",
    "place",
    "address",
    "access_conditions",
    "remote_link",
    "capacity",
    "registration_open",
]
ROLLING_KEYS = {
    "key_prefix",
    "name",
    "first_month",
    "last_month",
    "close_day",
    "project_size_min",
    "project_size_max",
    "note",
}


class InterchangeError(DomainError):
    """An import refused as a whole; `errors` lists every problem with its place."""

    def __init__(self, errors: list[str]):
        super().__init__("Import refusé, rien n'a été enregistré : " + " ; ".join(errors), "import")
        self.errors = errors


# --- reading -------------------------------------------------------------------------------


@dataclass
class _Node:
    """A model instance waiting to be saved, with its children and how to attach them."""

    instance: models.Model
    children: list[tuple[str, _Node]] = field(default_factory=list)


class _Reader:
    def __init__(self):
        self.errors: list[str] = []
        self._rules: dict[str, Rule] | None = None

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where} : {message}")

    def rules(self) -> dict[str, Rule]:
        if self._rules is None:
            self._rules = load_rules()
        return self._rules

    def values(
        self, model: type[models.Model], data: Any, allowed: list[str], where: str, extra: set[str] = frozenset()
    ) -> dict:
        """Convert the exchanged fields of `data` to model values; unknown keys are errors."""
        if not isinstance(data, dict):
            self.error(where, "un objet (clé : valeur) est attendu.")
            return {}
        for key in data:
            if key not in allowed and key not in extra:
                self.error(f"{where}.{key}", "champ inconnu.")
        values = {}
        for name in allowed:
            if name not in data or data[name] is None:
                continue
            try:
                values[name] = self.convert(model._meta.get_field(name), data[name])
            except ValueError as error:
                self.error(f"{where}.{name}", str(error))
        return values

    @staticmethod
    def convert(model_field: models.Field, raw: Any) -> Any:
        if isinstance(model_field, models.DecimalField):
            if isinstance(raw, bool):
                raise ValueError("un nombre est attendu.")
            try:
                number = Decimal(str(raw).replace(" ", "").replace(",", "."))
            except InvalidOperation:
                raise ValueError(f"« {raw} » n'est pas un nombre.") from None
            if not number.is_finite():
                raise ValueError(f"« {raw} » n'est pas un nombre.")
            return number
        if isinstance(model_field, models.DateTimeField):
            return parse_datetime(raw)
        if isinstance(model_field, models.DateField):
            if isinstance(raw, datetime.date):
                return raw
            try:
                return datetime.date.fromisoformat(str(raw))
            except ValueError:
                raise ValueError(f"« {raw} » n'est pas une date AAAA-MM-JJ.") from None
        if isinstance(model_field, models.BooleanField):
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in {"true", "oui", "1"}:
                return True
            if str(raw).lower() in {"false", "non", "0"}:
                return False
            raise ValueError("oui ou non est attendu.")
        if isinstance(model_field, (models.IntegerField, models.PositiveIntegerField)):
            try:
                return int(raw)
            except (TypeError, ValueError):
                raise ValueError(f"« {raw} » n'est pas un nombre entier.") from None
        if isinstance(model_field, models.JSONField):
            return raw
        return str(raw).strip()

    def validated(self, instance: models.Model, where: str, exclude: list[str]) -> models.Model:
        try:
            instance.full_clean(exclude=exclude, validate_unique=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                place = where if name == "__all__" else f"{where}.{name}"
                for message in messages:
                    self.error(place, message)
        return instance

    # Each read_* returns a node tree; nothing touches the database but validation queries.

    def read_document(self, data: Any) -> tuple[dict, list[_Node]]:
        if not isinstance(data, dict):
            self.error("document", "un objet avec « programme » et « calls » est attendu.")
            return {}, []
        if data.get("format") != FORMAT:
            self.error("format", f"« {FORMAT} » est attendu.")
        for key in data:
            if key not in {"format", "programme", "calls"}:
                self.error(key, "champ inconnu.")
        programme_values = self.values(Programme, data.get("programme"), PROGRAMME_FIELDS, "programme")
        if "slug" not in programme_values:
            self.error("programme.slug", "l'identifiant du programme est obligatoire.")
        calls = data.get("calls")
        if not isinstance(calls, list) or not calls:
            self.error("calls", "au moins un appel est attendu.")
            return programme_values, []
        slugs = [call.get("slug") for call in calls if isinstance(call, dict)]
        for slug in {slug for slug in slugs if slugs.count(slug) > 1}:
            self.error("calls", f"l'identifiant « {slug} » est utilisé deux fois.")
        return programme_values, [self.read_call(call, f"calls[{index}]") for index, call in enumerate(calls)]

    def read_call(self, data: Any, where: str) -> _Node:
        nested = {"themes", "criteria", "required_documents", "form", "info_sessions"}
        call = Call(**self.values(Call, data, CALL_FIELDS, where, nested))
        self.validated(call, where, exclude=["programme", "slug"])
        if call.slug and Call.objects.filter(slug=call.slug).exists():
            self.error(f"{where}.slug", f"un appel « {call.slug} » existe déjà.")
        node = _Node(call)
        if not isinstance(data, dict):
            return node
        node.children += self.read_owned(data, where, owner="call")
        for index, info in enumerate(data.get("info_sessions") or []):
            place = f"{where}.info_sessions[{index}]"
            node.children.append(
                (
                    "call",
                    _Node(
                        self.validated(
                            InfoSession(**self.values(InfoSession, info, INFO_SESSION_FIELDS, place)), place, ["call"]
                        )
                    ),
                )
            )
        themes = data.get("themes") or []
        codes = [theme.get("code") for theme in themes if isinstance(theme, dict)]
        for code in {code for code in codes if codes.count(code) > 1}:
            self.error(f"{where}.themes", f"le code « {code} » est utilisé deux fois.")
        for index, theme in enumerate(themes):
            node.children.append(("call", self.read_theme(theme, f"{where}.themes[{index}]")))
        return node

    def read_owned(self, data: dict, where: str, *, owner: str) -> list[tuple[str, _Node]]:
        """Criteria, required documents and form, owned by a call or a theme."""
        children: list[tuple[str, _Node]] = []
        children += [(owner, node) for node in self.read_criteria(data.get("criteria") or [], f"{where}.criteria")]
        kinds = set()
        for index, document in enumerate(data.get("required_documents") or []):
            place = f"{where}.required_documents[{index}]"
            values = self.values(RequiredDocument, document, DOCUMENT_FIELDS, place)
            values.setdefault("order", index)
            if values.get("kind") in kinds:
                self.error(f"{place}.kind", f"la pièce « {values['kind']} » est déjà demandée.")
            kinds.add(values.get("kind"))
            children.append((owner, _Node(self.validated(RequiredDocument(**values), place, ["call", "theme"]))))
        if data.get("form"):
            try:
                validate_definition(data["form"])
            except FormSchemaError as error:
                for message in error.errors:
                    self.error(f"{where}.form", message)
            form = FormDefinition(
                version=1, status=FormDefinition.Status.PUBLISHED, schema=data["form"], published_at=timezone.now()
            )
            children.append((owner, _Node(form)))
        return children

    def read_criteria(self, items: list, where: str) -> list[_Node]:
        nodes = []
        codes = set()
        for index, item in enumerate(items):
            place = f"{where}[{index}]"
            values = self.values(Criterion, item, CRITERION_FIELDS, place, {"sub_criteria"})
            values.setdefault("order", index)
            if values.get("code") in codes:
                self.error(f"{place}.code", f"le code « {values['code']} » est déjà utilisé.")
            codes.add(values.get("code"))
            node = _Node(self.validated(Criterion(**values), place, ["call", "theme", "parent"]))
            sub_items = item.get("sub_criteria") or [] if isinstance(item, dict) else []
            node.children = [("parent", child) for child in self.read_criteria(sub_items, f"{place}.sub_criteria")]
            nodes.append(node)
        return nodes

    def read_theme(self, data: Any, where: str) -> _Node:
        nested = {"rule", "sessions", "rolling_sessions", "phases", "criteria", "required_documents", "form"}
        values = self.values(Theme, data, THEME_FIELDS, where, nested)
        if not isinstance(data, dict):
            return _Node(Theme(**values))
        if data.get("rule") and data.get("funding_rule"):
            self.error(where, "donnez « rule » ou « funding_rule », pas les deux.")
        if data.get("rule"):
            rule = self.rules().get(str(data["rule"]))
            if rule is None:
                self.error(f"{where}.rule", f"règle « {data['rule']} » inconnue du catalogue.")
            else:
                values["funding_rule"] = rule.to_dict()
        elif values.get("funding_rule"):
            try:
                values["funding_rule"] = Rule.from_dict(values["funding_rule"], prefix="funding_rule").to_dict()
            except RuleConfigError as error:
                self.error(where, str(error))
        theme = self.validated(Theme(**values), where, ["call"])
        node = _Node(theme)
        sessions = list(data.get("sessions") or [])
        if data.get("rolling_sessions"):
            sessions += self.rolling_sessions(data["rolling_sessions"], f"{where}.rolling_sessions")
        node.children += self.read_sessions(sessions, f"{where}.sessions")
        for index, phase in enumerate(data.get("phases") or []):
            place = f"{where}.phases[{index}]"
            phase_values = self.values(Phase, phase, PHASE_FIELDS, place, {"milestones"})
            phase_values.setdefault("order", index)
            phase_node = _Node(self.validated(Phase(**phase_values), place, ["theme"]))
            for milestone_index, milestone in enumerate(
                phase.get("milestones") or [] if isinstance(phase, dict) else []
            ):
                milestone_place = f"{place}.milestones[{milestone_index}]"
                milestone_values = self.values(MilestoneTemplate, milestone, MILESTONE_FIELDS, milestone_place)
                milestone_values.setdefault("order", milestone_index)
                phase_node.children.append(
                    ("phase", _Node(self.validated(MilestoneTemplate(**milestone_values), milestone_place, ["phase"])))
                )
            node.children.append(("theme", phase_node))
        node.children += self.read_owned(data, where, owner="theme")
        return node

    def read_sessions(self, items: list, where: str) -> list[tuple[str, _Node]]:
        sessions: list[Session] = []
        for index, item in enumerate(items):
            place = f"{where}[{index}]"
            session = self.validated(Session(**self.values(Session, item, SESSION_FIELDS, place)), place, ["theme"])
            for earlier in sessions:
                if earlier.key == session.key:
                    self.error(f"{place}.key", f"l'identifiant « {session.key} » est déjà utilisé.")
                elif earlier.kind == session.kind and _overlap(earlier, session):
                    self.error(
                        place, f"la session « {session.name} » chevauche la session « {earlier.name} » du même type."
                    )
            sessions.append(session)
        return [("theme", _Node(session)) for session in sessions]

    def rolling_sessions(self, spec: Any, where: str) -> list[dict]:
        """Monthly guichet sessions: each closes on `close_day` at 00:00 and opens at the previous close."""
        if not isinstance(spec, dict):
            self.error(where, "un objet est attendu.")
            return []
        for key in spec:
            if key not in ROLLING_KEYS:
                self.error(f"{where}.{key}", "champ inconnu.")
        try:
            first = _month(spec.get("first_month"))
            last = _month(spec.get("last_month"))
            close_day = int(spec.get("close_day", 15))
        except (TypeError, ValueError):
            self.error(where, "first_month et last_month au format AAAA-MM, close_day entier, sont attendus.")
            return []
        if last < first or not 1 <= close_day <= 28:
            self.error(where, "le dernier mois précède le premier, ou le jour de clôture n'est pas entre 1 et 28.")
            return []
        prefix, name = spec.get("key_prefix", "guichet"), spec.get("name", "Guichet")
        sessions = []
        year, month = first
        while (year, month) <= last:
            previous_year, previous_month = (year, month - 1) if month > 1 else (year - 1, 12)
            sessions.append(
                {
                    "key": f"{prefix}-{year}-{month:02d}",
                    "name": f"{name} — {MONTHS_FR[month - 1]} {year}",
                    "kind": "guichet",
                    "opens_at": datetime.datetime(previous_year, previous_month, close_day, tzinfo=PARIS),
                    "closes_at": datetime.datetime(year, month, close_day, tzinfo=PARIS),
                    "jury_on": datetime.date(year, month, calendar.monthrange(year, month)[1]),
                    **{key: spec[key] for key in ("project_size_min", "project_size_max", "note") if key in spec},
                }
            )
            year, month = (year, month + 1) if month < 12 else (year + 1, 1)
        return sessions


def _month(value: Any) -> tuple[int, int]:
    year, month = str(value).split("-")
    if not 1 <= int(month) <= 12:
        raise ValueError(value)
    return int(year), int(month)


def _overlap(first: Session, second: Session) -> bool:
    if None in (first.opens_at, first.closes_at, second.opens_at, second.closes_at):
        return False
    return first.opens_at < second.closes_at and second.opens_at < first.closes_at


def parse_datetime(raw: Any) -> datetime.datetime:
    """An aware datetime; a naive one (or a bare date) is read at Paris time."""
    if isinstance(raw, datetime.datetime):
        value = raw
    elif isinstance(raw, datetime.date):
        value = datetime.datetime(raw.year, raw.month, raw.day)
    else:
        try:
            value = datetime.datetime.fromisoformat(str(raw).strip())
        except ValueError:
            raise ValueError(f"« {raw} » n'est pas une date-heure AAAA-MM-JJTHH:MM.") from None
    return value if timezone.is_aware(value) else value.replace(tzinfo=PARIS)


# --- writing -------------------------------------------------------------------------------


def _save(node: _Node, **parents) -> None:
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

    reader = _Reader()
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


def call_file_import(*, path: Path, actor=None) -> list[Call]:
    with Path(path).open(encoding="utf-8") as handle:
        return call_document_import(data=yaml.safe_load(handle), actor=actor)


def call_yaml_import(*, content: str | bytes, actor=None) -> list[Call]:
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as error:
        raise InterchangeError([f"YAML illisible : {error}"]) from None
    return call_document_import(data=data, actor=actor)


# --- export --------------------------------------------------------------------------------


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


def call_yaml_export(*, call: Call) -> str:
    return yaml.safe_dump(call_document_export(call=call), allow_unicode=True, sort_keys=False, width=110)


# --- XLSX: the same document, one sheet per kind of row ---------------------------------------

# (sheet title, columns that locate a row's parents); a theme column left empty means the call.
SHEETS = [
    ("programme", []),
    ("appels", []),
    ("thèmes", ["appel"]),
    ("sessions", ["appel", "thème"]),
    ("phases", ["appel", "thème"]),
    ("critères", ["appel", "thème", "critère parent"]),
    ("pièces", ["appel", "thème"]),
    ("formulaires", ["appel", "thème"]),
    ("réunions", ["appel"]),
]
SHEET_COLUMNS = {
    "programme": PROGRAMME_FIELDS,
    "appels": CALL_FIELDS,
    "thèmes": THEME_FIELDS,
    "sessions": SESSION_FIELDS,
    "phases": PHASE_FIELDS + ["milestones"],
    "critères": CRITERION_FIELDS,
    "pièces": DOCUMENT_FIELDS,
    "formulaires": ["form"],
    "réunions": INFO_SESSION_FIELDS,
}


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, (datetime.date, Decimal)):
        return str(value)
    return value


def _uncell(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = text_from_inert(value)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _flatten(document: dict) -> dict[str, list[list]]:
    rows: dict[str, list[list]] = {title: [] for title, _ in SHEETS}

    def add(title: str, refs: list, item: dict):
        rows[title].append(refs + [_cell(item.get(column)) for column in SHEET_COLUMNS[title]])

    def add_criteria(criteria: list, call_slug: str, theme_code: str, parent: str):
        for criterion in criteria:
            add("critères", [call_slug, theme_code, parent], criterion)
            add_criteria(criterion.get("sub_criteria") or [], call_slug, theme_code, criterion.get("code", ""))

    def add_owned(owner: dict, call_slug: str, theme_code: str):
        add_criteria(owner.get("criteria") or [], call_slug, theme_code, "")
        for item in owner.get("required_documents") or []:
            add("pièces", [call_slug, theme_code], item)
        if owner.get("form"):
            add("formulaires", [call_slug, theme_code], owner)

    add("programme", [], document["programme"])
    for call in document["calls"]:
        slug = call["slug"]
        add("appels", [], call)
        add_owned(call, slug, "")
        for info in call.get("info_sessions") or []:
            add("réunions", [slug], info)
        for theme in call.get("themes") or []:
            add("thèmes", [slug], theme)
            for session in theme.get("sessions") or []:
                add("sessions", [slug, theme["code"]], session)
            for phase in theme.get("phases") or []:
                add("phases", [slug, theme["code"]], phase)
            add_owned(theme, slug, theme["code"])
    return rows


def call_workbook_export(*, call: Call) -> bytes:
    """The call as an XLSX workbook, written like every export (text that would run as a formula is
    quoted with an apostrophe, which `workbook_document` removes on the way back)."""
    rows = _flatten(call_document_export(call=call))
    return xlsx_bytes(
        *(tablib.Dataset(*rows[title], headers=refs + SHEET_COLUMNS[title], title=title) for title, refs in SHEETS)
    )


def _read_sheets(content: bytes) -> dict[str, list[dict]]:
    book = tablib.Databook()
    try:
        book.load(content, format="xlsx")
    except Exception as error:  # openpyxl raises many types for a file that is not XLSX
        raise InterchangeError(
            [f"Le fichier n'est pas un classeur XLSX lisible ({error.__class__.__name__})."]
        ) from None
    sheets = {sheet.title: sheet for sheet in book.sheets()}
    errors = []
    result: dict[str, list[dict]] = {}
    for title, refs in SHEETS:
        sheet = sheets.get(title)
        if sheet is None:
            errors.append(f"feuille « {title} » : absente du classeur.")
            continue
        expected = refs + SHEET_COLUMNS[title]
        headers = [str(header or "") for header in sheet.headers or []]
        for header in headers:
            if header not in expected:
                errors.append(f"feuille « {title} », colonne « {header} » : colonne inconnue.")
        result[title] = [
            {header: _uncell(value) for header, value in zip(headers, row, strict=False) if header in expected}
            for row in sheet
            if any(value not in (None, "") for value in row)
        ]
    if errors:
        raise InterchangeError(errors)
    return result


def _strip(row: dict, refs: list[str]) -> dict:
    return {key: value for key, value in row.items() if key not in refs and value is not None}


def workbook_document(content: bytes) -> dict:
    """Rebuild the "portal-call/1" document from a workbook written by `call_workbook_export`."""
    sheets = _read_sheets(content)
    errors: list[str] = []
    programmes = sheets["programme"]
    if len(programmes) != 1:
        raise InterchangeError(["feuille « programme » : une seule ligne est attendue."])
    calls = {row.get("slug"): _strip(row, []) for row in sheets["appels"]}
    themes: dict[tuple, dict] = {}

    def owner(sheet: str, index: int, row: dict) -> dict | None:
        call = calls.get(row.get("appel"))
        if call is None:
            errors.append(f"feuille « {sheet} », ligne {index + 2} : appel « {row.get('appel')} » inconnu.")
            return None
        if not row.get("thème"):
            return call
        theme = themes.get((row.get("appel"), str(row.get("thème"))))
        if theme is None:
            errors.append(f"feuille « {sheet} », ligne {index + 2} : thème « {row.get('thème')} » inconnu.")
        return theme

    for index, row in enumerate(sheets["thèmes"]):
        if (call := owner("thèmes", index, {"appel": row.get("appel")})) is not None:
            theme = _strip(row, ["appel"])
            theme["code"] = str(theme.get("code", ""))
            call.setdefault("themes", []).append(theme)
            themes[(row.get("appel"), theme["code"])] = theme
    for sheet, key in (
        ("sessions", "sessions"),
        ("phases", "phases"),
        ("pièces", "required_documents"),
        ("réunions", "info_sessions"),
    ):
        for index, row in enumerate(sheets[sheet]):
            if (target := owner(sheet, index, row)) is not None:
                target.setdefault(key, []).append(_strip(row, ["appel", "thème"]))
    for index, row in enumerate(sheets["formulaires"]):
        if (target := owner("formulaires", index, row)) is not None:
            target["form"] = row.get("form")
    criteria_by_code: dict[tuple, dict] = {}
    for index, row in enumerate(sheets["critères"]):
        target = owner("critères", index, row)
        if target is None:
            continue
        criterion = _strip(row, ["appel", "thème", "critère parent"])
        criterion["code"] = str(criterion.get("code", ""))
        place = (row.get("appel"), row.get("thème") or "")
        parent_code = row.get("critère parent")
        if parent_code:
            parent = criteria_by_code.get((*place, str(parent_code)))
            if parent is None:
                errors.append(
                    f"feuille « critères », ligne {index + 2} : critère parent « {parent_code} » inconnu (il doit précéder)."
                )
                continue
            parent.setdefault("sub_criteria", []).append(criterion)
        else:
            target.setdefault("criteria", []).append(criterion)
        criteria_by_code[(*place, criterion["code"])] = criterion
    if errors:
        raise InterchangeError(errors)
    return {"format": FORMAT, "programme": _strip(programmes[0], []), "calls": list(calls.values())}


def call_workbook_import(*, content: bytes, actor=None) -> list[Call]:
    return call_document_import(data=workbook_document(content), actor=actor)
