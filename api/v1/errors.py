"""Every error of the API as `application/problem+json` (RFC 9457), in French, with a stable `code`.

No exception text, stack trace, model or module name reaches a client: unknown failures become a
generic 500 whose details go to the server's log only.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from portal.errors import DomainError

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:portail-aap:probleme:"
TITLES = {
    400: "Requête invalide",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Ressource introuvable",
    405: "Méthode non permise",
    409: "Conflit",
    422: "Données invalides",
    429: "Trop de requêtes",
    500: "Erreur interne",
}
# Domain error codes (portal.errors.DomainError) and the HTTP status they stand for; the rest is 422.
DOMAIN_STATUS = {"not_found": 404, "forbidden": 403, "duplicate_reference": 409, "key_reused": 409, "conflict": 409}
# Where the service's sentence speaks to a person filling a form, the API says it its own way.
DOMAIN_DETAIL = {
    "key_reused": "Cette clé d'idempotence a déjà servi pour un autre paiement : une clé par paiement.",
    "not_found": "Ressource introuvable.",
}
# Pydantic's error types, read in French.
FIELD_MESSAGES = {
    "missing": "obligatoire",
    "string_pattern_mismatch": "format invalide",
    "string_too_long": "trop long",
    "string_too_short": "trop court",
    "greater_than_equal": "trop petit",
    "less_than_equal": "trop grand",
    "greater_than": "trop petit",
    "less_than": "trop grand",
    "timezone_aware": "l'heure doit porter son décalage horaire (par exemple +01:00 ou Z)",
    "literal_error": "valeur inconnue",
    "enum": "valeur inconnue",
}


class ScopeDenied(Exception):
    """The token lacks the scope an operation needs, or its creator lost the role behind it."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class CursorInvalid(Exception):
    pass


def problem(status: int, detail: str, *, code: str = "", errors: list | None = None, request=None) -> HttpResponse:
    body = {
        "type": TYPE_PREFIX + (code or str(status)),
        "title": TITLES.get(status, "Erreur"),
        "status": status,
        "detail": detail,
        "code": code or str(status),
    }
    if request is not None:
        body["instance"] = request.path
    if errors:
        body["errors"] = errors
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = MEDIA_TYPE
    return response


def _field_message(error: dict) -> dict:
    location = [
        str(part)
        for part in error.get("loc", ())
        if part not in ("body", "query", "path", "header", "payload", "filters")
    ]
    kind = error.get("type", "")
    message = FIELD_MESSAGES.get(kind)
    if message is None:
        message = "format invalide" if kind.endswith(("_parsing", "_type")) else "valeur invalide"
    return {"field": ".".join(location), "message": message}


def install(api) -> None:
    """Register the handlers on the NinjaAPI instance."""

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        response = problem(
            401,
            _(
                "Jeton d'API manquant, invalide, expiré ou révoqué. Envoyez l'en-tête "
                "« Authorization: Bearer <jeton> » avec un jeton créé dans la gestion du programme."
            ),
            code="unauthenticated",
            request=request,
        )
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(ScopeDenied)
    def scope_denied(request, exc):
        return problem(403, exc.detail, code="scope_denied", request=request)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return problem(403, _("Accès refusé."), code="forbidden", request=request)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return problem(404, _("Ressource introuvable."), code="not_found", request=request)

    @api.exception_handler(ObjectDoesNotExist)
    def missing(request, exc):
        return problem(404, _("Ressource introuvable."), code="not_found", request=request)

    @api.exception_handler(CursorInvalid)
    def cursor_invalid(request, exc):
        return problem(
            422,
            _("Curseur de pagination illisible : reprenez celui que la page précédente a donné."),
            code="invalid_cursor",
            request=request,
        )

    @api.exception_handler(ValidationError)
    def invalid(request, exc):
        return problem(
            422,
            _("Paramètres ou contenu invalides : voyez la liste des champs en erreur."),
            code="invalid",
            errors=[_field_message(error) for error in exc.errors],
            request=request,
        )

    @api.exception_handler(Throttled)
    def throttled(request, exc):
        return problem(
            429,
            _("Trop d'appels avec ce jeton : attendez le délai indiqué par l'en-tête Retry-After."),
            code="rate_limited",
            request=request,
        )

    @api.exception_handler(DomainError)
    def domain_error(request, exc):
        status = DOMAIN_STATUS.get(exc.code, 422)
        detail = DOMAIN_DETAIL.get(exc.code, exc.message)
        errors = [{"field": exc.field, "message": detail}] if exc.field else None
        return problem(status, detail, code=exc.code, errors=errors, request=request)

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return problem(exc.status_code, TITLES.get(exc.status_code, "Erreur") + ".", request=request)

    @api.exception_handler(Exception)
    def crashed(request, exc):
        logger.exception("API: erreur interne sur %s %s", request.method, request.path)
        return problem(
            500, _("Erreur interne : l'incident est enregistré, réessayez plus tard."), code="internal", request=request
        )
