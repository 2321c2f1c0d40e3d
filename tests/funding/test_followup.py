"""Milestones, tranche release and payments, SNAP phases and the per-project cap, reports and closure."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from applications.evaluation import dossier_evaluation
from applications.workflow import DossierState
from calls.models import Phase
from calls.rules import load_rules
from calls.services.rules import theme_rule_save
from funding.models import Closure, IndicatorReport, Milestone, Payment
from funding.periods import add_months, period_containing, periods_between
from funding.services import conventions, followup, reports
from portal.errors import DomainError
from tests.applications.factories import BudgetLineFactory, DossierFactory
from tests.funding.conftest import GRANT
from tests.portal.upload_corpus import pdf, upload

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def tranche(convention, condition, index=0):
    return convention.tranches.filter(condition=condition).order_by("order")[index]


REFERENCES = itertools.count(1)


def pay(operator, target, amount, reference=None):
    """A payment with its own finance reference (a reference serves once per project)."""
    reference = reference or f"VIR-AUTO-{next(REFERENCES)}"
    return followup.payment_record(actor=operator, tranche=target, paid_on=TODAY(), amount=amount, reference=reference)


def test_advance_is_paid_at_signature_but_never_above_the_tranche(in_force, operator):
    advance = tranche(in_force, "signature")
    pay(operator, advance, Decimal("20000"))
    with pytest.raises(DomainError) as error:
        pay(operator, advance, Decimal("10000.01"), "VIR-2")
    assert error.value.code == "above_tranche" and error.value.field == "amount"
    pay(operator, advance, Decimal("10000"), "VIR-2")
    assert Payment.objects.count() == 2


def test_only_the_fund_operator_records_payments(in_force, staff, carrier, outsider):
    advance = tranche(in_force, "signature")
    for user, code in ((staff, "forbidden"), (carrier, "forbidden"), (outsider, "not_found")):
        with pytest.raises(DomainError) as error:
            pay(user, advance, Decimal("1"))
        assert error.value.code == code
    assert not Payment.objects.exists()


def test_milestone_tranche_is_released_only_after_validation(in_force, dossier, carrier, staff, operator):
    milestone_tranche = tranche(in_force, "milestone")
    milestone = milestone_tranche.milestone
    with pytest.raises(DomainError, match="pas encore validé"):
        pay(operator, milestone_tranche, Decimal("1"))
    followup.milestone_declare(
        actor=carrier, milestone=milestone, note="Prototype livré.", evidence=upload("pv.pdf", pdf("PV de recette"))
    )
    with pytest.raises(DomainError, match="pas encore validé"):
        pay(operator, milestone_tranche, Decimal("1"))
    followup.milestone_review(actor=staff, milestone=milestone, accept=True)
    pay(operator, milestone_tranche, milestone_tranche.amount)
    assert followup.paid_on_tranche(milestone_tranche) == milestone_tranche.amount


def test_refused_milestone_blocks_its_tranche_until_declared_again(in_force, carrier, staff, operator):
    milestone_tranche = tranche(in_force, "milestone")
    milestone = milestone_tranche.milestone
    followup.milestone_declare(actor=carrier, milestone=milestone, note="Fait.")
    with pytest.raises(DomainError) as error:
        followup.milestone_review(actor=staff, milestone=milestone, accept=False)
    assert error.value.code == "reason_required"
    followup.milestone_review(actor=staff, milestone=milestone, accept=False, reason="Pas de PV de recette.")
    with pytest.raises(DomainError, match="refusé"):
        pay(operator, milestone_tranche, Decimal("1"))
    milestone = followup.milestone_declare(actor=carrier, milestone=milestone, note="PV joint.")
    assert milestone.status == Milestone.Status.DECLARED and milestone.refusal_reason == ""


def test_a_milestone_declared_twice_is_refused(in_force, carrier):
    milestone = in_force.dossier.milestones.first()
    followup.milestone_declare(actor=carrier, milestone=milestone, note="Fait.")
    with pytest.raises(DomainError) as error:
        followup.milestone_declare(actor=carrier, milestone=milestone, note="Encore.")
    assert error.value.code == "already_declared"
    milestone.refresh_from_db()
    assert milestone.evidence_note == "Fait."


def test_milestones_wait_for_the_convention_in_force(dossier, staff, carrier, django_capture_on_commit_callbacks):
    conventions.convention_generate(actor=staff, dossier=dossier)
    with pytest.raises(DomainError) as error:
        followup.milestone_declare(actor=carrier, milestone=dossier.milestones.first(), note="Trop tôt.")
    assert error.value.code == "invalid_state"


def test_payments_never_exceed_the_grant(in_force, dossier, carrier, staff, operator):
    for milestone in dossier.milestones.all():
        followup.milestone_declare(actor=carrier, milestone=milestone, note="Fait.")
        followup.milestone_review(actor=staff, milestone=milestone, accept=True)
    reports.final_report_submit(actor=carrier, dossier=dossier, summary="Bilan.", spent_amount="118000")
    reports.final_report_validate(actor=staff, dossier=dossier)
    for index, item in enumerate(in_force.tranches.all()):
        pay(operator, item, item.amount, f"VIR-{index}")
    assert reports.paid_total(dossier) == GRANT
    for item in in_force.tranches.all():
        with pytest.raises(DomainError):
            pay(operator, item, Decimal("0.01"), "VIR-X")


def test_balance_waits_for_the_validated_final_report_then_closure_computes_unspent(
    in_force, dossier, carrier, staff, operator
):
    balance = tranche(in_force, "final_report")
    with pytest.raises(DomainError, match="rapport final"):
        pay(operator, balance, Decimal("1"))
    pay(operator, tranche(in_force, "signature"), Decimal("30000"))
    reports.final_report_submit(actor=carrier, dossier=dossier, summary="Bilan.", spent_amount="90000")
    with pytest.raises(DomainError) as error:
        reports.final_report_submit(actor=carrier, dossier=dossier, summary="Bis.", spent_amount="1")
    assert error.value.code == "already_submitted"
    with pytest.raises(DomainError, match="validation du rapport final"):
        reports.project_close(actor=staff, dossier=dossier)
    reports.final_report_validate(actor=staff, dossier=dossier)
    pay(operator, balance, Decimal("15000"))
    closure = reports.project_close(actor=staff, dossier=dossier)
    assert closure.paid_amount == Decimal("45000") and closure.unspent_amount == Decimal("55000")
    dossier.refresh_from_db()
    assert dossier.state == DossierState.CLOSED
    assert Closure.objects.count() == 1


def test_payment_in_the_future_or_without_reference_is_refused(in_force, operator):
    advance = tranche(in_force, "signature")
    with pytest.raises(DomainError) as error:
        followup.payment_record(
            actor=operator, tranche=advance, paid_on=TODAY() + timedelta(days=1), amount=1, reference="X"
        )
    assert error.value.field == "paid_on"
    with pytest.raises(DomainError) as error:
        followup.payment_record(actor=operator, tranche=advance, paid_on=TODAY(), amount=1, reference=" ")
    assert error.value.field == "reference"


# --- SNAP phases ----------------------------------------------------------------------------


@pytest.fixture
def snap4_project(theme, dossier):
    """Phase 1 (the fixture's dossier) and phase 2 of the same project, on SNAP4's rule."""
    theme_rule_save(actor=None, theme=theme, rule=load_rules()["SNAP4"])
    dossier.project_key = "dematerialisation"
    dossier.save()
    phase_2 = Phase.objects.create(theme=theme, key="phase-2", label="Phase 2 — généralisation", order=2)
    second = DossierFactory(
        session=dossier.session,
        organisation=dossier.organisation,
        selected=True,
        phase=phase_2,
        project_key="dematerialisation",
        granted_amount=Decimal("200000"),
        created_by=dossier.created_by,
    )
    return dossier, second


def test_snap4_project_cap_counts_earlier_phases(snap4_project):
    first, second = snap4_project
    first.granted_amount = Decimal("3000000")
    first.save()
    BudgetLineFactory(dossier=second, amount=Decimal("8000000"), year=2021)
    alone = dossier_evaluation(second)
    assert alone.max_programme_amount <= Decimal("3000000")
    # a third phase after two granted phases of 3 M€ each: 8 M€ per project leaves 2 M€
    second.granted_amount = Decimal("3000000")
    second.state = DossierState.IN_PROGRESS
    second.save()
    phase_3 = Phase.objects.create(theme=first.theme, key="phase-3", label="Phase 3", order=3)
    third = DossierFactory(
        session=first.session,
        organisation=first.organisation,
        phase=phase_3,
        project_key="dematerialisation",
        created_by=first.created_by,
    )
    BudgetLineFactory(dossier=third, amount=Decimal("8000000"), year=2021)
    assert dossier_evaluation(third).max_programme_amount == Decimal("2000000.00")


def test_next_phase_money_waits_for_the_previous_phase_milestones(
    snap4_project, staff, carrier, operator, django_capture_on_commit_callbacks
):
    first, second = snap4_project
    with django_capture_on_commit_callbacks(execute=True):
        convention = conventions.convention_generate(actor=staff, dossier=second)
    conventions.convention_send(actor=staff, convention=convention)
    conventions.convention_sign_carrier(actor=carrier, convention=convention, approve=True)
    conventions.convention_sign_operator(actor=operator, convention=convention)
    Milestone.objects.create(dossier=first, label="Fin de phase 1", order=1)
    advance = tranche(convention, "signature")
    with pytest.raises(DomainError, match="phase précédente"):
        pay(operator, advance, Decimal("1"))
    Milestone.objects.filter(dossier=first).update(status=Milestone.Status.VALIDATED)
    pay(operator, advance, Decimal("1"))


# --- Indicator reports ----------------------------------------------------------------------


def values_for(dossier, value="50"):
    return {indicator["key"]: value for indicator in reports.indicators_of(dossier.theme)}


def test_report_for_a_past_period_is_filed_and_flagged_late(in_force, dossier, carrier):
    two_months_ago = TODAY().replace(day=1) - timedelta(days=40)
    report = reports.indicator_report_submit(
        actor=carrier, dossier=dossier, period_day=two_months_ago, values=values_for(dossier)
    )
    assert report.period_start == two_months_ago.replace(day=1)
    assert report.is_late
    assert report.values == {"Avancement des jalons (%)": "50", "Dépenses engagées (€)": "50"}
    current = reports.indicator_report_submit(
        actor=carrier, dossier=dossier, period_day=TODAY(), values=values_for(dossier)
    )
    assert not current.is_late


def test_report_for_a_future_period_or_twice_is_refused(in_force, dossier, carrier):
    next_month = (TODAY().replace(day=1) + timedelta(days=32)).replace(day=1)
    with pytest.raises(DomainError) as error:
        reports.indicator_report_submit(
            actor=carrier, dossier=dossier, period_day=next_month, values=values_for(dossier)
        )
    assert error.value.code == "future_period"
    reports.indicator_report_submit(actor=carrier, dossier=dossier, period_day=TODAY(), values=values_for(dossier))
    with pytest.raises(DomainError) as error:
        reports.indicator_report_submit(actor=carrier, dossier=dossier, period_day=TODAY(), values=values_for(dossier))
    assert error.value.code == "already_submitted"
    assert IndicatorReport.objects.count() == 1


def test_report_needs_every_indicator(in_force, dossier, carrier):
    values = values_for(dossier)
    values[next(iter(values))] = " "
    with pytest.raises(DomainError) as error:
        reports.indicator_report_submit(actor=carrier, dossier=dossier, period_day=TODAY(), values=values)
    assert error.value.code == "value_required"


def test_periods_are_months_or_quarters():
    assert period_containing(date(2026, 2, 14), "monthly") == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_containing(date(2026, 5, 14), "quarterly") == (date(2026, 4, 1), date(2026, 6, 30))
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert len(periods_between(date(2026, 1, 15), date(2026, 12, 1), "quarterly")) == 4
