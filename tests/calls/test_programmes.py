"""Programmes created and edited by administrators in the back-office, with who works on them."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from calls.models import Programme
from calls.services.programmes import programme_create
from portal.errors import DomainError
from portal.models import AuditEvent, Role, RoleAssignment
from portal.selectors import user_roles
from portal.services import role_assign
from tests.calls.model_factories import ProgrammeFactory
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db

VALID_SIRET = "13002526500013"  # DINUM


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def admin():
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.ADMIN)
    return user


def test_an_admin_creates_then_edits_a_programme(client, admin):
    client.force_login(admin)
    url = reverse("calls_staff:programme_create")
    data = {
        "name": "Fonds d'innovation territoriale",
        "fund": "Plan de relance",
        "owner_teams": "DINUM\nDITP",
        "total_envelope": "12000000",
        "grantor_name": "Direction interministérielle du numérique",
        "grantor_siret": "13002526500012",
    }
    refused = page(client.post(url, data))
    assert "SIRET" in refused and not Programme.objects.exists()
    response = client.post(url, {**data, "grantor_siret": VALID_SIRET})
    programme = Programme.objects.get()
    assert response.url == reverse("calls_staff:programme_detail", args=[programme.pk])
    assert (programme.slug, programme.owner_teams, programme.total_envelope) == (
        "fonds-dinnovation-territoriale",
        ["DINUM", "DITP"],
        Decimal("12000000"),
    )
    assert AuditEvent.objects.get(action="programme.create").actor == admin
    edit = reverse("calls_staff:programme_update", args=[programme.pk])
    client.post(edit, {**data, "grantor_siret": VALID_SIRET, "total_envelope": "15000000"})
    programme.refresh_from_db()
    assert programme.total_envelope == Decimal("15000000")
    assert AuditEvent.objects.get(action="programme.update").data["changes"]["total_envelope"] == [
        "12000000.00",
        "15000000",
    ]


def test_roles_are_given_and_withdrawn_on_the_programme_page_and_audited(client, admin):
    programme = ProgrammeFactory()
    colleague = UserFactory(email="agent@numerique.gouv.fr")
    client.force_login(admin)
    url = reverse("calls_staff:programme_detail", args=[programme.pk])
    unknown = page(client.post(url, {"email": "personne@exemple.fr", "role": "programme_staff"}))
    assert "Aucun compte n'a l'adresse « personne@exemple.fr »" in unknown
    client.post(url, {"email": "Agent@numerique.gouv.fr", "role": "programme_staff"})
    client.post(url, {"email": "agent@numerique.gouv.fr", "role": "fund_operator"})
    roles = user_roles(colleague)
    assert roles.is_staff_of(programme.pk) and roles.is_fund_operator_of(programme.pk)
    assert AuditEvent.objects.filter(action="role.assign", target_id=str(colleague.pk)).count() == 2
    assert "agent@numerique.gouv.fr" in page(client.get(url))
    revoke = reverse("calls_staff:programme_role_revoke", args=[programme.pk, colleague.pk, "fund_operator"])
    assert "Retirer ce rôle à agent@numerique.gouv.fr ?" in page(client.get(revoke))
    client.post(revoke)
    assert list(RoleAssignment.objects.filter(user=colleague).values_list("role", flat=True)) == ["programme_staff"]
    assert AuditEvent.objects.get(action="role.revoke").data["role"] == "fund_operator"


def test_only_administrators_manage_programmes(client):
    programme = ProgrammeFactory()
    staff = UserFactory()
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=programme)
    client.force_login(staff)
    for url in (
        reverse("calls_staff:programme_list"),
        reverse("calls_staff:programme_create"),
        reverse("calls_staff:programme_detail", args=[programme.pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": "X", "email": staff.email, "role": "programme_staff"}).status_code == 403
    with pytest.raises(DomainError) as refused:
        programme_create(actor=staff, name="Programme pirate")
    assert refused.value.code == "forbidden"


@pytest.mark.parametrize("count", [1, 30])
def test_programme_list_queries_do_not_grow_with_programmes(client, admin, django_assert_num_queries, count):
    for _ in range(count):
        ProgrammeFactory()
    client.force_login(admin)
    # session + user, memberships + roles (user_roles), count of the paginator, the navigation's
    # pending membership requests (an admin decides them), one page of programmes with their calls
    # counted; then the session saved again (in a savepoint: 3).
    with django_assert_num_queries(10):
        response = client.get(reverse("calls_staff:programme_list"))
    assert len(response.context["page"].object_list) == min(count, 20)


def test_programme_list_searches_by_name_and_grantor(client, admin):
    ProgrammeFactory(name="ETNA", grantor_name="DINUM")
    ProgrammeFactory(name="PIA")
    client.force_login(admin)
    url = reverse("calls_staff:programme_list")
    assert "2 programmes" in page(client.get(url))
    assert "1 programme" in page(client.get(url, {"q": "dinum"}))
