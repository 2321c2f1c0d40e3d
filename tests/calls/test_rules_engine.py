"""The co-financing and eligibility rules engine on the seeded themes (no database)."""

import json
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from calls.rules import (
    DECONCENTRATED_KINDS,
    CostLine,
    Rule,
    RuleConfigError,
    describe_rule,
    evaluate,
    format_money,
    format_percent,
    load_rules,
)

RULES = load_rules()
SEEDED_THEMES = {
    "ITN1", "ITN2", "ITN3", "ITN4", "ITN5", "ITN6", "ITN8A", "ITN8B", "ITN8C", "ITN8D",
    "SNAP1", "SNAP2A", "SNAP2B", "SNAP3", "SNAP4", "SNAP5", "ETNA-1", "ETNA-2", "CPT", "LIT",
}  # fmt: skip
NNBSP, NBSP = "\u202f", "\u00a0"


def line(label, amount, category="external_services", year=2021, **extra):
    return CostLine(label=label, amount=Decimal(amount), category=category, year=year, **extra)


def k(amount: str) -> Decimal:
    """Thousands of euros, to keep the table readable: k("48") == Decimal("48000.00")."""
    return (Decimal(amount) * 1000).quantize(Decimal("0.01"))


@dataclass
class Case:
    theme: str
    lines: list
    carrier: str
    total: str
    eligible: str
    maximum: str
    granted: str
    carrier_share: str
    violations: set = field(default_factory=set)
    options: dict = field(default_factory=dict)
    cofinancers: list = field(default_factory=list)


def case(id_, *args, **kwargs):
    return pytest.param(Case(*args, **kwargs), id=id_)


DEV = frozenset({"development"})
NON_EU = frozenset({"non_european_licence"})

