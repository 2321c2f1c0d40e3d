"""Conventions, tranches and payments, indicator reports, laureates' projects and the portfolio."""

app_name = "funding"

urlpatterns: list = []
