"""An organisation's file: its dossiers across calls and programmes, amounts, decisions, late items, flags."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from funding.models import IndicatorReport, Milestone
from portal.models import Role
from portal.services import role_assign
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.portal.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def carrier():
    return MembershipFactory(
        organisation__siret="13002526500013", organisation__name="Direction du numérique"
    ).organisation


@pytest.fixture
def staff_p():
    theme = ThemeFactory(code="P1")
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=theme.call.programme)
    user.session = SessionFactory(theme=theme)
    return user


def test_the_file_lists_every_programme_with_amounts_and_late_items(client, settings, carrier, staff_p):
    settings.PORTAL_ENFORCE_MFA = False
    mine = DossierFactory(
        session=staff_p.session,
        organisation=carrier,
        state="in_progress",
        acronym="DEMATAE",
        title="Dématérialiser les actes",
        requested_amount=Decimal("50000"),
        granted_amount=Decimal("40000"),
    )
    elsewhere = DossierFactory(
        session=SessionFactory(theme=ThemeFactory(code="Q1")),
        organisation=carrier,
        submitted=True,
        acronym="DEMAT-AE",
        title="Autre programme",
        requested_amount=Decimal("20000"),
    )
    DossierFactory(session=staff_p.session, organisation=carrier)  # a draft: not in the file
    Milestone.objects.create(dossier=mine, label="Jalon", due_on=timezone.localdate() - timedelta(days=3))
    IndicatorReport.objects.create(
        dossier=mine,
        period_start=timezone.localdate() - timedelta(days=60),
        period_end=timezone.localdate() - timedelta(days=31),
        due_on=timezone.localdate() - timedelta(days=20),
        submitted_at=timezone.now(),
        submitted_by=staff_p,
        is_late=True,
    )
    client.force_login(staff_p)
    response = client.get(reverse("dashboard:organisation", args=[carrier.pk]))
    file = response.context["file"]
    assert {d.pk for d in file.dossiers} == {mine.pk, elsewhere.pk}
    assert file.requested == Decimal("70000") and file.granted == Decimal("40000") and file.programme_count == 2
    assert file.late_count == 2
    rows = {d.pk: d for d in file.dossiers}
    assert rows[mine.pk].visible and not rows[elsewhere.pk].visible
    assert [other.pk for other in rows[mine.pk].double_funding] == [elsewhere.pk]
    page = response.content.decode()
    # The other programme's dossier is a summary line: no link to it, no title.
    assert reverse("applications:staff_dossier", args=[mine.pk]) in page
    assert reverse("applications:staff_dossier", args=[elsewhere.pk]) not in page
    assert "Autre programme" not in page


def test_the_file_is_for_staff_only(client, settings, carrier):
    settings.PORTAL_ENFORCE_MFA = False
    client.force_login(carrier.memberships.first().user)
    assert client.get(reverse("dashboard:organisation", args=[carrier.pk])).status_code == 403


@pytest.mark.parametrize("count", [1, 6])
def test_the_file_query_count_is_flat(client, settings, carrier, staff_p, count):
    settings.PORTAL_ENFORCE_MFA = False
    for _ in range(count):
        DossierFactory(session=staff_p.session, organisation=carrier, submitted=True)
        MembershipFactory(organisation=carrier)
    client.force_login(staff_p)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard:organisation", args=[carrier.pk]))
    assert response.status_code == 200 and len(response.context["file"].dossiers) == count
    assert len(queries) == FILE_QUERIES, "\n".join(q["sql"] for q in queries.captured_queries)


# Session, user, memberships, roles, the organisation, its dossiers (with decision, payments, late items and
# visibility as subqueries), its members, the double-funding candidates, and the privileged session's renewal
# (savepoint, update, release): nothing per row.
FILE_QUERIES = 11
