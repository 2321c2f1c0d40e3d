"""The programme dashboard of staff (and admins): figures per programme, theme and session."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard import organisation as organisation_selectors
from dashboard.selectors import DEADLINE_HORIZON, dashboard_programmes
from portal.models import Organisation
from portal.selectors import user_roles


@login_required
def programme_dashboard(request, programme_id: int | None = None):
    roles = user_roles(request.user)
    if not (roles.is_admin or roles.is_programme_staff):
        raise PermissionDenied
    programmes = dashboard_programmes(request.user, programme_id=programme_id)
    if programme_id is not None and not programmes:
        raise Http404
    links = []
    if programme_id is not None:
        links = [{"url": reverse("dashboard:index"), "title": _("Tableau de bord des programmes")}]
    return render(
        request,
        "dashboard/index.html",
        {
            "programmes": programmes,
            "single": programme_id is not None,
            "now": timezone.now(),
            "horizon_days": DEADLINE_HORIZON.days,
            "breadcrumb_data": {
                "links": links,
                "current": programmes[0].programme.name
                if programme_id is not None
                else _("Tableau de bord des programmes"),
            },
        },
    )


@login_required
def organisation_file(request, organisation_id: int):
    """One organisation's file for programme staff and admins: its dossiers across calls and programmes."""
    roles = user_roles(request.user)
    if not roles.reviews_organisations:
        raise PermissionDenied
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    file = organisation_selectors.organisation_file(request.user, organisation)
    return render(
        request,
        "dashboard/organisation.html",
        {"file": file},
    )