CASES = [
    # ITN1: 75 %, 50 k€-1 M€ TTC, only 2021-2022, titre 2 not in the eligible cost.
    case(
        "ITN1-ok",
        "ITN1",
        [line("Design", "100000"), line("Licences", "20000", "licences", 2022)],
        "ministere",
        "120",
        "120",
        "90",
        "90",
        "30",
    ),
    case(
        "ITN1-too-small",
        "ITN1",
        [line("Design", "30000"), line("Agents", "15000", "internal_staff")],
        "ministere",
        "45",
        "30",
        "22.5",
        "22.5",
        "22.5",
        {"size_out_of_range"},
    ),
    # ITN2: 50 %, collectivités excluded.
    case(
        "ITN2-ok",
        "ITN2",
        [line("Plateforme", "300000"), line("Serveurs", "100000", "equipment", 2022)],
        "ministere",
        "400",
        "400",
        "200",
        "200",
        "200",
    ),
    case(
        "ITN2-collectivite",
        "ITN2",
        [line("Plateforme", "400000")],
        "collectivite",
        "400",
        "400",
        "200",
        "200",
        "200",
        {"carrier_kind_excluded"},
    ),
    # ITN3: titre 2 counts in the carrier's 25 % only.
    case(
        "ITN3-ok",
        "ITN3",
        [line("Industrialisation", "600000"), line("Agents", "200000", "internal_staff", 2022)],
        "service_deconcentre",
        "800",
        "800",
        "600",
        "600",
        "200",
    ),
    case(
        "ITN3-staff-too-heavy",
        "ITN3",
        [line("Industrialisation", "300000"), line("Agents", "300000", "internal_staff")],
        "service_deconcentre",
        "600",
        "600",
        "300",
        "300",
        "300",
        {"request_above_maximum"},
        {"requested_amount": k("450")},
    ),
    # ITN4: no size; an expense of 2020 is out of the period.
    case("ITN4-ok", "ITN4", [line("Formations", "80000")], "operateur", "80", "80", "60", "60", "20"),
    case(
        "ITN4-2020",
        "ITN4",
        [line("Formations", "80000", year=2020)],
        "operateur",
        "80",
        "0",
        "0",
        "0",
        "80",
        {"year_outside_period"},
    ),
    # ITN5: the size range depends on the session kind.
    case(
        "ITN5-aap-ok",
        "ITN5",
        [line("Entrepôt de données", "200000")],
        "ministere",
        "200",
        "200",
        "150",
        "150",
        "50",
        options={"session_kind": "aap"},
    ),
    case(
        "ITN5-guichet-ok",
        "ITN5",
        [line("API", "80000")],
        "ministere",
        "80",
        "80",
        "60",
        "60",
        "20",
        options={"session_kind": "guichet"},
    ),
    case(
        "ITN5-guichet-too-big",
        "ITN5",
        [line("Entrepôt de données", "200000")],
        "ministere",
        "200",
        "200",
        "150",
        "150",
        "50",
        {"size_out_of_range"},
        {"session_kind": "guichet"},
    ),
    # ITN6: 100 % up to 48 000 € TTC, the rest by the carrier.
    case("ITN6-30k", "ITN6", [line("Preuve de concept", "30000")], "ministere", "30", "30", "30", "30", "0"),
    case("ITN6-80k", "ITN6", [line("Preuve de concept", "80000")], "ministere", "80", "80", "48", "48", "32"),
    case(
        "ITN6-deconcentre",
        "ITN6",
        [line("Preuve de concept", "30000")],
        "service_deconcentre",
        "30",
        "30",
        "30",
        "30",
        "0",
        {"carrier_kind_not_allowed"},
    ),
    # ITN8: above 250 k€ TTC, above 150 k€ TTC for deconcentrated administrations; A and C: "up to" 75 %.
    case(
        "ITN8A-200k-central",
        "ITN8A",
        [line("Voicebot", "200000")],
        "ministere",
        "200",
        "200",
        "150",
        "150",
        "50",
        {"size_out_of_range"},
    ),
    case(
        "ITN8A-200k-deconcentrated",
        "ITN8A",
        [line("Voicebot", "200000")],
        "service_deconcentre",
        "200",
        "200",
        "150",
        "100",
        "100",
        options={"requested_amount": k("100")},
    ),
    case("ITN8B-ok", "ITN8B", [line("Pilotage", "300000")], "ministere", "300", "300", "225", "225", "75"),
    case(
        "ITN8B-collectivite",
        "ITN8B",
        [line("Pilotage", "300000")],
        "collectivite",
        "300",
        "300",
        "225",
        "225",
        "75",
        {"carrier_kind_not_allowed"},
    ),
    case(
        "ITN8C-asks-less",
        "ITN8C",
        [line("RPA", "400000")],
        "operateur",
        "400",
        "400",
        "300",
        "200",
        "200",
        options={"requested_amount": k("200")},
    ),
    case(
        "ITN8C-exactly-150k",
        "ITN8C",
        [line("RPA", "150000")],
        "prefecture_region",
        "150",
        "150",
        "112.5",
        "112.5",
        "37.5",
        {"size_out_of_range"},
    ),
    case("ITN8D-ok", "ITN8D", [line("Trajectoire", "160000")], "prefecture_region", "160", "160", "120", "120", "40"),
    case(
        "ITN8D-exactly-250k",
        "ITN8D",
        [line("Trajectoire", "250000")],
        "ministere",
        "250",
        "250",
        "187.5",
        "187.5",
        "62.5",
        {"size_out_of_range"},
    ),
    # SNAP1: 100 %, 2021-2022 only.
    case("SNAP1-ok", "SNAP1", [line("Fibre", "500000")], "ministere", "500", "500", "500", "500", "0"),
    case(
        "SNAP1-2023",
        "SNAP1",
        [line("Fibre", "400000"), line("Fibre, suite", "100000", year=2023)],
        "operateur",
        "500",
        "400",
        "400",
        "400",
        "100",
        {"year_outside_period"},
    ),
    # SNAP2A/B: 100 % of titre 3 (development, user support, communication) with a titre 2 counterpart.
    case(
        "SNAP2A-with-counterpart",
        "SNAP2A",
        [
            line("Intégration", "200000", tags=DEV),
            line("Kit de communication", "50000", "other", tags=frozenset({"communication"})),
            line("Agents", "60000", "internal_staff"),
        ],
        "ministere",
        "310",
        "250",
        "250",
        "250",
        "60",
    ),
    case(
        "SNAP2A-without-counterpart",
        "SNAP2A",
        [
            line("Intégration", "200000", tags=DEV),
            line("Kit de communication", "50000", "other", tags=frozenset({"communication"})),
        ],
        "ministere",
        "250",
        "250",
        "250",
        "250",
        "0",
        {"counterpart_missing"},
    ),
    case(
        "SNAP2B-ok",
        "SNAP2B",
        [line("Bouton AgentConnect", "100000", tags=DEV), line("Agents", "20000", "internal_staff")],
        "operateur",
        "120",
        "100",
        "100",
        "100",
        "20",
    ),
    case(
        "SNAP2B-not-titre-3",
        "SNAP2B",
        [line("Serveurs", "100000", "equipment", tags=DEV), line("Agents", "20000", "internal_staff")],
        "operateur",
        "120",
        "0",
        "0",
        "0",
        "120",
        {"size_out_of_range"},
    ),
    # SNAP3: capped at 2 M€ per project and at the amount requested; non-European licences out.
    case(
        "SNAP3-ok",
        "SNAP3",
        [line("Socle VPN", "800000"), line("Agents", "200000", "internal_staff")],
        "ministere",
        "1000",
        "1000",
        "700",
        "700",
        "300",
        options={"requested_amount": k("700")},
    ),
    case(
        "SNAP3-second-phase-over-project-cap",
        "SNAP3",
        [line("Socle VPN", "1000000"), line("Licence X", "100000", "licences", tags=NON_EU)],
        "ministere",
        "1100",
        "1000",
        "500",
        "500",
        "600",
        {"request_above_maximum"},
        {"requested_amount": k("750"), "previous_grants": k("1500")},
    ),
    # SNAP4: 3 M€ per dossier, 8 M€ per project across phases.
    case(
        "SNAP4-first-phase",
        "SNAP4",
        [line("Visio", "3000000"), line("Agents", "1000000", "internal_staff")],
        "ministere",
        "4000",
        "4000",
        "3000",
        "3000",
        "1000",
    ),
    case(
        "SNAP4-dossier-cap",
        "SNAP4",
        [line("Messagerie", "5000000")],
        "ministere",
        "5000",
        "5000",
        "3000",
        "3000",
        "2000",
        options={"previous_grants": k("2000")},
    ),
    case(
        "SNAP4-third-phase-over-8M",
        "SNAP4",
        [line("Visio", "3000000"), line("Agents", "1000000", "internal_staff")],
        "ministere",
        "4000",
        "4000",
        "1500",
        "1500",
        "2500",
        {"request_above_maximum"},
        {"requested_amount": k("3000"), "previous_grants": k("6500")},
    ),
    case(
        "SNAP4-project-cap-exhausted",
        "SNAP4",
        [line("Visio", "3000000")],
        "ministere",
        "3000",
        "3000",
        "0",
        "0",
        "3000",
        {"project_cap_exhausted"},
        {"previous_grants": k("8000")},
    ),
    # SNAP5: central administrations, 30-300 k€.
    case("SNAP5-ok", "SNAP5", [line("Parcours managers", "200000")], "ministere", "200", "200", "150", "150", "50"),
    case(
        "SNAP5-too-small",
        "SNAP5",
        [line("Atelier", "20000")],
        "ministere",
        "20",
        "20",
        "15",
        "15",
        "5",
        {"size_out_of_range"},
    ),
    # ETNA 2019: up to 100 %, State administrations and operators.
    case("ETNA-1-ok", "ETNA-1", [line("Prototype", "80000", year=2019)], "ministere", "80", "80", "80", "80", "0"),
    case(
        "ETNA-1-collectivite",
        "ETNA-1",
        [line("Prototype", "80000", year=2019)],
        "collectivite",
        "80",
        "80",
        "80",
        "80",
        "0",
        {"carrier_kind_not_allowed"},
    ),
    case(
        "ETNA-2-asks-less",
        "ETNA-2",
        [line("Bureau à distance", "70000", year=2019)],
        "operateur",
        "70",
        "70",
        "70",
        "50",
        "20",
        options={"requested_amount": k("50")},
    ),
    case(
        "ETNA-2-asks-too-much",
        "ETNA-2",
        [line("Bureau à distance", "70000", year=2019)],
        "operateur",
        "70",
        "70",
        "70",
        "70",
        "0",
        {"request_above_maximum"},
        {"requested_amount": k("80")},
    ),
    # PIA 2016: at most 50 %, at most 250 k€, project at most 500 k€ HT, in kind valued but not real estate.
    case(
        "CPT-50pc-capped",
        "CPT",
        [
            line("Réseau social", "300000", year=2016),
            line("Agents", "100000", "internal_staff", 2016),
            line("Salles et postes prêtés", "100000", "equipment", 2016, source="in_kind"),
        ],
        "prefecture_region",
        "500",
        "500",
        "250",
        "250",
        "250",
    ),
    case(
        "CPT-480k",
        "CPT",
        [line("Réseau social", "480000", year=2016)],
        "prefecture_region",
        "480",
        "480",
        "240",
        "240",
        "240",
    ),
    case(
        "CPT-derogation-60pc",
        "CPT",
        [line("Réseau social", "400000", year=2016)],
        "prefecture_region",
        "400",
        "400",
        "240",
        "240",
        "160",
        options={"derogation_rate": Decimal("60")},
    ),
    case(
        "CPT-derogation-70pc-still-capped",
        "CPT",
        [line("Réseau social", "400000", year=2016)],
        "prefecture_region",
        "400",
        "400",
        "250",
        "250",
        "150",
        options={"derogation_rate": Decimal("70")},
    ),
    case(
        "CPT-too-big-and-wrong-carrier",
        "CPT",
        [line("Réseau social", "550000", year=2016)],
        "service_deconcentre",
        "550",
        "550",
        "250",
        "250",
        "300",
        {"size_out_of_range", "carrier_kind_not_allowed", "request_above_maximum"},
        {"requested_amount": k("300")},
    ),
    case(
        "LIT-cofinanced-in-kind",
        "LIT",
        [
            line("Laboratoire", "200000", year=2016),
            line(
                "Designer mis à disposition",
                "100000",
                "internal_staff",
                2016,
                source="in_kind",
                cofinancer_name="Région",
            ),
            line("Locaux", "50000", "other", 2016, source="in_kind", tags=frozenset({"real_estate"})),
        ],
        "prefecture_region",
        "350",
        "300",
        "150",
        "150",
        "100",
        cofinancers=[("Région", "100", "28.57")],
    ),
    case(
        "LIT-grouping",
        "LIT",
        [line("Laboratoire", "200000", year=2016)],
        "prefecture_region",
        "200",
        "200",
        "100",
        "100",
        "100",
        {"grouping_not_allowed"},
        {"co_carrier_kinds": ["prefecture_region"]},
    ),
]


