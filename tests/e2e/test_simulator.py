"""A visitor simulates a theme's co-financing: with htmx, and without JavaScript."""

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from calls.rules import load_rules
from portal import services
from portal.models import Role
from portal.templatetags.portal_format import format_euros
from tests.calls.model_factories import ThemeFactory
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def itn6():
    return ThemeFactory(code="ITN6", title="Expérimentations agiles", funding_rule=load_rules()["ITN6"].to_dict())


def fill_line(page, index: int, *, label: str, amount: str, category: str = "external_services", year: str = "2021"):
    page.locator(f"#id_lignes-{index}-label").fill(label)
    page.locator(f"#id_lignes-{index}-category").select_option(category)
    page.locator(f"#id_lignes-{index}-year").fill(year)
    page.locator(f"#id_lignes-{index}-amount").fill(amount)


def test_visitor_sees_the_result_update_as_they_type(page, live_server, assert_accessible, itn6):
    page.goto(f"{live_server.url}/simulateur/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("ITN6")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ITN6")
    assert_accessible(page)

    page.get_by_label("Type d'organisation porteuse").select_option("ministere")
    fill_line(page, 0, label="Prestation agile", amount="30000")
    result = page.locator("#simulateur-resultat")
    expect(result.get_by_test_id("max-amount")).to_contain_text(format_euros("30000"))
    expect(result).to_contain_text("Budget conforme à la règle")
    # hx-push-url: the address now holds every input, so it can be shared.
    expect(page).to_have_url(re.compile(r"carrier_kind=ministere.*lignes-0-amount=30000"))

    page.locator("#id_lignes-0-amount").fill("80000")
    expect(result.get_by_test_id("max-amount")).to_contain_text(format_euros("48000"))
    expect(result.get_by_test_id("carrier-share")).to_contain_text(format_euros("32000"))

    page.get_by_role("button", name="Ajouter une ligne").click()
    expect(page.locator("#id_lignes-5-label")).to_be_focused()
    expect(page.locator("#id_lignes-0-label")).to_have_value("Prestation agile")
    fill_line(page, 5, label="Remise", amount="-5")
    expect(result).to_contain_text("Ligne 6 « Remise » — Montant (€) : Le montant ne peut pas être négatif.")
    assert_accessible(page)

    # A shared address shows the same simulation to someone else.
    page.goto(page.url)
    expect(page.locator("#id_lignes-5-label")).to_have_value("Remise")
    expect(page.locator("#simulateur-resultat")).to_contain_text("Saisie à corriger")


def test_simulator_works_without_javascript(browser, live_server, itn6):
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/simulateur/{itn6.pk}/")
    page.get_by_label("Type d'organisation porteuse").select_option("operateur")
    fill_line(page, 0, label="Prestation", amount="30 000,00")
    page.get_by_role("button", name="Ajouter une ligne").click()
    expect(page.locator("#id_lignes-5-amount")).to_be_visible()
    expect(page.locator("#id_lignes-0-label")).to_have_value("Prestation")
    expect(page.get_by_test_id("max-amount")).to_contain_text(format_euros("30000"))
    fill_line(page, 5, label="Licence", amount="50000", category="licences", year="2022")
    page.get_by_role("button", name="Calculer").click()
    expect(page.get_by_test_id("max-amount")).to_contain_text(format_euros("48000"))
    context.close()


def test_staff_rule_page_is_accessible(page, live_server, assert_accessible, itn6):
    staff = UserFactory()
    services.role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=itn6.call.programme)
    client = Client()
    client.force_login(staff)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    # The rule's former address leads staff to the rule's form.
    page.goto(f"{live_server.url}/simulateur/{itn6.pk}/regle/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Règle de cofinancement")
    expect(page.locator("#id_verifications-2-code")).to_have_value("RESULTATS_3_MOIS")
    expect(page.get_by_test_id("rule-sentences")).to_contain_text("Le programme prend en charge 100")
    expect(page.get_by_role("table")).to_contain_text("Version 1")
    assert_accessible(page)
