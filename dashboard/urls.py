"""Programme dashboard, mounted at gestion/tableau-de-bord/ (namespace "dashboard")."""

from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.programme_dashboard, name="index"),
    path("programmes/<int:programme_id>/", views.programme_dashboard, name="programme"),
    path("organisations/<int:organisation_id>/", views.organisation_file, name="organisation"),
]
