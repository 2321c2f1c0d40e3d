"""Root URL configuration: each app mounts its own urls module here."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("comptes/", include("allauth.urls")),
    path("gestion/audit/", include("calls.audit")),
    path("gestion/tableau-de-bord/", include("dashboard.urls")),
    path("gestion/imports/", include("portal.urls_imports")),
    path("gestion/archives/", include("archives.urls")),
    path("gestion/api/", include("api.urls_staff")),
    path("gestion/appels/echange/", include("calls.urls_exchange")),
    path("gestion/appels/", include("calls.urls_staff")),
    path("appels/", include("calls.urls")),
    path("simulateur/", include("calls.urls_simulator")),
    path("laureats/", include("applications.publication")),
    path("api/", include("api.urls")),
    path("", include("applications.urls")),
    path("jurys/", include("juries.urls")),
    path("conventions/", include("funding.urls")),
    path("", include("calls.urls_home")),
    path("", include("portal.app_urls")),
]

handler403 = "portal.views.error_403"
handler404 = "portal.views.error_404"
handler500 = "portal.database_faults.server_error"
