"""Login, logout and failed logins are written to the audit trail."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from portal.services import audit_record


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


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
