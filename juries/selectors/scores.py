"""Reads of the scores: the juror's queue, other sheets once one's own is in, dispersion, severity, ranking."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.models.fields.json import KeyTextTransform, KeyTransform

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
    """One dossier of the ranking. Computed from plain values: `entry` (the JuryDossier with its dossier
    and organisation) is loaded only for the rows shown or exported, by `ranking_entries`."""

    dossier_id: int
    reference: str
    acronym: str
    state: str
    requested_amount: Decimal | None
    max_amount: Decimal | None
    total: Decimal | None
    source: str  # "consensus" or "moyenne"
    fails: bool
    evaluations: int
    sheet_totals: list  # the totals of the sheets that count
    divergence_threshold: Decimal | None
    criteria: dict
    abstentions: list[JuryMember]
    consensus: Consensus | None = None
    decision: Decision | None = None
    rank: int = 0
    cumulative: Decimal = Decimal("0")
    entry: JuryDossier | None = None

    @cached_property
    def dispersion(self) -> scoring.Dispersion:
        """Computed for the rows shown or exported only."""
        return scoring.dispersion(self.sheet_totals, threshold=self.divergence_threshold)

    @property
    def dossier(self) -> Dossier:
        return self.entry.dossier

    @property
    def fundable(self) -> Decimal:
        """What the dossier may be granted at most: the engine's maximum, else the amount requested."""
        return self.max_amount or self.requested_amount or Decimal("0")


def _leaf_scores(jury: Jury, leaves: list[scoring.GridItem]):
    """(dossier, member, total, score of each leaf…) of the jury's submitted sheets: each leaf's score is
    read by the database out of the sheet's JSON, so that the comments are never decoded."""
    columns = {
        f"leaf_{index}": KeyTextTransform("score", KeyTransform(leaf.code, "scores"))
        for index, leaf in enumerate(leaves)
    }
    return (
        Evaluation.objects.filter(
            assignment__member__jury=jury,
            assignment__dossier_id__in=JuryDossier.objects.filter(jury=jury).values("dossier_id"),
            submitted_at__isnull=False,
        )
        .annotate(**columns)
        .values_list("assignment__dossier_id", "assignment__member_id", "total", *columns)
    )


def _sums(jury: Jury, leaves: list[scoring.GridItem], blocked: dict[int, set[int]]):
    """Per dossier: the totals of the sheets that count (a conflicted juror's count nowhere), and for each
    leaf of the grid the sum and the number of its scores (N/A and blanks left out)."""
    totals: dict[int, list[Decimal | None]] = defaultdict(list)
    sums: dict[int, list[list]] = {}
    parsed: dict = {}  # a grid has a handful of distinct scores: each is read once
    for dossier_id, member_id, total, *scores in _leaf_scores(jury, leaves):
        if dossier_id in blocked.get(member_id, ()):
            continue
        totals[dossier_id].append(total)
        per_leaf = sums.get(dossier_id)
        if per_leaf is None:
            per_leaf = sums[dossier_id] = [[Decimal("0"), 0] for _ in leaves]
        for pair, raw in zip(per_leaf, scores, strict=True):
            number = parsed[raw] if raw in parsed else parsed.setdefault(raw, scoring.to_decimal(raw))
            if number is not None:
                pair[0] += number
                pair[1] += 1
    return totals, sums


def ranking(jury: Jury, *, entries: bool = False) -> list[RankingRow]:
    """The jury's dossiers by consensus total (else the jurors' mean, criterion by criterion), ties by the
    theme's tie-break order; a conflicted juror's sheet counts nowhere and shows as an abstention.

    A fixed number of queries whatever the number of dossiers, only the sheets' scores read (never their
    comments) and no model object per dossier or sheet; `entries` loads every row's JuryDossier and
    dossier too (exports, the minutes), else `ranking_entries` loads those of a slice. `cumulative` adds up the maximum fundable amounts (else the
    requested ones) in rank order.
    """
    grid = grid_spec(jury)
    leaves = scoring.leaves(grid)
    blocked = {member_id: dossiers for member_id, dossiers in conflict_map(jury).blocked.items() if dossiers}
    totals, sums = _sums(jury, leaves, blocked)
    unscored = [(None, 0)] * len(leaves)
    consensuses = {c.dossier_id: c for c in Consensus.objects.filter(jury=jury)}
    decisions = {
        d.dossier_id: d
        for d in Decision.objects.filter(jury=jury).only(
            "pk", "dossier_id", "kind", "granted_amount", "deliberation_id"
        )
    }
    members = list(jury.members.select_related("user"))
    abstaining = set().union(*blocked.values())
    tie_break = tie_break_of(jury)
    memo: dict = {}
    rows = []
    for dossier_id, reference, acronym, state, requested, maximum in (
        JuryDossier.objects.filter(jury=jury)
        .order_by("dossier__reference")
        .values_list(
            "dossier_id", "dossier__reference", "dossier__acronym", "dossier__state", "requested_amount", "max_amount"
        )
    ):
        consensus = consensuses.get(dossier_id)
        sheets = totals.get(dossier_id, [])
        scores = (
            consensus.scores if consensus is not None else scoring.mean_sheet(sums.get(dossier_id, unscored), leaves)
        )
        result = scoring.grid_total(grid, scores, pass_mark=jury.pass_mark, memo=memo)
        rows.append(
            RankingRow(
                dossier_id=dossier_id,
                reference=reference,
                acronym=acronym,
                state=state,
                requested_amount=requested,
                max_amount=maximum,
                total=result.total if (consensus or sheets) else None,
                source="consensus" if consensus is not None else "moyenne",
                fails=result.fails,
                evaluations=len(sheets),
                sheet_totals=sheets,
                divergence_threshold=jury.divergence_threshold,
                criteria=result.criteria,
                consensus=consensus,
                decision=decisions.get(dossier_id),
                abstentions=(
                    [m for m in members if dossier_id in blocked.get(m.pk, ())] if dossier_id in abstaining else []
                ),
            )
        )
    rows.sort(key=lambda r: scoring.ranking_key(r.total, r.criteria, tie_break, r.reference))
    cumulative = Decimal("0")
    for index, row in enumerate(rows, start=1):
        row.rank = index
        cumulative += row.fundable
        row.cumulative = cumulative
    if entries:
        ranking_entries(jury, rows)
    return rows


def ranking_entries(jury: Jury, rows: list[RankingRow]) -> list[RankingRow]:
    """Load the JuryDossier of these rows (a slice shown, or all of them for an export) with its dossier,
    organisation and rule version (one query)."""
    loaded = {
        entry.dossier_id: entry
        for entry in JuryDossier.objects.filter(jury=jury, dossier_id__in=[row.dossier_id for row in rows])
        .select_related("dossier__organisation", "dossier__rule_version")
        .defer(*UNREAD_DOSSIER_FIELDS)
    }
    for row in rows:
        row.entry = loaded[row.dossier_id]
    return rows


def reserve_proposal(jury: Jury, rows: list[RankingRow], granted_total: Decimal) -> RankingRow | None:
    """The best-ranked dossier of the reserve list whose fundable amount fits in what the envelope has left."""
    envelope = envelope_of(jury)
    left = envelope - granted_total if envelope is not None else None
    for row in rows:
        if row.decision is None or row.decision.kind != Decision.Kind.RESERVE or row.state != DossierState.RESERVE:
            continue
        if left is None or row.fundable <= left:
            return row
    return None
