"""A juror declares interests and scores two dossiers, the chair writes a consensus, staff record the
deliberation, and the applicant sees the decision. Every page is checked with axe."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from applications.models import Dossier
from juries import selectors
from juries.models import Assignment, Deliberation
from juries.services import conflicts, evaluation, juries
from tests.e2e.test_staff_call_setup import log_in
from tests.juries.conftest import dossiers, jury, members, programme, session, sheet, staff, theme  # noqa: F401 (fixtures)
from tests.juries.test_query_counts import populate

pytestmark = pytest.mark.django_db(transaction=True)


def switch_user(page, live_server, email: str) -> None:
    page.context.clear_cookies()
    log_in(page, live_server, email)


def score_dossier(page, live_server, assert_accessible, jury, dossier, a: str) -> None:
    page.goto(live_server.url + reverse("juries:score", args=[jury.pk, dossier.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text(dossier.reference)
    page.locator("#score_A").select_option(a)
    page.locator("#comment_A").fill("Besoin des usagers bien documenté.")
    page.locator("#score_B1").select_option("na")
    page.locator("#comment_B1").fill("Équipe non encore constituée.")
    page.locator("#score_B2").select_option("6")
    page.locator("#comment_B2").fill("Calendrier réaliste.")
    expect(page.locator("#sheet-status")).to_contain_text("Note pondérée")
    page.locator("#id_opinion").fill("Projet utile et réaliste.")
    page.locator("#id_recommendation").select_option("fund")
    assert_accessible(page)
    page.get_by_role("button", name="Transmettre l'évaluation").click()
    expect(page.get_by_text("Évaluation transmise.")).to_be_visible()


def test_jury_journey(page, live_server, assert_accessible, staff, jury, members, dossiers):
    chair, juror, _ = members
    first, second, third = dossiers
    juries.jury_dossiers_add(actor=staff, jury=jury)
    for dossier in (first, second):
        Assignment.objects.create(member=juror, dossier=dossier)
        Assignment.objects.create(member=chair, dossier=dossier)
        conflicts.conflict_declare(actor=chair.user, member=chair, dossier=dossier, status="none", reason="Aucun lien.")
        chair_assignment = Assignment.objects.get(member=chair, dossier=dossier)
        evaluation.evaluation_save(
            actor=chair.user, assignment=chair_assignment, scores=sheet(a="2"), opinion="Moyen.", recommendation="hear"
        )
        evaluation.evaluation_submit(actor=chair.user, assignment=chair_assignment)

    # The juror declares: no conflict on the two assigned dossiers, a conflict on the third.
    log_in(page, live_server, juror.user.email)
    page.goto(live_server.url + reverse("juries:my_queue"))
    expect(page.get_by_role("heading", level=1)).to_have_text(jury.name)
    expect(page.get_by_text("à déclarer").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Déclarer mes intérêts").click()
    assert_accessible(page)
    for dossier, status in ((first, "none"), (second, "none"), (third, "conflict")):
        section = page.locator(f"#dossier-{dossier.pk}")
        section.locator(f"label[for={status}-{dossier.pk}]").click()
        if status == "conflict":
            section.get_by_label("Motif").fill("J'ai travaillé avec ce porteur.")
        # Wait for the page the form posts to, so the next section is looked up on it, not on the old one.
        with page.expect_navigation():
            section.get_by_role("button", name="Enregistrer").click()
        expect(
            page.locator(".fr-alert, .fr-notice")
            .filter(has_text="Conflit déclaré" if status == "conflict" else dossier.reference)
            .first
        ).to_be_visible()
    expect(page.get_by_text("1 dossier déclaré en conflit")).to_be_visible()
    assert third.reference not in page.content()

    # Scores, with the snapshot beside the grid; then the queue shows the jury's progress.
    score_dossier(page, live_server, assert_accessible, jury, first, "4")
    score_dossier(page, live_server, assert_accessible, jury, second, "3")
    expect(page.get_by_text("Évaluations des autres membres")).to_be_visible()
    page.goto(live_server.url + reverse("juries:queue", args=[jury.pk]))
    expect(page.get_by_text("2/2 évaluations").first).to_be_visible()
    assert page.goto(live_server.url + reverse("juries:score", args=[jury.pk, third.pk])).status == 404

    # The chair writes the consensus on the first dossier.
    switch_user(page, live_server, chair.user.email)
    page.goto(live_server.url + reverse("juries:consensus", args=[jury.pk, first.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Consensus")
    assert_accessible(page)
    page.locator("#score_A").select_option("3.5")
    page.locator("#comment_A").fill("Consensus : intérêt réel.")
    page.locator("#score_B1").select_option("5")
    page.locator("#comment_B1").fill("Équipe à renforcer.")
    page.locator("#score_B2").select_option("6")
    page.locator("#comment_B2").fill("Calendrier tenable.")
    page.locator("#id_opinion").fill("Le jury recommande de financer.")
    page.locator("#id_recommendation").select_option("fund")
    page.get_by_role("button", name="Enregistrer le consensus").click()
    expect(page.get_by_text("Consensus enregistré.")).to_be_visible()

    # Staff check the totals against the envelope, then record.
    switch_user(page, live_server, staff.email)
    for url in (reverse("juries:staff_list"), reverse("juries:instruction_review", args=[third.pk])):
        page.goto(live_server.url + url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page)
    page.goto(live_server.url + reverse("juries:staff_jury", args=[jury.pk]))
    assert_accessible(page)
    page.get_by_role("link", name="Classement et délibération").click()
    assert_accessible(page)
    page.locator(f"#kind_{first.pk}").select_option("selected")
    page.locator(f"#amount_{first.pk}").fill("30000")
    # The slice is kept on the server in place (htmx), the total over the whole jury follows.
    page.get_by_role("button", name="Enregistrer la tranche").click()
    expect(page.locator("#deliberation [role=status]")).to_contain_text("1 décision de la tranche enregistrée")
    expect(page.locator("#deliberation .fr-callout")).to_contain_text("30 000")
    assert_accessible(page)
    page.get_by_role("button", name="Vérifier toutes les décisions").click()
    expect(page.locator(".fr-alert--warning")).to_contain_text("Retenu : 1 dossier")
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer et enregistrer la délibération").click()
    expect(page.get_by_text("Délibération enregistrée")).to_be_visible()
    assert Deliberation.objects.get(jury=jury).granted_total == Decimal("30000")

    # The applicant sees the decision.
    switch_user(page, live_server, Dossier.objects.get(pk=first.pk).created_by.email)
    page.goto(live_server.url + f"/dossiers/{first.pk}/")
    expect(page.get_by_text("Retenu").first).to_be_visible()
    assert_accessible(page)


def test_a_large_jury_deliberates_slice_by_slice_with_the_keyboard(
    page, live_server, assert_accessible, staff, jury, members, session
):
    """120 dossiers: each page carries 50 rows; a slice saved in place (htmx) counts in the envelope's
    total shown on every other slice; the decisions of both slices are recorded at once, confirmed."""
    populate(jury, members, session, 120, 0)
    ranked = [row.dossier_id for row in selectors.ranking(jury)]
    log_in(page, live_server, staff.email)
    page.goto(live_server.url + reverse("juries:staff_ranking", args=[jury.pk]))
    expect(page.locator("table caption")).to_contain_text("rangs 1 à 50 sur 120")
    assert page.locator("select[name^=kind_]").count() == 50
    assert_accessible(page)
    page.locator(f"#kind_{ranked[0]}").select_option("selected")
    page.locator(f"#amount_{ranked[0]}").fill("25000")
    page.get_by_role("button", name="Enregistrer la tranche").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#deliberation [role=status]")).to_contain_text("1 décision de la tranche enregistrée")
    # To the third slice by rank, with the keyboard only.
    page.locator("#rang").focus()
    page.keyboard.type("107")
    page.keyboard.press("Enter")
    expect(page.locator("table caption")).to_contain_text("rangs 101 à 120 sur 120")
    expect(page.locator("#deliberation .fr-callout")).to_contain_text("25 000,00")
    page.locator(f"#kind_{ranked[110]}").select_option("reserve")
    page.get_by_role("button", name="Vérifier toutes les décisions").click()
    expect(page.locator(".fr-alert--warning")).to_contain_text("Retenu : 1 dossier")
    expect(page.locator(".fr-alert--warning")).to_contain_text("Liste complémentaire : 1 dossier")
    assert_accessible(page)
    page.get_by_role("link", name="Première page").click()
    expect(page.locator("table caption")).to_contain_text("rangs 1 à 50 sur 120")
    expect(page.locator(f"#amount_{ranked[0]}")).to_have_value("25 000,00")
    assert not Deliberation.objects.exists()
    page.get_by_role("button", name="Vérifier toutes les décisions").click()
    page.get_by_role("button", name="Confirmer et enregistrer la délibération").click()
    expect(page.get_by_text("Délibération enregistrée")).to_be_visible()
    recorded = Deliberation.objects.get(jury=jury)
    assert recorded.granted_total == Decimal("25000") and recorded.decisions.count() == 2
