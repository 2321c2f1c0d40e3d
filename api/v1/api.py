"""The NinjaAPI instance of version 1: routers, authentication, rate limit, audit and the error format."""

from __future__ import annotations

from ninja import NinjaAPI, Swagger
from ninja.renderers import JSONRenderer

from api.v1 import dossiers, errors, funding, juries, public
from api.v1.auth import TokenAuth, TokenRateLimit, audited

DESCRIPTION = """
API d'automatisation du portail : les appels, thèmes, sessions et lauréats sont publics ; le reste demande un
jeton créé par l'équipe du programme (« Gestion » → « API et webhooks »), envoyé dans l'en-tête
`Authorization: Bearer <jeton>`. Un jeton ne voit que son programme et ce que ses droits ouvrent ; un objet
hors de sa portée répond 404. Argent en chaînes décimales (« 12500.00 »), instants en ISO 8601 avec décalage,
erreurs au format `application/problem+json` (RFC 9457) avec un message en français. Guide : docs/api.md.

*Automation API of the grant portal. Calls, themes, sessions and laureates are public; everything else needs a
token created by programme staff, sent as `Authorization: Bearer <token>`. A token sees its programme only,
within its scopes; anything else is a 404. Money as decimal strings, times in ISO 8601 with offset, errors as
`application/problem+json` (RFC 9457) with a French message.*
"""


class Utf8Renderer(JSONRenderer):
    """French text as it is written, not escaped to ASCII."""

    json_dumps_params = {"ensure_ascii": False}


class PortalApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Error responses are declared with their real media type, application/problem+json."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[errors.MEDIA_TYPE] = content.pop("application/json")
        return schema


api = PortalApi(
    title="Portail des appels à projets — API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api_v1",
    docs=Swagger(settings={"persistAuthorization": True}),
    renderer=Utf8Renderer(),
)
errors.install(api)
api.add_decorator(audited, mode="view")
api.add_router("", public.router, auth=None)
for router in (dossiers.router, juries.router, funding.router):
    api.add_router("", router, auth=TokenAuth(), throttle=TokenRateLimit())
