"""The RGAA 4.1 audit of the portal, read from its grid, and the conformity it gives.

The grid (portal/data/rgaa_audit.yaml) records, for each page of the sample and each of the
106 criteria, « C » (conforme), « NC » (non conforme) or « NA » (non applicable), with notes.
The accessibility statement and the footer's mention are computed here from the grid, never
written by hand, so that they cannot drift from the audit (docs/accessibility/audit.md).

The rules are RGAA's (« Évaluation de la conformité », accessibilite.numerique.gouv.fr):
- a criterion is applicable when it applies to one page of the sample at least, and it is
  respected when it is respected on every page where it applies;
- the conformity rate is the number of criteria respected over the number of applicable ones;
- a page's rate counts a criterion as failed when it fails on any page of the same process;
  the average rate is the mean of the pages' rates;
- the mention is « totalement conforme » at 100 %, « partiellement conforme » from 50 %,
  « non conforme » below.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from functools import cache
from pathlib import Path

import yaml

GRID_PATH = Path(__file__).resolve().parent / "data" / "rgaa_audit.yaml"
CRITERIA_COUNT = 106  # RGAA 4.1: 13 themes, 106 criteria
CONFORM, NOT_CONFORM, NOT_APPLICABLE = "C", "NC", "NA"
RESULTS = (CONFORM, NOT_CONFORM, NOT_APPLICABLE)
LEVELS = {
    "total": "totalement conforme",
    "partial": "partiellement conforme",
    "none": "non conforme",
}


class GridError(ValueError):
    """The grid is incomplete or contradicts itself: the statement cannot be computed from it."""


@dataclass(frozen=True)
class Page:
    key: str
    title: str
    url: str
    roles: tuple[str, ...]
    view: str
    kwargs: dict = field(default_factory=dict)
    process: str = ""


@dataclass(frozen=True)
class Result:
    status: str
    note: str = ""


@dataclass(frozen=True)
class Criterion:
    number: str
    theme: str
    title: str
    results: dict  # page key → Result
    note: str = ""
    axe_rules: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        """C when respected on every page where it applies, NC when failed on one, NA when it applies nowhere."""
        statuses = {result.status for result in self.results.values()}
        if NOT_CONFORM in statuses:
            return NOT_CONFORM
        if CONFORM in statuses:
            return CONFORM
        return NOT_APPLICABLE

    @property
    def failed_pages(self) -> list[str]:
        return [key for key, result in self.results.items() if result.status == NOT_CONFORM]


def _percent(numerator: int, denominator: int) -> Decimal:
    """A rate in percent, cut (never rounded up) to one decimal: 99.96 % must not read « 100 % »."""
    if not denominator:
        return Decimal("0.0")
    return (Decimal(100 * numerator) / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def french_percent(rate: Decimal) -> str:
    """« 98,3 % », as the statement and docs/accessibility/audit.md write a rate."""
    return f"{rate}".replace(".", ",") + " %"


@dataclass(frozen=True)
class Audit:
    referential: str
    audited_on: datetime.date
    auditor: str
    method: str
    tools: tuple[str, ...]
    environment: tuple[str, ...]
    technologies: tuple[str, ...]
    derogations: tuple[dict, ...]
    exempted: tuple[str, ...]
    pages: dict  # key → Page, in the grid's order
    criteria: tuple[Criterion, ...]

    @property
    def applicable(self) -> list[Criterion]:
        return [criterion for criterion in self.criteria if criterion.status != NOT_APPLICABLE]

    @property
    def respected(self) -> list[Criterion]:
        return [criterion for criterion in self.criteria if criterion.status == CONFORM]

    @property
    def not_respected(self) -> list[Criterion]:
        return [criterion for criterion in self.criteria if criterion.status == NOT_CONFORM]

    @property
    def rate(self) -> Decimal:
        """RGAA's conformity rate: criteria respected over criteria applicable, in percent."""
        return _percent(len(self.respected), len(self.applicable))

    @property
    def level(self) -> str:
        """The mention the footer and the statement show, from the exact fraction (not the rounded rate)."""
        respected, applicable = len(self.respected), len(self.applicable)
        if applicable and respected == applicable:
            return LEVELS["total"]
        if applicable and 2 * respected >= applicable:
            return LEVELS["partial"]
        return LEVELS["none"]

    def non_conformities(self) -> list[dict]:
        """Each failed criterion with its failures: one entry per distinct note, with the pages it concerns."""
        listed = []
        for criterion in self.not_respected:
            notes: dict[str, list[str]] = {}
            for key in criterion.failed_pages:
                notes.setdefault(criterion.results[key].note, []).append(self.pages[key].title)
            listed.append({"criterion": criterion, "failures": [{"note": n, "pages": p} for n, p in notes.items()]})
        return listed

    def page_rate(self, key: str) -> Decimal:
        """A page's rate; within a process, a criterion failed on one of its pages fails on all of them."""
        page = self.pages[key]
        siblings = [other.key for other in self.pages.values() if page.process and other.process == page.process]
        respected = applicable = 0
        for criterion in self.criteria:
            status = criterion.results[key].status
            if status == NOT_APPLICABLE:
                continue
            applicable += 1
            if status == CONFORM and not any(criterion.results[other].status == NOT_CONFORM for other in siblings):
                respected += 1
        return _percent(respected, applicable)

    @property
    def average_rate(self) -> Decimal:
        """The mean of the pages' rates (RGAA's « taux moyen »), cut to one decimal."""
        rates = [self.page_rate(key) for key in self.pages]
        return (sum(rates, Decimal(0)) / len(rates)).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def _result(value, where: str) -> Result:
    if isinstance(value, dict):
        status, note = value.get("result"), str(value.get("note", "")).strip()
    else:
        status, note = value, ""
    if status not in RESULTS:
        raise GridError(f"{where} : résultat « {status} » inconnu (C, NC ou NA).")
    if status == NOT_CONFORM and not note:
        raise GridError(f"{where} : une non-conformité doit dire pourquoi (note).")
    return Result(status, note)


