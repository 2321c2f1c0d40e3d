"""An instructor's day: the manager organises a group and its routing rule in the browser, the deposited
dossier reaches the group's queue, the instructor takes it, annotates it privately, asks an outside expert's
opinion; the expert (a second browser) accepts the invitation, declares no interest and answers; the
instructor reads the answer, declares the dossier eligible from its staff page and exports its archive for
a control body (checked against its manifest). Every page is checked with axe.

Each step is a function of the `Day` it works on: a new step of the day (exporting the archive…) is one
more function called at the end of `test_an_instructors_day`.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import Dossier, OpinionRequest, PrivateNote
from applications.services import annotations, submission
from portal.models import OutboxMessage, Role
from portal.services import role_assign
from tests.applications.conftest import member, pdf_file, ready_to_submit, session, theme  # noqa: F401
from tests.e2e.test_control_archive import export_dossier_archive
from tests.e2e.test_staff_call_setup import log_in
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def switch_user(page, live_server, email: str) -> None:
    page.context.clear_cookies()
    log_in(page, live_server, email)


@dataclass
class Day:
    page: object
    live_server: object
    assert_accessible: object
    dossier: Dossier
    instructor: object

    def url(self, name: str, *args) -> str:
        return self.live_server.url + reverse(name, args=args)


EXPERT_EMAIL = "experte@universite.example.fr"
ANSWER = "Le calendrier est tenable ; la gouvernance mérite d'être précisée."


def ask_an_outside_expert(day: Day) -> None:
    """From the dossier's instruction area, the instructor asks an outside expert, shared with the jury."""
    page = day.page
    page.goto(day.url("applications:staff_dossier", day.dossier.pk))
    page.get_by_role("link", name="Avis d'experts").first.click()
    day.assert_accessible(page)
    page.get_by_label("Adresse e-mail de l'expert·e").fill(EXPERT_EMAIL)
    page.get_by_label("Question posée").fill("Le calendrier du projet est-il réaliste ?")
    due = timezone.localtime() + timedelta(days=7)
    page.get_by_label("Avis attendu avant le (heure de Paris)").fill(due.strftime("%Y-%m-%dT%H:%M"))
    page.locator("label", has_text="équipe du programme et jury").click()
    page.get_by_role("button", name="Demander l'avis").click()
    expect(page.get_by_text(f"Demande d'avis envoyée à {EXPERT_EMAIL}.")).to_be_visible()
    day.assert_accessible(page)


def the_expert_answers(day: Day) -> None:
    """The expert, in a browser of their own, follows the e-mail's link, declares no interest and answers."""
    UserFactory(email=EXPERT_EMAIL)  # their account, made at sign-up (whose e-mail confirmation is not the point)
    link = OutboxMessage.objects.get(event="opinion_requested", to_email=EXPERT_EMAIL).link
    context = day.page.context.browser.new_context(base_url=day.live_server.url)
    expert = context.new_page()
    try:
        log_in(expert, day.live_server, EXPERT_EMAIL)
        expert.goto(day.live_server.url + link)
        day.assert_accessible(expert)
        expert.get_by_role("button", name="Accepter l'invitation").click()
        expect(expert.get_by_role("heading", name="Déclaration d'intérêts")).to_be_visible()
        day.assert_accessible(expert)
        expert.locator("label", has_text="Non, je n'ai aucun intérêt lié").click()
        expert.get_by_role("button", name="Enregistrer ma déclaration").click()
        expect(expert.get_by_text("Déclaration enregistrée : vous pouvez consulter le dossier.")).to_be_visible()
        expect(expert.get_by_text(day.dossier.title).first).to_be_visible()
        day.assert_accessible(expert)
        expert.get_by_label("Votre avis").fill(ANSWER)
        expert.locator("label", has_text="réservé").click()
        expert.get_by_role("button", name="Transmettre mon avis").click()
        expect(expert.get_by_text("Avis transmis. Merci.")).to_be_visible()
        day.assert_accessible(expert)
    finally:
        context.close()
    assert OpinionRequest.objects.get(dossier=day.dossier).position == "reserved"


def the_instructor_reads_the_answer(day: Day) -> None:
    page = day.page
    page.goto(day.url("applications:staff_dossier", day.dossier.pk))
    expect(page.get_by_text(ANSWER).first).to_be_visible()
    expect(page.get_by_role("heading", name=f"Avis réservé de {EXPERT_EMAIL}")).to_be_visible()
    page.goto(day.url("applications:instruction_queue"))
    expect(page.get_by_test_id("opinion-counts")).to_have_text("1 / 1")


