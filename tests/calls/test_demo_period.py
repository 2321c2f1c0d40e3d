"""A demonstration session of a historic theme admits this year's expenses instead of the source's."""

import html
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from applications.evaluation import dossier_evaluation
from calls.demo import open_demo_sessions
from calls.models import Session
from calls.rules import load_rules
from calls.selectors import rule_of
from tests.applications.factories import BudgetLineFactory, DossierFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory

pytestmark = pytest.mark.django_db

RULES = load_rules()


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def itn1():
    """France Relance ITN1: 75 %, expenses of 2021 and 2022 only."""
    theme = ThemeFactory(code="ITN1", funding_rule=RULES["ITN1"].to_dict())
    SessionFactory(
        theme=theme,
        key="historique",
        opens_at=timezone.now() - timedelta(days=2000),
        closes_at=timezone.now() - timedelta(days=1900),
    )
    return theme


def test_the_demo_session_admits_this_years_expenses_from_simulator_to_submission(client, itn1):
    etna = ThemeFactory(code="ETNA-1", funding_rule=RULES["ETNA-1"].to_dict())  # no period in its rule
    open_demo_sessions()
    demo = Session.objects.get(theme=itn1, is_demo=True)
    year = timezone.localdate().year
    assert (demo.eligible_first_year, demo.eligible_last_year) == (year, year + 1)
    assert Session.objects.get(theme=etna, is_demo=True).eligible_years == frozenset()
    assert rule_of(itn1, demo).eligible_years == frozenset({year, year + 1})
    assert rule_of(itn1).eligible_years == frozenset({2021, 2022})  # the rule itself is unchanged

    dossier = DossierFactory(session=demo, organisation__kind="ministere")
    BudgetLineFactory(
        dossier=dossier, amount=Decimal("100000"), year=year, category="external_services", source="carrier"
    )
    evaluation = dossier_evaluation(dossier)
    assert evaluation.is_compliant, [v.message_fr for v in evaluation.violations]
    assert evaluation.eligible_cost == Decimal("100000.00")
    historic = DossierFactory(session=itn1.sessions.get(key="historique"), organisation__kind="ministere")
    BudgetLineFactory(dossier=historic, amount=Decimal("100000"), year=year, category="external_services")
    assert "year_outside_period" in {v.code for v in dossier_evaluation(historic).violations}

    theme_page = page(client.get(reverse("calls:theme_detail", args=[itn1.call.slug, itn1.code])))
    assert "dépenses des années 2021 à 2022" in theme_page
    assert f"les dépenses des années {year} à {year + 1} sont admises" in theme_page
    query = (
        f"?carrier_kind=ministere&lignes-TOTAL_FORMS=1&lignes-INITIAL_FORMS=0&lignes-0-label=Étude"
        f"&lignes-0-amount=100000&lignes-0-category=external_services&lignes-0-year={year}&lignes-0-source=carrier"
    )
    simulated = page(client.get(reverse("simulator:theme", args=[itn1.pk]) + query))
    assert "Budget conforme à la règle" in simulated
    assert f"les dépenses des années {year} à {year + 1} sont admises" in simulated


def test_only_a_demonstration_session_has_its_own_period(itn1):
    with pytest.raises(IntegrityError):
        SessionFactory(theme=itn1, eligible_first_year=2026, eligible_last_year=2027)
