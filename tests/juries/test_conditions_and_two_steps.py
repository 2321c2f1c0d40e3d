"""Decisions "retenu sous conditions" (conditions lifted one by one, tranches held until all are) and the
two-step path of PIA LIT: expression of interest → invitation to the second step (no amount) → full dossier."""

from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from applications.models import Dossier
from applications.services import drafting
from applications.workflow import DossierState
from calls.models import Call, CallKind, FormDefinition, FormStep, RequiredDocument, SessionKind
from dashboard.selectors import dashboard_programmes
from funding.models import Tranche
from funding.services import conventions, followup
from juries.models import Decision, DecisionCondition, JuryDossier
from juries.services import conditions, deliberation
from juries.services.deliberation import DecisionInput
from portal.errors import DomainError
from portal.models import Role
from portal.services import role_assign
from tests.applications.factories import BudgetLineFactory, DossierFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.juries.conftest import jury, programme, session, staff, theme  # noqa: F401 (fixtures)
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


def under_evaluation(jury, **fields) -> Dossier:
    dossier = DossierFactory(session=jury.session, state=DossierState.UNDER_EVALUATION, **fields)
    JuryDossier.objects.create(jury=jury, dossier=dossier)
    return dossier


# --- Conditions ---------------------------------------------------------------------------------


def retained_under(staff, jury, dossier, amount: str, conditions: str) -> None:
    """The jury retains the dossier for `amount` euros under `conditions` (one per line)."""
    decision = DecisionInput(
        dossier.pk, Decision.Kind.CONDITIONAL, granted_amount=Decimal(amount), conditions=conditions
    )
    deliberation.deliberation_record(actor=staff, jury=jury, decisions=[decision])


def test_a_conditional_decision_needs_its_conditions_and_lists_them_one_by_one(jury, staff):
    dossier = under_evaluation(jury)
    with pytest.raises(DomainError, match="listez les conditions"):
        deliberation.deliberation_record(
            actor=staff,
            jury=jury,
            decisions=[DecisionInput(dossier.pk, Decision.Kind.CONDITIONAL, granted_amount=Decimal("10000"))],
        )
    retained_under(staff, jury, dossier, "10000", "- Lettre d'engagement du directeur\n\n- Cheffe de projet désignée")
    dossier.refresh_from_db()
    assert (dossier.state, dossier.granted_amount) == (DossierState.SELECTED, Decimal("10000"))
    assert list(DecisionCondition.objects.values_list("text", flat=True)) == [
        "Lettre d'engagement du directeur",
        "Cheffe de projet désignée",
    ]


@pytest.fixture
def conditional_in_force(jury, staff, django_capture_on_commit_callbacks):
    """A dossier retained under two conditions, its convention in force."""
    dossier = under_evaluation(jury, duration_months=12)
    BudgetLineFactory(dossier=dossier, amount=Decimal("20000"))
    retained_under(staff, jury, dossier, "20000", "Lettre d'engagement\nCheffe de projet désignée")
    carrier = dossier.organisation.memberships.get().user
    operator = UserFactory()
    role_assign(actor=None, user=operator, role=Role.FUND_OPERATOR, scope=jury.programme)
    with django_capture_on_commit_callbacks(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=dossier)
    convention.refresh_from_db()
    conventions.convention_send(actor=staff, convention=convention)
    conventions.convention_sign_carrier(actor=carrier, convention=convention, approve=True)
    conventions.convention_sign_operator(actor=operator, convention=convention)
    convention.refresh_from_db()
    return convention, operator


def test_tranches_are_held_until_every_condition_is_lifted_with_evidence(
    conditional_in_force, staff, django_capture_on_commit_callbacks
):
    convention, operator = conditional_in_force
    advance = convention.tranches.get(condition=Tranche.Condition.SIGNATURE)
    assert followup.release_blocker(advance) == (
        "La décision est prise sous des conditions qui ne sont pas toutes levées : "
        "« Lettre d'engagement » ; « Cheffe de projet désignée »."
    )
    with pytest.raises(DomainError, match="Tranche non libérable"):
        followup.payment_record(
            actor=operator, tranche=advance, paid_on=timezone.localdate(), amount="1000", reference="VIR-1"
        )
    first, second = DecisionCondition.objects.order_by("order")
    with pytest.raises(DomainError, match="Dites ce qui lève la condition"):
        conditions.condition_lift(actor=staff, condition=first, note=" ")
    with django_capture_on_commit_callbacks(execute=True):
        conditions.condition_lift(actor=staff, condition=first, note="Lettre reçue le 3 mars.")
    assert followup.release_blocker(advance) == (
        "La décision est prise sous une condition qui n'est pas levée : « Cheffe de projet désignée »."
    )
    assert "1 condition reste à lever" in mail.outbox[-1].body
    with pytest.raises(DomainError, match="déjà levée"):
        conditions.condition_lift(actor=staff, condition=first, note="Encore.")
    with django_capture_on_commit_callbacks(execute=True):
        conditions.condition_lift(actor=staff, condition=second, note="Arrêté de nomination joint.")
    assert "Toutes les conditions sont levées" in mail.outbox[-1].body
    assert followup.release_blocker(advance) is None
    followup.payment_record(
        actor=operator, tranche=advance, paid_on=timezone.localdate(), amount="1000", reference="VIR-1"
    )


def test_only_the_programme_staff_lift_a_condition(conditional_in_force):
    _, operator = conditional_in_force
    condition = DecisionCondition.objects.first()
    for actor in (operator, condition.decision.dossier.organisation.memberships.get().user):
        with pytest.raises(DomainError) as refused:
            conditions.condition_lift(actor=actor, condition=condition, note="Levée.")
        assert refused.value.code == "forbidden"
    assert not DecisionCondition.objects.filter(lifted_at__isnull=False).exists()


