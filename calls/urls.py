"""Public pages of calls: list, call and theme pages, info sessions, calendar."""

from django.urls import path

app_name = "calls"

urlpatterns: list = []
