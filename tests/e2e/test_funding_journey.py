"""Funding in the browser: staff generate and send the convention, the laureate signs, the operator
countersigns; staff validate a milestone, the operator records its payment; the laureate files a report."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from calls.models import MilestoneTemplate, Phase
from funding.models import IndicatorReport, Payment
from portal.models import Role
from portal.services import role_assign
from tests.applications.factories import BudgetLineFactory, DossierFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.portal.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_server, email: str) -> None:
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("account_login"))
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def status(page):
    return page.locator("main [role=status]").first


def test_convention_signature_milestone_payment_and_report(page, live_server, assert_accessible):
    theme = ThemeFactory(
        code="ITN3",
        indicators=[{"label": "Avancement des jalons (%)", "frequency": "monthly"}],
        commitments=["Publier le code source."],
    )
    phase = Phase.objects.create(theme=theme, key="phase-1", label="Phase unique", order=1)
    MilestoneTemplate.objects.create(phase=phase, key="m1", label="Service en ligne ouvert", order=1)
    dossier = DossierFactory(
        session=SessionFactory(theme=theme),
        selected=True,
        granted_amount=Decimal("60000"),
        phase=phase,
        planned_start=timezone.localdate() - timedelta(days=40),
        duration_months=6,
        acronym="RDV-MAIRIE",
    )
    BudgetLineFactory(dossier=dossier, amount=Decimal("80000"))
    carrier = dossier.organisation.memberships.get().user
    staff, operator = UserFactory(), UserFactory()
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=theme.call.programme)
    role_assign(actor=None, user=operator, role=Role.FUND_OPERATOR, scope=theme.call.programme)
    project_url = live_server.url + reverse("funding:convention", args=[dossier.pk])

    # Staff generate the convention and send it
    log_in(page, live_server, staff.email)
    page.goto(live_server.url + reverse("funding:portfolio"))
    assert_accessible(page)
    page.get_by_role("link", name="RDV-MAIRIE").click()
    page.get_by_role("button", name="Générer la convention").click()
    expect(status(page)).to_contain_text("Nouvelle version de la convention générée")
    page.reload()
    expect(page.get_by_role("link", name="Télécharger la convention (PDF)")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Envoyer au porteur pour signature").click()
    expect(status(page)).to_contain_text("Convention envoyée au porteur")

    # The laureate approves it online
    log_in(page, live_server, carrier.email)
    page.goto(live_server.url + reverse("funding:my_projects"))
    assert_accessible(page)
    page.get_by_role("link", name="RDV-MAIRIE").click()
    assert_accessible(page)
    page.get_by_text("J'approuve la convention au nom du porteur").click()
    page.get_by_role("button", name="Signer", exact=True).click()
    expect(status(page)).to_contain_text("Convention signée")

    # The fund operator countersigns
    log_in(page, live_server, operator.email)
    page.goto(project_url)
    page.get_by_role("button", name="Contresigner la convention").click()
    expect(status(page)).to_contain_text("Convention contresignée")
    expect(page.locator("main")).to_contain_text("En vigueur")

    # The laureate declares the milestone, staff validate it
    log_in(page, live_server, carrier.email)
    page.goto(project_url)
    page.get_by_role("link", name="Déclarer atteint : Service en ligne ouvert").click()
    assert_accessible(page)
    page.get_by_label("Ce qui a été réalisé").fill("Le service est ouvert dans trois mairies pilotes.")
    page.get_by_role("button", name="Déclarer le jalon atteint").click()
    expect(status(page)).to_contain_text("déclaré")

    log_in(page, live_server, staff.email)
    page.goto(project_url)
    page.get_by_role("link", name="Examiner : Service en ligne ouvert").click()
    assert_accessible(page)
    page.get_by_text("Valider le jalon").click()
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(status(page)).to_contain_text("validé")

    # The operator pays the milestone's tranche
    log_in(page, live_server, operator.email)
    page.goto(project_url)
    page.get_by_role("link", name="Enregistrer un paiement : Tranche sur jalon : Service en ligne ouvert").click()
    assert_accessible(page)
    page.get_by_label("Date du paiement").fill(timezone.localdate().isoformat())
    page.get_by_label("Montant (€)").fill("30000")
    page.get_by_label("Référence").fill("VIR-2026-0042")
    page.get_by_role("button", name="Enregistrer le paiement").click()
    expect(status(page)).to_contain_text("Paiement enregistré")
    assert Payment.objects.get().reference == "VIR-2026-0042"

    # The laureate files an indicator report
    log_in(page, live_server, carrier.email)
    page.goto(live_server.url + reverse("funding:reports", args=[dossier.pk]))
    assert_accessible(page)
    page.get_by_label("Avancement des jalons (%)").fill("35")
    page.get_by_role("button", name="Transmettre le rapport", exact=True).click()
    expect(status(page)).to_contain_text("Rapport transmis")
    assert_accessible(page)
    assert IndicatorReport.objects.get().values == {"Avancement des jalons (%)": "35"}
