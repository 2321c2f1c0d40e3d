"""Funding pages: who may open what (404 outside one's scope, 403 for a missing role), flows, query budgets."""

import html
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.workflow import DossierState
from funding.models import Convention, IndicatorReport, Milestone, Payment
from funding.services import conventions
from portal.models import Role
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import ProgrammeFactory, SessionFactory, ThemeFactory
from tests.funding.conftest import role
from tests.portal.factories import MembershipFactory, UserFactory
from tests.portal.upload_corpus import docx, upload

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def other_programme_staff(db):
    return role(UserFactory(), Role.PROGRAMME_STAFF, ProgrammeFactory())


@pytest.fixture
def other_operator(db):
    return role(UserFactory(), Role.FUND_OPERATOR, ProgrammeFactory())


def test_project_page_is_open_to_carrier_staff_and_operator_only(
    in_force, dossier, carrier, staff, operator, outsider, other_programme_staff, other_operator
):
    url = reverse("funding:convention", args=[dossier.pk])
    for user in (carrier, staff, operator):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert "Avance à la signature" in text(response)
    for user in (outsider, other_programme_staff, other_operator):
        assert client_for(user).get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_actions_need_their_role(in_force, dossier, carrier, staff, operator):
    version = in_force.version
    advance = in_force.tranches.get(condition="signature")
    milestone = dossier.milestones.first()
    forbidden = [
        (carrier, "funding:generate", [dossier.pk]),
        (operator, "funding:generate", [dossier.pk]),
        (carrier, "funding:send", [dossier.pk, version]),
        (staff, "funding:sign", [dossier.pk, version]),
        (staff, "funding:countersign", [dossier.pk, version]),
        (carrier, "funding:countersign", [dossier.pk, version]),
        (staff, "funding:payment_record", [dossier.pk, advance.pk]),
        (carrier, "funding:payment_record", [dossier.pk, advance.pk]),
        (staff, "funding:milestone_declare", [dossier.pk, milestone.pk]),
        (carrier, "funding:milestone_review", [dossier.pk, milestone.pk]),
        (carrier, "funding:close", [dossier.pk]),
        (operator, "funding:final_report_validate", [dossier.pk]),
        (staff, "funding:final_report", [dossier.pk]),
    ]
    for user, name, args in forbidden:
        response = client_for(user).post(reverse(name, args=args))
        assert response.status_code == 403, (user.email, name)
    assert Convention.objects.count() == 1 and not Payment.objects.exists()


def test_outsiders_get_404_on_every_action(in_force, dossier, outsider):
    advance = in_force.tranches.first()
    client = client_for(outsider)
    for name, args in [
        ("funding:generate", [dossier.pk]),
        ("funding:payment_record", [dossier.pk, advance.pk]),
        ("funding:download", [dossier.pk, in_force.version]),
        ("funding:reports", [dossier.pk]),
    ]:
        assert client.post(reverse(name, args=args)).status_code == 404


def test_lists_need_a_role(carrier, staff, operator, outsider, in_force):
    assert client_for(outsider).get(reverse("funding:portfolio")).status_code == 403
    assert client_for(carrier).get(reverse("funding:portfolio")).status_code == 403
    assert client_for(outsider).get(reverse("funding:my_projects")).status_code == 403
    for user in (staff, operator):
        assert client_for(user).get(reverse("funding:portfolio")).status_code == 200
    response = client_for(carrier).get(reverse("funding:my_projects"))
    assert response.status_code == 200 and "DEMAUT" in text(response)


