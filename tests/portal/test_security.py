"""Logins and HTTP hardening: lockout, MFA for privileged roles, shorter sessions, CSP."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from portal import services
from portal.models import Role
from tests.calls.model_factories import ProgrammeFactory
from tests.portal.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_repeated_failures_lock_the_account_with_a_french_message(client, settings):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("account_login"), {"login": user.email, "password": "mauvais"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Compte temporairement bloqué" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_resets_the_counter(client, settings):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("account_login"), {"login": user.email, "password": "mauvais"})
    assert client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD}).status_code == 302


@pytest.fixture
def staff_user():
    user = UserFactory()
    services.role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=ProgrammeFactory())
    return user


def test_staff_without_totp_is_sent_to_enrol(client, settings, staff_user):
    settings.PORTAL_ENFORCE_MFA = True
    client.force_login(staff_user)
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code in {200, 302}  # reachable (may ask reauthentication)


def test_staff_with_totp_goes_through(client, settings, staff_user):
    settings.PORTAL_ENFORCE_MFA = True
    Authenticator.objects.create(user=staff_user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(staff_user)
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_applicants_are_not_forced_to_enrol(client, settings):
    settings.PORTAL_ENFORCE_MFA = True
    client.force_login(MembershipFactory().user)
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_privileged_sessions_expire_sooner(client, settings, staff_user):
    client.force_login(staff_user)
    client.get(reverse("portal:dashboard"))
    assert client.session.get_expiry_age() == settings.PRIVILEGED_SESSION_SECONDS
    applicant = MembershipFactory().user
    client.force_login(applicant)
    client.get(reverse("portal:dashboard"))
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_csp_forbids_inline_scripts_and_pages_carry_the_nonce(client):
    response = client.get(reverse("home"))
    policy = response.headers["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "'nonce-" in script_src
    nonce = script_src.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()
    assert "frame-ancestors 'none'" in policy


def test_security_headers(client):
    response = client.get(reverse("home"))
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_user_can_see_and_end_their_other_sessions(client):
    user = UserFactory()
    other_device = type(client)()
    for each in (client, other_device):
        each.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert user.usersession_set.count() == 2
    response = client.post(reverse("usersessions_list"), {"action": "logout"})
    assert response.status_code == 302
    assert user.usersession_set.count() == 1
    assert other_device.get(reverse("portal:dashboard")).status_code == 302  # logged out there
