"""Two runs of `make bench` side by side: is each page's cost flat as the data grows?

    uv run python -m bench.compare bench/results/<10 000>.json bench/results/<100 000>.json

For every page measured in both runs and each concurrency: p95 in the first run, p95 in the second,
their ratio against the issue's bound (p95 at 100 000 ≤ 1.25 × p95 at 10 000, met / not met), the same
ratio once each p95 is divided by its own run's DSFR floor (the machine's speed of the moment taken
out), and the SQL queries per page. Prints a Markdown table to paste into docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.run import CLIENTS, FLOOR

BOUND = 1.25


def _p95(run: dict, page: str, clients: int) -> float | None:
    row = run.get("latency", {}).get(page, {}).get(str(clients)) or {}
    return row.get("p95")


def rows(first: dict, second: dict) -> list[dict]:
    """One row per page and concurrency present in both runs (the floors included, unjudged)."""
    result = []
    for page in first.get("latency", {}):
        if page not in second.get("latency", {}):
            continue
        for clients in CLIENTS:
            before, after = _p95(first, page, clients), _p95(second, page, clients)
            floor_before, floor_after = _p95(first, FLOOR, clients), _p95(second, FLOOR, clients)
            ratio = after / before if before and after else None
            normalised = (
                (after / floor_after) / (before / floor_before)
                if ratio is not None and floor_before and floor_after
                else None
            )
            judged = page != FLOOR and not page.startswith("vue nue")
            result.append(
                {
                    "page": page,
                    "clients": clients,
                    "before_ms": before * 1000 if before else None,
                    "after_ms": after * 1000 if after else None,
                    "ratio": ratio,
                    "normalised": normalised,
                    "met": (ratio <= BOUND if ratio is not None else False) if judged else None,
                    "queries": (
                        first.get("queries", {}).get(page, {}).get("all_rows"),
                        second.get("queries", {}).get(page, {}).get("all_rows"),
                    ),
                }
            )
    return result


def _number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def table(first: dict, second: dict) -> str:
    a, b = f"{first.get('scale', '?'):,}".replace(",", "\u202f"), f"{second.get('scale', '?'):,}".replace(",", "\u202f")
    lines = [
        f"| page | clients | p95 à {a} | p95 à {b} | ratio | ratio rapporté à la page nue | objectif "
        f"| atteint | requêtes SQL ({a} → {b}) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows(first, second):
        met = {True: "oui", False: "**non**", None: "—"}[row["met"]]
        before_queries, after_queries = row["queries"]
        queries = "—" if before_queries is None else f"{before_queries} → {after_queries}"
        lines.append(
            f"| {row['page']} | {row['clients']} | {_number(row['before_ms'])} ms | {_number(row['after_ms'])} ms "
            f"| {_number(row['ratio'], 2)} | {_number(row['normalised'], 2)} "
            f"| {'≤ 1,25' if row['met'] is not None else '—'} | {met} | {queries} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path, help="résultats de la petite échelle (10 000)")
    parser.add_argument("second", type=Path, help="résultats de la grande échelle (100 000)")
    args = parser.parse_args(argv)
    first, second = (json.loads(path.read_text()) for path in (args.first, args.second))
    print(f"{args.first.name} ({first.get('scale')} dossiers) → {args.second.name} ({second.get('scale')} dossiers)\n")
    print(table(first, second))


if __name__ == "__main__":
    main()