def parse(data: dict) -> Audit:
    """Build the audit from the grid's data; every criterion gets a result on every page of the sample."""
    pages = {}
    for key, page in data["pages"].items():
        pages[key] = Page(
            key=key,
            title=page["title"],
            url=page["url"],
            roles=tuple(page["roles"]),
            view=page["view"],
            kwargs=page.get("kwargs") or {},
            process=page.get("process", ""),
        )
    criteria = []
    for theme in data["themes"]:
        for number, entry in theme["criteria"].items():
            where = f"critère {number}"
            default = entry.get("default")
            listed = entry.get("pages") or {}
            unknown = set(listed) - set(pages)
            if unknown:
                raise GridError(f"{where} : pages inconnues {sorted(unknown)}.")
            results = {}
            for key in pages:
                if key in listed:
                    results[key] = _result(listed[key], f"{where}, page {key}")
                elif default is not None:
                    results[key] = _result(default, f"{where}, page {key}")
                else:
                    raise GridError(f"{where} : aucun résultat pour la page {key}.")
            criteria.append(
                Criterion(
                    number=str(number),
                    theme=theme["title"],
                    title=entry["title"],
                    results=results,
                    note=str(entry.get("note", "")).strip(),
                    axe_rules=tuple(entry.get("axe") or ()),
                )
            )
    numbers = [criterion.number for criterion in criteria]
    if len(numbers) != CRITERIA_COUNT or len(set(numbers)) != CRITERIA_COUNT:
        raise GridError(f"La grille doit compter les {CRITERIA_COUNT} critères du RGAA 4.1, une fois chacun.")
    return Audit(
        referential=data["referential"],
        audited_on=data["audited_on"],
        auditor=data["auditor"],
        method=data["method"].strip(),
        tools=tuple(data["tools"]),
        environment=tuple(data["environment"]),
        technologies=tuple(data["technologies"]),
        derogations=tuple(data.get("derogations") or ()),
        exempted=tuple(data.get("exempted") or ()),
        pages=pages,
        criteria=tuple(criteria),
    )


@cache
def current_audit() -> Audit:
    """The audit in the grid shipped with the code (read once per process)."""
    with GRID_PATH.open(encoding="utf-8") as grid:
        return parse(yaml.safe_load(grid))
