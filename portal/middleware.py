"""Security that depends on the user's roles: MFA enrolment and shorter sessions."""

import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from portal.selectors import user_roles

MFA_ENROLLED_SESSION_KEY = "portal_mfa_enrolled"
TOUCHED_KEY = "portal_privileged_renewed_at"
RENEW_EVERY_SECONDS = 300
# Pages a privileged user must still reach before enrolling: accounts, MFA set-up, static files.
ALLOWED_PREFIXES = ("/comptes/", "/static/", "/mon-espace/confidentialite/")


class RoleSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            roles = user_roles(user)
            if roles.needs_mfa:
                self._extend_privileged_session(request)
                if settings.PORTAL_ENFORCE_MFA and not self._enrolled(request, user):
                    if not request.path.startswith(ALLOWED_PREFIXES):
                        messages.warning(
                            request,
                            "Votre rôle exige l'authentification à deux facteurs : "
                            "configurez une application TOTP pour continuer.",
                        )
                        return redirect(reverse("mfa_activate_totp"))
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