@pytest.mark.parametrize("c", CASES)
def test_theme_budget(c: Case):
    result = evaluate(rule=RULES[c.theme], lines=c.lines, carrier_kind=c.carrier, **c.options)

    assert {v.code for v in result.violations} == c.violations, [v.message_fr for v in result.violations]
    assert result.is_compliant == (not c.violations)
    assert (result.total_cost, result.eligible_cost) == (k(c.total), k(c.eligible))
    assert (result.max_programme_amount, result.granted_amount, result.carrier_share) == (
        k(c.maximum),
        k(c.granted),
        k(c.carrier_share),
    )
    assert [(s.name, s.amount, s.percent) for s in result.cofinancer_shares] == [
        (name, k(amount), Decimal(percent)) for name, amount, percent in c.cofinancers
    ]
    cofinanced = sum(s.amount for s in result.cofinancer_shares)
    assert result.granted_amount + result.carrier_share + cofinanced == result.total_cost
    assert result.tax_basis == RULES[c.theme].tax_basis
    assert all(sentence.endswith(".") for sentence in result.explanation)


def test_every_theme_has_a_compliant_and_a_violating_case():
    compliant = {p.values[0].theme for p in CASES if not p.values[0].violations}
    violating = {p.values[0].theme for p in CASES if p.values[0].violations}
    assert compliant == violating == SEEDED_THEMES == set(RULES)


