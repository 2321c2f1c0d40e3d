"""A new project goes from the applicant's first click to a paid tranche and the public laureates page,
every step in the browser: nothing is prepared by code but the call itself and the people's accounts.

The applicant creates and submits a dossier (declaring a planned milestone), staff declare it eligible,
set up the jury and put the dossier before it, the juror scores it, staff retain it, generate and
prepare the convention (the milestone pre-filled from the dossier, the tranche it releases), the
applicant reads the milestones and signs, the operator countersigns and pays the advance at once, the
applicant declares the milestone, staff validate it, the operator pays its tranche, and the laureate
is public.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import Dossier
from calls.models import Criterion, FormDefinition, RequiredDocument
from calls.rules import load_rules
from funding.models import Convention, Payment
from portal.models import Role
from portal.services import role_assign
from tests.applications.conftest import FORM_SCHEMA
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.e2e.test_funding_journey import log_in, status
from tests.portal.factories import MembershipFactory, UserFactory
from tests.portal.upload_corpus import pdf

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _patient(page):
    """Submission and conventions render PDFs in the request (Celery is eager): give pages time."""
    page.set_default_timeout(30_000)
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def call_session(db):
    """The call only: an ITN6 theme with its rule, published form, one document, a one-criterion grid, an open session."""
    theme = ThemeFactory(code="ITN6", title="Expérimentations", funding_rule=load_rules()["ITN6"].to_dict())
    FormDefinition.objects.create(theme=theme, version=1, status=FormDefinition.Status.PUBLISHED, schema=FORM_SCHEMA)
    RequiredDocument.objects.create(
        theme=theme, kind="lettre", label="Lettre d'engagement signée", formats=["pdf"], max_size_mb=Decimal("1")
    )
    Criterion.objects.create(theme=theme, code="A", label="Intérêt pour l'usager", scale_max=5)
    now = timezone.now()
    return SessionFactory(theme=theme, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=10))


def as_user(page, live_server, email: str, url_name: str = "", *args):
    log_in(page, live_server, email)
    if url_name:
        page.goto(live_server.url + reverse(url_name, args=args))


def test_a_project_created_in_the_browser_is_retained_signed_paid_and_published(
    page, live_server, assert_accessible, call_session
):
    programme = call_session.theme.call.programme
    carrier = MembershipFactory(organisation__kind="ministere").user
    staff, operator, juror = UserFactory(), UserFactory(), UserFactory(first_name="Jeanne", last_name="Jurée")
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=programme)
    role_assign(actor=None, user=operator, role=Role.FUND_OPERATOR, scope=programme)

    # The applicant creates the dossier, declares a planned milestone, fills it in and submits it.
    as_user(page, live_server, carrier.email, "applications:dossier_start", call_session.pk)
    page.get_by_label("Acronyme du projet").fill("GUICHET-UNIQUE")
    page.get_by_label("Titre du projet").fill("Un guichet unique pour les démarches des agents")
    page.get_by_label("Résumé").fill("Toutes les demandes des agents au même endroit.")
    page.get_by_label("Durée (mois)").fill("6")
    page.get_by_role("button", name="Créer le brouillon").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "GUICHET-UNIQUE — Un guichet unique pour les démarches des agents"
    )
    dossier = Dossier.objects.get(acronym="GUICHET-UNIQUE")
    page.goto(live_server.url + reverse("applications:project", args=[dossier.pk]))
    page.get_by_label("Jalon ou livrable (jalon 1)").fill("Guichet ouvert aux agents pilotes")
    page.get_by_label("Mois après le début (jalon 1)").fill("3")
    page.get_by_label("Livrable attendu (jalon 1)").fill("Service en ligne et bilan d'usage")
    page.get_by_role("button", name="Enregistrer les jalons prévus").click()
    expect(status(page)).to_contain_text("Jalons prévus enregistrés")
    assert_accessible(page)
    page.goto(live_server.url + reverse("applications:section", args=[dossier.pk, "projet"]))
    page.get_by_label("Problème résolu").fill("Les agents ne savent pas où déposer leurs demandes.")
    page.locator("main label", has_text=re.compile("^Non$")).click()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Section enregistrée à")
    page.goto(live_server.url + reverse("applications:section", args=[dossier.pk, "equipe"]))
    page.get_by_label("Cheffe ou chef de projet").fill("cheffe@exemple.gouv.fr")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Section enregistrée à")
    page.goto(live_server.url + reverse("applications:budget", args=[dossier.pk]))
    page.get_by_label("Libellé (ligne 1)").fill("Prestation de développement")
    page.get_by_label("Année (ligne 1)").fill("2021")
    page.get_by_label("Catégorie (ligne 1)").select_option("external_services")
    page.get_by_label("Financement (ligne 1)").select_option("programme")
    page.get_by_label("Montant (€) (ligne 1)").fill("30000")
    page.get_by_role("button", name="Enregistrer le budget").click()
    expect(page.get_by_role("status")).to_contain_text("Budget enregistré à")
    page.goto(live_server.url + reverse("applications:documents", args=[dossier.pk]))
    page.get_by_label("Ajouter un fichier : Lettre d'engagement signée").set_input_files(
        files=[{"name": "lettre.pdf", "mimeType": "application/pdf", "buffer": pdf()}]
    )
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("status")).to_contain_text("enregistré")
    page.goto(live_server.url + reverse("applications:review", args=[dossier.pk]))
    page.get_by_text("Je certifie l'exactitude").click()
    page.get_by_role("button", name="Déposer le dossier").click()
    expect(page.get_by_role("status")).to_contain_text("Dossier déposé le")

    # Staff declare it eligible, every manual check of the rule satisfied (a satisfied check needs no reason).
    as_user(page, live_server, staff.email, "juries:instruction_review", dossier.pk)
    for radio in page.locator("main input[type=radio][value=ok]").all():
        page.locator(f"label[for={radio.get_attribute('id')}]").click()
    page.locator("label[for=outcome_eligible]").click()
    page.get_by_role("button", name="Enregistrer la décision de recevabilité").click()
    expect(page.locator("main")).to_contain_text(f"Dossier {dossier.reference} instruit.")

    # Staff set up the jury in the back-office: one evaluation per dossier, the juror in the chair.
    page.goto(live_server.url + reverse("juries:staff_list"))
    page.get_by_label("Nom du jury").fill("Comité ITN6")
    page.locator("#id_call").select_option(str(call_session.theme.call_id))
    page.get_by_label("Évaluations par dossier").fill("1")
    page.get_by_role("button", name="Créer le jury").click()
    expect(status(page)).to_contain_text("Jury créé")
    page.get_by_label("Adresse e-mail du membre").fill(juror.email)
    page.locator("main label", has_text="Président·e du jury").click()
    page.get_by_role("button", name="Ajouter au jury").click()
    page.get_by_role("button", name="Ajouter les dossiers déposés").click()
    page.get_by_role("button", name="Mettre en évaluation les dossiers recevables").click()
    expect(status(page)).to_contain_text("1 dossier mis en évaluation")
    jury_url = page.url

    # The juror declares no conflict and scores the dossier.
    as_user(page, live_server, juror.email, "juries:my_queue")
    page.get_by_role("link", name="Déclarer mes intérêts").click()
    page.locator(f"label[for=none-{dossier.pk}]").click()
    with page.expect_navigation():
        page.locator(f"#dossier-{dossier.pk}").get_by_role("button", name="Enregistrer").click()
    as_user(page, live_server, staff.email)
    page.goto(jury_url)
    page.get_by_role("button", name="Attribuer automatiquement").click()
    expect(status(page)).to_contain_text("1 attribution créée")
    as_user(page, live_server, juror.email)
    jury_id = int(re.search(r"/gestion/(\d+)/", jury_url).group(1))
    page.goto(live_server.url + reverse("juries:score", args=[jury_id, dossier.pk]))
    page.locator("#score_A").select_option("4")
    page.locator("#comment_A").fill("Un besoin réel des agents.")
    page.locator("#id_opinion").fill("À financer.")
    page.locator("#id_recommendation").select_option("fund")
    page.get_by_role("button", name="Transmettre l'évaluation").click()
    expect(page.get_by_text("Évaluation transmise.")).to_be_visible()

    # Staff retain it for 30 000 €.
    as_user(page, live_server, staff.email, "juries:staff_ranking", jury_id)
    page.locator(f"#kind_{dossier.pk}").select_option("selected")
    page.locator(f"#amount_{dossier.pk}").fill("30000")
    page.get_by_role("button", name="Vérifier toutes les décisions").click()
    page.get_by_role("button", name="Confirmer et enregistrer la délibération").click()
    expect(page.get_by_text("Délibération enregistrée")).to_be_visible()

    # Staff generate the convention and prepare it: the milestone comes from the dossier, dates and tranches are set.
    project_url = live_server.url + reverse("funding:convention", args=[dossier.pk])
    page.goto(project_url)
    page.get_by_role("button", name="Générer la convention").click()
    expect(status(page)).to_contain_text("Nouvelle version de la convention générée")
    page.get_by_role("link", name="Préparer : dates, jalons et tranches").click()
    assert_accessible(page)
    expect(page.get_by_label("Jalon (jalon 1)")).to_have_value("Guichet ouvert aux agents pilotes")
    expect(page.get_by_label("Livrable attendu (jalon 1)")).to_have_value("Service en ligne et bilan d'usage")
    page.get_by_label("Avance à la signature (€)").fill("9000")
    page.get_by_label("Tranche libérée (€) (jalon 1)").fill("15000")
    page.get_by_label("Solde sur rapport final (€)").fill("5000")
    page.get_by_role("button", name="Enregistrer la préparation").click()
    # The schedule must add up to the grant: refused with the figures, nothing written.
    expect(page.get_by_role("alert")).to_contain_text("il manque 1")
    page.get_by_label("Solde sur rapport final (€)").fill("6000")
    page.get_by_role("button", name="Enregistrer la préparation").click()
    expect(status(page)).to_contain_text("Convention préparée")
    expect(page.locator("#in-force")).to_contain_text("Entrera en vigueur à sa contresignature")
    page.reload()
    page.get_by_role("button", name="Envoyer au porteur pour signature").click()
    expect(status(page)).to_contain_text("Convention envoyée au porteur")

    # The applicant reads the milestones and the tranche each releases, then signs.
    as_user(page, live_server, carrier.email, "funding:my_projects")
    page.get_by_role("link", name="GUICHET-UNIQUE").click()
    milestones = page.locator("section[aria-labelledby=milestones-title]")
    expect(milestones).to_contain_text("Guichet ouvert aux agents pilotes")
    expect(milestones).to_contain_text("15 000,00")
    assert_accessible(page)
    page.get_by_text("J'approuve la convention au nom du porteur").click()
    page.get_by_role("button", name="Signer", exact=True).click()
    expect(status(page)).to_contain_text("Convention signée")

    # The operator countersigns: in force at once, and the advance is paid right away.
    as_user(page, live_server, operator.email)
    page.goto(project_url)
    page.get_by_role("button", name="Contresigner la convention").click()
    expect(status(page)).to_contain_text("Convention contresignée")
    expect(page.locator("#in-force")).to_contain_text(f"En vigueur depuis le {timezone.localdate():%d/%m/%Y}")
    page.get_by_role("link", name="Enregistrer un paiement : Avance à la signature").click()
    page.get_by_label("Date du paiement").fill(timezone.localdate().isoformat())
    page.get_by_label("Montant (€)").fill("9000")
    page.get_by_label("Référence").fill("VIR-AVANCE-1")
    page.get_by_role("button", name="Enregistrer le paiement").click()
    expect(status(page)).to_contain_text("Paiement enregistré")

    # The applicant declares the milestone; staff validate it.
    as_user(page, live_server, carrier.email)
    page.goto(project_url)
    page.get_by_role("link", name="Déclarer atteint : Guichet ouvert aux agents pilotes").click()
    page.get_by_label("Ce qui a été réalisé").fill("Le guichet est ouvert à cent agents pilotes.")
    page.get_by_role("button", name="Déclarer le jalon atteint").click()
    expect(status(page)).to_contain_text("déclaré")
    as_user(page, live_server, staff.email)
    page.goto(project_url)
    page.get_by_role("link", name="Examiner : Guichet ouvert aux agents pilotes").click()
    page.get_by_text("Valider le jalon").click()
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(status(page)).to_contain_text("validé")

    # The operator pays the milestone's tranche.
    as_user(page, live_server, operator.email)
    page.goto(project_url)
    page.get_by_role(
        "link", name="Enregistrer un paiement : Tranche sur jalon : Guichet ouvert aux agents pilotes"
    ).click()
    page.get_by_label("Date du paiement").fill(timezone.localdate().isoformat())
    page.get_by_label("Montant (€)").fill("15000")
    page.get_by_label("Référence").fill("VIR-JALON-1")
    page.get_by_role("button", name="Enregistrer le paiement").click()
    expect(status(page)).to_contain_text("Paiement enregistré")
    assert_accessible(page)
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [Decimal("9000"), Decimal("15000")]
    assert Convention.objects.get(dossier=dossier).status == Convention.Status.IN_FORCE

    # The laureate is public.
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("laureates:list"))
    expect(page.locator("main")).to_contain_text("Un guichet unique pour les démarches des agents")
    expect(page.locator("main")).to_contain_text("30 000")
