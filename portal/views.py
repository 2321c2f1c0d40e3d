from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal import accessibility, selectors, services
from portal.http import client_ip
from portal.privacy import personal_data_of

PAGE_SIZE = 20


def health(request):
    """Liveness probe, and the benchmark's floor: no database, no template, no session."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def dashboard(request):
    roles = selectors.user_roles(request.user)
    if not roles.organisation_ids and not roles.needs_mfa:
        return redirect("portal:organisation_choose")
    return render(
        request,
        "portal/dashboard.html",
        {
            "memberships": selectors.memberships_of(request.user),
            "my_requests": selectors.membership_requests_of(request.user).filter(status="pending"),
            "requests_to_decide": selectors.membership_requests_to_decide_count(request.user),
        },
    )


@login_required
def notifications(request):
    page = Paginator(selectors.notifications_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/notifications.html", {"page": page})


def privacy(request):
    return render(request, "portal/privacy.html")


def accessibility_statement(request):
    """The RGAA statement, computed from the audit grid shipped with the code (portal.accessibility)."""
    audit = accessibility.current_audit()
    return render(
        request,
        "portal/accessibility.html",
        {
            "audit": audit,
            "operator_name": settings.PORTAL_OPERATOR_NAME,
            "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
            "breadcrumb_data": {"links": [], "current": _("Déclaration d'accessibilité")},
        },
    )


def sitemap(request):
    """Plan du site: every section this user may open (RGAA 12.1, a second way to find a page)."""
    return render(
        request,
        "portal/sitemap.html",
        {"breadcrumb_data": {"links": [], "current": _("Plan du site")}},
    )


@login_required
def personal_data_download(request):
    """The user's personal data as a JSON file (RGPD right of access)."""
    services.audit_record(
        actor=request.user, action="privacy.export", target=request.user, ip_address=client_ip(request)
    )
    response = JsonResponse(personal_data_of(request.user), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-portail.json"'
    return response


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)
