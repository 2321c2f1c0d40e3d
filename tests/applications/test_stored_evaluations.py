"""Stored evaluations: the engine's verdict kept per dossier equals a fresh evaluation, after every
service that changes what the rule reads (budget, co-carriers, derogation, earlier phases, submission)."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications.evaluation import dossier_evaluation
from applications.models import BudgetLine, Dossier, DossierPartner, StoredEvaluation
from applications.services import drafting, submission
from applications.services.derogations import derogation_record, derogation_withdraw
from applications.services.evaluations import evaluations_refresh, evaluations_store_project, stored_values
from calls.models import RuleVersion
from calls.rules import load_rules
from portal.models import Role
from portal.services import role_assign
from tests.applications.conftest import complete
from tests.applications.factories import BudgetLineFactory, DossierFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.portal.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def assert_stored_is_fresh(dossier: Dossier) -> StoredEvaluation:
    """The stored row equals what the engine says now on the dossier read afresh."""
    dossier = Dossier.objects.get(pk=dossier.pk)
    stored = StoredEvaluation.objects.get(dossier=dossier)
    total = sum((line.amount for line in dossier.budget_lines.all()), Decimal("0"))
    expected = stored_values(dossier, dossier_evaluation(dossier), total)
    assert {name: getattr(stored, name) for name in expected} == expected
    return stored


lines_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "label": st.sampled_from(["Développement", "Matériel", "Agents", "Licences"]),
            "year": st.one_of(st.none(), st.integers(2019, 2024)),
            "phase": st.sampled_from(["", "conception", "réalisation"]),
            "category": st.sampled_from(BudgetLine.Category.values),
            "source": st.sampled_from(BudgetLine.Source.values),
            "cofinancer_name": st.sampled_from(["", "Région Bretagne"]),
            "amount": st.decimals(min_value=0, max_value=2_000_000, places=2, allow_nan=False, allow_infinity=False),
        }
    ),
    max_size=8,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=lines_strategy)
def test_stored_evaluation_equals_a_fresh_one_over_random_budgets(dossier, member, lines):
    dossier.refresh_from_db()
    drafting.budget_replace(
        actor=member.user, dossier=dossier, lines=lines, base_version=dossier.section_versions.get("_budget", 0)
    )
    stored = assert_stored_is_fresh(dossier)
    assert stored.budget_total == sum((line["amount"] for line in lines), Decimal("0"))
    assert stored.rule_version == RuleVersion.objects.filter(theme=dossier.theme).order_by("-number").first()


def test_a_started_dossier_has_its_stored_evaluation(dossier):
    stored = assert_stored_is_fresh(dossier)
    assert stored.budget_total == 0


def test_co_carriers_added_and_removed_update_it(dossier, member):
    dossier.theme.grouping_allowed = True
    dossier.theme.save(update_fields=["grouping_allowed"])
    drafting.budget_replace(
        actor=member.user,
        dossier=dossier,
        base_version=0,
        lines=[
            {
                "label": "Prestation",
                "year": 2021,
                "phase": "",
                "category": "external_services",
                "source": "programme",
                "cofinancer_name": "",
                "amount": Decimal("30000"),
            }
        ],
    )
    partner = drafting.partner_add(
        actor=member.user,
        dossier=dossier,
        organisation=OrganisationFactory(kind="collectivite"),
        role=DossierPartner.Role.CO_CARRIER,
    )
    assert_stored_is_fresh(dossier)
    drafting.partner_remove(actor=member.user, partner=partner)
    assert_stored_is_fresh(dossier)


def test_submission_stores_it_on_the_pinned_rule_version(dossier, member, pdf_file):
    ready = complete(dossier, member.user, pdf_file)
    submission.dossier_submit(actor=member.user, dossier=ready, declaration=True)
    stored = assert_stored_is_fresh(ready)
    ready.refresh_from_db()
    assert stored.rule_version_id == ready.rule_version_id is not None
    assert stored.requested_amount == ready.requested_amount == Decimal("30000.00")


def test_a_derogation_recorded_then_withdrawn_updates_it():
    theme = ThemeFactory(code="LIT", funding_rule=load_rules()["LIT"].to_dict())
    dossier = DossierFactory(
        session=SessionFactory(theme=theme), submitted=True, organisation__kind="prefecture_region"
    )
    BudgetLineFactory(dossier=dossier, amount=Decimal("400000"), year=2016, source="carrier")
    staff = UserFactory()
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=theme.call.programme)
    derogation_record(
        actor=staff,
        dossier=dossier,
        rate_percent=Decimal("60"),
        deciding_body="le comité de pilotage du fonds",
        decided_on=datetime.date(2017, 3, 12),
        reason="Projet structurant.",
    )
    assert assert_stored_is_fresh(dossier).max_aid == Decimal("240000.00")
    derogation_withdraw(actor=staff, dossier=dossier, reason="Erreur de saisie.")
    assert assert_stored_is_fresh(dossier).max_aid == Decimal("200000.00")


def test_a_grant_on_one_phase_updates_the_other_phases():
    theme = ThemeFactory(code="LIT", funding_rule=load_rules()["LIT"].to_dict())
    session = SessionFactory(theme=theme)
    earlier = DossierFactory(session=session, submitted=True, project_key="projet", requested_amount=Decimal("1"))
    later = DossierFactory(session=session, submitted=True, project_key="projet", requested_amount=Decimal("1"))
    BudgetLineFactory(dossier=earlier, amount=Decimal("400000"), year=2016, source="carrier")
    BudgetLineFactory(dossier=later, amount=Decimal("400000"), year=2016, source="carrier")
    evaluations_refresh()
    before = StoredEvaluation.objects.get(dossier=later).computed_at
    Dossier.objects.filter(pk=earlier.pk).update(state="selected", granted_amount=Decimal("200000"))
    evaluations_store_project(dossier=earlier)
    assert assert_stored_is_fresh(later).computed_at > before


def test_refresh_fills_every_dossier_without_one():
    dossiers = [DossierFactory(submitted=True) for _ in range(3)]
    for dossier in dossiers:
        BudgetLineFactory(dossier=dossier)
    assert evaluations_refresh() == 3
    for dossier in dossiers:
        assert_stored_is_fresh(dossier)
