"""A selected SNAP-like dossier with a phase of two milestones, indicators, budget, and the people around it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from calls.models import MilestoneTemplate, Phase
from funding.models import Convention
from funding.services import conventions
from portal import services as portal_services
from portal.models import Role
from tests.applications.factories import BudgetLineFactory, DossierFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.portal.factories import UserFactory
from tests.portal.upload_corpus import pdf, upload

GRANT = Decimal("100000.00")


@pytest.fixture
def theme(db):
    theme = ThemeFactory(
        code="SNAPX",
        commitments=["Publier le code source sous licence libre.", "Mesurer la satisfaction des usagers."],
        indicators=[
            {"label": "Avancement des jalons (%)", "frequency": "monthly"},
            {"label": "Dépenses engagées (€)", "frequency": "quarterly"},
        ],
    )
    phase = Phase.objects.create(theme=theme, key="phase-1", label="Phase 1 — prototype", order=1)
    MilestoneTemplate.objects.create(phase=phase, key="m1", label="Prototype en test", order=1)
    MilestoneTemplate.objects.create(phase=phase, key="m2", label="Mise en production", order=2)
    return theme


@pytest.fixture
def dossier(theme):
    session = SessionFactory(theme=theme)
    dossier = DossierFactory(
        session=session,
        selected=True,
        granted_amount=GRANT,
        phase=theme.phases.get(),
        planned_start=timezone.localdate() - timedelta(days=65),
        duration_months=12,
        title="Dématérialiser les autorisations",
        acronym="DEMAUT",
    )
    BudgetLineFactory(dossier=dossier, amount=Decimal("120000"), label="Développement")
    return dossier


def role(user, role_name, programme):
    portal_services.role_assign(actor=None, user=user, role=role_name, scope=programme)
    return user


@pytest.fixture
def programme(dossier):
    return dossier.theme.call.programme


@pytest.fixture
def carrier(dossier):
    return dossier.organisation.memberships.first().user


@pytest.fixture
def staff(programme):
    return role(UserFactory(email="instructrice@exemple.gouv.fr"), Role.PROGRAMME_STAFF, programme)


@pytest.fixture
def operator(programme):
    return role(UserFactory(email="operateur@exemple.fr"), Role.FUND_OPERATOR, programme)


@pytest.fixture
def outsider(db):
    return UserFactory(email="autre@exemple.gouv.fr")


@pytest.fixture
def signed_pdf():
    return lambda: upload("convention-signee.pdf", pdf("Convention signée"))


@pytest.fixture
def in_force(dossier, staff, carrier, operator, django_capture_on_commit_callbacks):
    """The dossier's convention v1, rendered, sent, approved by the carrier and countersigned."""
    with django_capture_on_commit_callbacks(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=dossier)
    # Staff set the project's start to the one the dossier planned, some weeks ago (reports are already due).
    Convention.objects.filter(pk=convention.pk).update(start_on=dossier.planned_start)
    convention.refresh_from_db()
    convention = conventions.convention_send(actor=staff, convention=convention)
    convention = conventions.convention_sign_carrier(actor=carrier, convention=convention, approve=True)
    convention = conventions.convention_sign_operator(actor=operator, convention=convention)
    dossier.refresh_from_db()
    return convention
