"""My dossiers (applicants) and the staff's dossier list."""

from django.urls import path

from applications.views import lists

# No app_name: these patterns live in the "applications" namespace of applications.urls.
urlpatterns = [
    path("dossiers/", lists.my_dossiers, name="my_dossiers"),
    path("instruction/dossiers/", lists.staff_list, name="staff_list"),
]
