"""The juror queue and the ranking take as many queries for 10 dossiers as for 1 000 (× 3 jurors).

Rows are bulk-created (the services are exercised elsewhere) so that the large case stays fast.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Dossier
from applications.workflow import DossierState
from juries.models import Assignment, ConflictDeclaration, Evaluation, JuryDossier
from tests.juries.conftest import sheet
from tests.portal.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def populate(jury, members, session, count: int, start: int) -> None:
    carrier = MembershipFactory()
    dossiers = Dossier.objects.bulk_create(
        [
            Dossier(
                reference=f"BULK-{start + i:05d}",
                organisation=carrier.organisation,
                theme=session.theme,
                session=session,
                acronym=f"B{start + i}",
                title=f"Dossier {start + i}",
                state=DossierState.UNDER_EVALUATION,
                created_by=carrier.user,
            )
            for i in range(count)
        ]
    )
    JuryDossier.objects.bulk_create(
        [
            JuryDossier(jury=jury, dossier=d, requested_amount=Decimal("50000"), max_amount=Decimal("40000"))
            for d in dossiers
        ]
    )
    ConflictDeclaration.objects.bulk_create(
        [
            ConflictDeclaration(member=m, dossier=d, status="none", declared_at=timezone.now())
            for m in members
            for d in dossiers
        ]
    )
    assignments = Assignment.objects.bulk_create([Assignment(member=m, dossier=d) for m in members for d in dossiers])
    Evaluation.objects.bulk_create(
        [
            Evaluation(
                assignment=a,
                scores=sheet(a=str(i % 6)),
                opinion="Avis.",
                recommendation="fund",
                total=Decimal(i % 100),
                submitted_at=timezone.now(),
            )
            for i, a in enumerate(assignments)
        ]
    )


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_queue_and_ranking_are_flat_from_10_to_1000_dossiers(client, staff, jury, members, session):
    juror = members[1]
    queue, ranking = reverse("juries:queue", args=[jury.pk]), reverse("juries:staff_ranking", args=[jury.pk])
    populate(jury, members, session, 10, 0)
    client.force_login(juror.user)
    few_queue = queries(client, queue)
    client.force_login(staff)
    few_ranking = queries(client, ranking)
    populate(jury, members, session, 990, 10)
    client.force_login(juror.user)
    assert queries(client, queue) == few_queue
    client.force_login(staff)
    assert queries(client, ranking) == few_ranking


def test_the_hearings_page_is_flat_from_10_to_100_dossiers(client, staff, jury, members, session):
    """Each dossier of the jury with its hearing and its form: a fixed number of queries whatever their number."""
    from datetime import timedelta

    from juries.models import Hearing

    def hear(start: int, count: int) -> None:
        populate(jury, members, session, count, start)
        Hearing.objects.bulk_create(
            [
                Hearing(
                    jury=jury,
                    dossier=entry.dossier,
                    starts_at=timezone.now() + timedelta(days=3),
                    place="Salle 1",
                    scheduled_by=staff,
                )
                for entry in JuryDossier.objects.filter(jury=jury, dossier__hearings__isnull=True)
            ]
        )

    url = reverse("juries:staff_hearings", args=[jury.pk])
    client.force_login(staff)
    hear(0, 10)
    queries(client, url)  # the first request after logging in also reads the session and the roles
    few = queries(client, url)
    hear(10, 90)
    assert queries(client, url) == few