def test_every_rule_round_trips_through_json():
    for code, rule in RULES.items():
        data = json.loads(json.dumps(rule.to_dict()))
        assert Rule.from_dict(data) == rule, code
        assert Rule.from_dict(data).to_dict() == data, code
        assert rule.source, code


def test_amounts_are_ttc_for_france_relance_and_ht_for_the_pia():
    assert {code for code, rule in RULES.items() if rule.tax_basis == "HT"} == {"ETNA-1", "ETNA-2", "CPT", "LIT"}
    result = evaluate(rule=RULES["CPT"], lines=[line("Réseau social", "1234567")], carrier_kind="prefecture_region")
    assert result.explanation[0] == "Montants exprimés en € HT (hors taxes)."
    assert f"250{NNBSP}000,00{NBSP}€{NBSP}HT" in " ".join(result.explanation)


def test_explanation_names_the_excluded_line():
    lines = [
        line("Intégration", "70000"),
        line("Postes", "30000", "equipment"),
        line("Agents", "20000", "internal_staff"),
        line("Licence X", "15000", "licences", tags=NON_EU),
    ]
    result = evaluate(rule=RULES["SNAP3"], lines=lines, carrier_kind="ministere")
    assert (
        f"Coût éligible : 120{NNBSP}000,00{NBSP}€{NBSP}TTC (lignes 1 à 3 ; la ligne 4 « Licence X » est exclue : "
        "licence de produit non européen)."
    ) in result.explanation
    assert result.is_compliant is False  # 120 k€ is below SNAP3's 500 k€
    assert result.max_programme_amount == Decimal("90000.00")


