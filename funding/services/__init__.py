"""Writes of the funding app, one module per business area (conventions, follow-up, reports)."""
