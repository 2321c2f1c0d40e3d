"""The outside review's attacks on trust (issue 14, findings 1 and 7), replayed over HTTP.

Each test is the attack as the reviewer ran it; each failed on the code before the fix:
a self-declared member read and signed everything of an administration, a juror reached a
dossier he had declared a conflict on by joining its carrier, a juror who became a member of
a carrier kept scoring its dossiers, and a privileged account without its second factor
downloaded the staff messages and audit trail of its personal-data file.
"""

from decimal import Decimal

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from juries.models import ConflictDeclaration
from juries.services import assignment, conflicts, juries
from portal.models import Membership, Role
from portal.services import role_assign
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import ProgrammeFactory, SessionFactory
from tests.portal.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def carrier_dossier():
    """A submitted dossier of administration A, with one member (its référent)."""
    member = MembershipFactory(is_referent=True)
    return DossierFactory(organisation=member.organisation, submitted=True, granted_amount=Decimal("1000"))


def applicant_pages(dossier) -> list[str]:
    return [
        reverse("applications:dossier_detail", args=[dossier.pk]),
        reverse("applications:review", args=[dossier.pk]),
        reverse("applications:receipt", args=[dossier.pk, 1]),
        reverse("applications:messages", args=[dossier.pk]),
        reverse("applications:budget_export", args=[dossier.pk]),
    ]


def test_posting_the_join_form_does_not_open_the_organisation(client, carrier_dossier):
    attacker = UserFactory(email="intrus@exemple.fr")
    client.force_login(attacker)
    client.post(reverse("portal:organisation_join"), {"organisation": carrier_dossier.organisation_id})
    assert not Membership.objects.filter(user=attacker).exists()
    for url in applicant_pages(carrier_dossier):
        assert client.get(url).status_code == 404, url
    listing = client.get(reverse("applications:my_dossiers"))
    assert carrier_dossier.reference not in listing.content.decode()
    assert client.get(reverse("funding:my_projects")).status_code == 403


def test_a_juror_with_a_declared_conflict_does_not_reach_the_dossier_by_joining_its_carrier(client):
    session = SessionFactory()
    staff = UserFactory()
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=session.theme.call.programme)
    dossier = DossierFactory(session=session, under_evaluation=True)
    MembershipFactory(organisation=dossier.organisation, is_referent=True)
    jury = juries.jury_create(actor=staff, call=session.theme.call, theme=session.theme, session=session, name="J")
    juries.jury_dossiers_add(actor=staff, jury=jury, dossiers=[dossier])
    member = juries.member_add(actor=staff, jury=jury, user=UserFactory())
    conflicts.conflict_declare(
        actor=member.user, member=member, dossier=dossier, status=ConflictDeclaration.Status.CONFLICT, reason="Lien."
    )
    client.force_login(member.user)
    client.post(reverse("portal:organisation_join"), {"organisation": dossier.organisation_id})
    for url in applicant_pages(dossier):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("juries:score", args=[jury.pk, dossier.pk])).status_code == 404


def test_a_juror_who_becomes_a_member_of_the_carrier_no_longer_reaches_its_dossiers_as_juror(client):
    """He had declared "no conflict" and was assigned; membership granted afterwards conflicts him."""
    session = SessionFactory()
    staff = UserFactory()
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=session.theme.call.programme)
    dossier = DossierFactory(session=session, under_evaluation=True)
    jury = juries.jury_create(actor=staff, call=session.theme.call, theme=session.theme, session=session, name="J")
    juries.jury_dossiers_add(actor=staff, jury=jury, dossiers=[dossier])
    member = juries.member_add(actor=staff, jury=jury, user=UserFactory())
    conflicts.conflict_declare(
        actor=member.user, member=member, dossier=dossier, status=ConflictDeclaration.Status.NONE, reason="Aucun."
    )
    assignment.assign_manual(actor=staff, member=member, dossier=dossier)
    client.force_login(member.user)
    score = reverse("juries:score", args=[jury.pk, dossier.pk])
    assert client.get(score).status_code == 200
    Membership.objects.create(user=member.user, organisation=dossier.organisation)  # by whatever path
    assert client.get(score).status_code == 404
    assert client.get(reverse("juries:consensus", args=[jury.pk, dossier.pk])).status_code == 404
    export = client.get(reverse("juries:juror_export", args=[jury.pk, "csv"]))
    assert dossier.reference not in b"".join(export.streaming_content if export.streaming else [export.content]).decode(
        "utf-8-sig"
    )


def test_a_staff_account_without_its_second_factor_gets_no_personal_data_file(client, settings):
    settings.PORTAL_ENFORCE_MFA = True
    staff = UserFactory()
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=ProgrammeFactory())
    client.force_login(staff)
    response = client.get(reverse("portal:personal_data_download"))
    assert response.status_code in (302, 403)
    assert "application/json" not in response.get("Content-Type", "")
    assert response.status_code == 403 or response["Location"] == reverse("mfa_activate_totp")
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client.get(reverse("portal:personal_data_download")).status_code == 200
