"""Reads of the scores: the juror's queue, other sheets once one's own is in, dispersion, severity, ranking."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from applications.models import Dossier
from applications.workflow import DossierState
from juries import scoring
from juries.models import Assignment, Consensus, Decision, Evaluation, Jury, JuryDossier, JuryMember
from juries.selectors.conflicts import ConflictMap, conflict_map
from juries.selectors.scope import envelope_of, grid_spec, tie_break_of

# The dossier's form answers (JSON): no list of the jury shows them, and decoding them for a
# thousand dossiers was most of the ranking's time.
UNREAD_DOSSIER_FIELDS = ("dossier__answers", "dossier__section_versions")

# Juror queue -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    dossier: Dossier
    assignment: Assignment | None
    declared: bool
    submitted: int  # evaluations submitted on this dossier, all jurors
    expected: int
    own_status: str  # "à déclarer", "à noter", "brouillon", "transmise"


class PagedRows(Sequence):
    """A list whose rows are built only for the slice asked: a page of 50 costs 50 rows of objects, whatever
    the length, which costs one id per row (Paginator asks len() then one slice). Iterating builds them all
    at once (exports)."""

    def __init__(self, keys: list, build):
        self._keys, self._build = keys, build

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._build(self._keys[index])
        return self._build([self._keys[index]])[0]

    def __iter__(self):
        return iter(self._build(self._keys))


def juror_queue(member: JuryMember) -> PagedRows:
    """The member's assigned dossiers, conflicted ones left out, with "2/3 évaluations" progress.

    Which dossiers and in which order is read as ids for the whole queue; the rows (dossier, sheet,
    progress counted over every juror's sheets) are built for the page shown only.
    """
    jury = member.jury
    pairs = list(
        Assignment.objects.filter(member=member).order_by("dossier__reference").values_list("pk", "dossier_id")
    )
    own = conflict_map(jury, members=[member], dossier_ids=[dossier_id for _, dossier_id in pairs])
    visible = [(pk, dossier_id) for pk, dossier_id in pairs if not own.is_blocked(member.pk, dossier_id)]

    def build(chunk: list[tuple[int, int]]) -> list[QueueRow]:
        dossier_ids = [dossier_id for _, dossier_id in chunk]
        assignments = Assignment.objects.select_related("dossier__organisation", "evaluation").defer(
            *UNREAD_DOSSIER_FIELDS
        )
        by_pk = {a.pk: a for a in assignments.filter(pk__in=[pk for pk, _ in chunk])}
        conflicts = conflict_map(jury, dossier_ids=dossier_ids)
        counts: dict[int, int] = defaultdict(int)
        for dossier_id, member_id in Evaluation.objects.filter(
            assignment__dossier_id__in=dossier_ids, assignment__member__jury=jury, submitted_at__isnull=False
        ).values_list("assignment__dossier_id", "assignment__member_id"):
            if not conflicts.is_blocked(member_id, dossier_id):  # a conflicted sheet counts nowhere
                counts[dossier_id] += 1
        rows = []
        for pk, dossier_id in chunk:
            assignment = by_pk[pk]
            declared = conflicts.may_read(member.pk, dossier_id)
            evaluation = getattr(assignment, "evaluation", None)
            if not declared:
                status = "à déclarer"
            elif evaluation is None:
                status = "à noter"
            elif evaluation.submitted_at:
                status = "transmise"
            else:
                status = "brouillon"
            rows.append(
                QueueRow(
                    assignment.dossier,
                    assignment,
                    declared,
                    counts.get(dossier_id, 0),
                    jury.evaluations_per_dossier,
                    status,
                )
            )
        return rows

    return PagedRows(visible, build)


def chair_rows(member: JuryMember) -> PagedRows:
    """For the chair: every dossier of the jury they may read, with its consensus if written (rows built
    for the page shown only, as in `juror_queue`)."""
    dossier_ids = list(JuryDossier.objects.filter(jury=member.jury).values_list("dossier_id", flat=True))
    conflicts = conflict_map(member.jury, members=[member], dossier_ids=dossier_ids)
    readable = [dossier_id for dossier_id in dossier_ids if conflicts.may_read(member.pk, dossier_id)]

    def build(chunk: list[int]) -> list[tuple[Dossier, Consensus | None]]:
        dossiers = Dossier.objects.select_related("organisation").defer("answers", "section_versions").in_bulk(chunk)
        consensuses = {c.dossier_id: c for c in Consensus.objects.filter(jury=member.jury, dossier_id__in=chunk)}
        return [(dossiers[dossier_id], consensuses.get(dossier_id)) for dossier_id in chunk]

    return PagedRows(readable, build)


def other_evaluations(member: JuryMember, dossier: Dossier) -> list[Evaluation]:
    """Other jurors' submitted sheets, only once the member has submitted theirs (independent first)."""
    own = Evaluation.objects.filter(assignment__member=member, assignment__dossier=dossier, submitted_at__isnull=False)
    if not own.exists():
        return []
    conflicts = conflict_map(member.jury, dossier_ids=[dossier.pk])
    return [
        e
        for e in Evaluation.objects.filter(
            assignment__dossier=dossier, assignment__member__jury=member.jury, submitted_at__isnull=False
        )
        .exclude(assignment__member=member)
        .select_related("assignment__member__user")
        if not conflicts.is_blocked(e.assignment.member_id, dossier.pk)
    ]


# Aggregates: dispersion, severity, ranking ------------------------------------------------------


def _sheets_by_dossier(jury: Jury, conflicts: ConflictMap, dossier_ids=None) -> dict[int, list[Evaluation]]:
    evaluations = Evaluation.objects.filter(assignment__member__jury=jury, submitted_at__isnull=False).select_related(
        "assignment__member__user"
    )
    if dossier_ids is not None:
        evaluations = evaluations.filter(assignment__dossier_id__in=dossier_ids)
    sheets: dict[int, list[Evaluation]] = defaultdict(list)
    for evaluation in evaluations:
        assignment = evaluation.assignment
        # A conflicted juror's scores count nowhere, even if entered before the declaration.
        if not conflicts.is_blocked(assignment.member_id, assignment.dossier_id):
            sheets[assignment.dossier_id].append(evaluation)
    return sheets


@dataclass(frozen=True)
class SheetScores:
    """What the ranking reads of a submitted sheet: no ORM objects for thousands of sheets."""

    member_id: int
    scores: dict
    total: Decimal | None


def _scores_by_dossier(jury: Jury, conflicts: ConflictMap, dossier_ids) -> dict[int, list[SheetScores]]:
    sheets: dict[int, list[SheetScores]] = defaultdict(list)
    for dossier_id, member_id, scores, total in Evaluation.objects.filter(
        assignment__member__jury=jury, assignment__dossier_id__in=dossier_ids, submitted_at__isnull=False
    ).values_list("assignment__dossier_id", "assignment__member_id", "scores", "total"):
        if not conflicts.is_blocked(member_id, dossier_id):  # a conflicted juror's scores count nowhere
            sheets[dossier_id].append(SheetScores(member_id, scores, total))
    return sheets


def dispersion_of(jury: Jury, dossier: Dossier) -> tuple[list[Evaluation], scoring.Dispersion]:
    conflicts = conflict_map(jury, dossier_ids=[dossier.pk])
    sheets = _sheets_by_dossier(jury, conflicts, [dossier.pk]).get(dossier.pk, [])
    return sheets, scoring.dispersion([e.total for e in sheets], threshold=jury.divergence_threshold)


def severity_of(jury: Jury) -> dict[JuryMember, Decimal]:
    """Staff only: each juror's mean offset from the other jurors on the same dossiers."""
    conflicts = conflict_map(jury)
    totals: dict[int, dict[int, Decimal]] = defaultdict(dict)
    members = {}
    for dossier_id, sheets in _sheets_by_dossier(jury, conflicts).items():
        for evaluation in sheets:
            members[evaluation.assignment.member_id] = evaluation.assignment.member
            totals[dossier_id][evaluation.assignment.member_id] = evaluation.total
    return {members[m]: offset for m, offset in scoring.severity(totals).items()}


@dataclass
class RankingRow:
    entry: JuryDossier
    total: Decimal | None
    source: str  # "consensus" or "moyenne"
    fails: bool
    evaluations: int
    dispersion: scoring.Dispersion
    criteria: dict
    abstentions: list[JuryMember]
    consensus: Consensus | None = None
    decision: Decision | None = None
    rank: int = 0
    cumulative: Decimal = Decimal("0")

    @property
    def dossier(self) -> Dossier:
        return self.entry.dossier


def ranking(jury: Jury) -> list[RankingRow]:
    """The jury's dossiers by consensus total (else the jurors' mean), ties by the theme's tie-break order.

    A fixed number of queries whatever the number of dossiers; `cumulative` adds up the
    maximum fundable amounts (else the requested ones) in rank order, for the envelope.
    """
    entries = list(
        JuryDossier.objects.filter(jury=jury)
        .select_related("dossier__organisation", "dossier__rule_version")
        .defer(*UNREAD_DOSSIER_FIELDS)
        .order_by("dossier__reference")
    )
    dossier_ids = [e.dossier_id for e in entries]
    conflicts = conflict_map(jury, dossier_ids=dossier_ids)
    sheets = _scores_by_dossier(jury, conflicts, dossier_ids)
    consensuses = {c.dossier_id: c for c in Consensus.objects.filter(jury=jury)}
    decisions = {d.dossier_id: d for d in Decision.objects.filter(deliberation__jury=jury)}
    members = list(jury.members.select_related("user"))
    grid = grid_spec(jury)
    tie_break = tie_break_of(jury)
    rows = []
    for entry in entries:
        consensus = consensuses.get(entry.dossier_id)
        own = sheets.get(entry.dossier_id, [])
        if consensus is not None:
            result = scoring.grid_total(grid, consensus.scores, pass_mark=jury.pass_mark)
            source = "consensus"
        else:
            result = scoring.grid_total(
                grid, scoring.mean_sheet([e.scores for e in own], grid), pass_mark=jury.pass_mark
            )
            source = "moyenne"
        rows.append(
            RankingRow(
                entry=entry,
                total=result.total if (consensus or own) else None,
                source=source,
                fails=result.fails,
                evaluations=len(own),
                dispersion=scoring.dispersion([e.total for e in own], threshold=jury.divergence_threshold),
                criteria=result.criteria,
                consensus=consensus,
                decision=decisions.get(entry.dossier_id),
                abstentions=[m for m in members if conflicts.is_blocked(m.pk, entry.dossier_id)],
            )
        )
    rows.sort(key=lambda r: scoring.ranking_key(r.total, r.criteria, tie_break, r.dossier.reference))
    cumulative = Decimal("0")
    for index, row in enumerate(rows, start=1):
        row.rank = index
        cumulative += row.entry.max_amount or row.entry.requested_amount or Decimal("0")
        row.cumulative = cumulative
    return rows


def reserve_proposal(jury: Jury, rows: list[RankingRow], granted_total: Decimal) -> RankingRow | None:
    """The best-ranked dossier of the reserve list whose fundable amount fits in what the envelope has left."""
    envelope = envelope_of(jury)
    left = envelope - granted_total if envelope is not None else None
    for row in rows:
        if (
            row.decision is None
            or row.decision.kind != Decision.Kind.RESERVE
            or row.dossier.state != DossierState.RESERVE
        ):
            continue
        amount = row.entry.max_amount or row.entry.requested_amount or Decimal("0")
        if left is None or amount <= left:
            return row
    return None
