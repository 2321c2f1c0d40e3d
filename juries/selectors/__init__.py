"""Reads of juries, scoped to the user's roles, split by sub-domain; callers import from here."""

from juries.selectors.conflicts import (
    BLOCKING,
    ConflictMap,
    conflict_map,
    declaration_rows,
    deny_conflicted,
    juror_dossier_or_404,
    likely_conflicts,
)
from juries.selectors.instruction import TO_INSTRUCT, double_funding_flags, instruction_queue, instruction_sessions
from juries.selectors.scope import (
    DECIDED_STATES,
    REVIEWABLE_STATES,
    MemberProgress,
    active_member,
    declarations_of,
    envelope_of,
    grid_spec,
    juror_memberships,
    jury_entries_with_progress,
    jury_progress,
    member_or_404,
    scope_dossiers,
    staff_juries,
    staff_jury_or_404,
    tie_break_of,
)
from juries.selectors.scores import (
    QueueRow,
    RankingRow,
    chair_rows,
    dispersion_of,
    juror_queue,
    other_evaluations,
    ranking,
    reserve_proposal,
    severity_of,
)

__all__ = [
    "BLOCKING", "DECIDED_STATES", "REVIEWABLE_STATES", "TO_INSTRUCT", "ConflictMap", "MemberProgress", "QueueRow",
    "RankingRow", "active_member", "chair_rows", "conflict_map", "declaration_rows", "declarations_of", "deny_conflicted",
    "dispersion_of", "double_funding_flags", "envelope_of", "grid_spec", "instruction_queue", "instruction_sessions",
    "juror_dossier_or_404", "juror_memberships", "juror_queue", "jury_entries_with_progress", "jury_progress",
    "likely_conflicts", "member_or_404", "other_evaluations", "ranking", "reserve_proposal", "scope_dossiers",
    "severity_of", "staff_juries", "staff_jury_or_404", "tie_break_of",
]
