"""Pure arithmetic of the grid: weighted totals, thresholds, dispersion, severity, tie-breaks.

No database access here: callers pass `GridItem`s (built once per theme by `grid_spec`) and
score sheets as {criterion code: {"score": "3.5" | None, "na": bool, "comment": str}}.

A criterion's score is normalised to 0..1 on its scale; a criterion with sub-criteria takes the
weighted mean of its applicable sub-criteria. The total is the weighted mean of the applicable
top-level criteria, on 100. "Not applicable" leaves both the numerator and the denominator, so it
never counts as a zero.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError

from portal.fields import parse_decimal

HUNDRED = Decimal("100")
PLACES = Decimal("0.001")


@dataclass(frozen=True)
class GridItem:
    code: str
    label: str
    weight: Decimal
    scale_min: Decimal
    scale_max: Decimal
    step: Decimal
    threshold: Decimal | None = None
    allows_not_applicable: bool = False
    level_descriptions: dict = field(default_factory=dict)
    definition: str = ""
    children: tuple[GridItem, ...] = ()

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def scale_values(self) -> list[Decimal]:
        values, value = [], self.scale_min
        while value <= self.scale_max:
            values.append(value.normalize() if value == value.to_integral() else value)
            value += self.step
        return values


def item_of(criterion) -> GridItem:
    """A `calls.Criterion` (sub-criteria prefetched) as a GridItem."""
    return GridItem(
        code=criterion.code,
        label=criterion.label,
        weight=criterion.weight,
        scale_min=criterion.scale_min,
        scale_max=criterion.scale_max,
        step=criterion.step,
        threshold=criterion.threshold,
        allows_not_applicable=criterion.allows_not_applicable,
        level_descriptions=criterion.level_descriptions or {},
        definition=criterion.definition,
        children=tuple(item_of(sub) for sub in criterion.sub_criteria.all()),
    )


def leaves(grid: list[GridItem]) -> list[GridItem]:
    """The criteria a juror scores: sub-criteria where there are some, else the criterion itself."""
    return [leaf for item in grid for leaf in (item.children or (item,))]


class CriterionResult(NamedTuple):  # a tuple: a ranking builds tens of thousands of them
    code: str
    score: Decimal | None  # on the criterion's own scale; None when not applicable or not scored
    normalised: Decimal | None  # 0..1
    fails: bool


class GridResult(NamedTuple):
    total: Decimal | None  # on 100; None when nothing applicable was scored
    criteria: dict[str, CriterionResult]
    failed: tuple[str, ...]  # codes under their threshold, "_total" for the pass mark

    @property
    def fails(self) -> bool:
        return bool(self.failed)


def to_decimal(value) -> Decimal | None:
    """A stored score as a Decimal; None when empty or unreadable."""
    if value is None or isinstance(value, Decimal):
        return value if value is None or value.is_finite() else None
    if isinstance(value, str | int | float):
        return _stored_decimal(value)
    return None  # a list or an object where a score should be


@functools.lru_cache(maxsize=4096, typed=True)
def _stored_decimal(value) -> Decimal | None:
    # A grid has a handful of distinct scores ("3", "3.5"…): a ranking reads tens of thousands of
    # them, each parsed once here (Decimals are immutable, so sharing them is safe).
    if value == "":
        return None
    try:
        return parse_decimal(value)
    except ValidationError:
        return None


def _round(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def _weighted_mean(pairs: list[tuple[Decimal, Decimal]]) -> Decimal | None:
    weight = sum((w for w, _ in pairs), Decimal("0"))
    if not pairs or weight == 0:
        return None
    return sum((w * n for w, n in pairs), Decimal("0")) / weight


def _result(item: GridItem, normalised: Decimal | None) -> CriterionResult:
    if normalised is None:
        return CriterionResult(item.code, None, None, False)
    score = item.scale_min + normalised * (item.scale_max - item.scale_min)
    fails = item.threshold is not None and score < item.threshold
    return CriterionResult(item.code, _round(score), normalised, fails)


def grid_total(
    grid: list[GridItem], scores: dict, *, pass_mark: Decimal | None = None, memo: dict | None = None
) -> GridResult:
    """Weighted total on 100 and threshold failures of one score sheet (missing scores are skipped).

    `memo`, shared by the caller across the sheets of one grid, keeps each criterion's result per score:
    a ranking grades thousands of sheets whose scores take a few dozen values per criterion."""
    memo = {} if memo is None else memo
    results: dict[str, CriterionResult] = {}
    top: list[tuple[Decimal, Decimal]] = []
    for item in grid:
        if item.children:
            pairs = []
            for child in item.children:
                result = results[child.code] = _leaf_result(child, scores.get(child.code) or {}, memo)
                if result.normalised is not None:
                    pairs.append((child.weight, result.normalised))
            normalised = _weighted_mean(pairs)
            results[item.code] = _result(item, normalised)
        else:
            result = results[item.code] = _leaf_result(item, scores.get(item.code) or {}, memo)
            normalised = result.normalised
        if normalised is not None:
            top.append((item.weight, normalised))
    mean = _weighted_mean(top)
    total = _round(mean * HUNDRED) if mean is not None else None
    failed = [code for code, result in results.items() if result.fails]
    if pass_mark is not None and total is not None and total < pass_mark:
        failed.append("_total")
    return GridResult(total=total, criteria=results, failed=tuple(failed))


def _leaf_result(item: GridItem, entry: dict, memo: dict) -> CriterionResult:
    if entry.get("na") and item.allows_not_applicable:
        return CriterionResult(item.code, None, None, False)
    score = to_decimal(entry.get("score"))
    if score is None or not item.scale_min <= score <= item.scale_max:
        return CriterionResult(item.code, None, None, False)
    key = (item.code, score)  # equal Decimals (3.5, 3.50) give the same result
    if key not in memo:
        memo[key] = _result(item, (score - item.scale_min) / (item.scale_max - item.scale_min))
    return memo[key]


def sheet_errors(grid: list[GridItem], scores: dict, *, complete: bool) -> dict[str, str]:
    """French errors per criterion code: out of scale, off step, N/A not allowed, missing comment.

    With `complete`, every leaf must be scored (or N/A) and commented, as for a submission;
    otherwise only what is filled in is checked (autosave).
    """
    errors = {}
    for item in leaves(grid):
        entry = scores.get(item.code) or {}
        raw = entry.get("score")
        comment = (entry.get("comment") or "").strip()
        if entry.get("na"):
            if not item.allows_not_applicable:
                errors[item.code] = "« Sans objet » n'est pas permis pour ce critère."
            elif complete and not comment:
                errors[item.code] = "Justifiez « sans objet » par un commentaire."
            continue
        if raw in (None, ""):
            if complete:
                errors[item.code] = "Notez ce critère."
            continue
        try:
            score = parse_decimal(raw)
        except ValidationError as error:  # foreign digits, NaN, an overlong number: said in French, never compared
            errors[item.code] = " ".join(error.messages)
            continue
        if not item.scale_min <= score <= item.scale_max:
            errors[item.code] = f"La note doit être comprise entre {plain(item.scale_min)} et {plain(item.scale_max)}."
        elif (score - item.scale_min) % item.step != 0:
            errors[item.code] = f"La note doit suivre un pas de {plain(item.step)}."
        elif complete and not comment:
            errors[item.code] = "Un commentaire est obligatoire."
    return errors


def clean_sheet(grid: list[GridItem], scores: dict) -> dict:
    """Keep only the grid's leaves, with normalised string values (what is stored)."""
    cleaned = {}
    for item in leaves(grid):
        entry = scores.get(item.code) or {}
        score = to_decimal(entry.get("score"))
        cleaned[item.code] = {
            "score": None if entry.get("na") or score is None else plain(score),
            "na": bool(entry.get("na")),
            "comment": (entry.get("comment") or "").strip(),
        }
    return cleaned


def plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f").rstrip("0")


@dataclass(frozen=True)
class Dispersion:
    count: int
    mean: Decimal | None
    std_dev: Decimal | None
    spread: Decimal | None  # max - min
    divergent: bool


def dispersion(values: list[Decimal], *, threshold: Decimal | None = None) -> Dispersion:
    """Population standard deviation and max–min spread; divergent when spread > threshold."""
    values = [v for v in values if v is not None]
    if not values:
        return Dispersion(0, None, None, None, False)
    mean = sum(values, Decimal("0")) / len(values)
    variance = sum(((v - mean) ** 2 for v in values), Decimal("0")) / len(values)
    spread = max(values) - min(values)
    std_dev = Decimal(str(math.sqrt(float(variance))))
    return Dispersion(
        len(values), _round(mean), _round(std_dev), _round(spread), threshold is not None and spread > threshold
    )


def severity(totals_by_dossier: dict[int, dict[int, Decimal]]) -> dict[int, Decimal]:
    """Each juror's mean offset from the other jurors on the same dossiers ({dossier: {juror: total}}).

    Negative means harsher than the others. A dossier scored by one juror alone says nothing.
    """
    offsets: dict[int, list[Decimal]] = {}
    for totals in totals_by_dossier.values():
        scored = {juror: t for juror, t in totals.items() if t is not None}
        if len(scored) < 2:
            continue
        for juror, total in scored.items():
            others = [t for j, t in scored.items() if j != juror]
            offsets.setdefault(juror, []).append(total - sum(others, Decimal("0")) / len(others))
    return {juror: _round(sum(values, Decimal("0")) / len(values)) for juror, values in offsets.items()}


def ranking_key(total: Decimal | None, criteria: dict[str, CriterionResult], tie_break: list[str], reference: str):
    """Sort key: best total first, then the tie-break criteria in order (best first), then reference."""

    def neg(value):
        return -value if value is not None else Decimal("Infinity")

    return (neg(total), *(neg(criteria[c].normalised if c in criteria else None) for c in tie_break), reference)


def mean_sheet(sums: list[tuple[Decimal | None, int]], grid_leaves: list[GridItem]) -> dict:
    """The mean of several score sheets, leaf by leaf, as a sheet for `grid_total`: `sums[i]` is the sum and
    the number of the scores given to `grid_leaves[i]` (N/A and blanks left out); N/A where none was."""
    mean = {}
    for item, (total, count) in zip(grid_leaves, sums, strict=True):
        if count:
            mean[item.code] = {"score": total / count, "na": False}
        else:
            mean[item.code] = {"score": None, "na": item.allows_not_applicable}
    return mean