# --- Two steps ------------------------------------------------------------------------------------


def _published_form(call, step: str, section: str, label: str) -> None:
    """A published form of one section holding one required long text."""
    field = {"key": label.lower(), "label": label, "kind": "long_text", "required": True}
    FormDefinition.objects.create(
        call=call,
        step=step,
        version=1,
        status=FormDefinition.Status.PUBLISHED,
        schema={"sections": [{"key": section, "title": section.capitalize(), "fields": [field]}]},
    )


@pytest.fixture
def two_step_call(db):
    """A two-step call (LIT-like): an interest session with its own light form and document, a dossier session
    open only to those invited."""
    theme = ThemeFactory(code="LIT", call__kind=CallKind.EXPRESSION_OF_INTEREST, call__second_step_invited_only=True)
    call = theme.call
    _published_form(call, FormStep.INTEREST, "intention", "Ambition")
    _published_form(call, FormStep.DOSSIER, "dossier", "Plan")
    RequiredDocument.objects.create(
        call=call, kind="lettre", label="Lettre d'intention", formats=["pdf"], step=FormStep.INTEREST
    )
    RequiredDocument.objects.create(call=call, kind="projet", label="Présentation du projet", formats=["pdf"])
    interest = SessionFactory(theme=theme, kind=SessionKind.EXPRESSION_OF_INTEREST, envelope=None)
    dossier_session = SessionFactory(theme=theme, kind=SessionKind.FULL_DOSSIER, envelope=Decimal("400000"))
    return call, interest, dossier_session


def test_the_expression_of_interest_has_its_light_form_and_documents_and_no_budget(two_step_call):
    from applications.selectors import dossier_required_documents
    from applications.services.submission import submission_blockers
    from tests.portal.factories import MembershipFactory

    _, interest, dossier_session = two_step_call
    member = MembershipFactory()
    ami = drafting.dossier_start(
        actor=member.user, session=interest, organisation=member.organisation, acronym="LAB", title="Labo", summary="R."
    )
    assert ami.form_definition.step == FormStep.INTEREST
    assert [d.kind for d in dossier_required_documents(ami)] == ["lettre"]
    blockers = [b.message for b in submission_blockers(ami)]
    assert blockers == [
        "« Ambition » (section « Intention ») est obligatoire.",
        "Pièce manquante : Lettre d'intention.",
    ]


def test_ami_invited_without_amount_then_full_dossier_only_for_the_invited_and_the_dashboard_counts_once(
    two_step_call, django_capture_on_commit_callbacks
):
    from juries.services import juries
    from tests.portal.factories import MembershipFactory

    call, interest, dossier_session = two_step_call
    staff = UserFactory()
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=call.programme)
    member = MembershipFactory()
    # The expression of interest: an indicative amount that is no request.
    ami = DossierFactory(
        session=interest, organisation=member.organisation, state=DossierState.UNDER_EVALUATION, requested_amount=None
    )
    BudgetLineFactory(dossier=ami, amount=Decimal("240000"))
    ami_jury = juries.jury_create(actor=staff, call=call, theme=interest.theme, session=interest, name="AMI")
    JuryDossier.objects.create(jury=ami_jury, dossier=ami)
    for kind, amount, message in (
        (Decision.Kind.SELECTED, Decimal("200000"), "ne se retient pas avec un montant"),
        (Decision.Kind.INVITED, Decimal("200000"), "n'accorde pas de montant"),
    ):
        with pytest.raises(DomainError, match=message):
            deliberation.deliberation_record(
                actor=staff, jury=ami_jury, decisions=[DecisionInput(ami.pk, kind, granted_amount=amount)]
            )
    deliberation.deliberation_record(
        actor=staff, jury=ami_jury, decisions=[DecisionInput(ami.pk, Decision.Kind.INVITED)]
    )
    ami.refresh_from_db()
    assert (ami.state, ami.granted_amount) == (DossierState.SECOND_STEP_INVITED, None)

    # The full dossier: refused to someone not invited, open from the invitation.
    stranger = MembershipFactory()
    with pytest.raises(DomainError, match="réservé aux porteurs invités"):
        drafting.dossier_start(
            actor=stranger.user, session=dossier_session, organisation=stranger.organisation, acronym="X", title="X"
        )
    full = drafting.dossier_start(
        actor=member.user,
        session=dossier_session,
        organisation=member.organisation,
        acronym="LAB",
        title="Labo",
        predecessor=ami,
    )
    assert (full.project_key, full.form_definition.step) == (ami.project_key, FormStep.DOSSIER)
    Dossier.objects.filter(pk=full.pk).update(
        state=DossierState.SELECTED, requested_amount=Decimal("220000"), granted_amount=Decimal("200000")
    )
    [node] = dashboard_programmes(staff)
    assert node.figures.requested == Decimal("220000")  # the full dossier's request only, once
    assert node.figures.granted == Decimal("200000")  # the invitation granted nothing
    assert node.figures.counts[DossierState.SECOND_STEP_INVITED] == 1


def test_invitation_is_only_for_an_expression_of_interest(jury, staff):
    dossier = under_evaluation(jury)
    with pytest.raises(DomainError, match="seule une manifestation d'intérêt"):
        deliberation.deliberation_record(
            actor=staff, jury=jury, decisions=[DecisionInput(dossier.pk, Decision.Kind.INVITED)]
        )
    assert Call.objects.get(pk=jury.call_id).is_two_step is False
