"""A database connection that drops in the middle of a request costs the user nothing: a read is
served again on a new connection, a write gets a French « réessayez » page that keeps what was typed.

Connections are also checked before each request reuses them (CONN_HEALTH_CHECKS, settings): what
is left is the connection that drops while a request runs (a database restart or failover, a
terminated backend). The error pages here ask nothing of the database, which may be what failed.
"""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.functional import empty
from django.utils.translation import gettext

from portal.context_processors import site_context

logger = logging.getLogger(__name__)

DISCONNECT_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
_RETRIED = "_portal_database_retried"
_NEVER_ECHOED = {"csrfmiddlewaretoken", *settings.AXES_SENSITIVE_PARAMETERS}


def discard_broken_connections() -> None:
    """Close the connections a failure left unusable, so that the next query opens a new one.

    A connection inside a transaction is left alone: the code that opened the transaction must
    see it fail (and tests run inside one).
    """
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


class DatabaseFaultMiddleware:
    """A view that meets a dropped connection: a GET or HEAD runs once more on a new connection (it
    writes nothing, so running it again is safe); anything else, or a second failure, gets the
    « réessayez » answer (`retry_response`). Failures outside the view reach `server_error`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DISCONNECT_ERRORS):
            return None
        discard_broken_connections()
        if request.method in ("GET", "HEAD") and not getattr(request, _RETRIED, False):
            setattr(request, _RETRIED, True)
            logger.warning("Database connection lost during %s %s: served again", request.method, request.path)
            match = request.resolver_match
            try:
                return match.func(request, *match.args, **match.kwargs)
            except DISCONNECT_ERRORS:
                discard_broken_connections()
        return retry_response(request)


def retry_response(request) -> HttpResponse:
    """503 with a French message: a page that re-posts the user's input for a form (files excepted, which
    a browser cannot be given back), a reload link for a page, text for htmx and JSON for API callers."""
    logger.warning("Database connection lost during %s %s: asked to retry", request.method, request.path)
    message = gettext(
        "Le service a été interrompu un instant : rien n'a été enregistré de façon incomplète. Réessayez."
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if request.headers.get("HX-Request"):
        return HttpResponse(message, status=503, content_type="text/plain; charset=utf-8", headers=headers)
    accept = request.headers.get("Accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return JsonResponse({"detail": message}, status=503, headers=headers)
    is_form = request.method not in ("GET", "HEAD")
    fields = []
    if is_form:
        fields = [
            (name, value) for name, values in request.POST.lists() if name not in _NEVER_ECHOED for value in values
        ]
    return page_without_database(
        request,
        "portal/database_retry.html",
        {
            "is_form": is_form,
            "fields": fields,
            "files_dropped": is_form and bool(request.FILES),
            "action": request.get_full_path(),
            "csrf_token": get_token(request),
        },
        status=503,
        headers=headers,
    )


def page_without_database(request, template_name: str, context: dict, *, status: int, headers=None) -> HttpResponse:
    """Render an error page with the site's frame and no database query: no navigation, and the user's
    name only if the request had already loaded it."""
    user = getattr(request, "user", None)
    loaded = user is not None and getattr(user, "_wrapped", None) is not empty
    html = render_to_string(template_name, {**site_context(request), "user": user if loaded else None, **context})
    return HttpResponse(html, status=status, headers=headers)


def server_error(request):
    """handler500: a dropped connection outside a view (a middleware, the session's save) is a « réessayez »;
    any other error, the generic page, drawn without the database."""
    if isinstance(sys.exc_info()[1], DISCONNECT_ERRORS):
        discard_broken_connections()
        return retry_response(request)
    return page_without_database(request, "500.html", {}, status=500)
