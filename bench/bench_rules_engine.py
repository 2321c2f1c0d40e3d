"""Time calls.rules.evaluate on every rule of rules.yaml with budgets of 10, 100 and 1000 lines.

Run from the repository root: `uv run python bench/bench_rules_engine.py [--repeat 7]`.
The engine is pure Python, so Django is not set up. Prints, per rule and budget size, the
evaluations per second and the median time of one evaluation in microseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import timeit
from decimal import Decimal
from pathlib import Path

# Run as a script, bench/ is on sys.path but the repository root is not.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from calls.rules import COST_CATEGORIES, CostLine, Rule, evaluate, load_rules

SIZES = (10, 100, 1000)
SOURCES = ("carrier", "programme", "carrier", "cofinancer", "in_kind")
CATEGORIES = tuple(COST_CATEGORIES)


def budget(rule: Rule, size: int) -> list[CostLine]:
    """A varied, deterministic budget: every category and source, in and out of the eligible years."""
    years = sorted(rule.eligible_years) or [2021, 2022]
    tags = sorted(rule.eligible_tags | rule.excluded_tags) or [""]
    return [
        CostLine(
            label=f"Ligne {i}",
            amount=Decimal(1000 + (i * 7919) % 50000) + Decimal(i % 100) / 100,
            category=CATEGORIES[i % len(CATEGORIES)],
            year=years[i % len(years)] if i % 17 else 2019,
            source=SOURCES[i % len(SOURCES)],
            cofinancer_name=f"Co-financeur {i % 3}" if SOURCES[i % len(SOURCES)] == "cofinancer" else "",
            in_kind=i % 11 == 0,
            tags=frozenset(filter(None, [tags[i % len(tags)]])),
        )
        for i in range(size)
    ]


def carrier_for(rule: Rule) -> str:
    return min(rule.allowed_carrier_kinds) if rule.allowed_carrier_kinds else "ministere"


def measure(rule: Rule, size: int, repeat: int) -> float:
    """Median µs of one evaluation over `repeat` timeit runs."""
    lines = budget(rule, size)
    kind = carrier_for(rule)
    timer = timeit.Timer(lambda: evaluate(rule=rule, lines=lines, carrier_kind=kind))
    number, _ = timer.autorange()  # calls per run so that one run lasts at least 0.2 s
    per_call = [total / number for total in timer.repeat(repeat=repeat, number=number)]
    return statistics.median(per_call) * 1e6


def cells(median_us: float) -> str:
    """« evaluations per second » and « median µs » columns, digits grouped the French way."""
    return f"{1e6 / median_us:>22,.0f}{median_us:>12,.1f}".replace(",", "\u202f")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timeit runs per measurement (median taken)")
    parser.add_argument("--rules", nargs="*", help="theme codes to time (default: all of rules.yaml)")
    args = parser.parse_args()
    rules = load_rules()
    codes = args.rules or list(rules)
    print(f"{'règle':<8}" + "".join(f"{f'{n} lignes : éval/s':>22}{'médiane µs':>12}" for n in SIZES))
    totals: dict[int, list[float]] = {n: [] for n in SIZES}
    for code in codes:
        row = f"{code:<8}"
        for size in SIZES:
            median_us = measure(rules[code], size, args.repeat)
            totals[size].append(median_us)
            row += cells(median_us)
        print(row, flush=True)
    print(f"{'médiane':<8}" + "".join(cells(statistics.median(totals[size])) for size in SIZES))


if __name__ == "__main__":
    main()
