from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from portal import selectors, services
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


@login_required
def personal_data_download(request):
    """The user's personal data as a JSON file (RGPD right of access)."""
    services.audit_record(
        actor=request.user, action="privacy.export", target=request.user, ip_address=request.META.get("REMOTE_ADDR")
    )
    response = JsonResponse(personal_data_of(request.user), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-portail.json"'
    return response


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)
