"""The applicant's and staff's dossier pages, through the test client: permission matrix, then journeys."""

import html
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Attachment, DossierPartner
from portal.models import OutboxMessage, Role
from portal.services import role_assign
from tests.applications.conftest import complete
from tests.calls.model_factories import ProgrammeFactory
from tests.portal.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page as a reader sees it: entities decoded, the narrow spaces of French numbers made plain."""
    return html.unescape(response.content.decode()).replace("\u202f", " ").replace("\xa0", " ")


class _Forms(HTMLParser):
    """The values a browser would post from each form of a page (no JavaScript)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select = self._textarea = None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({})
        elif not self.forms:
            return
        elif tag == "input" and attrs.get("name") and attrs.get("type") not in ("file", "submit"):
            if attrs.get("type") not in ("checkbox", "radio"):
                self.forms[-1].setdefault(attrs["name"], attrs.get("value", ""))
            elif "checked" in attrs:
                self.forms[-1].setdefault(attrs["name"], attrs.get("value", "on"))
        elif tag == "select":
            self._select, self._first_option = attrs.get("name"), None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = attrs.get("value", "")
                self.forms[-1][self._select] = self._first_option
            if "selected" in attrs:
                self.forms[-1][self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self.forms[-1][self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.forms[-1][self._textarea] += data


def form_values(response, containing: str) -> dict:
    """The values of the page's form that has a field named `containing`."""
    parser = _Forms()
    parser.feed(response.content.decode())
    return next(form for form in parser.forms if containing in form)


def staff_of(programme):
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    return user


@pytest.fixture
def partner(dossier, member):
    from applications.services import drafting

    return drafting.partner_add(
        actor=member.user, dossier=dossier, organisation=OrganisationFactory(), role=DossierPartner.Role.PARTNER
    )


# --- Permission matrix --------------------------------------------------------------------------

GET, POST, BOTH = ("GET",), ("POST",), ("GET", "POST")


def routes(*rows):
    """(url name, extra url args, methods the view accepts), one test id per url name."""
    return [pytest.param(*row, id=row[0]) for row in rows]


APPLICANT_URLS = routes(
    ("dossier_detail", [], GET),
    ("project", [], BOTH),
    ("partner_add", [], POST),
    ("partner_remove", ["partner"], POST),
    ("section", ["projet"], BOTH),
    ("budget", [], BOTH),
    ("budget_export", [], GET),
    ("documents", [], BOTH),
    ("document_download", ["attachment"], GET),
    ("document_delete", ["attachment"], POST),
    ("team", [], BOTH),
    ("review", [], BOTH),
    ("receipt", [1], GET),
    ("messages", [], BOTH),
    ("complement_answer", [], BOTH),
    ("withdraw", [], BOTH),
)
STAFF_URLS = routes(
    ("staff_dossier", [], BOTH),
    ("complement_request", [], BOTH),
    ("staff_document_download", ["attachment"], GET),
)
# Posted to every POST url by outsiders: enough for any of the forms to be valid.
OUTSIDER_POST = {
    "body": "x",
    "reason": "x",
    "declaration": "on",
    "email": "x@exemple.gouv.fr",
    "acronym": "X",
    "title": "X",
    "message": "x",
    "parts": ["budget"],
    "due_at": "2099-01-01T12:00",
}


def url_of(name, extra, dossier, attachment, partner):
    objects = {"attachment": attachment.pk, "partner": partner.pk}
    return reverse(f"applications:{name}", args=[dossier.pk, *[objects.get(arg, arg) for arg in extra]])


@pytest.fixture
def submitted(dossier, member, pdf_file, partner, django_capture_on_commit_callbacks):
    """The fixture dossier, with a partner, completed and submitted (snapshot n°1, so the receipt URL exists)."""
    from applications.services import submission

    complete(dossier, member.user, pdf_file)
    with django_capture_on_commit_callbacks(execute=True):
        submission.dossier_submit(actor=member.user, dossier=dossier, declaration=True)
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def attachment(submitted):
    return submitted.attachments.get()


@pytest.mark.parametrize(("name", "extra", "methods"), APPLICANT_URLS)
def test_a_member_of_another_organisation_gets_404(client, submitted, attachment, partner, name, extra, methods):
    client.force_login(MembershipFactory().user)
    url = url_of(name, extra, submitted, attachment, partner)
    assert client.get(url).status_code == (404 if "GET" in methods else 405)
    if "POST" in methods:
        assert client.post(url, OUTSIDER_POST).status_code == 404
    submitted.refresh_from_db()
    assert submitted.state == "submitted" and not submitted.messages.exists() and not submitted.invitations.exists()
    assert Attachment.objects.filter(pk=attachment.pk).exists() and submitted.partners.exists()


@pytest.mark.parametrize(("name", "extra", "methods"), APPLICANT_URLS + STAFF_URLS)
def test_anonymous_is_sent_to_login(client, submitted, attachment, partner, name, extra, methods):
    url = url_of(name, extra, submitted, attachment, partner)
    for method in methods:
        response = getattr(client, method.lower())(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(("name", "extra", "methods"), STAFF_URLS)
def test_staff_pages_deny_applicants_and_other_programmes(
    client, submitted, attachment, partner, member, name, extra, methods
):
    url = url_of(name, extra, submitted, attachment, partner)
    for user, status in ((member.user, 403), (staff_of(ProgrammeFactory()), 404)):
        client.force_login(user)
        assert client.get(url).status_code == status
        if "POST" in methods:
            assert client.post(url, OUTSIDER_POST).status_code == status
    submitted.refresh_from_db()
    assert submitted.state == "submitted" and not submitted.messages.exists()
    client.force_login(staff_of(submitted.theme.call.programme))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(("name", "extra", "methods"), [param for param in APPLICANT_URLS if "GET" in param.values[2]])
def test_every_page_opens_for_a_member(client, submitted, attachment, partner, member, name, extra, methods):
    client.force_login(member.user)
    response = client.get(url_of(name, extra, submitted, attachment, partner))
    assert response.status_code == 200, text(response)[:2000]


def test_every_page_of_a_draft_opens_with_its_forms(client, dossier, member, partner, pdf_file):
    from applications.services import attachments

    attachment = attachments.attachment_upload(
        actor=member.user,
        dossier=dossier,
        required_document=dossier.theme.required_documents.get(),
        uploaded_file=pdf_file(),
    )
    client.force_login(member.user)
    for name, extra, methods in (param.values for param in APPLICANT_URLS):
        if "GET" not in methods or name == "receipt":
            continue
        response = client.get(url_of(name, extra, dossier, attachment, partner))
        assert response.status_code == 200, (name, text(response)[:2000])


# --- Start and sections ---------------------------------------------------------------------------


def test_start_a_dossier_from_the_start_page(client, session, member):
    client.force_login(member.user)
    url = reverse("applications:dossier_start", args=[session.pk])
    page = text(client.get(url))
    assert "Créer le brouillon" in page
    response = client.post(
        url,
        {
            "organisation": member.organisation.pk,
            "acronym": "DEMAT",
            "title": "Dématérialiser",
            "summary": "Résumé",
            "planned_start": "2027-01-01",
            "duration_months": "12",
        },
        follow=True,
    )
    dossier = member.organisation.dossiers.get()
    assert response.redirect_chain[-1][0] == reverse("applications:dossier_detail", args=[dossier.pk])
    assert dossier.acronym == "DEMAT" and dossier.duration_months == 12
    assert f"Brouillon {dossier.reference} créé" in text(response)


def test_start_requires_an_acronym_and_a_title_in_french(client, session, member):
    client.force_login(member.user)
    response = client.post(
        reverse("applications:dossier_start", args=[session.pk]), {"organisation": member.organisation.pk}
    )
    assert response.status_code == 200
    assert "Ce champ est obligatoire" in text(response)
    assert not member.organisation.dossiers.exists()


def section_url(dossier, key="projet"):
    return reverse("applications:section", args=[dossier.pk, key])


def test_section_full_post_saves_and_redirects(client, dossier, member):
    client.force_login(member.user)
    response = client.post(
        section_url(dossier),
        {"base_version": "0", "answers-probleme": "Trop de papier.", "answers-partenaires": "false"},
        follow=True,
    )
    assert "Section enregistrée à" in text(response)
    dossier.refresh_from_db()
    assert dossier.answers["probleme"] == "Trop de papier." and dossier.answers["partenaires"] is False
    page = text(response)
    assert "Trop de papier.</textarea>" in page
    assert "Obligatoire pour déposer le dossier. 500 caractères au maximum." in page


def test_section_htmx_post_returns_the_save_status(client, dossier, member):
    client.force_login(member.user)
    response = client.post(
        section_url(dossier), {"base_version": "0", "answers-probleme": "Trop de papier."}, HTTP_HX_REQUEST="true"
    )
    page = text(response)
    assert "Enregistré à" in page
    assert "<html" not in page
    dossier.refresh_from_db()
    assert f'value="{dossier.section_versions["projet"]}" data-new-base-version' in page


def test_section_field_error_in_french_and_other_fields_kept(client, dossier, member):
    client.force_login(member.user)
    response = client.post(
        section_url(dossier),
        {"base_version": "0", "answers-probleme": "Trop de papier.", "answers-usagers": "beaucoup"},
    )
    page = text(response)
    assert response.status_code == 200
    assert "Saisissez un nombre entier." in page
    assert 'value="beaucoup"' in page  # what was typed stays in the field
    dossier.refresh_from_db()
    assert dossier.answers["probleme"] == "Trop de papier." and "usagers" not in dossier.answers


def test_section_conflict_shows_the_other_version_and_loses_nothing(client, dossier, member):
    from applications.services import drafting

    drafting.dossier_save_section(
        actor=member.user,
        dossier=dossier,
        section_key="projet",
        base_version=0,
        raw_answers={"probleme": "Version d'Alice"},
    )
    colleague = MembershipFactory(organisation=member.organisation).user
    client.force_login(colleague)
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.post(
            section_url(dossier), {"base_version": "0", "answers-probleme": "Version de Bob"}, **headers
        )
        page = text(response)
        assert "Modification simultanée" in page
        assert "Version d'Alice" in page
        dossier.refresh_from_db()
        assert dossier.answers["probleme"] == "Version d'Alice"
    assert "Version de Bob" in text(
        client.post(section_url(dossier), {"base_version": "0", "answers-probleme": "Version de Bob"})
    )


# --- Budget ---------------------------------------------------------------------------------------


def budget_data(*amounts, base_version=0, **extra):
    data = {
        "base_version": str(base_version),
        "lines-TOTAL_FORMS": str(len(amounts)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        **extra,
    }
    for index, amount in enumerate(amounts):
        data.update(
            {
                f"lines-{index}-label": f"Prestation {index + 1}",
                f"lines-{index}-year": "2021",
                f"lines-{index}-phase": "",
                f"lines-{index}-category": "external_services",
                f"lines-{index}-source": "programme",
                f"lines-{index}-cofinancer_name": "",
                f"lines-{index}-amount": amount,
            }
        )
    return data


def test_budget_post_saves_and_re_evaluates_with_the_rule(client, dossier, member):
    client.force_login(member.user)
    url = reverse("applications:budget", args=[dossier.pk])
    response = client.post(url, budget_data("150 000"), follow=True)
    page = text(response)
    assert "Budget enregistré à" in page
    assert "Le budget ne respecte pas la règle" in page
    assert "Taille du projet hors de la fourchette attendue" in page and "100 000,00 €" in page
    assert dossier.budget_lines.get().amount == 150000
    # What the page shows can be posted back as is (no "2 021" for the year).
    assert 'value="2021"' in page and 'value="150 000,00"' in page
    dossier.refresh_from_db()
    response = client.post(
        url, budget_data("30 000,00", base_version=dossier.section_versions["_budget"]), HTTP_HX_REQUEST="true"
    )
    page = text(response)
    assert "<html" not in page
    assert "Le budget respecte la règle de cofinancement du thème." in page
    assert "Budget enregistré à" in page
    assert dossier.budget_lines.get().amount == 30000


@pytest.mark.parametrize("amount", ["-5", "abc"])
def test_budget_bad_amount_names_the_line_and_saves_nothing(client, dossier, member, amount):
    client.force_login(member.user)
    url = reverse("applications:budget", args=[dossier.pk])
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.post(url, budget_data("30000", amount), **headers)
        page = text(response)
        assert response.status_code == 200
        assert ("ligne 2 (montant (€))" if headers else "Ligne 2, montant (€)") in page
        assert "Budget enregistré" not in page
        assert ("négatif" in page) if amount == "-5" else ("Saisissez un montant" in page)
        assert not dossier.budget_lines.exists()


def test_budget_page_with_added_lines_posts_back_as_is(client, dossier, member):
    """A browser without JavaScript posts the whole table, blank added lines included."""
    client.force_login(member.user)
    url = reverse("applications:budget", args=[dossier.pk])
    client.post(url, budget_data("30000"))
    response = client.post(url, form_values(client.get(url), "lines-TOTAL_FORMS") | {"add_line": "1"}, follow=True)
    data = form_values(response, "lines-TOTAL_FORMS")
    assert data["lines-TOTAL_FORMS"] == "4"
    data.update({"lines-1-label": "Licences", "lines-1-category": "licences", "lines-1-amount": "2 000"})
    response = client.post(url, data, follow=True)
    assert "Budget enregistré à" in text(response)
    assert sorted(line.amount for line in dossier.budget_lines.all()) == [2000, 30000]
    # Unchanged, the page posts back unchanged.
    client.post(url, form_values(client.get(url), "lines-TOTAL_FORMS"))
    assert dossier.budget_lines.count() == 2


def test_budget_export_is_a_spreadsheet(client, dossier, member):
    from decimal import Decimal

    from applications.services import drafting

    drafting.budget_replace(
        actor=member.user,
        dossier=dossier,
        base_version=0,
        lines=[
            {
                "label": "Développement",
                "year": 2021,
                "phase": "",
                "category": "external_services",
                "source": "programme",
                "cofinancer_name": "",
                "amount": Decimal("30000"),
            }
        ],
    )
    client.force_login(member.user)
    response = client.get(reverse("applications:budget_export", args=[dossier.pk]))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(
        BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    ).active
    assert sheet["A2"].value == "Développement"


# --- Documents ------------------------------------------------------------------------------------


def test_document_upload_download_and_delete(client, dossier, member):
    from tests.portal.upload_corpus import pdf, upload

    client.force_login(member.user)
    url = reverse("applications:documents", args=[dossier.pk])
    document = dossier.theme.required_documents.get()
    response = client.post(url, {"document": document.pk, "file": upload("Lettre signée.pdf", pdf())}, follow=True)
    page = text(response)
    assert "Lettre d'engagement signée : fichier « Lettre signée.pdf » enregistré." in page
    attachment = dossier.attachments.get()
    download = client.get(reverse("applications:document_download", args=[dossier.pk, attachment.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert "Lettre" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == pdf()
    response = client.post(reverse("applications:document_delete", args=[dossier.pk, attachment.pk]), follow=True)
    assert "supprimé" in text(response)
    assert not dossier.attachments.exists()


@pytest.mark.parametrize("builder", ["windows_executable", "docm", "text_file"])
def test_a_refused_document_is_explained_and_leaves_the_dossier_unchanged(client, dossier, member, builder):
    from tests.portal import upload_corpus

    client.force_login(member.user)
    document = dossier.theme.required_documents.get()
    version = dossier.version
    response = client.post(
        reverse("applications:documents", args=[dossier.pk]),
        {"document": document.pk, "file": upload_corpus.upload("lettre.pdf", getattr(upload_corpus, builder)())},
        follow=True,
    )
    page = text(response)
    assert "Lettre d'engagement signée : fichier refusé." in page
    assert not Attachment.objects.exists()
    dossier.refresh_from_db()
    assert dossier.version == version


def test_the_calls_page_limit_is_enforced_on_upload(client, dossier, member):
    from tests.portal.upload_corpus import pdf, upload

    client.force_login(member.user)
    document = dossier.theme.required_documents.get()
    document.max_pages = 2
    document.save(update_fields=["max_pages"])
    url = reverse("applications:documents", args=[dossier.pk])

    page = text(client.post(url, {"document": document.pk, "file": upload("lettre.pdf", pdf(pages=3))}, follow=True))
    assert "Le document compte 3 pages, au-delà de la limite de 2 pages pour cette pièce" in page
    assert not Attachment.objects.exists()
    client.post(url, {"document": document.pk, "file": upload("lettre.pdf", pdf(pages=2))}, follow=True)
    assert dossier.attachments.get().original_name == "lettre.pdf"


def test_an_upload_without_a_file_is_explained(client, dossier, member):
    client.force_login(member.user)
    document = dossier.theme.required_documents.get()
    response = client.post(reverse("applications:documents", args=[dossier.pk]), {"document": document.pk}, follow=True)
    assert "choisissez un fichier" in text(response)


# --- Review, submission, receipt ------------------------------------------------------------------


def test_review_lists_the_blockers_and_offers_no_submit_button(client, dossier, member):
    client.force_login(member.user)
    page = text(client.get(reverse("applications:review", args=[dossier.pk])))
    assert "Le dossier ne peut pas encore être déposé" in page
    assert "« Problème résolu » (section « Le projet ») est obligatoire." in page
    assert "Pièce manquante : Lettre d'engagement signée." in page
    assert "Le budget est vide" in page
    assert "Déposer le dossier" not in page


def test_submit_without_the_declaration_is_refused_in_french(client, dossier, member, pdf_file):
    complete(dossier, member.user, pdf_file)
    client.force_login(member.user)
    url = reverse("applications:review", args=[dossier.pk])
    page = text(client.get(url))
    assert "Déposer le dossier" in page
    assert "Avec des partenaires ?" in page and "Lesquels ?" not in page  # hidden by its condition
    response = client.post(url, {})
    assert response.status_code == 200
    assert "Cochez la déclaration sur l'honneur pour déposer le dossier." in text(response)
    dossier.refresh_from_db()
    assert dossier.state == "draft" and not dossier.snapshots.exists()


def test_submit_freezes_a_snapshot_and_the_receipt_can_be_downloaded(
    client, dossier, member, pdf_file, django_capture_on_commit_callbacks
):
    complete(dossier, member.user, pdf_file)
    client.force_login(member.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("applications:review", args=[dossier.pk]), {"declaration": "on"}, follow=True)
    page = text(response)
    dossier.refresh_from_db()
    assert dossier.state == "submitted" and dossier.submitted_at is not None
    snapshot = dossier.snapshots.get()
    assert snapshot.number == 1 and snapshot.content["answers"]["probleme"] == "Trop de papier."
    assert "Dossier déposé le" in page
    assert "Déposé" in page and "accusé de réception (PDF)" in page
    receipt = client.get(reverse("applications:receipt", args=[dossier.pk, 1]))
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert b"".join(receipt.streaming_content).startswith(b"%PDF")
    # A second click finds the dossier already submitted: same snapshot, no error.
    client.post(reverse("applications:review", args=[dossier.pk]), {"declaration": "on"})
    assert dossier.snapshots.count() == 1
    # Submitted, the sections are read only.
    page = text(client.get(section_url(dossier)))
    assert "Cette section n'est pas modifiable" in page and "Trop de papier." in page
    assert '<dt class="fr-text--bold">Avec des partenaires ?</dt><dd>Non</dd>' in page
    response = client.post(section_url(dossier), {"base_version": "99", "answers-probleme": "Changé"}, follow=True)
    dossier.refresh_from_db()
    assert dossier.answers["probleme"] == "Trop de papier."


def test_receipt_not_generated_yet_says_to_retry(client, dossier, member, pdf_file):
    from applications.services import submission

    complete(dossier, member.user, pdf_file)
    submission.dossier_submit(actor=member.user, dossier=dossier, declaration=True)  # on_commit not run: no receipt yet
    client.force_login(member.user)
    response = client.get(reverse("applications:receipt", args=[dossier.pk, 1]))
    assert response.status_code == 503 and "réessayez" in response.content.decode()


# --- Staff: complements, messages; withdrawal ------------------------------------------------------


def request_complement(client, dossier, parts, message="Précisez le problème résolu."):
    due = (timezone.localtime() + timedelta(days=15)).strftime("%Y-%m-%dT%H:%M")
    return client.post(
        reverse("applications:complement_request", args=[dossier.pk]),
        {"message": message, "parts": parts, "due_at": due},
        follow=True,
    )


def test_complement_request_reopens_only_its_parts_until_the_answer(
    client, submitted, member, django_capture_on_commit_callbacks
):
    staff = staff_of(submitted.theme.call.programme)
    client.force_login(staff)
    page = text(client.get(reverse("applications:staff_dossier", args=[submitted.pk])))
    assert "Version déposée n°1" in page and "Demander des compléments" in page
    assert "<td>Prestations externes</td><td>Programme</td>" in page
    form_page = text(client.get(reverse("applications:complement_request", args=[submitted.pk])))
    assert "Le projet" in form_page and "Pièce : Lettre d'engagement signée" in form_page
    response = request_complement(client, submitted, ["section:projet"])
    assert "Demande de compléments envoyée au porteur." in text(response)
    submitted.refresh_from_db()
    assert submitted.state == "complement_requested"
    assert OutboxMessage.objects.filter(recipient=member.user, event="dossier_state_changed").exists()

    client.force_login(member.user)
    overview = text(client.get(reverse("applications:dossier_detail", args=[submitted.pk])))
    assert "Compléments demandés" in overview and "Précisez le problème résolu." in overview
    assert "à compléter" in overview
    reopened = text(client.get(section_url(submitted)))
    assert "Cette section n'est pas modifiable" not in reopened and 'name="answers-probleme"' in reopened
    closed = text(client.get(section_url(submitted, "equipe")))
    assert "Cette section n'est pas modifiable" in closed and 'name="answers-chef"' not in closed
    budget = text(client.get(reverse("applications:budget", args=[submitted.pk])))
    assert "Le budget n'est pas modifiable." in budget
    documents = text(client.get(reverse("applications:documents", args=[submitted.pk])))
    assert 'type="file"' not in documents
    # The closed section refuses a crafted post.
    client.post(section_url(submitted, "equipe"), {"base_version": "99", "answers-chef": "autre@example.gouv.fr"})
    submitted.refresh_from_db()
    assert submitted.answers["chef"] == "cheffe@example.gouv.fr"

    client.post(
        section_url(submitted),
        {
            "base_version": str(submitted.section_versions["projet"]),
            "answers-probleme": "Trop de papier et de délais.",
            "answers-partenaires": "false",
        },
    )
    assert "Transmettre les compléments" in text(
        client.get(reverse("applications:complement_answer", args=[submitted.pk]))
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("applications:complement_answer", args=[submitted.pk]), follow=True)
    assert "Compléments transmis le" in text(response)
    submitted.refresh_from_db()
    assert submitted.state == "submitted"
    second = submitted.snapshots.get(number=2)
    assert second.content["answers"]["probleme"] == "Trop de papier et de délais."
    assert client.get(reverse("applications:receipt", args=[submitted.pk, 2]))["Content-Type"] == "application/pdf"
    assert "Cette section n'est pas modifiable" in text(client.get(section_url(submitted)))
    client.force_login(staff)
    assert "Version déposée n°2" in text(client.get(reverse("applications:staff_dossier", args=[submitted.pk])))


def test_complement_request_needs_a_part_and_a_message(client, submitted):
    client.force_login(staff_of(submitted.theme.call.programme))
    response = request_complement(client, submitted, [], message="")
    assert "Ce champ est obligatoire" in text(response)
    submitted.refresh_from_db()
    assert submitted.state == "submitted"


def test_messages_both_ways_notify_the_other_side(client, submitted, member):
    staff = staff_of(submitted.theme.call.programme)
    client.force_login(member.user)
    response = client.post(
        reverse("applications:messages", args=[submitted.pk]), {"body": "Une question sur le budget."}, follow=True
    )
    assert "Message envoyé." in text(response) and "Une question sur le budget." in text(response)
    assert OutboxMessage.objects.filter(recipient=staff, event="dossier_message").count() == 1
    client.force_login(staff)
    page = text(client.get(reverse("applications:staff_dossier", args=[submitted.pk])))
    assert "Une question sur le budget." in page
    from tests.portal.upload_corpus import pdf, upload

    response = client.post(
        reverse("applications:staff_dossier", args=[submitted.pk]),
        {"body": "Voici la réponse.", "files": upload("reponse.pdf", pdf())},
        follow=True,
    )
    assert "Message envoyé au porteur." in text(response)
    assert OutboxMessage.objects.filter(recipient=member.user, event="dossier_message").count() == 1
    client.force_login(member.user)
    page = text(client.get(reverse("applications:messages", args=[submitted.pk])))
    assert "Voici la réponse." in page and "reponse.pdf" in page
    attachment = Attachment.objects.get(original_name="reponse.pdf")
    assert (
        client.get(reverse("applications:document_download", args=[submitted.pk, attachment.pk]))["Content-Type"]
        == "application/pdf"
    )
    # A message attachment is not one of the dossier's documents.
    assert "reponse.pdf" not in text(client.get(reverse("applications:documents", args=[submitted.pk])))


def test_an_empty_message_is_refused_in_french(client, submitted, member):
    client.force_login(member.user)
    response = client.post(reverse("applications:messages", args=[submitted.pk]), {"body": ""})
    assert "Ce champ est obligatoire" in text(response)
    assert not submitted.messages.exists()


def test_withdraw_asks_for_confirmation_then_withdraws(client, submitted, member):
    client.force_login(member.user)
    overview = text(client.get(reverse("applications:dossier_detail", args=[submitted.pk])))
    assert "Retirer le dossier" in overview
    page = text(client.get(reverse("applications:withdraw", args=[submitted.pk])))
    assert "Le retrait est définitif" in page and "Confirmer le retrait" in page
    submitted.refresh_from_db()
    assert submitted.state == "submitted"
    response = client.post(
        reverse("applications:withdraw", args=[submitted.pk]), {"reason": "Projet abandonné."}, follow=True
    )
    assert "Le dossier est retiré." in text(response)
    submitted.refresh_from_db()
    assert submitted.state == "withdrawn"
    assert submitted.state_changes.get(to_state="withdrawn").reason == "Projet abandonné."
    page = text(client.get(reverse("applications:dossier_detail", args=[submitted.pk])))
    assert "Retiré par le porteur" in page and "Retirer le dossier</a>" not in page
    response = client.post(reverse("applications:withdraw", args=[submitted.pk]), {})
    assert "impossible" in text(response)


# --- Project, partners, team -----------------------------------------------------------------------


def test_project_page_saves_and_shows_a_conflict(client, dossier, member):
    client.force_login(member.user)
    url = reverse("applications:project", args=[dossier.pk])
    data = form_values(client.get(url), "acronym")
    response = client.post(url, data | {"title": "Simplifier vraiment"}, follow=True)
    assert "Projet enregistré à" in text(response)
    dossier.refresh_from_db()
    assert dossier.title == "Simplifier vraiment" and dossier.summary == "Un résumé."
    # A colleague still on the old version: the other title is shown, theirs stays in the form.
    response = client.post(url, data | {"title": "Titre de Bob"})
    page = text(response)
    assert "Modification simultanée" in page and "Simplifier vraiment" in page and 'value="Titre de Bob"' in page
    dossier.refresh_from_db()
    assert dossier.title == "Simplifier vraiment"
    response = client.post(url, data | {"title": ""})
    assert "Ce champ est obligatoire" in text(response)


def test_partners_are_added_and_removed(client, dossier, member):
    other = OrganisationFactory(name="Agence partenaire")
    client.force_login(member.user)
    response = client.post(
        reverse("applications:partner_add", args=[dossier.pk]),
        {"organisation": other.pk, "role": "partner", "commitment": "5 000"},
        follow=True,
    )
    assert "Partenaire ajouté." in text(response) and "Agence partenaire" in text(response)
    partner = dossier.partners.get()
    assert partner.commitment == 5000
    response = client.post(
        reverse("applications:partner_add", args=[dossier.pk]),
        {"organisation": other.pk, "role": "co_carrier"},
        follow=True,
    )
    assert "groupement" in text(response)
    client.post(reverse("applications:partner_remove", args=[dossier.pk, partner.pk]))
    assert not dossier.partners.exists()


def test_a_placeholder_organisation_is_nobodys_partner(client, dossier, member):
    """The demo groups ETNA 2019's unnamed carriers under one organisation: never offered, never taken."""
    placeholder = OrganisationFactory(name="Candidats non retenus (ETNA 2019)", is_placeholder=True)
    client.force_login(member.user)
    assert "Candidats non retenus" not in text(client.get(reverse("applications:project", args=[dossier.pk])))
    response = client.post(
        reverse("applications:partner_add", args=[dossier.pk]),
        {"organisation": placeholder.pk, "role": "partner"},
        follow=True,
    )
    assert not dossier.partners.exists() and "Sélectionnez un choix valide" in text(response)


def test_where_the_call_names_no_piece_optional_annexes_are_offered_and_read(client, dossier, member):
    """The theme page says what the dossier asks; the applicant may join annexes that staff and jurors read."""
    from applications.selectors import dossier_pieces
    from applications.services import submission
    from tests.portal.upload_corpus import pdf, upload

    dossier.theme.required_documents.all().delete()
    call = dossier.theme.call
    call.status = "published"
    call.save(update_fields=["status"])
    theme_page = text(client.get(reverse("calls:theme_detail", args=[call.slug, dossier.theme.code])))
    assert "Annexes facultatives" in theme_page and "sera précisée" not in theme_page

    client.force_login(member.user)
    url = reverse("applications:documents", args=[dossier.pk])
    assert 'name="document" value="annexes"' in client.get(url).content.decode()
    page = text(client.post(url, {"document": "annexes", "file": upload("Plan.pdf", pdf())}, follow=True))
    assert "Annexes facultatives : fichier « Plan.pdf » enregistré." in page
    annex = dossier.attachments.get()
    assert annex.kind == "annexes" and annex.required_document is None
    assert [piece.kind_label for piece in dossier_pieces(dossier)] == ["Annexes facultatives"]
    # Optional: a dossier without annexes is not held back for them.
    annex.delete()
    assert not any("Annexes" in str(blocker.message) for blocker in submission.submission_blockers(dossier))


def test_team_invitation(client, dossier, member):
    client.force_login(member.user)
    url = reverse("applications:team", args=[dossier.pk])
    response = client.post(url, {"email": "collegue@exemple.gouv.fr"}, follow=True)
    assert "Invitation envoyée à collegue@exemple.gouv.fr." in text(response)
    assert "collegue@exemple.gouv.fr" in text(client.get(url))
    response = client.post(url, {"email": member.user.email})
    assert "déjà membre" in text(response)
    response = client.post(url, {"email": "pas-une-adresse"})
    assert "Saisissez une adresse de courriel valide." in text(response)


def test_budget_full_post_after_autosave_keeps_the_lines(client, dossier, member):
    """The page was drawn empty; autosave stored line 1; the final click posts the same table."""
    client.force_login(member.user)
    url = reverse("applications:budget", args=[dossier.pk])
    data = form_values(client.get(url), "lines-TOTAL_FORMS")
    assert data["lines-TOTAL_FORMS"] == "3" and data["lines-INITIAL_FORMS"] == "0"
    data.update(
        {
            "lines-0-label": "Développement",
            "lines-0-year": "2021",
            "lines-0-category": "external_services",
            "lines-0-source": "programme",
            "lines-0-amount": "30 000",
        }
    )
    client.post(url, data, HTTP_HX_REQUEST="true")
    dossier.refresh_from_db()
    data["base_version"] = str(dossier.section_versions["_budget"])  # as dossier.js does after the swap
    response = client.post(url, data, follow=True)
    assert "Budget enregistré à" in text(response)
    assert [line.amount for line in dossier.budget_lines.all()] == [30000]


def test_start_without_an_organisation_sends_to_the_organisation_page(client, session):
    client.force_login(UserFactory())
    response = client.get(reverse("applications:dossier_start", args=[session.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:organisation_choose"))


def test_a_closed_session_refuses_to_start_and_freezes_drafts(client, dossier, member, session):
    session.closes_at = timezone.now() - timedelta(minutes=1)
    session.save()
    client.force_login(member.user)
    page = text(client.get(reverse("applications:dossier_start", args=[session.pk])))
    assert "Cette session n'est pas ouverte au dépôt." in page and "Créer le brouillon" not in page
    response = client.post(
        reverse("applications:dossier_start", args=[session.pk]),
        {"organisation": member.organisation.pk, "acronym": "LATE", "title": "Trop tard"},
    )
    assert member.organisation.dossiers.count() == 1
    assert "pas ouverte" in text(response)
    overview = text(client.get(reverse("applications:dossier_detail", args=[dossier.pk])))
    assert "ce brouillon est figé et ne peut plus être déposé" in overview
    assert "Cette section n'est pas modifiable : la session est close" in text(client.get(section_url(dossier)))
    response = client.post(section_url(dossier), {"base_version": "0", "answers-probleme": "Trop tard"}, follow=True)
    assert "le brouillon est figé" in text(response)
    dossier.refresh_from_db()
    assert "probleme" not in dossier.answers
    assert "La session est close" in text(client.get(reverse("applications:review", args=[dossier.pk])))


def test_a_referents_invitation_link_makes_the_colleague_a_member(client, dossier, member):
    from applications.services import drafting

    member.is_referent = True
    member.save(update_fields=["is_referent"])
    invitation = drafting.invitation_send(actor=member.user, dossier=dossier, email="collegue@exemple.gouv.fr")
    colleague = UserFactory(email="collegue@exemple.gouv.fr")
    client.force_login(colleague)
    url = reverse("applications:invitation_accept", args=[invitation.token])
    assert "Accepter l'invitation" in text(client.get(url))
    response = client.post(url, follow=True)
    assert f"Vous pouvez maintenant compléter le dossier {dossier.reference}." in text(response)
    assert client.get(section_url(dossier)).status_code == 200
    response = client.post(url, follow=True)
    assert "Cette invitation n'est plus valable." in text(response)


def test_a_plain_members_invitation_asks_the_referents(client, dossier, member):
    """Only a référent (or an admin) grants membership: a colleague's invitation becomes a request."""
    from applications.services import drafting

    invitation = drafting.invitation_send(actor=member.user, dossier=dossier, email="collegue@exemple.gouv.fr")
    colleague = UserFactory(email="collegue@exemple.gouv.fr")
    client.force_login(colleague)
    response = client.post(reverse("applications:invitation_accept", args=[invitation.token]), follow=True)
    assert "est transmise à ses référents" in text(response)
    assert client.get(section_url(dossier)).status_code == 404


def test_budget_conflict_keeps_the_typed_table(client, dossier, member):
    client.force_login(member.user)
    url = reverse("applications:budget", args=[dossier.pk])
    client.post(url, budget_data("30000"))
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.post(url, budget_data("40000", "1000"), **headers)
        page = text(response)
        assert "Modification simultanée" in page and page.count("Modification simultanée") == 1
        assert "Prestation 1 (2021) : 30 000,00 €" in page  # their version
        assert [line.amount for line in dossier.budget_lines.all()] == [30000]
    assert 'value="40000"' in text(client.post(url, budget_data("40000", "1000")))


def test_submit_after_the_close_is_refused_with_the_closing_time(client, dossier, member, pdf_file, session):
    complete(dossier, member.user, pdf_file)
    session.closes_at = timezone.now() - timedelta(seconds=1)
    session.save()
    client.force_login(member.user)
    response = client.post(reverse("applications:review", args=[dossier.pk]), {"declaration": "on"})
    assert "Dépôt refusé : la session a clos le" in text(response)
    dossier.refresh_from_db()
    assert dossier.state == "draft"


def test_autosave_after_the_close_says_it_did_not_save(client, dossier, member, session):
    client.force_login(member.user)
    session.closes_at = timezone.now() - timedelta(seconds=1)
    session.save()
    response = client.post(
        section_url(dossier), {"base_version": "0", "answers-probleme": "Trop tard"}, HTTP_HX_REQUEST="true"
    )
    page = text(response)
    assert response.status_code == 200 and "<html" not in page
    assert "Non enregistré : La session a clos le" in page and "figé" in page
    response = client.post(
        reverse("applications:budget", args=[dossier.pk]), budget_data("30000"), HTTP_HX_REQUEST="true"
    )
    page = text(response)
    assert "<html" not in page and "Budget non enregistré : La session a clos le" in page
    assert not dossier.budget_lines.exists()


def test_start_refuses_an_organisation_the_user_does_not_belong_to(client, session, member):
    stranger = OrganisationFactory()
    client.force_login(member.user)
    response = client.post(
        reverse("applications:dossier_start", args=[session.pk]),
        {"organisation": stranger.pk, "acronym": "X", "title": "Au nom d'un autre"},
    )
    assert "Sélectionnez un choix valide" in text(response)
    assert not stranger.dossiers.exists()


def test_complement_request_proposes_a_due_date_and_refuses_a_past_one(client, submitted):
    client.force_login(staff_of(submitted.theme.call.programme))
    url = reverse("applications:complement_request", args=[submitted.pk])
    data = form_values(client.get(url), "due_at")
    proposed = timezone.localtime() + timedelta(days=15)
    assert data["due_at"].startswith(proposed.strftime("%Y-%m-%d"))
    response = client.post(url, {"message": "Le budget.", "parts": ["budget"], "due_at": "2020-01-01T12:00"})
    assert "La date limite doit être dans le futur." in text(response)
    submitted.refresh_from_db()
    assert submitted.state == "submitted"


def test_unread_messages_are_marked_new_once(client, submitted, member):
    from applications.services import exchanges

    exchanges.message_post(
        actor=staff_of(submitted.theme.call.programme), dossier=submitted, body="Question du programme."
    )
    client.force_login(member.user)
    url = reverse("applications:messages", args=[submitted.pk])
    assert "nouveau</span>" in text(client.get(url))
    assert "nouveau</span>" not in text(client.get(url))


def test_a_message_with_a_refused_attachment_is_not_sent(client, submitted, member):
    from tests.portal.upload_corpus import upload, windows_executable

    client.force_login(member.user)
    response = client.post(
        reverse("applications:messages", args=[submitted.pk]),
        {"body": "Voici le fichier.", "files": upload("budget.pdf", windows_executable())},
    )
    page = text(response)
    assert response.status_code == 200 and 'id="id_files_error"' in page
    assert "Voici le fichier.</textarea>" in page
    assert not submitted.messages.exists() and not Attachment.objects.filter(message__isnull=False).exists()


def test_a_reopened_document_is_flagged_in_the_menu_and_can_be_replaced(client, submitted, member):
    client.force_login(staff_of(submitted.theme.call.programme))
    request_complement(client, submitted, ["document:lettre"], message="La lettre n'est pas signée.")
    client.force_login(member.user)
    page = text(client.get(reverse("applications:documents", args=[submitted.pk])))
    assert 'Pièces <span class="fr-badge fr-badge--sm fr-badge--new fr-ml-1v">à compléter</span>' in page
    assert 'type="file"' in page and page.count(">à compléter</span>") == 1  # only the documents are reopened


def test_a_complement_request_on_several_parts_is_told_once(client, submitted, member):
    """Two reopened parts, one text: the dossier page, the answer page and the history say it once."""
    client.force_login(staff_of(submitted.theme.call.programme))
    request_complement(client, submitted, ["section:projet", "budget"], message="Précisez le coût des licences.")
    client.force_login(member.user)
    page = text(client.get(reverse("applications:dossier_detail", args=[submitted.pk])))
    request, history = page.split("<h2>Historique</h2>")
    assert request.count("Précisez le coût des licences.") == 1 and history.count("Précisez le coût des licences.") == 1
    assert "Parties rouvertes : Le projet, Budget." in request
    page = text(client.get(reverse("applications:complement_answer", args=[submitted.pk])))
    assert page.count("Précisez le coût des licences.") == 1 and "Parties rouvertes : Le projet, Budget." in page
