"""Writes of the juries app, one module per sub-domain; views, tasks and the demo call these."""