def test_derogation_is_explained_and_refused_where_the_rule_has_none():
    decided = evaluate(
        rule=RULES["LIT"],
        lines=[line("Lab", "400000")],
        carrier_kind="prefecture_region",
        derogation_rate=Decimal("60"),
        derogation_decision="le comité de pilotage du fonds, le 12 mars 2017",
    )
    assert any("décidé par le comité de pilotage du fonds, le 12 mars 2017" in s for s in decided.explanation)
    assert decided.max_programme_amount == Decimal("240000.00")
    # Without a recorded decision (the simulator), the rate is a hypothesis and says who may grant it.
    hypothesis = evaluate(
        rule=RULES["LIT"],
        lines=[line("Lab", "400000")],
        carrier_kind="prefecture_region",
        derogation_rate=Decimal("60"),
    )
    assert any(
        s.startswith("Hypothèse d'un taux dérogatoire de 60") and "seul le comité de pilotage du fonds" in s
        for s in hypothesis.explanation
    )
    assert not any("décidé par" in s for s in hypothesis.explanation)
    itn1 = evaluate(
        rule=RULES["ITN1"], lines=[line("Design", "100000")], carrier_kind="ministere", derogation_rate=Decimal("90")
    )
    assert [v.code for v in itn1.violations] == ["derogation_not_allowed"]
    assert itn1.max_programme_amount == Decimal("75000.00")


def test_derogation_above_its_ceiling_is_clamped():
    rule = Rule.from_dict(
        {"tax_basis": "HT", "rate_percent": "50", "derogation_allowed": True, "derogation_ceiling_percent": "70"}
    )
    result = evaluate(rule=rule, lines=[line("Lab", "100000")], carrier_kind="autre", derogation_rate=Decimal("90"))
    assert [v.code for v in result.violations] == ["derogation_above_ceiling"]
    assert result.max_programme_amount == Decimal("70000.00")


def test_itn8_size_depends_on_deconcentration():
    for code in ("ITN8A", "ITN8B", "ITN8C", "ITN8D"):
        deconcentrated, default = RULES[code].size_ranges
        assert deconcentrated.carrier_kinds == DECONCENTRATED_KINDS
        assert (deconcentrated.minimum, default.minimum) == (Decimal(150000), Decimal(250000))
        assert deconcentrated.minimum_exclusive and default.minimum_exclusive and not default.carrier_kinds


def test_manual_checks_depend_on_the_carrier_kind():
    lines = [line("Fibre", "500000")]
    operator = evaluate(rule=RULES["SNAP1"], lines=lines, carrier_kind="operateur")
    ministry = evaluate(rule=RULES["SNAP1"], lines=lines, carrier_kind="ministere")
    assert [code for code, _ in operator.manual_checks] == ["OPERATEUR_RIE"]
    assert ministry.manual_checks == []
    itn3 = evaluate(rule=RULES["ITN3"], lines=lines, carrier_kind="service_deconcentre")
    assert [code for code, _ in itn3.manual_checks] == ["POPULATION", "DECONCENTRES_50", "ADMINISTRATION_CENTRALE"]
    assert all(label.endswith(".") for _, label in itn3.manual_checks)


def test_groupings_check_every_co_carrier():
    lines = [line("Acculturation", "200000")]
    ok = evaluate(rule=RULES["SNAP5"], lines=lines, carrier_kind="ministere", co_carrier_kinds=["operateur"])
    assert ok.is_compliant
    bad = evaluate(rule=RULES["SNAP5"], lines=lines, carrier_kind="ministere", co_carrier_kinds=["collectivite"])
    assert [v.message_fr for v in bad.violations] == [
        "Le co-porteur n° 1 (collectivité territoriale) n'est pas admis ; porteurs admis : "
        "ministère (administration centrale) ou opérateur de l'État."
    ]


