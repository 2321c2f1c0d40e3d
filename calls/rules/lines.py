"""How the engine reads a dossier's budget lines: each one readable or ignored (and why), and
in the eligible cost or excluded from it (and why), with the violations the line itself causes.

Pure Python (no Django import). Nothing here raises on budget data: a bad value becomes a
`Violation` with a French message naming the line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from .config import (
    COST_CATEGORIES,
    FUNDING_SOURCES,
    MAX_AMOUNT,
    UNNAMED_COFINANCER,
    Rule,
    join_fr,
    tag_label,
)
from .money import HUNDRED, cents, format_money, format_percent


@dataclass(frozen=True)
class CostLine:
    """One budget line as entered in a dossier; nothing is checked here (see `evaluate`).

    `source` is who pays it ("programme", "carrier", "cofinancer" with `cofinancer_name`,
    or "in_kind"); `in_kind` marks a valued contribution rather than a cash expense.
    """

    label: str
    amount: Decimal
    category: str
    year: int | None = None
    phase: str | None = None
    source: str = "carrier"
    cofinancer_name: str = ""
    in_kind: bool = False
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Violation:
    """A reason the budget or the dossier breaks the rule; `line_index` is 0-based."""

    code: str
    message_fr: str
    line_index: int | None = None
    amounts: dict[str, Decimal] = field(default_factory=dict)


class Invalid(NamedTuple):
    code: str
    reason: str


def read_amount(value: object) -> Decimal | Invalid:
    """A user-entered amount in euros, rounded to the cent, or why it cannot be one."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        return Invalid("invalid_amount", f"montant illisible ({show(value)})")
    amount = Decimal(value)
    if not amount.is_finite():
        return Invalid("invalid_amount", f"montant non fini ({amount})")
    if amount < -MAX_AMOUNT:
        # Too large to round to the cent in the engine's context: say so without formatting it.
        return Invalid("negative_amount", "montant négatif")
    if amount < 0:
        return Invalid("negative_amount", f"montant négatif ({format_money(amount)})")
    if amount > MAX_AMOUNT:
        return Invalid("invalid_amount", f"montant invraisemblable (plus de {format_money(MAX_AMOUNT)})")
    return cents(amount).copy_abs()  # copy_abs turns a rounded -0.00 into 0.00


def read_percent(value: object) -> Decimal | Invalid:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        return Invalid("invalid_rate", f"taux illisible ({show(value)})")
    rate = Decimal(value)
    if not (rate.is_finite() and 0 <= rate <= HUNDRED):
        return Invalid("invalid_rate", f"taux hors de 0 à {format_percent(HUNDRED)} ({rate})")
    return rate


def show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:39]}…"


def line_numbers(indexes: Iterable[int]) -> str:
    """« ligne 2 », « lignes 1 à 3 et 5 » (1-based, as people count)."""
    numbers = sorted(i + 1 for i in indexes)
    if not numbers:
        return "aucune ligne"
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts: list[str] = []
    for run in runs:
        # « 1 et 2 » reads better than « 1 à 2 ».
        parts.extend([f"{run[0]} à {run[-1]}"] if len(run) > 2 else map(str, run))
    return f"{'ligne' if len(numbers) == 1 else 'lignes'} {join_fr(parts)}"


def line_name(index: int, label: object) -> str:
    if not isinstance(label, str) or not label.strip():
        return f"la ligne {index + 1}"
    text = label.strip()
    return f"la ligne {index + 1} « {text if len(text) <= 60 else text[:59] + '…'} »"


def years_fr(years: frozenset[int]) -> str:
    return join_fr(str(y) for y in sorted(years))


@dataclass(frozen=True)
class Line:
    """A readable budget line: in the total cost; in the eligible cost unless `exclusion`."""

    index: int
    name: str  # « la ligne 4 « Licence X » »
    amount: Decimal
    category: str
    source: str
    payer: str | None  # a cofinancer's name, None for the carrier
    in_kind: bool
    exclusion: str | None
    counterpart_only: bool  # eligible, but in the carrier's (or cofinancer's) share only


class _Reading(NamedTuple):
    line: Line | None
    violations: list[Violation]
    ignored_because: str | None


