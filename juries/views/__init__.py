"""Jury pages: the juror's (queue, declarations, scoring, consensus) and staff's (management, ranking)."""
