"""Exports of the portfolio: exactly the projects its filters show, as XLSX, ODS or CSV.

CSV streams row by row from a server-side iterator. XLSX and ODS are built in the request:
a funding portfolio holds at most a few thousand projects (the laureates of a programme),
well under the 2 000-row mark above which the dossier exports move to a background task.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils import timezone

from funding.resources import EXPORTS, export_dataset, export_rows
from funding.views.lists import portfolio_rows
from portal.exports import FORMATS, csv_streaming_response, dataset_response
from portal.http import client_ip
from portal.services import audit_record


@login_required
def portfolio_export(request, kind: str, fmt: str):
    if kind not in EXPORTS or fmt not in FORMATS:
        raise Http404
    _roles, form, _filters, dossiers = portfolio_rows(request)
    if "programme" in form.errors:
        # A programme outside the user's scope: refused rather than silently widened to every programme.
        raise Http404
    audit_record(
        actor=request.user,
        action=f"export.funding_{kind}",
        data={"format": fmt, "filters": request.GET.urlencode()},
        ip_address=client_ip(request),
    )
    filename = f"{kind}-{timezone.localdate():%Y-%m-%d}"
    if fmt == "csv":
        header, rows = export_rows(kind, dossiers)
        return csv_streaming_response(filename=filename, header=header, rows=rows)
    return dataset_response(dataset=export_dataset(kind, dossiers), filename=filename, fmt=fmt)