def read_line(rule: Rule, index: int, raw: object) -> _Reading:
    """Check one line; unreadable lines are ignored, the others kept with their eligibility."""
    if not isinstance(raw, CostLine):
        reason = "ligne de budget illisible"
        return _Reading(None, [Violation("unreadable_line", f"Ligne {index + 1} : {reason}.", index)], reason)
    name = line_name(index, raw.label)
    subject = name[0].upper() + name[1:]

    def ignored(code: str, reason: str) -> _Reading:
        return _Reading(None, [Violation(code, f"{subject} : {reason}.", index)], reason)

    amount = read_amount(raw.amount)
    if isinstance(amount, Invalid):
        return ignored(amount.code, amount.reason)
    if not isinstance(raw.category, str) or raw.category not in COST_CATEGORIES:
        return ignored("unknown_category", f"catégorie inconnue ({show(raw.category)})")
    if not isinstance(raw.source, str) or raw.source not in FUNDING_SOURCES:
        return ignored("unknown_source", f"financement inconnu ({show(raw.source)})")
    if not isinstance(raw.in_kind, bool):
        return ignored("invalid_line", f"indication « apport en nature » illisible ({show(raw.in_kind)})")
    if not isinstance(raw.tags, (frozenset, set, list, tuple)) or not all(isinstance(t, str) for t in raw.tags):
        return ignored("invalid_line", f"précisions illisibles ({show(raw.tags)})")
    if raw.year is not None and (isinstance(raw.year, bool) or not isinstance(raw.year, int)):
        return ignored("invalid_year", f"année illisible ({show(raw.year)})")

    violations: list[Violation] = []

    def flag(code: str, message: str) -> None:
        violations.append(Violation(code, f"{subject} : {message}.", index, {"montant": amount}))

    in_kind = raw.in_kind or raw.source == "in_kind"
    payer = None
    if raw.source == "cofinancer" or (raw.source == "in_kind" and raw.cofinancer_name):
        payer = raw.cofinancer_name.strip() if isinstance(raw.cofinancer_name, str) else ""
        if not payer:
            flag("unnamed_cofinancer", "le co-financeur n'est pas nommé")
            payer = UNNAMED_COFINANCER
    if in_kind and raw.source == "programme":
        flag(
            "in_kind_from_programme",
            "un apport en nature ne peut pas être financé par le programme ; il est compté dans la part du porteur",
        )

    exclusion = None
    if rule.eligible_years and raw.year is None:
        exclusion = "année non renseignée"
        flag(
            "year_missing",
            f"année non renseignée, or seules les dépenses de {years_fr(rule.eligible_years)} sont prises en compte",
        )
    elif rule.eligible_years and raw.year not in rule.eligible_years:
        exclusion = f"dépense de {raw.year}, hors de la période éligible"
        flag(
            "year_outside_period",
            f"dépense datée de {raw.year}, hors de la période éligible ({years_fr(rule.eligible_years)})",
        )
    else:
        exclusion = _exclusion(rule, raw.category, frozenset(raw.tags), in_kind)
    counterpart_only = in_kind or (raw.category == "internal_staff" and rule.staff_in_carrier_share_only)
    line = Line(index, name, amount, raw.category, raw.source, payer, in_kind, exclusion, counterpart_only)
    return _Reading(line, violations, None)


def _exclusion(rule: Rule, category: str, tags: frozenset[str], in_kind: bool) -> str | None:
    """Why a readable, well-dated line stays out of the eligible cost, or None if it counts."""
    if category not in rule.eligible_categories:
        return f"catégorie non éligible ({COST_CATEGORIES[category]})"
    if excluded := sorted(tags & rule.excluded_tags):
        return tag_label(excluded[0])
    if in_kind and not rule.in_kind_eligible:
        return "apport en nature non valorisé pour ce thème"
    if in_kind and (excluded := sorted(tags & rule.excluded_in_kind_tags)):
        return f"apport en nature exclu ({tag_label(excluded[0])})"
    if rule.eligible_tags and not tags & rule.eligible_tags:
        return f"hors des dépenses éligibles ({join_fr((tag_label(t) for t in sorted(rule.eligible_tags)), 'ou')})"
    return None
