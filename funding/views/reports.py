"""Indicator reports (form and series table) and the final report of a project."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from funding import forms, selectors
from funding.models import FinalReport
from funding.permissions import APPLICANT, STAFF
from funding.services import reports
from funding.views import funding_dossier, post_done, raise_for_access, require
from portal.errors import DomainError
from portal.http import client_ip
from portal.templatetags.portal_format import format_euros

CHART_HEIGHT = 60
BAR_STEP = 12


def _open_periods(calendar: list[dict]) -> list[tuple]:
    """Periods still without a report, up to the current one (the calendar stops at today)."""
    return [
        (row["start"], f"{row['start']:%d/%m/%Y} – {row['end']:%d/%m/%Y}") for row in calendar if row["report"] is None
    ]


def _series(calendar: list[dict], indicators: list[dict]) -> dict:
    """Rows of the series table and, per indicator, the numeric points of its small chart."""
    rows = []
    for row in calendar:
        values = row["report"].values if row["report"] else {}
        rows.append({**row, "values": [values.get(indicator["label"], "") for indicator in indicators]})
    charts = []
    for index, indicator in enumerate(indicators):
        points = []
        for row in rows:
            try:
                points.append(float(str(row["values"][index]).replace(",", ".").replace("%", "").strip()))
            except ValueError:
                continue
        if points:
            top = max(max(points), 1)
            bars = []
            for position, point in enumerate(points):
                height = round(CHART_HEIGHT * point / top) if point > 0 else 0
                bars.append({"value": point, "x": position * BAR_STEP, "y": CHART_HEIGHT - height, "height": height})
            charts.append(
                {"label": indicator["label"], "bars": bars, "width": len(points) * BAR_STEP, "height": CHART_HEIGHT}
            )
    return {"rows": rows, "charts": charts}


@login_required
def report_list(request, pk: int):
    """The series of indicator reports as a table with a small chart; the carrier files the next one here."""
    dossier, roles = funding_dossier(request, pk)
    convention = selectors.convention_in_force(dossier)
    calendar = selectors.report_calendar(dossier, convention)
    indicators = reports.indicators_of(dossier.theme)
    form = None
    if APPLICANT in roles:
        form = forms.IndicatorReportForm(request.POST or None, periods=_open_periods(calendar), indicators=indicators)
    if request.method == "POST":
        require(roles, APPLICANT)
        if post_done(
            request,
            form,
            lambda data: reports.indicator_report_submit(
                actor=request.user,
                dossier=dossier,
                period_day=parse_date(data["period"]),
                values={key: data[key] for key in form.indicator_keys},
                comment=data["comment"],
                ip_address=client_ip(request),
            ),
            _("Rapport transmis."),
        ):
            return redirect("funding:reports", dossier.pk)
    return render(
        request,
        "funding/reports.html",
        {
            "dossier": dossier,
            "convention": convention,
            "indicators": indicators,
            "form": form,
            "is_carrier": APPLICANT in roles,
            "is_staff": STAFF in roles,
            "final_report": FinalReport.objects.filter(dossier=dossier).first(),
            "final_form": forms.FinalReportForm() if APPLICANT in roles else None,
            **_series(calendar, indicators),
        },
    )


@login_required
@require_POST
def final_report_submit(request, pk: int):
    dossier, roles = funding_dossier(request, pk)
    require(roles, APPLICANT)
    form = forms.FinalReportForm(request.POST)
    if form.is_valid():
        try:
            reports.final_report_submit(
                actor=request.user, dossier=dossier, ip_address=client_ip(request), **form.cleaned_data
            )
        except DomainError as error:
            raise_for_access(error)
            messages.error(request, error.message)
        else:
            messages.success(request, _("Rapport final transmis."))
    else:
        messages.error(
            request, _("Le rapport final est incomplet : rédigez le bilan et indiquez les dépenses réalisées.")
        )
    return redirect("funding:reports", dossier.pk)


@login_required
@require_POST
def final_report_validate(request, pk: int):
    dossier, roles = funding_dossier(request, pk)
    require(roles, STAFF)
    try:
        reports.final_report_validate(actor=request.user, dossier=dossier, ip_address=client_ip(request))
    except DomainError as error:
        raise_for_access(error)
        messages.error(request, error.message)
    else:
        messages.success(request, _("Rapport final validé."))
    return redirect("funding:reports", dossier.pk)


@login_required
@require_POST
def project_close(request, pk: int):
    dossier, roles = funding_dossier(request, pk)
    require(roles, STAFF)
    try:
        closure = reports.project_close(actor=request.user, dossier=dossier, ip_address=client_ip(request))
    except DomainError as error:
        raise_for_access(error)
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Projet clos ; reliquat non versé : %(amount)s.") % {"amount": format_euros(closure.unspent_amount)},
        )
    return redirect("funding:convention", dossier.pk)
