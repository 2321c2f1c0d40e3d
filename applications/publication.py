"""Public laureates pages and the open-data export of the grants (SCDL « subventions »).

The SCDL schema (schema.data.gouv.fr/scdl/subventions) describes grants by public bodies;
we fill the fields that apply to these programmes and leave the others empty. The date of the
agreement is the day the first version of the convention was countersigned (the planned start
for laureates of past editions loaded without a convention), the payment period runs from the
first to the last recorded payment.
"""

import json

from django.core.paginator import Paginator
from django.db.models import Max, Min
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone

from applications import selectors
from calls.models import Call, Programme
from portal.exports import csv_streaming_response

LICENCE = (
    "Licence Ouverte / Open Licence version 2.0 (Etalab) — https://www.etalab.gouv.fr/licence-ouverte-open-licence"
)
SCHEMA_URL = "https://schema.data.gouv.fr/scdl/subventions/"
SCDL_COLUMNS = [
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "rnaBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
    "dispositifAide",
]
PAGE_SIZE = 20


def _filters(request) -> dict:
    return {
        "programme_slug": request.GET.get("programme", "").strip(),
        "call_slug": request.GET.get("appel", "").strip(),
        "theme_code": request.GET.get("theme", "").strip(),
        "query": request.GET.get("q", "").strip()[:100],
    }


def scdl_row(dossier) -> dict:
    """One grant; `dossier` is annotated by `laureate_open_data` (agreement date, payment period)."""
    programme = dossier.theme.call.programme
    agreed_on = (
        timezone.localdate(dossier.agreement_signed_at) if dossier.agreement_signed_at else dossier.planned_start
    )
    return {
        "nomAttribuant": programme.grantor_name or programme.fund or programme.name,
        "idAttribuant": programme.grantor_siret,
        "dateConvention": agreed_on.isoformat() if agreed_on else "",
        "referenceDecision": dossier.reference,
        "nomBeneficiaire": dossier.organisation.name,
        "idBeneficiaire": dossier.organisation.siret,
        "rnaBeneficiaire": "",
        "objet": f"{dossier.acronym} — {dossier.title}",
        "montant": f"{dossier.granted_amount:.2f}",
        "nature": "aide en numéraire",
        "conditionsVersement": "échelonné",
        "datesPeriodeVersement": f"{dossier.first_payment_on:%Y-%m-%d}_{dossier.last_payment_on:%Y-%m-%d}"
        if dossier.first_payment_on
        else "",
        "idRAE": "",
        "notificationUE": "non",
        "pourcentageSubvention": "",
        "dispositifAide": f"{dossier.theme.call.title} — {dossier.theme.code}",
    }


def laureate_list(request, programme_slug: str = "", call_slug: str = ""):
    filters = _filters(request)
    programme = call = None
    if call_slug:
        call = get_object_or_404(
            Call.objects.select_related("programme"), slug=call_slug, status__in=("published", "closed")
        )
        filters["call_slug"] = call_slug
    if programme_slug:
        programme = get_object_or_404(Programme, slug=programme_slug)
        filters["programme_slug"] = programme_slug
    page = Paginator(selectors.laureates(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "laureates/list.html",
        {
            "page": page,
            "filters": filters,
            "call": call,
            "programme": programme,
            "statistics": selectors.call_statistics(call=call) if call else None,
            "programmes": Programme.objects.filter(calls__status__in=("published", "closed"))
            .distinct()
            .order_by("name"),
            "licence": LICENCE,
        },
    )


def laureates_open_data(**filters):
    """The laureates with a published amount, annotated for `scdl_row` (the site's files and the API)."""
    return (
        selectors.laureates(**filters)
        .filter(granted_amount__isnull=False)
        .annotate(
            agreement_signed_at=Min("conventions__operator_signed_at"),
            first_payment_on=Min("conventions__tranches__payments__paid_on"),
            last_payment_on=Max("conventions__tranches__payments__paid_on"),
        )
    )


def laureate_open_data(request, fmt: str):
    """The same rows as the page, as CSV (French Excel) or JSON, with the licence."""
    laureates = laureates_open_data(**_filters(request))
    rows = (scdl_row(dossier) for dossier in laureates.iterator(chunk_size=500))
    if fmt == "csv":
        return csv_streaming_response(
            filename="subventions-laureats", header=SCDL_COLUMNS, rows=([row[c] for c in SCDL_COLUMNS] for row in rows)
        )
    payload = {"licence": LICENCE, "schema": SCHEMA_URL, "data": list(rows)}
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="subventions-laureats.json"'
    return response


app_name = "laureates"
urlpatterns = [
    path("", laureate_list, name="list"),
    path("programmes/<slug:programme_slug>/", laureate_list, name="programme"),
    path("appels/<slug:call_slug>/", laureate_list, name="call"),
    path("donnees-ouvertes.csv", laureate_open_data, {"fmt": "csv"}, name="open_data_csv"),
    path("donnees-ouvertes.json", laureate_open_data, {"fmt": "json"}, name="open_data_json"),
]
