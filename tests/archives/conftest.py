"""Two dossiers of one session, submitted through the services (receipts made by the task); the first one
decided by a jury, its convention signed with an uploaded PDF and in force, a tranche paid."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from applications.models import Dossier, InstructorGroup, InstructorGroupMember
from applications.services import submission
from applications.workflow import DossierState
from funding.services import conventions, followup
from juries.models import Decision, Deliberation, Jury
from portal.models import Role
from tests.applications.conftest import member, pdf_file, ready_to_submit, session, theme  # noqa: F401
from tests.funding.conftest import operator, role, staff  # noqa: F401
from tests.portal.factories import UserFactory
from tests.portal.upload_corpus import pdf, upload

GRANT = Decimal("30000.00")


@pytest.fixture
def programme(session):
    return session.theme.call.programme


@pytest.fixture
def submitted(session, member, pdf_file, django_capture_on_commit_callbacks):
    """Two submitted dossiers of the session, with their receipts."""
    dossiers = ready_to_submit(session=session, member=member, pdf_file=pdf_file, count=2, acronym="ARCH")
    with django_capture_on_commit_callbacks(execute=True):  # the receipts' task runs on commit
        for dossier in dossiers:
            submission.dossier_submit(actor=member.user, dossier=dossier, declaration=True)
    return [Dossier.objects.get(pk=dossier.pk) for dossier in dossiers]


@pytest.fixture
def funded(submitted, staff, operator, member, django_capture_on_commit_callbacks):
    """The first dossier, selected by its jury, its convention signed (uploaded PDF) and countersigned,
    its first tranche paid."""
    dossier = submitted[0]
    jury = Jury.objects.create(
        programme=dossier.theme.call.programme, call=dossier.theme.call, session=dossier.session, name="Jury ITN6"
    )
    deliberation = Deliberation.objects.create(
        jury=jury, session=dossier.session, recorded_at=timezone.now(), recorded_by=staff
    )
    Decision.objects.create(
        deliberation=deliberation, dossier=dossier, kind=Decision.Kind.SELECTED, rank=1, granted_amount=GRANT
    )
    Dossier.objects.filter(pk=dossier.pk).update(state=DossierState.SELECTED, granted_amount=GRANT)
    dossier.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):  # the convention's PDF is rendered on commit
        convention = conventions.convention_generate(actor=staff, dossier=dossier)
    convention.refresh_from_db()
    convention = conventions.convention_send(actor=staff, convention=convention)
    convention = conventions.convention_sign_carrier(
        actor=member.user, convention=convention, signed_file=upload("convention-signee.pdf", pdf("Convention signée"))
    )
    convention = conventions.convention_sign_operator(actor=operator, convention=convention)
    tranche = convention.tranches.order_by("order").first()
    followup.payment_record(
        actor=operator,
        tranche=tranche,
        paid_on=timezone.localdate() - timedelta(days=1),
        amount=min(tranche.amount, Decimal("1000")),
        reference="MANDAT-2021-0042",
    )
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def instructor_of_other_group(programme, submitted):
    """Staff of the programme instructing within group B, while the dossiers are routed to group A
    (the second dossier excepted: it is routed to B)."""
    group_a = InstructorGroup.objects.create(programme=programme, name="Groupe A")
    group_b = InstructorGroup.objects.create(programme=programme, name="Groupe B")
    Dossier.objects.filter(pk=submitted[0].pk).update(instruction_group=group_a)
    Dossier.objects.filter(pk=submitted[1].pk).update(instruction_group=group_b)
    user = role(UserFactory(email="instructeur-b@exemple.gouv.fr"), Role.PROGRAMME_STAFF, programme)
    InstructorGroupMember.objects.create(group=group_b, user=user)
    return user
