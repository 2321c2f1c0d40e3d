"""Hooks for the security libraries (django-axes)."""


def axes_username(request, credentials) -> str:
    """allauth authenticates with `email`; the admin with `username`: lock the address either way."""
    credentials = credentials or {}
    return (credentials.get("email") or credentials.get("username") or credentials.get("login") or "").strip().lower()
