"""Whole dossiers and archives for a control body (staff back-office)."""

from django.urls import path

from archives import views

app_name = "archives"
urlpatterns = [
    path("dossiers/<int:pk>/", views.dossier_archive, name="dossier"),
    path("sessions/<int:session_id>/", views.session_archive, name="session"),
    path("taches/<str:job_id>/", views.archive_job, name="job"),
    path("taches/<str:job_id>/fichier/", views.archive_job_download, name="job_download"),
]
