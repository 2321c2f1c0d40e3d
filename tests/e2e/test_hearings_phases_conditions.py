"""The second wave's pages in the browser, each checked with axe: staff schedule a hearing and the carrier
answers it; staff extend an open session; the carrier plans the phases of a SNAP4 project beyond its cap and
is told by how much; staff lift a decision's condition."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from applications.services import drafting
from applications.workflow import DossierState
from calls.rules import load_rules
from juries.models import Decision, DecisionCondition, Deliberation, Hearing, JuryDossier
from juries.services import juries
from portal.models import Role
from portal.services import role_assign
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.e2e.test_funding_journey import log_in, status
from tests.portal.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_hearing_session_extension_phases_and_conditions(page, live_server, assert_accessible):
    theme = ThemeFactory(code="SNAP4", funding_rule=load_rules()["SNAP4"].to_dict())
    now = timezone.now()
    session = SessionFactory(theme=theme, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=5))
    staff = UserFactory()
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=theme.call.programme)
    member = MembershipFactory(organisation__kind="ministere")
    jury = juries.jury_create(actor=staff, call=theme.call, theme=theme, session=session, name="Comité SNAP4")
    heard = DossierFactory(
        session=session, organisation=member.organisation, state=DossierState.UNDER_EVALUATION, acronym="HEARD"
    )
    JuryDossier.objects.create(jury=jury, dossier=heard)

    # Staff schedule the hearing; the carrier asks for another slot.
    log_in(page, live_server, staff.email)
    page.goto(live_server.url + reverse("juries:staff_hearings", args=[jury.pk]))
    assert_accessible(page)
    slot = (timezone.localtime() + timedelta(days=8)).replace(hour=10, minute=0)
    form = page.locator(f"section[aria-labelledby=dossier-{heard.pk}]")
    form.get_by_label("Date et heure (heure de Paris)").fill(slot.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Lien de visioconférence").fill("https://visio.example/snap4")
    form.get_by_role("button", name=re.compile("^Programmer et inviter le porteur")).click()
    expect(status(page)).to_contain_text("le porteur est invité par e-mail")
    hearing = Hearing.objects.get()
    log_in(page, live_server, member.user.email)
    page.goto(live_server.url + reverse("juries:hearing_answer", args=[hearing.pk]))
    assert_accessible(page)
    page.locator("main label", has_text="Je demande un autre créneau").click()
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.locator("main")).to_contain_text("Indiquez les créneaux qui vous conviennent.")
    page.locator("main label", has_text="Je demande un autre créneau").click()
    page.get_by_label(re.compile("^Créneaux qui vous conviennent")).fill("Le jeudi suivant, l'après-midi.")
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(status(page)).to_contain_text("Réponse transmise")
    expect(page.locator("main")).to_contain_text("Autre créneau demandé")

    # The carrier plans three phases beyond the 8 M€ cap: refused with the figures, then within it.
    dossier = drafting.dossier_start(
        actor=member.user,
        session=session,
        organisation=member.organisation,
        acronym="USAGER",
        title="Usager",
        summary=".",
    )
    page.goto(live_server.url + reverse("applications:phased_project", args=[dossier.project_id]))
    assert_accessible(page)
    for number, (label, amount) in enumerate(
        [("Expérimentation", "3 000 000"), ("Passage à l'échelle", "3 000 000")], start=1
    ):
        page.get_by_label(f"Phase (phase {number})", exact=True).fill(label)
        page.get_by_label(f"Montant demandé (€) (phase {number})").fill(amount)
    page.get_by_role("button", name="Enregistrer les phases").click()
    expect(status(page)).to_contain_text("Phases du projet enregistrées")
    page.get_by_label("Phase (phase 3)", exact=True).fill("Généralisation")
    page.get_by_label("Montant demandé (€) (phase 3)").fill("3 000 000")
    page.get_by_label("Jalons de la phase (phase 3)").fill("12 ; Dix ministères raccordés ; rapport")
    page.get_by_role("button", name="Enregistrer les phases").click()
    expect(page.get_by_role("alert")).to_contain_text("(1 000 000,00 € de trop)")
    assert_accessible(page)
    page.get_by_label("Montant demandé (€) (phase 3)").fill("2 000 000")
    page.get_by_role("button", name="Enregistrer les phases").click()
    expect(status(page)).to_contain_text("Phases du projet enregistrées")
    expect(page.locator("main")).to_contain_text("Dix ministères raccordés")

    # Staff extend the open session, with a reason.
    log_in(page, live_server, staff.email)
    page.goto(live_server.url + reverse("calls_staff:theme_detail", args=[theme.call_id, theme.pk]))
    page.get_by_role("link", name=f"Prolonger : {session.name}").click()
    assert_accessible(page)
    page.get_by_label("Nouvelle clôture (jj/mm/aaaa ou jj/mm/aaaa hh:mm)").fill(
        f"{(session.closes_at + timedelta(days=10)):%d/%m/%Y}"
    )
    page.get_by_label(re.compile("^Motif")).fill("Incident technique du dernier jour.")
    page.get_by_role("button", name="Prolonger la session").click()
    expect(status(page)).to_contain_text("La session est prolongée")
    expect(page.locator("main")).to_contain_text("Incident technique du dernier jour.")

    # A decision under conditions: staff lift one from the project page.
    funded = DossierFactory(
        session=session,
        organisation=member.organisation,
        state=DossierState.SELECTED,
        granted_amount=Decimal("1000000"),
    )
    deliberation = Deliberation.objects.create(jury=jury, recorded_at=timezone.now(), recorded_by=staff)
    decision = Decision.objects.create(
        deliberation=deliberation, dossier=funded, kind=Decision.Kind.CONDITIONAL, granted_amount=Decimal("1000000")
    )
    DecisionCondition.objects.create(decision=decision, order=1, text="Comité de pilotage constitué")
    page.goto(live_server.url + reverse("funding:convention", args=[funded.pk]))
    expect(page.locator("main")).to_contain_text("à lever : retient les versements")
    assert_accessible(page)
    page.get_by_role("link", name="Lever la condition : Comité de pilotage constitué").click()
    assert_accessible(page)
    page.get_by_label("Ce qui lève la condition").fill("Arrêté de constitution reçu le 2 mars.")
    page.get_by_role("button", name="Lever la condition").click()
    expect(status(page)).to_contain_text("Condition « Comité de pilotage constitué » levée")
    expect(page.locator("main")).to_contain_text("Arrêté de constitution reçu le 2 mars.")
