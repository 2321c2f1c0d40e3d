"""Invariants of the rules engine on generated rules and budgets, garbage included (no database)."""

import json
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from calls.rules import (
    COST_CATEGORIES,
    FUNDING_SOURCES,
    ORGANISATION_KINDS,
    SESSION_KINDS,
    TAG_LABELS,
    CostLine,
    Rule,
    RuleConfigError,
    cents,
    evaluate,
    load_rules,
)

SETTINGS = settings(max_examples=150, deadline=None)
SEEDED = list(load_rules().values())


def money(max_value: int = 10_000_000) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=max_value, places=2, allow_nan=False, allow_infinity=False)


def percent() -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


def as_text(strategy: st.SearchStrategy[Decimal]) -> st.SearchStrategy[str]:
    return strategy.map(str)


@st.composite
def rule_dicts(draw) -> dict:
    rate = draw(percent())
    data = {
        "tax_basis": draw(st.sampled_from(["TTC", "HT"])),
        "rate_percent": str(rate),
        "rate_is_maximum": draw(st.booleans()),
        "full_funding_up_to": draw(optional(as_text(money(200_000)))),
        "cap_per_dossier": draw(optional(as_text(money()))),
        "cap_per_project": draw(optional(as_text(money()))),
        "cap_at_request": draw(st.booleans()),
        "eligible_categories": draw(st.lists(st.sampled_from(list(COST_CATEGORIES)), min_size=1, unique=True)),
        "eligible_tags": draw(st.lists(st.sampled_from(list(TAG_LABELS)), max_size=2, unique=True)),
        "excluded_tags": draw(st.lists(st.sampled_from(list(TAG_LABELS)), max_size=2, unique=True)),
        "eligible_years": draw(st.lists(st.integers(2015, 2025), max_size=3, unique=True)),
        "counterpart_category": draw(optional(st.sampled_from(list(COST_CATEGORIES)))),
        "allowed_carrier_kinds": draw(st.lists(st.sampled_from(list(ORGANISATION_KINDS)), max_size=3, unique=True)),
        "grouping_allowed": draw(st.booleans()),
        "size_ranges": draw(st.lists(st.fixed_dictionaries({"maximum": as_text(money())}), max_size=2)),
    }
    if rate < 100 and draw(st.booleans()):
        data["derogation_allowed"] = True
        above = st.decimals(min_value=rate + Decimal("0.01"), max_value=100, places=2)
        data["derogation_ceiling_percent"] = draw(optional(as_text(above)))
    if draw(st.booleans()):
        data["in_kind_eligible"] = True
        data["excluded_in_kind_tags"] = ["real_estate"]
    if "internal_staff" in data["eligible_categories"]:
        data["staff_in_carrier_share_only"] = draw(st.booleans())
    return data


RULES = st.sampled_from(SEEDED) | rule_dicts().map(Rule.from_dict)

GARBAGE = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5), st.lists(st.integers(), max_size=2)
)
AMOUNTS = st.one_of(
    money(5_000_000),
    st.integers(-(10**6), 10**6),
    st.decimals(allow_nan=True, allow_infinity=True),
    GARBAGE,
)
LINES = st.builds(
    CostLine,
    label=st.one_of(st.text(max_size=20), st.none()),
    amount=AMOUNTS,
    category=st.sampled_from(list(COST_CATEGORIES)) | GARBAGE,
    year=st.one_of(st.none(), st.integers(2015, 2025), GARBAGE),
    phase=st.none() | st.text(max_size=5),
    source=st.sampled_from(list(FUNDING_SOURCES)) | GARBAGE,
    cofinancer_name=st.sampled_from(["", "Région", "Ville"]) | GARBAGE,
    in_kind=st.booleans() | GARBAGE,
    tags=st.frozensets(st.sampled_from(list(TAG_LABELS)), max_size=2) | GARBAGE,
)
BUDGETS = st.lists(LINES | GARBAGE, max_size=8)
KINDS = st.sampled_from(list(ORGANISATION_KINDS)) | GARBAGE
FIGURES = st.none() | money() | st.decimals(allow_nan=True, allow_infinity=True) | GARBAGE
RATES = st.none() | percent() | st.decimals(min_value=-50, max_value=200, places=1) | GARBAGE


def valid_amount(value) -> Decimal | None:
    ok = isinstance(value, (Decimal, int)) and not isinstance(value, bool) and Decimal(value).is_finite()
    return Decimal(value) if ok and 0 <= Decimal(value) <= 10**12 else None


