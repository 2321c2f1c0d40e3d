"""Exports of the staff dossier list and the progress of background exports."""

from django.urls import path

from applications import exports

# No app_name: these patterns live in the "applications" namespace of applications.urls.
urlpatterns = [
    path("instruction/dossiers/export.<str:fmt>", exports.staff_list_export, name="staff_list_export"),
    path("instruction/exports/<str:job_id>/", exports.export_job, name="export_job"),
    path("instruction/exports/<str:job_id>/fichier/", exports.export_job_download, name="export_job_download"),
]
