"""A newcomer signs up, verifies their e-mail, logs in and chooses an organisation."""

import re

import pytest
from playwright.sync_api import expect

from portal.models import Membership, OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Un-mot-de-passe-solide-42"


def test_home_page_has_no_serious_accessibility_violation(page, live_server, assert_accessible):
    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


def test_sign_up_verify_log_in_and_choose_an_organisation(page, live_server, assert_accessible):
    page.goto(live_server.url)
    page.get_by_role("link", name="Créer un compte").click()
    assert_accessible(page)
    page.locator("#id_email").fill("nina.agente@exemple.gouv.fr")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Création de compte").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vérifiez votre adresse e-mail")

    body = OutboxMessage.objects.get(to_email="nina.agente@exemple.gouv.fr").body
    confirmation_path = re.search(r"(/comptes/confirm-email/[^/\s]+/)", body).group(1)
    page.goto(live_server.url + confirmation_path)
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer").click()

    # Logged in on confirmation; log out and in again to check the credentials work.
    page.get_by_role("link", name="Se déconnecter").click()
    page.locator("main form").get_by_role("button").click()
    page.get_by_role("link", name="Se connecter").click()
    page.locator("#id_login").fill("nina.agente@exemple.gouv.fr")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Choisir mon organisation")
    assert_accessible(page)
    page.get_by_label("Nom de l'organisation").fill("Préfecture de la région Normandie")
    page.get_by_label("Type d'organisation").select_option("prefecture_region")
    page.get_by_label("SIRET (facultatif)").fill("130 025 265 00014")
    page.get_by_role("button", name="Créer l'organisation").click()
    expect(page.get_by_text("clé de contrôle")).to_be_visible()
    expect(page.get_by_label("Nom de l'organisation")).to_have_value("Préfecture de la région Normandie")
    page.get_by_label("SIRET (facultatif)").fill("130 025 265 00013")
    page.get_by_role("button", name="Créer l'organisation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    expect(page.get_by_role("status")).to_contain_text("Préfecture de la région Normandie")
    assert_accessible(page)
    assert Membership.objects.filter(user__email="nina.agente@exemple.gouv.fr").count() == 1
