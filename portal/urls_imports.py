"""Spreadsheet imports of staff, mounted at gestion/imports/ (namespace "imports")."""

from django.urls import path

from portal import views_imports

app_name = "imports"

urlpatterns = [
    path("organisations/", views_imports.organisation_import, name="organisations"),
]
