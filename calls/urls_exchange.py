"""Export and import of whole calls by staff (YAML, XLSX)."""

from django.urls import path, re_path

from calls.views import exchange

app_name = "calls_exchange"

urlpatterns = [
    path("import/", exchange.call_import, name="import"),
    re_path(r"^(?P<call_id>[0-9]+)\.(?P<fmt>yaml|xlsx)$", exchange.call_export, name="export"),
]
