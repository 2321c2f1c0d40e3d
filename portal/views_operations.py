"""Pages for the people who run the portal: the detailed health page."""

import hmac

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from portal import health
from portal.selectors import user_roles


def _bearer_token(request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def health_detail(request):
    """Database, broker, worker, beat and the queues of waiting work, for administrators (a page) or for a
    monitoring system holding HEALTH_TOKEN (JSON, 503 when a check is in error). Needs no session."""
    token = _bearer_token(request)
    if token is not None:
        if not settings.HEALTH_TOKEN or not hmac.compare_digest(token, settings.HEALTH_TOKEN):
            return JsonResponse({"detail": "Jeton invalide."}, status=403)
    elif not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    elif not user_roles(request.user).is_admin:
        raise PermissionDenied
    checks = health.run_checks()
    status = health.overall(checks)
    if token is not None or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(
            {
                "status": status,
                "checked_at": timezone.now().isoformat(),
                "checks": [
                    {"name": check.name, "status": check.status, "value": check.value, **check.data} for check in checks
                ],
            },
            status=503 if status == health.ERROR else 200,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(
        request,
        "portal/health_detail.html",
        {"checks": checks, "status": status, "checked_at": timezone.now()},
    )
