"""Two programmes, P and Q, each with its staff, its fund operator, a submitted dossier with its budget, partner
and file, a jury that decided, and a funded project whose convention is in force; tokens made by the service."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from api.scopes import SCOPES
from api.services import tokens as token_services
from applications.models import Attachment, DossierPartner
from calls.models import MilestoneTemplate, Phase
from calls.rules import load_rules
from funding.models import IndicatorReport, Tranche
from funding.services import conventions, followup
from juries.models import Decision, Deliberation
from juries.services import juries as jury_services
from portal.models import Role
from portal.services import role_assign
from tests.applications.factories import BudgetLineFactory, DossierFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.portal.factories import OrganisationFactory, UserFactory

GRANT = Decimal("30000.00")
STAFF_SCOPES = sorted(code for code, scope in SCOPES.items() if "staff" in scope.roles)
OPERATOR_SCOPES = sorted(code for code, scope in SCOPES.items() if "fund_operator" in scope.roles)


@dataclass
class World:
    """One programme's objects, by name."""

    programme: object
    staff: object
    operator: object
    session: object
    dossier: object
    attachment: object
    funded: object
    convention: object
    tranche: object
    payment: object
    milestone: object
    report: object
    jury: object
    decision: object
    extra: dict = field(default_factory=dict)


def make_world(label: str, django_capture_on_commit_callbacks) -> World:
    theme = ThemeFactory(code=f"ITN6{label}", funding_rule=load_rules()["ITN6"].to_dict(), call__slug=f"appel-{label}")
    phase = Phase.objects.create(theme=theme, key="phase-1", label="Phase 1", order=1)
    MilestoneTemplate.objects.create(phase=phase, key="m1", label="Prototype en test", order=1)
    programme = theme.call.programme
    session = SessionFactory(theme=theme)
    staff, operator = UserFactory(), UserFactory()
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=programme)
    role_assign(actor=None, user=operator, role=Role.FUND_OPERATOR, scope=programme)
    dossier = DossierFactory(
        session=session,
        submitted=True,
        submitted_at=timezone.now(),
        requested_amount=Decimal("40000"),
        answers={"probleme": f"Le problème {label}"},
    )
    BudgetLineFactory(dossier=dossier, amount=Decimal("40000"))
    DossierPartner.objects.create(dossier=dossier, organisation=OrganisationFactory(), role="partner")
    attachment = Attachment.objects.create(
        dossier=dossier,
        kind="lettre",
        original_name=f"lettre-{label}.pdf",
        content_type="application/pdf",
        size=4,
        sha256="0" * 64,
        uploaded_by=dossier.created_by,
        file=ContentFile(b"%PDF", name="lettre.pdf"),
    )
    funded = DossierFactory(
        session=session,
        selected=True,
        granted_amount=GRANT,
        phase=phase,
        planned_start=timezone.localdate() - timedelta(days=40),
        duration_months=12,
    )
    BudgetLineFactory(dossier=funded, amount=GRANT)
    carrier = funded.organisation.memberships.first().user
    with django_capture_on_commit_callbacks(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=funded)
    convention.refresh_from_db()
    convention = conventions.convention_send(actor=staff, convention=convention)
    convention = conventions.convention_sign_carrier(actor=carrier, convention=convention, approve=True)
    convention = conventions.convention_sign_operator(actor=operator, convention=convention)
    funded.refresh_from_db()
    report = IndicatorReport.objects.create(
        dossier=funded,
        period_start=timezone.localdate().replace(day=1) - timedelta(days=31),
        period_end=timezone.localdate().replace(day=1) - timedelta(days=1),
        due_on=timezone.localdate(),
        values={"Avancement (%)": "20"},
        submitted_at=timezone.now(),
        submitted_by=carrier,
    )
    jury = jury_services.jury_create(
        actor=staff, call=theme.call, theme=theme, session=session, name=f"Jury {label}", evaluations_per_dossier=1
    )
    deliberation = Deliberation.objects.create(
        jury=jury, session=session, recorded_at=timezone.now(), recorded_by=staff
    )
    decision = Decision.objects.create(
        deliberation=deliberation, dossier=funded, kind=Decision.Kind.SELECTED, granted_amount=GRANT
    )
    tranche = convention.tranches.get(condition=Tranche.Condition.SIGNATURE)
    payment = followup.payment_record(
        actor=operator, tranche=tranche, paid_on=timezone.localdate(), amount="1000", reference=f"MANDAT-{label}-1"
    )
    return World(
        programme=programme,
        staff=staff,
        operator=operator,
        session=session,
        dossier=dossier,
        attachment=attachment,
        funded=funded,
        convention=convention,
        tranche=tranche,
        payment=payment,
        milestone=funded.milestones.first(),
        report=report,
        jury=jury,
        decision=decision,
        extra={"carrier": carrier},
    )


@pytest.fixture(autouse=True)
def _plain_convention_pdf(monkeypatch):
    """The convention's PDF is not what these tests read: a stub spares WeasyPrint's second per world."""
    monkeypatch.setattr(conventions, "render_pdf", lambda template, context: b"%PDF-1.4 convention de test")


@pytest.fixture
def world_p(db, django_capture_on_commit_callbacks) -> World:
    return make_world("P", django_capture_on_commit_callbacks)


@pytest.fixture
def world_q(db, django_capture_on_commit_callbacks) -> World:
    return make_world("Q", django_capture_on_commit_callbacks)


def token_for(user, programme, scopes, *, days: int = 30) -> str:
    """A token's secret, made by the service as the back-office makes it."""
    _token, secret = token_services.token_create(
        actor=user,
        programme=programme,
        name="Système de test",
        scopes=list(scopes),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return secret


def api_client(secret: str | None = None) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}") if secret else Client()
