"""gunicorn's application for the benchmark: the portal's own, with its URLconf imported before the workers
fork (`--preload`). No measured request pays for that import: on a loaded machine it alone has exceeded
gunicorn's 60 s timeout on the first requests of each worker."""

from django.urls import get_resolver

from portal.wsgi import application

get_resolver().url_patterns  # noqa: B018 (imports every app's urls and views once, in the master)

__all__ = ["application"]
