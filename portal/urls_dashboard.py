"""Programme dashboard, mounted at gestion/tableau-de-bord/ (namespace "dashboard")."""

from django.urls import path

from portal import views_dashboard

app_name = "dashboard"

urlpatterns = [
    path("", views_dashboard.programme_dashboard, name="index"),
    path("programmes/<int:programme_id>/", views_dashboard.programme_dashboard, name="programme"),
]
