"""Export resources of the juries (django-import-export), with French headers.

- `EvaluationResource`: one row per score sheet, with a score and a comment column for each
  criterion the jurors score (sub-criteria where there are some), in grid order, read from
  the jury's grid: the columns follow the theme's criteria.
- `RankingResource`: the rows of `juries.selectors.ranking`, consensus or jurors' mean.

Money stays Decimal (French money format in XLSX, see `portal.exports.xlsx_bytes`);
scores are floats so that they are not shown as euros; dates are naive Paris time (spreadsheets
hold no time zone). Text typed by applicants and jurors is neutralised by the writer
(`portal.exports.inert_cell`), like every cell of every export.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from import_export import fields, resources

from applications.models import Dossier
from juries import scoring, selectors
from juries.models import Evaluation, Jury, JuryMember
from portal.exports import french_cell, spreadsheet_datetime


@dataclass(frozen=True)
class SheetRow:
    """A dossier as one juror scored it (`evaluation` None while the sheet is not started or may not be read)."""

    dossier: Dossier
    member: JuryMember
    evaluation: Evaluation | None
    status: str = "transmise"


# What a score sheet never shows of its dossier: leaving the answers and texts in the database makes
# each row several times lighter to read (measured on a jury of 1 000 dossiers × 3 jurors).
SHEET_DEFERRED = (
    "assignment__dossier__answers",
    "assignment__dossier__summary",
    "assignment__dossier__planned_milestones",
    "assignment__dossier__section_versions",
)


def submitted_sheets(jury: Jury) -> list[SheetRow]:
    """Every submitted sheet of the jury, a conflicted juror's left out (their scores count nowhere)."""
    evaluations = (
        Evaluation.objects.filter(assignment__member__jury=jury, submitted_at__isnull=False)
        .select_related("assignment__dossier__organisation", "assignment__member__user")
        .defer(*SHEET_DEFERRED)
        .order_by("assignment__dossier__reference", "assignment__member_id")
    )
    conflicts = selectors.conflict_map(jury)
    return [
        SheetRow(e.assignment.dossier, e.assignment.member, e)
        for e in evaluations
        if not conflicts.is_blocked(e.assignment.member_id, e.assignment.dossier_id)
    ]


def own_sheets(member: JuryMember) -> list[SheetRow]:
    """The member's queue (never a dossier they have a conflict on), their sheet where they may read it."""
    return [
        SheetRow(
            row.dossier, member, getattr(row.assignment, "evaluation", None) if row.declared else None, row.own_status
        )
        for row in selectors.juror_queue(member)
    ]


def _number(value):
    return float(value) if value is not None else None


class EvaluationResource(resources.Resource):
    reference = fields.Field(column_name="Dossier")
    acronym = fields.Field(column_name="Acronyme")
    carrier = fields.Field(column_name="Porteur")
    juror = fields.Field(column_name="Juré·e")
    status = fields.Field(column_name="Mon évaluation")
    total = fields.Field(column_name="Note pondérée (sur 100)")
    opinion = fields.Field(column_name="Avis motivé")
    recommendation = fields.Field(column_name="Recommandation")
    submitted_at = fields.Field(column_name="Transmise le")

    def __init__(self, grid: list[scoring.GridItem], *, own: bool = False):
        """`grid` from `selectors.grid_spec`; `own`: the juror's export (their status instead of their name)."""
        super().__init__()
        declared = self.fields
        criteria = {}
        for leaf in scoring.leaves(grid):
            criteria[f"score_{leaf.code}"] = fields.Field(
                column_name=f"{leaf.code} {leaf.label} — note", dehydrate_method=partial(self._score, leaf.code)
            )
            criteria[f"comment_{leaf.code}"] = fields.Field(
                column_name=f"{leaf.code} {leaf.label} — commentaire",
                dehydrate_method=partial(self._comment, leaf.code),
            )
        head = ("reference", "acronym", "carrier", "status" if own else "juror")
        tail = ("total", "opinion", "recommendation", "submitted_at")
        self.fields = {**{name: declared[name] for name in head}, **criteria, **{name: declared[name] for name in tail}}

    @staticmethod
    def _cell(row: SheetRow, code: str) -> dict:
        return (row.evaluation.scores or {}).get(code) or {} if row.evaluation else {}

    def _score(self, code: str, row: SheetRow):
        cell = self._cell(row, code)
        if cell.get("na"):
            return "non applicable"
        return _number(cell["score"]) if cell.get("score") not in (None, "") else None

    def _comment(self, code: str, row: SheetRow):
        return self._cell(row, code).get("comment") or ""

    def dehydrate_reference(self, row: SheetRow):
        return row.dossier.reference

    def dehydrate_acronym(self, row: SheetRow):
        return row.dossier.acronym

    def dehydrate_carrier(self, row: SheetRow):
        return row.dossier.organisation.name

    def dehydrate_juror(self, row: SheetRow):
        return str(row.member.user)

    def dehydrate_status(self, row: SheetRow):
        return row.status

    def dehydrate_total(self, row: SheetRow):
        return _number(row.evaluation.total) if row.evaluation else None

    def dehydrate_opinion(self, row: SheetRow):
        return row.evaluation.opinion if row.evaluation else ""

    def dehydrate_recommendation(self, row: SheetRow):
        return row.evaluation.get_recommendation_display() if row.evaluation else ""

    def dehydrate_submitted_at(self, row: SheetRow):
        return spreadsheet_datetime(row.evaluation.submitted_at) if row.evaluation else None