def test_requested_amount_defaults_to_the_lines_the_programme_pays():
    lines = [line("Dév", "60000", source="programme"), line("Dév, part du porteur", "40000")]
    result = evaluate(rule=RULES["ITN1"], lines=lines, carrier_kind="ministere")
    assert (result.requested_amount, result.granted_amount, result.carrier_share) == (
        Decimal("60000.00"),
        Decimal("60000.00"),
        Decimal("40000.00"),
    )
    too_much = evaluate(rule=RULES["ITN1"], lines=[line("Dév", "100000", source="programme")], carrier_kind="ministere")
    assert [v.code for v in too_much.violations] == ["request_above_maximum"]
    assert too_much.violations[0].amounts == {"demande": Decimal("100000.00"), "maximum": Decimal("75000.00")}


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        (line("Serveurs", "-100", "equipment"), "negative_amount", "La ligne 1 « Serveurs » : montant négatif"),
        (CostLine("Serveurs", Decimal("NaN"), "equipment", 2021), "invalid_amount", "La ligne 1 « Serveurs » : mon"),
        (CostLine("Serveurs", 12.5, "equipment", 2021), "invalid_amount", "montant illisible"),
        (CostLine("Serveurs", "abc", "equipment", 2021), "invalid_amount", "montant illisible"),
        (CostLine("Serveurs", Decimal("1e15"), "equipment", 2021), "invalid_amount", "invraisemblable"),
        (line("Serveurs", "100", "furniture"), "unknown_category", "catégorie inconnue ('furniture')"),
        (line("Serveurs", "100", source="lottery"), "unknown_source", "financement inconnu"),
        (line("Serveurs", "100", year=2023), "year_outside_period", "datée de 2023, hors de la période éligible (2021"),
        (line("Serveurs", "100", year=None), "year_missing", "année non renseignée"),
        (line("Serveurs", "100", year="2021"), "invalid_year", "année illisible"),
        (line("", "100", source="cofinancer"), "unnamed_cofinancer", "La ligne 1 : le co-financeur n'est pas nommé"),
        (line("Prêt", "100", source="programme", in_kind=True), "in_kind_from_programme", "apport en nature"),
        ("pas une ligne", "unreadable_line", "Ligne 1 : ligne de budget illisible"),
    ],
)
def test_bad_lines_become_violations_naming_the_line(raw, code, words):
    result = evaluate(rule=RULES["SNAP4"], lines=[raw], carrier_kind="ministere")
    found = [v for v in result.violations if v.code == code]
    assert found and found[0].line_index == 0
    assert words in found[0].message_fr


def test_bad_lines_are_left_out_of_the_amounts():
    lines = [line("Bon", "600000"), line("Négatif", "-100000"), line("Inconnu", "100000", "furniture")]
    result = evaluate(rule=RULES["SNAP4"], lines=lines, carrier_kind="ministere")
    assert result.total_cost == result.eligible_cost == Decimal("600000.00")
    assert "la ligne 2 « Négatif » est ignorée : montant négatif" in result.explanation[1]


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"requested_amount": Decimal("-1")}, "invalid_request"),
        ({"requested_amount": "beaucoup"}, "invalid_request"),
        ({"previous_grants": Decimal("-5")}, "invalid_previous_grants"),
        ({"derogation_rate": Decimal("150")}, "invalid_derogation"),
        ({"carrier_kind": "mairie"}, "unknown_carrier_kind"),
        ({"carrier_kind": None}, "unknown_carrier_kind"),
    ],
)
def test_bad_dossier_figures_become_violations(options, code):
    arguments = {"rule": RULES["SNAP4"], "lines": [line("Visio", "600000")], "carrier_kind": "ministere"} | options
    assert code in {v.code for v in evaluate(**arguments).violations}


def test_an_empty_budget_is_a_violation():
    for lines in ([], [line("Rien", "0")], None):
        result = evaluate(rule=RULES["ITN4"], lines=lines, carrier_kind="ministere")
        assert "empty_budget" in {v.code for v in result.violations}
        assert result.granted_amount == result.total_cost == Decimal("0.00")


def test_size_is_not_checked_when_no_range_matches_the_session():
    result = evaluate(
        rule=RULES["ITN5"], lines=[line("API", "5000")], carrier_kind="ministere", session_kind="interest"
    )
    assert result.is_compliant
    assert "Taille du projet non vérifiée" in " ".join(result.explanation)


def test_itn5_needs_the_kind_of_session_before_judging_the_size():
    """ITN5 expects 100 k€ to 1 M€ in an AAP and 10 k€ to 100 k€ at the guichet: 150 k€ is fine in an
    AAP only, and without the kind of session the size cannot be judged (it used to read « conforme »)."""
    budget = [line("Plateforme", "150000")]
    unknown = evaluate(rule=RULES["ITN5"], lines=budget, carrier_kind="ministere")
    assert [v.code for v in unknown.violations] == ["session_kind_missing"]
    assert "appel à projets ou guichet" in unknown.violations[0].message_fr
    assert evaluate(rule=RULES["ITN5"], lines=budget, carrier_kind="ministere", session_kind="aap").is_compliant
    guichet = evaluate(rule=RULES["ITN5"], lines=budget, carrier_kind="ministere", session_kind="guichet")
    assert [v.code for v in guichet.violations] == ["size_out_of_range"]


