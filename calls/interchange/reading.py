"""A "portal-call/1" document read into a tree of unsaved rows, validated in full: every problem
is collected with its place (« calls[0].themes[3].sessions[1].closes_at : … ») and nothing
touches the database but validation queries.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from calls.formschema import FormSchemaError, validate_definition
from calls.models import (
    Call,
    Criterion,
    FormDefinition,
    FormStep,
    InfoSession,
    MilestoneTemplate,
    Phase,
    Programme,
    RequiredDocument,
    RuleVersion,
    Session,
    Theme,
)
from calls.rules import Rule, RuleConfigError, load_rules

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


@dataclass
class Node:
    """A model instance waiting to be saved, with its children and how to attach them."""

    instance: models.Model
    children: list[tuple[str, Node]] = field(default_factory=list)


class Reader:
    """Reads a document into node trees, collecting every problem as (place, message)."""

    def __init__(self):
        self.problems: list[tuple[str, str]] = []
        self._rules: dict[str, Rule] | None = None

    def error(self, where: str, message: str) -> None:
        self.problems.append((where, message))

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

    def read_document(self, data: Any) -> tuple[dict, list[Node]]:
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

    def read_call(self, data: Any, where: str) -> Node:
        nested = {"themes", "criteria", "required_documents", "form", "interest_form", "info_sessions"}
        call = Call(**self.values(Call, data, CALL_FIELDS, where, nested))
        self.validated(call, where, exclude=["programme", "slug"])
        if not call.slug:
            self.error(f"{where}.slug", "l'identifiant de l'appel est obligatoire.")
        node = Node(call)
        if not isinstance(data, dict):
            return node
        node.children += self.read_owned(data, where, owner="call")
        for index, info in enumerate(data.get("info_sessions") or []):
            place = f"{where}.info_sessions[{index}]"
            node.children.append(
                (
                    "call",
                    Node(
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

    def read_owned(self, data: dict, where: str, *, owner: str) -> list[tuple[str, Node]]:
        """Criteria, required documents and form, owned by a call or a theme."""
        children: list[tuple[str, Node]] = []
        children += [(owner, node) for node in self.read_criteria(data.get("criteria") or [], f"{where}.criteria")]
        kinds = set()
        for index, document in enumerate(data.get("required_documents") or []):
            place = f"{where}.required_documents[{index}]"
            values = self.values(RequiredDocument, document, DOCUMENT_FIELDS, place)
            values.setdefault("order", index)
            # The same kind of document may be asked at each step of a two-step call.
            step_kind = (values.get("step", FormStep.DOSSIER), values.get("kind"))
            if step_kind in kinds:
                self.error(f"{place}.kind", f"la pièce « {values['kind']} » est déjà demandée.")
            kinds.add(step_kind)
            children.append((owner, Node(self.validated(RequiredDocument(**values), place, ["call", "theme"]))))
        # A two-step call's expression of interest has a light form of its own ("interest_form").
        for key, step in FORM_KEYS.items():
            if not data.get(key) or (step == FormStep.INTEREST and owner != "call"):
                continue
            try:
                validate_definition(data[key])
            except FormSchemaError as error:
                for message in error.errors:
                    self.error(f"{where}.{key}", message)
            form = FormDefinition(
                step=step,
                version=1,
                status=FormDefinition.Status.PUBLISHED,
                schema=data[key],
                published_at=timezone.now(),
            )
            children.append((owner, Node(form)))
        return children

    def read_criteria(self, items: list, where: str) -> list[Node]:
        nodes = []
        codes = set()
        for index, item in enumerate(items):
            place = f"{where}[{index}]"
            values = self.values(Criterion, item, CRITERION_FIELDS, place, {"sub_criteria"})
            values.setdefault("order", index)
            if values.get("code") in codes:
                self.error(f"{place}.code", f"le code « {values['code']} » est déjà utilisé.")
            codes.add(values.get("code"))
            node = Node(self.validated(Criterion(**values), place, ["call", "theme", "parent"]))
            sub_items = item.get("sub_criteria") or [] if isinstance(item, dict) else []
            node.children = [("parent", child) for child in self.read_criteria(sub_items, f"{place}.sub_criteria")]
            nodes.append(node)
        return nodes

    def read_theme(self, data: Any, where: str) -> Node:
        nested = {
            "rule",
            THEME_RULE,
            "sessions",
            "rolling_sessions",
            "phases",
            "criteria",
            "required_documents",
            "form",
        }
        values = self.values(Theme, data, THEME_FIELDS, where, nested)
        if not isinstance(data, dict):
            return Node(Theme(**values))
        theme = self.validated(Theme(**values), where, ["call"])
        node = Node(theme)
        rule = self.read_rule(data, where)
        if rule is not None:
            node.children.append(("theme", Node(RuleVersion(number=1, config=rule.to_dict()))))
        sessions = list(data.get("sessions") or [])
        if data.get("rolling_sessions"):
            sessions += self.rolling_sessions(data["rolling_sessions"], f"{where}.rolling_sessions")
        node.children += self.read_sessions(sessions, f"{where}.sessions")
        for index, phase in enumerate(data.get("phases") or []):
            place = f"{where}.phases[{index}]"
            phase_values = self.values(Phase, phase, PHASE_FIELDS, place, {"milestones"})
            phase_values.setdefault("order", index)
            phase_node = Node(self.validated(Phase(**phase_values), place, ["theme"]))
            for milestone_index, milestone in enumerate(
                phase.get("milestones") or [] if isinstance(phase, dict) else []
            ):
                milestone_place = f"{place}.milestones[{milestone_index}]"
                milestone_values = self.values(MilestoneTemplate, milestone, MILESTONE_FIELDS, milestone_place)
                milestone_values.setdefault("order", milestone_index)
                phase_node.children.append(
                    ("phase", Node(self.validated(MilestoneTemplate(**milestone_values), milestone_place, ["phase"])))
                )
            node.children.append(("theme", phase_node))
        node.children += self.read_owned(data, where, owner="theme")
        return node

    def read_rule(self, data: dict, where: str) -> Rule | None:
        """The theme's rule: a key of the catalogue (`rule`) or written in full (`funding_rule`)."""
        if data.get("rule") and data.get(THEME_RULE):
            self.error(where, f"donnez « rule » ou « {THEME_RULE} », pas les deux.")
        if data.get("rule"):
            rule = self.rules().get(str(data["rule"]))
            if rule is None:
                self.error(f"{where}.rule", f"règle « {data['rule']} » inconnue du catalogue.")
            return rule
        if data.get(THEME_RULE):
            try:
                return Rule.from_dict(data[THEME_RULE], prefix=THEME_RULE)
            except RuleConfigError as error:
                for field, message in error.errors:
                    self.error(f"{where}.{field}", message)
        return None

    def read_sessions(self, items: list, where: str) -> list[tuple[str, Node]]:
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
        return [("theme", Node(session)) for session in sessions]

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
