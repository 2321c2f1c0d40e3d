"""Version 1 of the automation API (django-ninja), mounted at /api/v1/; see docs/api.md."""
