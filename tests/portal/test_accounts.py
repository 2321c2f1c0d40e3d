"""Accounts with django-allauth: sign-up, e-mail verification, login, reset, MFA, ProConnect."""

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.urls import reverse
from django.utils import timezone

from portal.models import OutboxMessage, User
from tests.portal.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CONFIRM_LINK = re.compile(r"/comptes/confirm-email/([^/\s]+)/")


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST and run the on-commit hooks (mail delivery) as a real commit would."""

    def post(url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return post


def sign_up(post, email="nouvelle.agente@exemple.gouv.fr"):
    return post(reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD})


def test_sign_up_sends_the_verification_mail_through_the_outbox(post, mailoutbox):
    response = sign_up(post)
    assert response.status_code == 302
    message = OutboxMessage.objects.get(to_email="nouvelle.agente@exemple.gouv.fr")
    assert message.event == "account.email_confirmation_signup"
    assert message.status == OutboxMessage.Status.SENT  # eager Celery delivered it after commit
    assert len(mailoutbox) == 1
    assert CONFIRM_LINK.search(mailoutbox[0].body)


def test_unverified_account_cannot_log_in_until_the_link_is_followed(client, post, mailoutbox):
    sign_up(post)
    client.logout()
    response = client.post(reverse("account_login"), {"login": "nouvelle.agente@exemple.gouv.fr", "password": PASSWORD})
    assert response.status_code == 302 and "confirm-email" in response.url
    key = CONFIRM_LINK.search(mailoutbox[-1].body).group(1)
    response = client.post(reverse("account_confirm_email", args=[key]))
    assert response.status_code == 302
    client.logout()
    response = client.post(reverse("account_login"), {"login": "nouvelle.agente@exemple.gouv.fr", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("portal:dashboard")


def test_expired_verification_link_says_so_in_french(client, post, mailoutbox):
    sign_up(post)
    key = CONFIRM_LINK.search(mailoutbox[-1].body).group(1)
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        response = client.get(reverse("account_confirm_email", args=[key]))
    assert "a expiré ou n'est pas valide" in response.content.decode()
    assert not User.objects.get(email="nouvelle.agente@exemple.gouv.fr").emailaddress_set.filter(verified=True).exists()


def test_duplicate_sign_up_creates_nothing_and_tells_the_owner_by_mail(post, mailoutbox):
    UserFactory(email="deja@exemple.gouv.fr")
    sign_up(post, email="deja@exemple.gouv.fr")
    # allauth does not reveal who has an account: the owner gets an e-mail instead.
    assert User.objects.filter(email="deja@exemple.gouv.fr").count() == 1
    assert mailoutbox[-1].to == ["deja@exemple.gouv.fr"]


def test_wrong_password_is_refused_in_french_and_keeps_the_email_not_the_password(client):
    UserFactory(email="agent@exemple.gouv.fr")
    response = client.post(
        reverse("account_login"), {"login": "agent@exemple.gouv.fr", "password": "mauvais-mot-de-passe"}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "L’adresse e-mail ou le mot de passe sont incorrects." in content
    assert 'value="agent@exemple.gouv.fr"' in content
    assert "mauvais-mot-de-passe" not in content


def test_unknown_email_gets_the_same_message(client):
    response = client.post(reverse("account_login"), {"login": "inconnu@exemple.gouv.fr", "password": PASSWORD})
    assert "sont incorrects" in response.content.decode()


def test_password_reset_sends_a_link_that_sets_a_new_password(client, post, mailoutbox):
    UserFactory(email="oubli@exemple.gouv.fr")
    post(reverse("account_reset_password"), {"email": "oubli@exemple.gouv.fr"})
    link = re.search(r"(/comptes/password/reset/key/[^\s]+/)", mailoutbox[-1].body).group(1)
    response = client.get(link, follow=True)
    new_password = "Encore-un-autre-secret-77"
    client.post(response.redirect_chain[-1][0], {"password1": new_password, "password2": new_password})
    assert User.objects.get(email="oubli@exemple.gouv.fr").check_password(new_password)


def test_any_user_can_enrol_totp(client):
    user = UserFactory()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    # allauth asks for the password again before a security change
    assert client.get(reverse("mfa_activate_totp")).url.startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    secret = response.context["form"].secret
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_proconnect_is_offered_only_when_configured(client, settings):
    assert "ProConnect" not in client.get(reverse("account_login")).content.decode()
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "proconnect",
                    "name": "ProConnect",
                    "client_id": "client",
                    "secret": "secret",
                    "settings": {"server_url": "https://proconnect.example/api/v2"},
                }
            ]
        }
    }
    content = client.get(reverse("account_login")).content.decode()
    assert "S’identifier avec ProConnect" in content


def test_account_pages_use_the_portal_layout_in_french(client):
    content = client.get(reverse("account_login")).content.decode()
    assert 'class="fr-header"' in content
    assert "Connexion" in content
    assert '<html lang="fr"' in content