def allowed_rate(rule: Rule, derogation) -> Decimal:
    """The highest rate the engine may apply: the rule's, or a valid derogation up to its ceiling."""
    asked = valid_amount(derogation)
    if not rule.derogation_allowed or asked is None or asked > 100:
        return rule.rate_percent
    return max(rule.rate_percent, min(asked, rule.derogation_ceiling()))


@SETTINGS
@given(
    rule=RULES,
    lines=BUDGETS,
    carrier_kind=KINDS,
    session_kind=st.none() | st.sampled_from(list(SESSION_KINDS)) | GARBAGE,
    previous=FIGURES,
    requested=FIGURES,
    derogation=RATES,
    co_carriers=st.lists(KINDS, max_size=2),
)
def test_evaluate_never_raises_and_keeps_its_invariants(
    rule, lines, carrier_kind, session_kind, previous, requested, derogation, co_carriers
):
    result = evaluate(
        rule=rule,
        lines=lines,
        carrier_kind=carrier_kind,
        session_kind=session_kind,
        previous_grants=previous,
        requested_amount=requested,
        derogation_rate=derogation,
        co_carrier_kinds=co_carriers,
    )
    amounts = [
        result.total_cost,
        result.eligible_cost,
        result.max_programme_amount,
        result.requested_amount,
        result.granted_amount,
        result.carrier_share,
        *(s.amount for s in result.cofinancer_shares),
    ]
    assert all(a == cents(a) and a >= 0 for a in amounts)

    granted, maximum = result.granted_amount, result.max_programme_amount
    assert granted <= maximum and granted <= result.requested_amount
    assert maximum <= result.eligible_cost <= result.total_cost
    if rule.cap_per_dossier is not None:
        assert maximum <= rule.cap_per_dossier
    if rule.cap_per_project is not None:
        already = valid_amount(previous)
        assert maximum <= max(rule.cap_per_project - (cents(already) if already is not None else 0), 0)
    if rule.cap_at_request:
        assert maximum <= result.requested_amount
    if valid_amount(requested) is not None:
        assert granted <= cents(valid_amount(requested))
    with localcontext(Context(prec=50, rounding=ROUND_HALF_UP)):
        eligible = result.eligible_cost
        full = min(eligible, rule.full_funding_up_to) if rule.full_funding_up_to is not None else 0
        assert maximum <= cents(full + (eligible - full) * allowed_rate(rule, derogation) / 100)

    assert granted + result.carrier_share + sum(s.amount for s in result.cofinancer_shares) == result.total_cost
    percents = [result.granted_percent, result.carrier_percent, *(s.percent for s in result.cofinancer_shares)]
    assert all(p == cents(p) and p >= 0 for p in percents)
    assert sum(percents) == (100 if result.total_cost else 0)
    assert result.is_compliant == (not result.violations)
    assert all(isinstance(v.message_fr, str) and v.message_fr for v in result.violations)
    assert all(isinstance(s, str) and s for s in result.explanation)
    json.dumps([v.code for v in result.violations] + result.explanation + [list(c) for c in result.manual_checks])


@SETTINGS
@given(rule=RULES, amounts=st.lists(money(3_000_000), min_size=1, max_size=6))
def test_clean_budgets_are_fully_counted(rule, amounts):
    year = min(rule.eligible_years) if rule.eligible_years else 2021
    lines = [CostLine(f"Ligne {i}", amount, "external_services", year) for i, amount in enumerate(amounts)]
    result = evaluate(rule=rule, lines=lines, carrier_kind="ministere")
    assert result.total_cost == sum(amounts)
    line_problems = {"invalid_amount", "negative_amount", "unknown_category", "year_missing", "year_outside_period"}
    assert not {v.code for v in result.violations} & line_problems


@SETTINGS
@given(data=rule_dicts())
def test_generated_rules_round_trip(data):
    rule = Rule.from_dict(data)
    dumped = json.loads(json.dumps(rule.to_dict()))
    assert Rule.from_dict(dumped) == rule
    assert Rule.from_dict(dumped).to_dict() == dumped


@SETTINGS
@given(
    data=st.dictionaries(
        st.sampled_from(list(SEEDED[0].to_dict())) | st.text(max_size=4),
        GARBAGE | st.text(max_size=6) | st.lists(st.text(max_size=4) | st.dictionaries(st.text(max_size=3), GARBAGE)),
        max_size=6,
    )
)
def test_from_dict_fails_only_with_rule_config_error(data):
    try:
        Rule.from_dict(data)
    except RuleConfigError as error:
        assert error.message and isinstance(error.field, str)