class RankingResource(resources.Resource):
    rank = fields.Field(column_name="Rang")
    reference = fields.Field(column_name="Dossier")
    acronym = fields.Field(column_name="Acronyme")
    carrier = fields.Field(column_name="Porteur")
    total = fields.Field(column_name="Note (sur 100)")
    source = fields.Field(column_name="Source")
    evaluations = fields.Field(column_name="Évaluations")
    std_dev = fields.Field(column_name="Écart-type")
    spread = fields.Field(column_name="Écart max-min")
    fails = fields.Field(column_name="Sous un seuil")
    consensus_recommendation = fields.Field(column_name="Recommandation du consensus")
    consensus_opinion = fields.Field(column_name="Avis de consensus")
    requested = fields.Field(column_name="Montant demandé")
    max_amount = fields.Field(column_name="Montant maximal")
    cumulative = fields.Field(column_name="Cumul")
    abstentions = fields.Field(column_name="Abstentions")
    decision = fields.Field(column_name="Décision")
    granted = fields.Field(column_name="Montant accordé")

    def dehydrate_rank(self, row: selectors.RankingRow):
        return row.rank

    def dehydrate_reference(self, row: selectors.RankingRow):
        return row.dossier.reference

    def dehydrate_acronym(self, row: selectors.RankingRow):
        return row.dossier.acronym

    def dehydrate_carrier(self, row: selectors.RankingRow):
        return row.dossier.organisation.name

    def dehydrate_total(self, row: selectors.RankingRow):
        return _number(row.total)

    def dehydrate_source(self, row: selectors.RankingRow):
        return row.source

    def dehydrate_evaluations(self, row: selectors.RankingRow):
        return row.evaluations

    def dehydrate_std_dev(self, row: selectors.RankingRow):
        return _number(row.dispersion.std_dev)

    def dehydrate_spread(self, row: selectors.RankingRow):
        return _number(row.dispersion.spread)

    def dehydrate_fails(self, row: selectors.RankingRow):
        return french_cell(row.fails)

    def dehydrate_consensus_recommendation(self, row: selectors.RankingRow):
        return row.consensus.get_recommendation_display() if row.consensus else ""

    def dehydrate_consensus_opinion(self, row: selectors.RankingRow):
        return row.consensus.opinion if row.consensus else ""

    def dehydrate_requested(self, row: selectors.RankingRow):
        return row.entry.requested_amount

    def dehydrate_max_amount(self, row: selectors.RankingRow):
        return row.entry.max_amount

    def dehydrate_cumulative(self, row: selectors.RankingRow):
        return row.cumulative

    def dehydrate_abstentions(self, row: selectors.RankingRow):
        return ", ".join(str(member) for member in row.abstentions)

    def dehydrate_decision(self, row: selectors.RankingRow):
        return row.decision.get_kind_display() if row.decision else ""

    def dehydrate_granted(self, row: selectors.RankingRow):
        return row.decision.granted_amount if row.decision else None
