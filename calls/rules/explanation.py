"""A rule in plain French, one sentence per item, generated from its data only: what the
programme funds, which costs count, who may apply and what staff check by hand.

Pure Python (no Django import).
"""

from __future__ import annotations

from collections.abc import Iterator

from .config import COST_CATEGORIES, TAX_BASES, Rule, join_fr, kinds_fr, tag_label
from .lines import years_fr
from .money import HUNDRED, format_money, format_percent


def describe_rule(rule: Rule) -> list[str]:
    """The rule in plain French, one sentence per item, generated from its data only."""
    return [
        f"Montants exprimés en € {rule.tax_basis} ({TAX_BASES[rule.tax_basis]}).",
        *_describe_funding(rule),
        *_describe_costs(rule),
        *_describe_carriers(rule),
    ]


def _describe_funding(rule: Rule) -> Iterator[str]:
    rate = format_percent(rule.rate_percent)
    up_to = "jusqu'à " if rule.rate_is_maximum else ""
    if rule.full_funding_up_to is not None:
        rest = (
            "au-delà, le solde est à la charge du porteur"
            if rule.rate_percent == 0
            else f"au-delà, {up_to}{rate} des dépenses éligibles, le reste à la charge du porteur"
        )
        yield (
            f"Le programme prend en charge {format_percent(HUNDRED)} des dépenses éligibles jusqu'à "
            f"{format_money(rule.full_funding_up_to, rule.tax_basis)} ; {rest}."
        )
    elif rule.rate_percent == HUNDRED:
        yield f"Le programme finance {up_to}{rate} du coût éligible."
    else:
        yield f"Le programme finance {up_to}{rate} du coût éligible, le reste étant à la charge du porteur."
    if rule.rate_is_maximum:
        yield "Le taux est un maximum : le dossier peut demander moins."
    if rule.derogation_allowed:
        yield (
            f"À titre exceptionnel, {rule.derogation_decider()} peut accorder un taux supérieur, "
            f"jusqu'à {format_percent(rule.derogation_ceiling())}, sans jamais dépasser les plafonds."
        )
    if rule.cap_per_dossier is not None:
        yield f"Plafond de l'aide par dossier : {format_money(rule.cap_per_dossier, rule.tax_basis)}."
    if rule.cap_per_project is not None:
        yield (
            "Plafond de l'aide par projet, toutes phases (dossiers successifs) confondues : "
            f"{format_money(rule.cap_per_project, rule.tax_basis)}."
        )
    if rule.cap_at_request:
        yield "L'aide n'excède pas le montant demandé dans le dossier."


def _describe_costs(rule: Rule) -> Iterator[str]:
    eligible = join_fr(label for category, label in COST_CATEGORIES.items() if category in rule.eligible_categories)
    yield f"Dépenses éligibles : {eligible}."
    if rule.eligible_tags:
        yield f"Seules comptent les dépenses de {join_fr((tag_label(t) for t in sorted(rule.eligible_tags)), 'ou')}."
    if rule.excluded_tags:
        yield f"Dépenses exclues : {join_fr(tag_label(t) for t in sorted(rule.excluded_tags))}."
    if rule.staff_in_carrier_share_only:
        yield (
            "Les dépenses de personnel interne (titre 2) comptent dans le coût éligible, au prorata de l'implication "
            "des agents, mais uniquement dans la part du porteur."
        )
    if not rule.in_kind_eligible:
        yield "Les apports en nature ne sont pas pris en compte dans le coût éligible."
    elif rule.excluded_in_kind_tags:
        excluded = join_fr(tag_label(t) for t in sorted(rule.excluded_in_kind_tags))
        yield (
            "Les apports en nature sont valorisés dans le coût éligible, dans la part de qui les apporte, "
            f"sauf : {excluded}."
        )
    else:
        yield "Les apports en nature sont valorisés dans le coût éligible, dans la part de qui les apporte."
    if rule.counterpart_category is not None:
        how_much = (
            f"au moins {format_percent(rule.counterpart_min_percent)} du coût total"
            if rule.counterpart_min_percent
            else "d'un montant non nul"
        )
        yield f"Contrepartie exigée du porteur en {COST_CATEGORIES[rule.counterpart_category]}, {how_much}."
    if rule.eligible_years:
        yield f"Seules les dépenses des années {years_fr(rule.eligible_years)} sont prises en compte."


def _describe_carriers(rule: Rule) -> Iterator[str]:
    measure = "coût total, y compris les dépenses exclues de l'aide" if rule.size_on_total_cost else "coût éligible"
    for position, size in enumerate(rule.size_ranges):
        # Ranges apply in order: an unconditional range after conditional ones is the fallback.
        condition = size.conditions() or ("dans les autres cas" if position else "")
        expected = " ".join(filter(None, [size.describe(rule.tax_basis), condition]))
        yield f"Taille attendue du projet ({measure}) : {expected}."
    if rule.allowed_carrier_kinds:
        yield f"Porteurs admis : {kinds_fr(rule.allowed_carrier_kinds)}."
    if rule.excluded_carrier_kinds:
        yield f"Porteurs exclus : {kinds_fr(rule.excluded_carrier_kinds, 'et')}."
    yield (
        "Plusieurs porteurs peuvent se grouper."
        if rule.grouping_allowed
        else "Le dossier est présenté par un seul porteur."
    )
    for check in rule.manual_checks:
        whom = f" (porteurs de type {kinds_fr(check.carrier_kinds)})" if check.carrier_kinds else ""
        yield f"À vérifier par l'équipe du programme{whom} : {check.label}"