def test_an_instructors_day(
    page, live_server, assert_accessible, tmp_path, session, member, pdf_file, django_capture_on_commit_callbacks
):
    theme = session.theme
    programme = theme.call.programme
    manager, instructor = (
        UserFactory(email="pilote@programme.gouv.fr"),
        UserFactory(email="instructeur@programme.gouv.fr"),
    )
    for user in (manager, instructor):
        role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    annotations.call_annotation_field_add(
        actor=manager, call=theme.call, key="avis_technique", label="Avis technique", kind="short_text"
    )

    # The manager organises the instruction: a group, its instructor, a rule by theme.
    log_in(page, live_server, manager.email)
    page.goto(live_server.url + reverse("applications:instruction_queue"))
    assert_accessible(page)
    page.get_by_role("link", name=f"Groupes d'instruction et règles d'orientation — {programme.name}").click()
    page.get_by_label("Nom du groupe").fill("Services numériques")
    page.get_by_role("button", name="Créer le groupe").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Services numériques")
    assert_accessible(page)
    page.get_by_label("Adresse e-mail d'un membre de l'équipe du programme").fill(instructor.email)
    page.get_by_role("button", name="Ajouter au groupe").click()
    expect(page.get_by_text("Membre ajouté au groupe.")).to_be_visible()
    page.get_by_label("Thème").select_option(label=f"ITN6 — {theme.call.title}")
    page.get_by_role("button", name="Ajouter la règle").click()
    expect(page.get_by_text("Règle d'orientation ajoutée.")).to_be_visible()

    # A dossier is deposited by its carrier: the rule routes it to the group at submission.
    (draft,) = ready_to_submit(session=session, member=member, pdf_file=pdf_file, count=1, acronym="DEMAT")
    with django_capture_on_commit_callbacks(execute=True):  # the receipt's task runs on commit
        submission.dossier_submit(actor=member.user, dossier=draft, declaration=True)
    dossier = Dossier.objects.get(pk=draft.pk)
    assert Dossier.objects.get(pk=dossier.pk).instruction_group.name == "Services numériques"

    # The instructor finds it among the group's dossiers to assign, and takes it.
    switch_user(page, live_server, instructor.email)
    page.goto(live_server.url + reverse("applications:instruction_queue"))
    expect(page.get_by_text("Aucun dossier dans cette vue.")).to_be_visible()
    page.get_by_role("link", name="À attribuer dans mes groupes").click()
    assert_accessible(page)
    page.get_by_role("link", name=dossier.reference).click()
    page.get_by_role("button", name="Me l'attribuer").click()
    expect(page.get_by_text("Le dossier vous est attribué.")).to_be_visible()
    assert_accessible(page)
    page.goto(live_server.url + reverse("applications:instruction_queue"))
    expect(page.get_by_role("link", name="Déposé (1)")).to_be_visible()

    # Private annotations: a field of the call and a note.
    page.get_by_role("link", name=dossier.reference).click()
    page.get_by_role("link", name="Annotations privées").click()
    assert_accessible(page)
    page.get_by_label("Avis technique").fill("Solide")
    page.get_by_role("button", name="Enregistrer les champs privés").click()
    expect(page.get_by_text("Champs privés enregistrés.")).to_be_visible()
    page.get_by_label("Note privée").fill("Vérifier la lettre d'engagement.")
    page.get_by_role("button", name="Ajouter la note").click()
    expect(page.get_by_text("Note privée ajoutée.")).to_be_visible()
    assert PrivateNote.objects.filter(dossier=dossier, author=instructor).exists()

    day = Day(page, live_server, assert_accessible, dossier, instructor)
    ask_an_outside_expert(day)
    the_expert_answers(day)
    the_instructor_reads_the_answer(day)

    # Completeness and eligibility, from the dossier's instruction area: satisfied checks need no reason.
    page.goto(day.url("applications:staff_dossier", dossier.pk))
    page.get_by_role("link", name="Complétude et recevabilité").click()
    assert_accessible(page)
    for radio in page.locator("input[type=radio][value=ok]").all():
        radio.check(force=True)
    page.locator("label[for=outcome_eligible]").click()
    page.get_by_role("button", name="Enregistrer la décision de recevabilité").click()
    expect(page.get_by_text(f"Dossier {dossier.reference} instruit.")).to_be_visible()
    assert Dossier.objects.get(pk=dossier.pk).state == "eligible"

    # The whole dossier for a control body: its archive, every file checked against the manifest.
    page.goto(day.url("applications:staff_dossier", dossier.pk))
    manifest = export_dossier_archive(page, assert_accessible, tmp_path)
    assert {entry["kind"] for entry in manifest} == {"dossier_pdf", "piece", "recepisse"}