def test_staff_generates_and_sends_the_carrier_signs_with_a_bad_file_then_approves(
    dossier, staff, carrier, operator, django_capture_on_commit_callbacks
):
    staff_client, carrier_client = client_for(staff), client_for(carrier)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("funding:generate", args=[dossier.pk]), {"idempotency_key": str(uuid.uuid4())})
    convention = Convention.objects.get()
    staff_client.post(reverse("funding:send", args=[dossier.pk, 1]))
    download = carrier_client.get(reverse("funding:download", args=[dossier.pk, 1]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    response = carrier_client.post(
        reverse("funding:sign", args=[dossier.pk, 1]), {"signed_file": upload("signee.pdf", docx())}
    )
    assert response.status_code == 400
    assert "son contenu est au format DOCX" in text(response)
    convention.refresh_from_db()
    assert convention.status == Convention.Status.SENT
    carrier_client.post(reverse("funding:sign", args=[dossier.pk, 1]), {"approve": "on"})
    client_for(operator).post(reverse("funding:countersign", args=[dossier.pk, 1]))
    convention.refresh_from_db()
    assert convention.status == Convention.Status.IN_FORCE


def test_milestone_declare_validate_and_payment_through_the_pages(in_force, dossier, carrier, staff, operator):
    milestone = dossier.milestones.first()
    response = client_for(carrier).post(
        reverse("funding:milestone_declare", args=[dossier.pk, milestone.pk]),
        {"note": "Prototype en test auprès de 40 agents."},
    )
    assert response.status_code == 302
    again = client_for(carrier).post(
        reverse("funding:milestone_declare", args=[dossier.pk, milestone.pk]), {"note": "Bis"}
    )
    assert "déjà déclaré" in text(again)
    client_for(staff).post(
        reverse("funding:milestone_review", args=[dossier.pk, milestone.pk]), {"decision": "validate"}
    )
    assert Milestone.objects.get(pk=milestone.pk).status == Milestone.Status.VALIDATED
    tranche = in_force.tranches.get(milestone=milestone)
    url = reverse("funding:payment_record", args=[dossier.pk, tranche.pk])
    form = {"paid_on": timezone.localdate().isoformat(), "reference": "V1", "idempotency_key": str(uuid.uuid4())}
    too_much = client_for(operator).post(url, {**form, "amount": "999999"})
    assert "dépasse le reste à verser" in text(too_much)
    client_for(operator).post(url, {**form, "amount": "1000"})
    assert Payment.objects.get().amount == Decimal("1000")


def test_indicator_report_form_and_series(in_force, dossier, carrier, staff):
    url = reverse("funding:reports", args=[dossier.pk])
    page = client_for(carrier).get(url)
    form = page.context["form"]
    period = form.fields["period"].choices[0][0]
    data = {"period": period, "comment": "RAS", **dict.fromkeys(form.indicator_keys, "40")}
    assert client_for(carrier).post(url, data).status_code == 302
    report = IndicatorReport.objects.get()
    assert report.is_late  # the first period ended more than 15 days ago
    series = client_for(staff).get(url)
    assert "en retard" in text(series) and "<svg" in text(series)
    assert series.context["form"] is None


# Session, user, memberships, roles (user_roles), session save (privileged users get a shorter session:
# savepoint, update, release), programmes and sessions (filter choices), count, page rows with subqueries.
# Nothing per row.
PORTFOLIO_QUERIES = 11


@pytest.mark.parametrize("count", [3, 40])
def test_portfolio_query_count_does_not_grow(count, django_assert_num_queries):
    theme = ThemeFactory()
    session = SessionFactory(theme=theme)
    member = MembershipFactory()
    for index in range(count):
        dossier = DossierFactory(
            session=session,
            organisation=member.organisation,
            created_by=member.user,
            state=DossierState.IN_PROGRESS,
            granted_amount=Decimal("1000"),
        )
        convention = Convention.objects.create(dossier=dossier, version=1, amount=Decimal("1000"), status="in_force")
        Milestone.objects.create(
            dossier=dossier, label=f"Jalon {index}", due_on=timezone.localdate() + timedelta(days=9)
        )
        tranche = convention.tranches.create(label="Avance", amount=Decimal("500"), condition="signature")
        Payment.objects.create(
            tranche=tranche, paid_on=timezone.localdate(), amount=Decimal("500"), reference="V", recorded_by=member.user
        )
    staff = role(UserFactory(), Role.PROGRAMME_STAFF, theme.call.programme)
    client = client_for(staff)
    with django_assert_num_queries(PORTFOLIO_QUERIES):
        response = client.get(reverse("funding:portfolio"), {"convention": "in_force", "q": "Projet"})
    rows = response.context["rows"]
    assert len(rows) == count
    assert rows[0].paid_amount == Decimal("500") and rows[0].next_milestone_label.startswith("Jalon")


# Session, user, memberships, roles, count, page rows with subqueries, their indicator reports (one
# prefetch for the next report due). Nothing per row.
MY_PROJECTS_QUERIES = 7


@pytest.mark.parametrize("count", [3, 40])
def test_my_projects_query_count_does_not_grow(count, django_assert_num_queries):
    member = MembershipFactory()
    session = SessionFactory(theme=ThemeFactory(indicators=[{"label": "Avancement", "frequency": "monthly"}]))
    start = timezone.localdate() - timedelta(days=70)
    for _ in range(count):
        dossier = DossierFactory(
            session=session,
            organisation=member.organisation,
            created_by=member.user,
            state=DossierState.IN_PROGRESS,
            granted_amount=Decimal("1000"),
        )
        Convention.objects.create(
            dossier=dossier,
            version=1,
            amount=Decimal("1000"),
            status="in_force",
            start_on=start,
            in_force_at=timezone.now(),
        )
        IndicatorReport.objects.create(
            dossier=dossier,
            period_start=start.replace(day=1),
            period_end=start,
            due_on=start,
            values={},
            submitted_at=timezone.now(),
            submitted_by=member.user,
        )
    client = client_for(member.user)
    with django_assert_num_queries(MY_PROJECTS_QUERIES):
        response = client.get(reverse("funding:my_projects"))
    rows = response.context["rows"]
    assert len(rows) == count
    assert rows[0].next_report["start"] > start.replace(day=1) and rows[0].next_report["overdue"]
    assert "En vigueur" in text(response) and "en retard" in text(response)


def test_portfolio_filters(in_force, dossier, staff):
    client = client_for(staff)
    assert len(client.get(reverse("funding:portfolio"), {"convention": "in_force"}).context["rows"]) == 1
    assert len(client.get(reverse("funding:portfolio"), {"convention": "sent"}).context["rows"]) == 0
    assert len(client.get(reverse("funding:portfolio"), {"q": "DEMAUT"}).context["rows"]) == 1
    assert len(client.get(reverse("funding:portfolio"), {"etat": "closed"}).context["rows"]) == 0
    for name, value in (("theme", dossier.theme_id), ("session", dossier.session_id)):
        assert [row.pk for row in client.get(reverse("funding:portfolio"), {name: value}).context["rows"]] == [
            dossier.pk
        ]
    other_session = SessionFactory(theme=dossier.theme)
    assert len(client.get(reverse("funding:portfolio"), {"session": other_session.pk}).context["rows"]) == 0


def test_staff_edit_the_programme_template_and_unknown_placeholders_are_shown_by_name(
    programme, staff, operator, other_programme_staff
):
    url = reverse("funding:convention_template", args=[programme.pk])
    assert client_for(operator).get(url).status_code == 403
    assert client_for(other_programme_staff).get(url).status_code == 404
    client = client_for(staff)
    response = client.post(url, {"title": "Convention TNE", "body": "<p>{{ montant }} pour {{ porteur_nom }}</p>"})
    assert "porteur_nom" in text(response)
    assert not programme.convention_templates.exists()
    client.post(url, {"title": "Convention TNE", "body": "<p>{{ montant }} pour {{ porteur }}</p>"})
    assert programme.convention_templates.get().version == 1


def test_staff_edit_the_schedule_of_a_draft_within_the_grant(
    dossier, staff, carrier, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        conventions.convention_generate(actor=staff, dossier=dossier)
    url = reverse("funding:tranche_schedule", args=[dossier.pk, 1])
    assert client_for(carrier).get(url).status_code == 403
    page = client_for(staff).get(url)
    assert page.status_code == 200
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "0",
        "form-0-label": "Avance",
        "form-0-amount": "70000",
        "form-0-condition": "signature",
        "form-1-label": "Solde",
        "form-1-amount": "40000",
        "form-1-condition": "final_report",
    }
    response = client_for(staff).post(url, data)
    assert "de trop" in text(response) and "montant accordé" in text(response)
    data["form-1-amount"] = "30000"
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(staff).post(url, data).status_code == 302
    assert list(Convention.objects.get(version=1).tranches.values_list("amount", flat=True)) == [
        Decimal("70000"),
        Decimal("30000"),
    ]


def test_the_carrier_does_not_see_drafts(dossier, staff, carrier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conventions.convention_generate(actor=staff, dossier=dossier)
    page = client_for(carrier).get(reverse("funding:convention", args=[dossier.pk]))
    assert page.context["convention"] is None and "Aucune convention" in text(page)
    assert client_for(carrier).get(reverse("funding:download", args=[dossier.pk, 1])).status_code == 404
    assert client_for(staff).get(reverse("funding:download", args=[dossier.pk, 1])).status_code == 200
    conventions.convention_send(actor=staff, convention=Convention.objects.get())
    assert client_for(carrier).get(reverse("funding:download", args=[dossier.pk, 1])).status_code == 200


def test_payments_stay_possible_while_an_amendment_is_drafted(
    in_force, dossier, staff, operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        conventions.convention_generate(actor=staff, dossier=dossier)
    page = client_for(operator).get(reverse("funding:convention", args=[dossier.pk]))
    assert page.context["convention"].version == 2
    assert {tranche.convention_id for tranche in page.context["tranches"]} == {in_force.pk}
    assert "Enregistrer un paiement" in text(page)


def test_evidence_that_is_an_executable_is_refused_next_to_the_field(in_force, dossier, carrier):
    milestone = dossier.milestones.first()
    response = client_for(carrier).post(
        reverse("funding:milestone_declare", args=[dossier.pk, milestone.pk]),
        {"note": "Fait.", "evidence": upload("preuve.pdf", b"MZ\x90\x00" + b"\x00" * 64)},
    )
    assert response.context["form"].errors["evidence"]
    assert Milestone.objects.get(pk=milestone.pk).status == Milestone.Status.PLANNED
