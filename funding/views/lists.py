""" "Mes projets" for laureates and the portfolio of staff and fund operators; flat query counts."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from calls.models import Programme
from funding import selectors
from funding.forms import PortfolioFilterForm
from funding.models import Convention
from funding.resources import EXPORTS
from portal.selectors import user_roles

PAGE_SIZE = 50
STATUS_LABELS = dict(Convention.Status.choices)


def _with_labels(rows):
    for row in rows:
        row.convention_label = STATUS_LABELS.get(row.convention_status, _("Pas encore générée"))
    return rows


@login_required
def my_projects(request):
    """The carrier's funded projects: convention status, next milestone, payments received."""
    roles = user_roles(request.user)
    if not roles.is_applicant:
        raise PermissionDenied
    page = Paginator(selectors.projects_of_carrier(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.with_next_reports(_with_labels(page.object_list))
    return render(request, "funding/my_projects.html", {"page": page, "rows": rows})


def portfolio_rows(request):
    """The portfolio's filter form, filters and rows for the request's user and GET; 403 without a portfolio role.

    Shared by the list and its exports, which therefore hold exactly the rows the list shows.
    """
    roles = user_roles(request.user)
    if not (roles.is_admin or roles.is_programme_staff or roles.is_fund_operator):
        raise PermissionDenied
    programmes = (
        Programme.objects.all()
        if roles.is_admin
        else Programme.objects.filter(pk__in=roles.staff_programme_ids | roles.fund_operator_programme_ids)
    )
    form = PortfolioFilterForm(
        request.GET or None, programmes=programmes.order_by("name"), sessions=selectors.portfolio_sessions(programmes)
    )
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = selectors.portfolio(
        request.user,
        programme_id=filters.get("programme"),
        theme_id=filters.get("theme"),
        session_id=filters.get("session"),
        status=filters.get("convention", ""),
        state=filters.get("etat", ""),
        query=filters.get("q", ""),
    )
    return roles, form, filters, queryset


@login_required
def portfolio(request):
    """Staff and fund operators: every funded project of their programmes, with filters."""
    roles, form, filters, queryset = portfolio_rows(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "funding/portfolio.html",
        {
            "form": form,
            "page": page,
            "rows": _with_labels(page.object_list),
            "is_filtered": any(filters.values()),
            "export_kinds": [(kind, export.title) for kind, export in EXPORTS.items()],
            "template_programmes": [
                programme for programme in form.fields["programme"].choices[1:] if roles.is_staff_of(programme[0])
            ],
        },
    )
