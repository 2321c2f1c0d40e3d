"""Security that depends on the user's roles: MFA enrolment and shorter sessions."""

import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext

from portal.selectors import user_roles
from portal.signals import MFA_ENROLLED_SESSION_KEY

TOUCHED_KEY = "portal_privileged_renewed_at"
RENEW_EVERY_SECONDS = 300
# Before a privileged user has enrolled TOTP, these pages alone answer: the enrolment (and the
# re-authentication allauth may ask for first), logout and the health probe. Everything else of the
# portal, the account pages and the admin included, sends them to the enrolment.
ENROLMENT_URL_NAMES = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_reauthenticate",
        "account_reauthenticate",
        "account_logout",
        "portal:health",
    }
)


def reachable_before_enrolment(request) -> bool:
    if request.path_info.startswith(settings.STATIC_URL):
        return True
    try:
        return resolve(request.path_info).view_name in ENROLMENT_URL_NAMES
    except Resolver404:
        return False


def refused_before_enrolment(request):
    """A redirect to the enrolment for a page; a bare 403 for htmx and JSON callers, never data."""
    message = gettext(
        "Votre rôle exige l'authentification à deux facteurs : configurez une application TOTP pour continuer."
    )
    enrolment = reverse("mfa_activate_totp")
    if request.headers.get("HX-Request"):
        response = HttpResponseForbidden(message)
        response["HX-Redirect"] = enrolment
        return response
    accept = request.headers.get("Accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return JsonResponse({"detail": message, "enrolment": enrolment}, status=403)
    messages.warning(request, message)
    return redirect(enrolment)


class RoleSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            roles = user_roles(user)
            if roles.needs_mfa:
                self._extend_privileged_session(request)
                if (
                    settings.PORTAL_ENFORCE_MFA
                    and not reachable_before_enrolment(request)
                    and not self._enrolled(request, user)
                ):
                    return refused_before_enrolment(request)
        return self.get_response(request)

    @staticmethod
    def _extend_privileged_session(request) -> None:
        """Idle timeout for privileged sessions, renewed at most every few minutes.

        Renewing means writing the session row; doing it on every page cost three queries
        per request under load, for a precision nobody needs on a two-hour timeout.
        """
        now = int(time.time())
        session = request.session
        if (
            session.get_expiry_age() != settings.PRIVILEGED_SESSION_SECONDS
            or now - session.get(TOUCHED_KEY, 0) >= RENEW_EVERY_SECONDS
        ):
            session.set_expiry(settings.PRIVILEGED_SESSION_SECONDS)
            session[TOUCHED_KEY] = now

    @staticmethod
    def _enrolled(request, user) -> bool:
        if request.session.get(MFA_ENROLLED_SESSION_KEY):
            return True
        enrolled = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        if enrolled:
            request.session[MFA_ENROLLED_SESSION_KEY] = True
        return enrolled
