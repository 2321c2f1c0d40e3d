"""Writes of the calls app, one module per sub-domain (configuration, registration…)."""
