"""Login, logout and failed logins are written to the audit trail; a ProConnect login leaves its
SIRET claim in the session, where joining an organisation reads it as proof of identity; removing
the second factor is forgotten by the session at once."""

from allauth.account.signals import user_logged_in as account_logged_in
from allauth.mfa.signals import authenticator_removed
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from portal.http import client_ip
from portal.services import audit_record

PROCONNECT_PROVIDER = "proconnect"
PROCONNECT_SIRET_SESSION_KEY = "portal_proconnect_siret"
MFA_ENROLLED_SESSION_KEY = "portal_mfa_enrolled"


@receiver(user_logged_in)
def record_login(sender, request, user, **kwargs):
    audit_record(actor=user, action="auth.login", target=user, ip_address=client_ip(request))


@receiver(user_logged_out)
def record_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="auth.logout", target=user, ip_address=client_ip(request))


@receiver(user_login_failed)
def record_login_failure(sender, credentials, request=None, **kwargs):
    # Never store the password: only the identifier that was tried.
    identifier = credentials.get("email") or credentials.get("username") or ""
    audit_record(
        actor=None, action="auth.login_failed", data={"identifier": identifier[:254]}, ip_address=client_ip(request)
    )


def proconnect_siret_claim(sociallogin) -> str:
    """The `siret` claim of a ProConnect login (userinfo first, then the ID token), digits only; "" otherwise."""
    account = getattr(sociallogin, "account", None)
    if account is None or account.provider != PROCONNECT_PROVIDER:
        return ""
    data = account.extra_data or {}
    claims = data.get("userinfo") or data.get("id_token") or data
    siret = str(claims.get("siret") or "").replace(" ", "")
    return siret if siret.isdigit() and len(siret) == 14 else ""


@receiver(account_logged_in)
def remember_proconnect_siret(sender, request, user, sociallogin=None, **kwargs):
    """Only this login's claim counts: a password login after a ProConnect one proves nothing."""
    siret = proconnect_siret_claim(sociallogin)
    if siret:
        request.session[PROCONNECT_SIRET_SESSION_KEY] = siret
    else:
        request.session.pop(PROCONNECT_SIRET_SESSION_KEY, None)


@receiver(authenticator_removed)
def forget_mfa_enrolment(sender, request, user, authenticator, **kwargs):
    if request is not None:
        request.session.pop(MFA_ENROLLED_SESSION_KEY, None)
