"""Writes of the applications app, split by sub-domain (workflow, drafting, submission…)."""
