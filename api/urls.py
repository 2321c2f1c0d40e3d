"""The API at /api/ (root configuration): version 1 and its documentation; an unknown address under /api/ is a
problem+json 404, never the site's HTML page."""

from django.shortcuts import redirect
from django.urls import path, re_path

from api.v1.api import api as api_v1
from api.v1.errors import problem


def not_found(request, *args, **kwargs):
    return problem(
        404, "Aucune ressource à cette adresse : voyez la documentation de l'API.", code="not_found", request=request
    )


urlpatterns = [
    path("v1/", lambda request: redirect("api_v1:openapi-view")),
    path("v1/", api_v1.urls),
    re_path(r"^", not_found),
]