def test_lit_size_is_judged_on_the_total_cost_including_excluded_costs():
    """« Son coût total est au maximum de 500 000 € »: 450 k€ eligible plus 150 k€ of real estate
    brought in kind (excluded from the aid) make a 600 k€ project, refused."""
    budget = [
        line("Laboratoire", "450000", "other", 2016),
        line("Locaux", "150000", "other", 2016, source="in_kind", tags=frozenset({"real_estate"})),
    ]
    for code in ("LIT", "CPT"):
        result = evaluate(rule=RULES[code], lines=budget, carrier_kind="prefecture_region")
        assert (result.total_cost, result.eligible_cost) == (k("600"), k("450"))
        assert [v.code for v in result.violations] == ["size_out_of_range"]
        assert "600" in result.violations[0].message_fr and "coût total" in result.violations[0].message_fr
    within = evaluate(rule=RULES["LIT"], lines=budget[:1], carrier_kind="prefecture_region")
    assert within.is_compliant


def test_amounts_where_a_cap_binds_are_rounded_to_the_cent():
    cpt = evaluate(rule=RULES["CPT"], lines=[line("Lab", "500000", year=2016)], carrier_kind="prefecture_region")
    assert (str(cpt.max_programme_amount), str(cpt.granted_amount)) == ("250000.00", "250000.00")
    odd = Rule.from_dict({"tax_basis": "HT", "rate_percent": "100", "cap_per_dossier": "1000.005"})
    result = evaluate(rule=odd, lines=[line("Étude", "5000")], carrier_kind="ministere")
    assert (str(result.max_programme_amount), str(result.carrier_share)) == ("1000.01", "3999.99")
    project = Rule.from_dict({"tax_basis": "HT", "rate_percent": "100", "cap_per_project": "2000.004"})
    result = evaluate(
        rule=project, lines=[line("Étude", "5000")], carrier_kind="ministere", previous_grants=Decimal("1000")
    )
    assert str(result.max_programme_amount) == "1000.00"


def test_displayed_percentages_add_up_to_100():
    rule = Rule.from_dict({"tax_basis": "TTC", "rate_percent": "50"})
    result = evaluate(
        rule=rule,
        lines=[line("Étude", "200000"), line("Prototype", "100000", source="cofinancer", cofinancer_name="Région")],
        carrier_kind="ministere",
        requested_amount=Decimal("100000"),
    )
    shares = [result.granted_percent, result.carrier_percent, result.cofinancer_shares[0].percent]
    # Each third rounds to 33,33 %: the missing hundredth goes to the first share.
    assert shares == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(shares) == 100
    assert f"soit 33,34{NBSP}% du coût total" in " ".join(result.explanation)


def test_money_and_percent_are_printed_the_french_way():
    assert format_money(Decimal("1234567")) == f"1{NNBSP}234{NNBSP}567,00{NBSP}€"
    assert format_money(Decimal("48000"), "TTC") == f"48{NNBSP}000,00{NBSP}€{NBSP}TTC"
    assert format_money(Decimal("0.005")) == f"0,01{NBSP}€"  # ROUND_HALF_UP
    assert format_money(Decimal("2.675")) == f"2,68{NBSP}€"
    assert format_percent(Decimal("75.00")) == f"75{NBSP}%"
    assert format_percent(Decimal("28.57")) == f"28,57{NBSP}%"


def plain(text: str) -> str:
    return text.replace(NNBSP, " ").replace(NBSP, " ")


def test_describe_rule_speaks_the_livret():
    itn6 = [plain(s) for s in describe_rule(RULES["ITN6"])]
    assert (
        "Le programme prend en charge 100 % des dépenses éligibles jusqu'à 48 000,00 € TTC ; "
        "au-delà, le solde est à la charge du porteur."
    ) in itn6
    itn8 = plain(" ".join(describe_rule(RULES["ITN8A"])))
    assert "jusqu'à 75 %" in itn8
    assert "plus de 150 000,00 € TTC pour les porteurs de type préfecture de région ou service déconcentré" in itn8
    assert "plus de 250 000,00 € TTC dans les autres cas" in itn8
    cpt = " ".join(describe_rule(RULES["CPT"]))
    assert "le comité de pilotage du fonds peut accorder un taux supérieur" in cpt
    assert "sauf : immobilier" in cpt
    snap2a = " ".join(describe_rule(RULES["SNAP2A"]))
    assert "Contrepartie exigée du porteur en personnel interne (titre 2), d'un montant non nul." in snap2a
    assert "Porteurs exclus : collectivité territoriale." in describe_rule(RULES["ITN2"])
    for code, rule in RULES.items():
        sentences = describe_rule(rule)
        assert sentences[0].startswith(f"Montants exprimés en € {rule.tax_basis}"), code
        assert all(s.endswith(".") for s in sentences), code


# --- configuration errors ----------------------------------------------------------------


def base(**changes):
    return {"tax_basis": "TTC", "rate_percent": "75"} | changes


