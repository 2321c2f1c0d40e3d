"""Writes of the API app: tokens (api.services.tokens) and webhooks (api.services.webhooks)."""
