"""The URLs that third-party apps mount (the Django admin, allauth's accounts, MFA and sessions),
checked for every role beside the portal's own matrix: together they cover every URL pattern.

- The admin site answers only Django superusers (`is_staff`); every portal role, the portal's
  own administrators included, is sent to the login or refused, and its login goes through
  allauth (second factor, lockout), never a password-only form.
- Account pages that show or change the user's own data ask anonymous visitors to log in.
- No page of either answers anyone with a server error.
A third-party URL missing from the tables below fails the test.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.portal.factories import UserFactory
from tests.portal.test_permission_matrix import ROLES, THIRD_PARTY, world  # noqa: F401 (fixture)

# Pages of the user's own account: anonymous visitors are asked to log in.
OWN_ACCOUNT = {
    "account_change_password",
    "account_email",
    "account_reauthenticate",
    "account_set_password",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_download_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_index",
    "mfa_reauthenticate",
    "mfa_view_recovery_codes",
    "socialaccount_connections",
    "usersessions_list",
}
# Pages of signing in and up, recovery and federation: open to anyone (an unknown key gives a French error).
SIGN_IN = {
    "account_confirm_email",
    "account_confirm_login_code",
    "account_email_verification_sent",
    "account_inactive",
    "account_login",
    "account_logout",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_signup",
    "mfa_authenticate",
    "openid_connect_callback",
    "openid_connect_login",
    "socialaccount_login_cancelled",
    "socialaccount_login_error",
    "socialaccount_signup",
}
LOGIN_PATHS = ("/comptes/login/", "/admin/login/")


def third_party_patterns(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = (
                f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (entry.namespace or namespace)
            )
            yield from third_party_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            if name.startswith(THIRD_PARTY):
                yield name, entry


def url_of(name: str, pattern: URLPattern) -> str:
    """A URL of the pattern with placeholder arguments (an unknown object, the first app of a choice)."""
    regex = pattern.pattern.regex.pattern
    kwargs = {}
    for argument in pattern.pattern.regex.groupindex:
        choice = re.search(rf"\(\?P<{argument}>([\w|]+)\)", regex)
        kwargs[argument] = choice.group(1).split("|")[0] if choice and "|" in choice.group(1) else "999999"
    if name.startswith("openid_connect_"):  # the provider is in the prefix the app mounts these under
        kwargs = {"provider_id": "proconnect"}
    return reverse(name, kwargs=kwargs)


def denied(response) -> bool:
    if response.status_code in (403, 404):
        return True
    return response.status_code in (301, 302) and response["Location"].startswith(LOGIN_PATHS)


def admin_as_expected(name: str, role: str, response) -> bool:
    """A superuser is never sent to a login (a record only services write may answer 403, an unknown
    object 404); anyone else is sent to the login or refused, and leaving the admin goes to its index."""
    if role == "superuser":
        return not (response.status_code in (301, 302) and response["Location"].startswith(LOGIN_PATHS))
    if name == "admin:logout":
        return response.status_code == 302 and response["Location"] == reverse("admin:index")
    return denied(response)


@pytest.mark.django_db
def test_third_party_urls_answer_every_role_as_expected(world, settings):
    settings.PORTAL_ENFORCE_MFA = False
    users, _arguments = world
    users = {**users, "superuser": UserFactory(is_staff=True, is_superuser=True)}
    patterns = list(third_party_patterns())
    unknown = sorted(
        name for name, _ in patterns if not name.startswith("admin:") and name not in OWN_ACCOUNT | SIGN_IN
    )
    assert not unknown, f"URL tierce sans attente : {unknown}"
    mismatches, pairs = [], 0
    for name, pattern in patterns:
        url = url_of(name, pattern)
        for role in [*ROLES, "superuser"]:
            client = Client(raise_request_exception=False)
            if role != "anonymous":
                client.force_login(users[role])
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                pairs += 1
                if response.status_code >= 500:
                    mismatches.append(
                        f"{method.upper()} {url} ({name}) en tant que {role} : erreur {response.status_code}"
                    )
                elif name.startswith("admin:") and not admin_as_expected(name, role, response):
                    mismatches.append(
                        f"{method.upper()} {url} ({name}) en tant que {role} : {response.status_code} "
                        f"{response.get('Location', '')}"
                    )
                elif name in OWN_ACCOUNT and role == "anonymous" and not denied(response):
                    mismatches.append(
                        f"{method.upper()} {url} ({name}) anonyme : {response.status_code} au lieu de la connexion"
                    )
    print(f"\nURL tierces : {len(patterns)} URL × {len(ROLES) + 1} rôles, {pairs} requêtes vérifiées.")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.django_db
def test_the_admin_login_goes_through_the_portal_login():
    client = Client()
    response = client.get(reverse("admin:login") + "?next=/admin/portal/user/")
    assert response.status_code == 302 and response["Location"].startswith("/comptes/login/")
    assert "next=/admin/portal/user/" in response["Location"]
    client.force_login(UserFactory())
    assert client.get(reverse("admin:login")).status_code == 403
    assert client.post(reverse("admin:login"), {"username": "x", "password": "y"}).status_code == 403
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:login") + "?next=https://ailleurs.example/")["Location"] == reverse("admin:index")