@pytest.mark.parametrize(
    ("data", "field_name", "words"),
    [
        (base(rate_percent="120"), "rate_percent", "entre 0 et 100\u00a0%"),
        (base(rate_percent="-1"), "rate_percent", "entre 0 et 100\u00a0%"),
        (base(rate_percent=75.5), "rate_percent", "nombre décimal"),
        (base(rate_percent="soixante"), "rate_percent", "n'est pas un nombre"),
        (base(cap_per_dossier="-1"), "cap_per_dossier", "positif ou nul"),
        (base(cap_per_project="-250000"), "cap_per_project", "positif ou nul"),
        (base(eligible_categories=["external_services", "furniture"]), "eligible_categories", "furniture"),
        (base(counterpart_category="furniture"), "counterpart_category", "furniture"),
        (base(eligible_categories=[]), "eligible_categories", "au moins une catégorie"),
        (base(tax_basis="TVA"), "tax_basis", "« TTC » ou « HT »"),
        ({"rate_percent": "75"}, "tax_basis", "obligatoire"),
        (base(plafond="1"), "plafond", "champ inconnu"),
        (base(allowed_carrier_kinds=["mairie"]), "allowed_carrier_kinds", "mairie"),
        (
            base(allowed_carrier_kinds=["ministere"], excluded_carrier_kinds=["ministere"]),
            "excluded_carrier_kinds",
            "admis et exclu",
        ),
        (base(size_ranges=[{"minimum": "10", "maximum": "5"}]), "size_ranges[0].minimum", "dépasse le maximum"),
        (
            base(size_ranges=[{"minimum": "10"}, {"session_kinds": ["kermesse"], "maximum": "1"}]),
            "size_ranges[1].session_kinds",
            "kermesse",
        ),
        (base(size_ranges=[{}]), "size_ranges[0].minimum", "minimum ou un maximum"),
        (base(size_ranges="beaucoup"), "size_ranges", "liste"),
        (
            base(derogation_allowed=True, derogation_ceiling_percent="60"),
            "derogation_ceiling_percent",
            "dépasser le taux normal",
        ),
        (base(derogation_ceiling_percent="90"), "derogation_ceiling_percent", "sans objet"),
        (
            base(staff_in_carrier_share_only=True, eligible_categories=["external_services"]),
            "staff_in_carrier_share_only",
            "personnel interne",
        ),
        (base(eligible_years=[2021, "2022"]), "eligible_years", "années"),
        (base(excluded_tags=["Non EU"]), "excluded_tags", "mal formée"),
        (base(manual_checks=[{"code": "A", "label": "x"}, {"code": "A", "label": "y"}]), "manual_checks", "même code"),
        (base(manual_checks=[{"code": "a b", "label": "x"}]), "manual_checks[0].code", "majuscules"),
        (base(grouping_allowed="oui"), "grouping_allowed", "booléen"),
    ],
)
def test_rule_config_errors_name_the_field(data, field_name, words):
    with pytest.raises(RuleConfigError) as error:
        Rule.from_dict(data)
    assert error.value.field == field_name
    assert words in error.value.message
    assert f"« {field_name} »" in str(error.value)


def test_a_rule_built_directly_is_validated_too():
    with pytest.raises(RuleConfigError) as error:
        Rule(tax_basis="HT", rate_percent=Decimal("101"))
    assert error.value.field == "rate_percent"


def test_load_rules_prefixes_the_theme_code(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text('ITN9:\n  tax_basis: TTC\n  rate_percent: "175"\n', encoding="utf-8")
    with pytest.raises(RuleConfigError) as error:
        load_rules(path)
    assert error.value.field == "ITN9.rate_percent"


def test_a_huge_negative_request_is_a_violation_not_a_crash():
    from calls.rules import load_rules as load

    evaluation = evaluate(rule=load()["ITN6"], lines=[], carrier_kind="ministere", requested_amount=Decimal("-1e26"))
    assert any(violation.code == "invalid_request" for violation in evaluation.violations)


def test_every_configuration_problem_is_reported_at_once():
    with pytest.raises(RuleConfigError) as error:
        Rule.from_dict(
            base(
                plafond="1",
                rate_percent="150",
                size_ranges=[{"minimum": "10", "maximum": "5"}, {"session_kinds": ["kermesse"], "maximum": "1"}],
                staff_in_carrier_share_only=True,
                eligible_categories=["external_services"],
            )
        )
    assert [field for field, _message in error.value.errors] == [
        "plafond",
        "size_ranges[0].minimum",
        "size_ranges[1].session_kinds",
        "rate_percent",
        "staff_in_carrier_share_only",
    ]
    assert str(error.value).count("Règle invalide, champ") == 5
