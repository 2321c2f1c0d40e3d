"""Dossier pages: one urls module per area, all under the "applications" namespace."""

from django.urls import include, path

app_name = "applications"

urlpatterns = [
    path("", include("applications.urls_lists")),
    path("", include("applications.urls_dossier")),
    path("", include("applications.urls_exports")),
    path("", include("applications.urls_instruction")),
]
