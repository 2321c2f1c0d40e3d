"""Configuration of a theme's co-financing and eligibility rule, and the shared vocabulary.

Pure Python (no Django import). Every record validates itself on construction and raises
`RuleConfigError` with a French message naming the field; `from_dict` / `to_dict` give the
JSON form stored in Theme.funding_rule and in data/rules.yaml. Rates are percentages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import MISSING, dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Self

from .money import HUNDRED, format_money, format_percent

ORGANISATION_KINDS: dict[str, str] = {
    "ministere": "ministère (administration centrale)",
    "prefecture_region": "préfecture de région",
    "service_deconcentre": "service déconcentré de l'État",
    "operateur": "opérateur de l'État",
    "collectivite": "collectivité territoriale",
    "autre": "autre organisme",
}
DECONCENTRATED_KINDS = frozenset({"prefecture_region", "service_deconcentre"})

COST_CATEGORIES: dict[str, str] = {
    "internal_staff": "personnel interne (titre 2)",
    "external_services": "prestations externes",
    "equipment": "équipement",
    "licences": "licences",
    "other": "autres dépenses",
}
FUNDING_SOURCES: dict[str, str] = {
    "programme": "programme",
    "carrier": "porteur",
    "cofinancer": "co-financeur",
    "in_kind": "apport en nature",
}
# Mirrors calls.models.SessionKind: the engine may not import Django to read it.
SESSION_KINDS: dict[str, str] = {
    "aap": "appel à projets",
    "guichet": "guichet",
    "interest": "manifestation d'intérêt",
    "dossier": "dossier complet",
}
TAX_BASES: dict[str, str] = {"TTC": "toutes taxes comprises", "HT": "hors taxes"}
# Tags are free; these are the ones the seeded rules use, with their French wording.
TAG_LABELS: dict[str, str] = {
    "non_european_licence": "licence de produit non européen",
    "real_estate": "immobilier",
    "development": "développement",
    "user_support": "support utilisateur",
    "training": "formation",
    "communication": "communication",
}
# Each key of a rule in French, for staff reading an error or a change (a test checks none is missing).
FIELD_LABELS: dict[str, str] = {
    "tax_basis": "montants exprimés en",
    "rate_percent": "taux de cofinancement",
    "rate_is_maximum": "taux maximal",
    "full_funding_up_to": "prise en charge à 100 % jusqu'à",
    "derogation_allowed": "dérogation possible",
    "derogation_ceiling_percent": "taux maximal d'une dérogation",
    "derogation_authority": "instance qui décide d'une dérogation",
    "cap_per_dossier": "plafond par dossier",
    "cap_per_project": "plafond par projet",
    "cap_at_request": "aide limitée au montant demandé",
    "eligible_categories": "catégories de dépenses éligibles",
    "eligible_tags": "seules dépenses prises en compte",
    "excluded_tags": "dépenses exclues",
    "in_kind_eligible": "apports en nature valorisés",
    "excluded_in_kind_tags": "apports en nature exclus",
    "staff_in_carrier_share_only": "titre 2 dans la part du porteur seulement",
    "counterpart_category": "contrepartie exigée en",
    "counterpart_min_percent": "contrepartie minimale",
    "eligible_years": "années des dépenses éligibles",
    "size_ranges": "tailles attendues",
    "size_on_total_cost": "taille mesurée sur le coût total",
    "allowed_carrier_kinds": "porteurs admis",
    "excluded_carrier_kinds": "porteurs exclus",
    "grouping_allowed": "groupement de porteurs",
    "manual_checks": "vérifications manuelles",
    "source": "texte source",
    "minimum": "minimum",
    "maximum": "maximum",
    "minimum_exclusive": "strictement plus que le minimum",
    "carrier_kinds": "types de porteur",
    "session_kinds": "types de session",
    "code": "code",
    "label": "libellé",
}


def field_label(path: str) -> str:
    """« size_ranges[0].minimum » → « tailles attendues n° 1, minimum »."""
    parts = []
    for piece in path.split("."):
        name, _bracket, index = piece.partition("[")
        label = FIELD_LABELS.get(name, name)
        parts.append(f"{label} n° {int(index.rstrip(']')) + 1}" if index.rstrip("]").isdigit() else label)
    return ", ".join(parts)


# Beyond this an amount is a typing error, and it keeps every sum exact in 28 digits.
MAX_AMOUNT = Decimal("1000000000000")
UNNAMED_COFINANCER = "co-financeur non nommé"

_TAG_PATTERN = re.compile(r"^[a-z0-9_]+$")


class RuleConfigError(ValueError):
    """A rule's configuration is invalid. `errors` lists every problem found as (field, message),
    the field naming the key, e.g. « size_ranges[0].minimum »; `field` and `message` are the first.
    """

    def __init__(self, message: str, field: str, *, more: Iterable[tuple[str, str]] = ()):
        self.errors: list[tuple[str, str]] = [(field, message), *more]
        self.message = message
        self.field = field
        super().__init__(" ; ".join(f"Règle invalide, champ « {name} » : {text}" for name, text in self.errors))

    @classmethod
    def of(cls, errors: list[tuple[str, str]]) -> RuleConfigError:
        """One error carrying every problem of `errors` (which is not empty)."""
        (field, message), *more = errors
        return cls(message, field, more=more)

    @staticmethod
    @contextmanager
    def within(prefix: str) -> Iterator[None]:
        """Re-raise errors of a nested record with their fields prefixed (« ITN3.rate_percent »)."""
        try:
            yield
        except RuleConfigError as exc:
            raise RuleConfigError.of(
                [(f"{prefix}.{field}" if field else prefix, message) for field, message in exc.errors]
            ) from None


Problems = Iterator[tuple[str, str]]


def _raise_problems(problems: Problems) -> None:
    found = list(problems)
    if found:
        raise RuleConfigError.of(found)


def join_fr(items: Iterable[str], last: str = "et") -> str:
    """« a, b et c » (or « … ou c »)."""
    words = list(items)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def kinds_fr(kinds: frozenset[str], last: str = "ou") -> str:
    """Organisation kinds in French, in the canonical order of ORGANISATION_KINDS."""
    return join_fr((label for kind, label in ORGANISATION_KINDS.items() if kind in kinds), last)


def tag_label(tag: str) -> str:
    """The French wording of a tag; unknown (free) tags are shown as they are."""
    return TAG_LABELS.get(tag, tag)


# --- configuration records -------------------------------------------------------------


def _to_decimal(value: Any, name: str) -> Decimal:
    # Floats are refused: "0.1" in YAML must be written as a string to stay exact.
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise RuleConfigError("un nombre décimal est attendu (écrit entre guillemets s'il a des décimales).", name)
    try:
        return Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise RuleConfigError(f"« {value} » n'est pas un nombre décimal.", name) from None


def _to_strings(value: Any, name: str) -> frozenset[str]:
    if not isinstance(value, (list, tuple, set, frozenset)) or not all(isinstance(v, str) for v in value):
        raise RuleConfigError("une liste de codes est attendue.", name)
    return frozenset(value)


def _to_years(value: Any, name: str) -> frozenset[int]:
    if not isinstance(value, (list, tuple, set, frozenset)) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise RuleConfigError("une liste d'années (nombres entiers) est attendue.", name)
    return frozenset(value)


def _expect(kind: type, label: str) -> Callable[[Any, str], Any]:
    def parse(value: Any, name: str) -> Any:
        if not isinstance(value, kind):
            raise RuleConfigError(f"{label} est attendu.", name)
        return value

    return parse


def _records(record: type[_Record]) -> Callable[[Any, str], tuple[Any, ...]]:
    def parse(value: Any, name: str) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)):
            raise RuleConfigError("une liste est attendue.", name)
        items, errors = [], []
        for index, item in enumerate(value):
            try:
                items.append(record.from_dict(item, prefix=f"{name}[{index}]"))
            except RuleConfigError as exc:
                errors.extend(exc.errors)
        if errors:
            raise RuleConfigError.of(errors)
        return tuple(items)

    return parse


def _optional(parse: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
    return lambda value, name: None if value is None else parse(value, name)


def _dump(value: Any) -> Any:
    """JSON-ready form: decimals as strings, sets as sorted lists, records as dicts."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return [item.to_dict() for item in value]
    return value


class _Record:
    """Shared from_dict / to_dict of the configuration dataclasses, driven by `_PARSERS`."""

    _PARSERS: ClassVar[dict[str, Callable[[Any, str], Any]]]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, prefix: str = "") -> Self:
        """Parse and validate; problems raise one RuleConfigError listing them all, each naming its field.

        Values that cannot be read are reported first, then the checks between the fields that
        could be read (those that could not take their default meanwhile).
        """
        with RuleConfigError.within(prefix) if prefix else nullcontext():
            if not isinstance(data, Mapping):
                raise RuleConfigError("un dictionnaire est attendu.", "")
            errors = [(str(key), "champ inconnu.") for key in data if key not in cls._PARSERS]
            required = [
                spec.name
                for spec in fields(cls)  # type: ignore[arg-type]
                if spec.default is MISSING and spec.default_factory is MISSING
            ]
            errors += [(name, "champ obligatoire manquant.") for name in required if name not in data]
            values = {}
            for key, value in data.items():
                if key in cls._PARSERS:
                    try:
                        values[key] = cls._PARSERS[key](value, key)
                    except RuleConfigError as exc:
                        errors.extend(exc.errors)
            if not errors:
                return cls(**values)
            if all(name in values for name in required):
                unread = {re.split(r"[.\[]", field)[0] for field, _message in errors}
                try:
                    cls(**values)
                except RuleConfigError as exc:
                    errors += [(f, m) for f, m in exc.errors if re.split(r"[.\[]", f)[0] not in unread]
            raise RuleConfigError.of(errors)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict that `from_dict` turns back into an equal record."""
        return {name: _dump(getattr(self, name)) for name in self._PARSERS}


def _amount_problems(value: Decimal | None, name: str) -> Problems:
    if value is not None and not (isinstance(value, Decimal) and value.is_finite() and 0 <= value <= MAX_AMOUNT):
        yield name, f"montant positif ou nul attendu, au plus {format_money(MAX_AMOUNT)} (reçu : {value})."


def _percent_problems(value: Decimal | None, name: str) -> Problems:
    if value is not None and not (isinstance(value, Decimal) and value.is_finite() and 0 <= value <= HUNDRED):
        yield name, f"taux attendu entre 0 et {format_percent(HUNDRED)} (reçu : {value})."


def _code_problems(values: frozenset[str], known: Mapping[str, str], name: str) -> Problems:
    unknown = sorted(v for v in values if v not in known)
    if unknown:
        yield name, f"code(s) inconnu(s) : {', '.join(unknown)} ; codes admis : {', '.join(known)}."


def _tag_problems(values: frozenset[str], name: str) -> Problems:
    bad = sorted(v for v in values if not _TAG_PATTERN.match(v))
    if bad:
        yield name, f"précision(s) mal formée(s) : {', '.join(bad)} (minuscules, chiffres et _)."


@dataclass(frozen=True)
class SizeRange(_Record):
    """Expected project size, measured on the eligible cost (on the total cost, excluded costs
    included, when the rule's `size_on_total_cost` says so).

    It applies when the carrier's kind and the session's kind match its filters (an empty
    filter matches anything); a rule uses the first range that applies.
    """

    minimum: Decimal | None = None
    maximum: Decimal | None = None
    minimum_exclusive: bool = False
    carrier_kinds: frozenset[str] = frozenset()
    session_kinds: frozenset[str] = frozenset()

    _PARSERS: ClassVar[dict[str, Callable[[Any, str], Any]]] = {
        "minimum": _optional(_to_decimal),
        "maximum": _optional(_to_decimal),
        "minimum_exclusive": _expect(bool, "un booléen (true/false)"),
        "carrier_kinds": _to_strings,
        "session_kinds": _to_strings,
    }

    def __post_init__(self) -> None:
        _raise_problems(self._problems())

    def _problems(self) -> Problems:
        yield from _amount_problems(self.minimum, "minimum")
        yield from _amount_problems(self.maximum, "maximum")
        if self.minimum is None and self.maximum is None:
            yield "minimum", "une fourchette de taille doit avoir un minimum ou un maximum."
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            yield "minimum", "le minimum dépasse le maximum."
        yield from _code_problems(self.carrier_kinds, ORGANISATION_KINDS, "carrier_kinds")
        yield from _code_problems(self.session_kinds, SESSION_KINDS, "session_kinds")

    def applies_to(self, carrier_kind: object, session_kind: object) -> bool:
        """Whether this range is the one for this carrier and session (empty filters match all)."""
        return (not self.carrier_kinds or carrier_kind in self.carrier_kinds) and (
            not self.session_kinds or session_kind in self.session_kinds
        )

    def contains(self, amount: Decimal) -> bool:
        """Whether a project of this cost has the expected size."""
        if self.minimum is not None and (amount <= self.minimum if self.minimum_exclusive else amount < self.minimum):
            return False
        return self.maximum is None or amount <= self.maximum

    def describe(self, tax_basis: str) -> str:
        """« de 50 000,00 € à 1 000 000,00 € TTC », « plus de 250 000,00 € TTC », « au plus … »."""
        if self.minimum is None:
            return f"au plus {format_money(self.maximum, tax_basis)}"  # type: ignore[arg-type]
        low = "plus de" if self.minimum_exclusive else "au moins" if self.maximum is None else "de"
        if self.maximum is None:
            return f"{low} {format_money(self.minimum, tax_basis)}"
        return f"{low} {format_money(self.minimum)} à {format_money(self.maximum, tax_basis)}"

    def conditions(self) -> str:
        """« pour les porteurs de type … en session de … », or "" when the range applies to all."""
        parts = []
        if self.carrier_kinds:
            parts.append(f"pour les porteurs de type {kinds_fr(self.carrier_kinds)}")
        if self.session_kinds:
            parts.append(f"en session de type {join_fr((SESSION_KINDS[k] for k in sorted(self.session_kinds)), 'ou')}")
        return " ".join(parts)


@dataclass(frozen=True)
class ManualCheck(_Record):
    """A condition only a person can judge; staff tick it. `carrier_kinds` limits whom it concerns."""

    code: str
    label: str
    carrier_kinds: frozenset[str] = frozenset()

    _PARSERS: ClassVar[dict[str, Callable[[Any, str], Any]]] = {
        "code": _expect(str, "un code (texte)"),
        "label": _expect(str, "un libellé (texte)"),
        "carrier_kinds": _to_strings,
    }

    def __post_init__(self) -> None:
        _raise_problems(self._problems())

    def _problems(self) -> Problems:
        if not re.fullmatch(r"[A-Z0-9_]+", self.code or ""):
            yield "code", f"code en majuscules, chiffres et _ attendu (reçu : « {self.code} »)."
        if not self.label.strip():
            yield "label", "libellé vide."
        yield from _code_problems(self.carrier_kinds, ORGANISATION_KINDS, "carrier_kinds")


@dataclass(frozen=True)
class Rule(_Record):
    """The whole co-financing and eligibility configuration of one theme.

    The programme funds `rate_percent` of the eligible cost (100 % of its first
    `full_funding_up_to` euros when set), within the caps; see `evaluate` for the order.
    """

    tax_basis: str
    rate_percent: Decimal
    rate_is_maximum: bool = False
    full_funding_up_to: Decimal | None = None
    derogation_allowed: bool = False
    derogation_ceiling_percent: Decimal | None = None
    derogation_authority: str = ""
    cap_per_dossier: Decimal | None = None
    cap_per_project: Decimal | None = None
    cap_at_request: bool = False
    eligible_categories: frozenset[str] = frozenset(COST_CATEGORIES)
    eligible_tags: frozenset[str] = frozenset()
    excluded_tags: frozenset[str] = frozenset()
    in_kind_eligible: bool = False
    excluded_in_kind_tags: frozenset[str] = frozenset()
    staff_in_carrier_share_only: bool = False
    counterpart_category: str | None = None
    counterpart_min_percent: Decimal | None = None
    eligible_years: frozenset[int] = frozenset()
    size_ranges: tuple[SizeRange, ...] = ()
    size_on_total_cost: bool = False
    allowed_carrier_kinds: frozenset[str] = frozenset()
    excluded_carrier_kinds: frozenset[str] = frozenset()
    grouping_allowed: bool = False
    manual_checks: tuple[ManualCheck, ...] = ()
    source: str = ""

    _PARSERS: ClassVar[dict[str, Callable[[Any, str], Any]]] = {
        "tax_basis": _expect(str, "« TTC » ou « HT »"),
        "rate_percent": _to_decimal,
        "rate_is_maximum": _expect(bool, "un booléen (true/false)"),
        "full_funding_up_to": _optional(_to_decimal),
        "derogation_allowed": _expect(bool, "un booléen (true/false)"),
        "derogation_ceiling_percent": _optional(_to_decimal),
        "derogation_authority": _expect(str, "un texte"),
        "cap_per_dossier": _optional(_to_decimal),
        "cap_per_project": _optional(_to_decimal),
        "cap_at_request": _expect(bool, "un booléen (true/false)"),
        "eligible_categories": _to_strings,
        "eligible_tags": _to_strings,
        "excluded_tags": _to_strings,
        "in_kind_eligible": _expect(bool, "un booléen (true/false)"),
        "excluded_in_kind_tags": _to_strings,
        "staff_in_carrier_share_only": _expect(bool, "un booléen (true/false)"),
        "counterpart_category": _optional(_expect(str, "un code de catégorie")),
        "counterpart_min_percent": _optional(_to_decimal),
        "eligible_years": _to_years,
        "size_ranges": _records(SizeRange),
        "size_on_total_cost": _expect(bool, "un booléen (true/false)"),
        "allowed_carrier_kinds": _to_strings,
        "excluded_carrier_kinds": _to_strings,
        "grouping_allowed": _expect(bool, "un booléen (true/false)"),
        "manual_checks": _records(ManualCheck),
        "source": _expect(str, "un texte"),
    }

    def __post_init__(self) -> None:
        _raise_problems(self._problems())

    def _problems(self) -> Problems:
        if self.tax_basis not in TAX_BASES:
            yield "tax_basis", f"« TTC » ou « HT » attendu (reçu : « {self.tax_basis} »)."
        yield from _percent_problems(self.rate_percent, "rate_percent")
        yield from _amount_problems(self.full_funding_up_to, "full_funding_up_to")
        yield from self._derogation_problems()
        yield from _amount_problems(self.cap_per_dossier, "cap_per_dossier")
        yield from _amount_problems(self.cap_per_project, "cap_per_project")
        yield from _code_problems(self.eligible_categories, COST_CATEGORIES, "eligible_categories")
        if not self.eligible_categories:
            yield "eligible_categories", "au moins une catégorie de dépense doit être éligible."
        for name in ("eligible_tags", "excluded_tags", "excluded_in_kind_tags"):
            yield from _tag_problems(getattr(self, name), name)
        if self.excluded_in_kind_tags and not self.in_kind_eligible:
            yield "excluded_in_kind_tags", "sans objet si les apports en nature ne sont pas éligibles."
        if self.staff_in_carrier_share_only and "internal_staff" not in self.eligible_categories:
            yield (
                "staff_in_carrier_share_only",
                "le personnel interne doit être une catégorie éligible pour compter dans la part du porteur.",
            )
        if self.counterpart_category is not None:
            yield from _code_problems(frozenset({self.counterpart_category}), COST_CATEGORIES, "counterpart_category")
        elif self.counterpart_min_percent is not None:
            yield "counterpart_min_percent", "un pourcentage de contrepartie exige une catégorie de contrepartie."
        yield from _percent_problems(self.counterpart_min_percent, "counterpart_min_percent")
        bad_years = sorted(y for y in self.eligible_years if not 1900 <= y <= 2100)
        if bad_years:
            yield "eligible_years", f"année(s) invraisemblable(s) : {', '.join(map(str, bad_years))}."
        yield from _code_problems(self.allowed_carrier_kinds, ORGANISATION_KINDS, "allowed_carrier_kinds")
        yield from _code_problems(self.excluded_carrier_kinds, ORGANISATION_KINDS, "excluded_carrier_kinds")
        if self.allowed_carrier_kinds & self.excluded_carrier_kinds:
            yield "excluded_carrier_kinds", "un type de porteur ne peut être à la fois admis et exclu."
        codes = [check.code for check in self.manual_checks]
        if len(codes) != len(set(codes)):
            yield "manual_checks", "deux vérifications manuelles portent le même code."

    def _derogation_problems(self) -> Problems:
        if not self.derogation_allowed:
            if self.derogation_ceiling_percent is not None:
                yield "derogation_ceiling_percent", "sans objet si aucune dérogation n'est prévue."
            if self.derogation_authority:
                yield "derogation_authority", "sans objet si aucune dérogation n'est prévue."
            return
        ceiling_problems = list(_percent_problems(self.derogation_ceiling_percent, "derogation_ceiling_percent"))
        yield from ceiling_problems
        # A rate already reported as out of range says nothing about the ceiling.
        rate_valid = not list(_percent_problems(self.rate_percent, "rate_percent"))
        if not ceiling_problems and rate_valid and self.derogation_ceiling() <= self.rate_percent:
            yield "derogation_ceiling_percent", "le taux maximal de dérogation doit dépasser le taux normal."

    def derogation_ceiling(self) -> Decimal:
        """Highest rate a derogation may grant, in percent (100 when the rule sets no ceiling)."""
        return HUNDRED if self.derogation_ceiling_percent is None else self.derogation_ceiling_percent

    def derogation_decider(self) -> str:
        """Who grants a derogation, as French sentences name it."""
        return self.derogation_authority or "l'instance de décision"

    def size_depends_on_session_kind(self) -> bool:
        """Whether the expected project size differs between kinds of session (ITN5: AAP or guichet)."""
        return any(size.session_kinds for size in self.size_ranges)

    def size_range_for(self, carrier_kind: object, session_kind: object) -> SizeRange | None:
        """The first size range that applies to this carrier and session, if any."""
        return next((r for r in self.size_ranges if r.applies_to(carrier_kind, session_kind)), None)
