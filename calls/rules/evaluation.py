"""Evaluation of a dossier's budget against a theme's rule: total and eligible cost, the rate
(or a derogation), every limit on the programme's share, the request, the shares of each payer,
then the project size, the carriers and the counterpart, each step adding its French sentence.

Pure Python (no Django import) so that views, services, commands and tests share it.
`evaluate` never raises on budget data: every problem in the lines or the dossier's figures
becomes a `Violation` with a French message. Rates are percentages (Decimal("75") is 75 %).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import (
    ROUND_FLOOR,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import NamedTuple

from .config import COST_CATEGORIES, ORGANISATION_KINDS, SESSION_KINDS, TAX_BASES, Rule, join_fr, kinds_fr
from .lines import (
    CostLine,
    Invalid,
    Line,
    Violation,
    line_name,
    line_numbers,
    read_amount,
    read_line,
    read_percent,
    show,
)
from .money import CENT, HUNDRED, cents, format_money, format_percent

_CONTEXT = Context(prec=28, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])
_ZERO = Decimal("0.00")


class CofinancerShare(NamedTuple):
    """What one co-financer brings (cash and in kind), and its percent of the total cost."""

    name: str
    amount: Decimal
    percent: Decimal


@dataclass(frozen=True)
class Evaluation:
    """The outcome of `evaluate`: amounts rounded to the cent, in the rule's tax basis.

    max_programme_amount is the most the rule allows; granted_amount = min(requested, max).
    granted_amount + carrier_share + the cofinancer shares == total_cost, to the cent, and
    no share is negative; percents are of the total cost, to the hundredth, and add up to
    exactly 100 (0 each for an empty budget).
    """

    tax_basis: str
    total_cost: Decimal
    eligible_cost: Decimal
    max_programme_amount: Decimal
    requested_amount: Decimal
    granted_amount: Decimal
    carrier_share: Decimal
    cofinancer_shares: list[CofinancerShare]
    granted_percent: Decimal
    carrier_percent: Decimal
    violations: list[Violation]
    manual_checks: list[tuple[str, str]]
    explanation: list[str]

    @property
    def is_compliant(self) -> bool:
        """No violation; the manual checks still await staff either way."""
        return not self.violations


class _Limit(NamedTuple):
    amount: Decimal
    label: str


def _smallest(limits: list[_Limit]) -> _Limit:
    """The binding limit: the lowest amount, the first listed on a tie."""
    return min(limits, key=lambda limit: limit.amount)


def shares_of_total(amounts: list[Decimal], total: Decimal) -> list[Decimal]:
    """Each amount's percent of `total`, to the hundredth, adding up to exactly 100.

    Rounding each percent alone can give 99,99 % or 100,01 % in all: the largest remainder
    method gives the missing hundredths to the shares that lost the most by rounding down
    (the first listed on a tie). `amounts` are non-negative and add up to `total`.
    """
    if not total:
        return [_ZERO for _ in amounts]
    exact = [amount * HUNDRED / total for amount in amounts]
    percents = [value.quantize(CENT, rounding=ROUND_FLOOR) for value in exact]
    missing = int(((HUNDRED - sum(percents, _ZERO)) / CENT).to_integral_value())
    by_remainder = sorted(range(len(amounts)), key=lambda i: exact[i] - percents[i], reverse=True)
    for index in by_remainder[: max(missing, 0)]:
        percents[index] += CENT
    return percents


def evaluate(
    *,
    rule: Rule,
    lines: Iterable[CostLine],
    carrier_kind: str,
    session_kind: str | None = None,
    previous_grants: Decimal = Decimal(0),
    requested_amount: Decimal | None = None,
    derogation_rate: Decimal | None = None,
    derogation_decision: str | None = None,
    co_carrier_kinds: Iterable[str] = (),
) -> Evaluation:
    """Apply `rule` to a dossier's budget; never raises on budget data.

    session_kind: the kind of the dossier's session; when the expected project size depends on
    it and it is None, the size is not judged and a violation asks for it.
    previous_grants: programme money already granted to earlier dossiers of the same project.
    requested_amount: None means the sum of the lines the programme pays, else the maximum.
    derogation_rate: a rate (percent) above the normal one; derogation_decision says who decided
    it and when (« le comité de pilotage du fonds, le 12 mars 2017 »), None when it is only a
    hypothesis (the simulator). co_carrier_kinds: the kinds of the other carriers when several
    apply together.
    """
    with localcontext(_CONTEXT):
        return _Evaluator(rule, carrier_kind, session_kind).run(
            lines, previous_grants, requested_amount, (derogation_rate, derogation_decision), co_carrier_kinds
        )


class _Evaluator:
    """One evaluation: collects violations and French sentences while computing the amounts."""

    def __init__(self, rule: Rule, carrier_kind: object, session_kind: object):
        self.rule = rule
        self.carrier_kind = carrier_kind
        # Only strings take part in set lookups: garbage kinds match nothing instead of raising.
        self.kind = carrier_kind if isinstance(carrier_kind, str) else None
        self.session_kind = session_kind if isinstance(session_kind, str) else None
        self.violations: list[Violation] = []
        self.explanation: list[str] = []

    def money(self, amount: Decimal) -> str:
        return format_money(amount, self.rule.tax_basis)

    def run(
        self,
        raw_lines: Iterable[CostLine],
        previous_grants: object,
        requested_amount: object,
        derogation: tuple[object, str | None],
        co_carrier_kinds: Iterable[str],
    ) -> Evaluation:
        self.explanation.append(f"Montants exprimés en € {self.rule.tax_basis} ({TAX_BASES[self.rule.tax_basis]}).")
        lines = self.read_lines(raw_lines)
        total = sum((line.amount for line in lines), _ZERO)
        eligible_lines = [line for line in lines if line.exclusion is None]
        eligible = sum((line.amount for line in eligible_lines), _ZERO)
        self.explain_eligible(lines, eligible)
        if total == 0:
            self.violate("empty_budget", "Le budget ne contient aucune dépense exploitable.")

        cofinancers = self.cofinancer_amounts(lines)
        cofinanced = sum(cofinancers.values(), _ZERO)
        rate = self.effective_rate(*derogation)
        limits = self.limits(eligible_lines, eligible, rate, total - cofinanced, previous_grants)
        requested = self.requested(lines, requested_amount, _smallest(limits).amount)
        if self.rule.cap_at_request:
            limits.append(_Limit(requested, "montant demandé dans le dossier"))
        binding = _smallest(limits)
        self.explanation.append(
            f"Montant maximal du programme : {self.money(binding.amount)} (limité par : {binding.label})."
        )
        if requested > binding.amount:
            self.violate(
                "request_above_maximum",
                f"Le montant demandé ({self.money(requested)}) dépasse le maximum autorisé "
                f"({self.money(binding.amount)}, limité par : {binding.label}).",
                demande=requested,
                maximum=binding.amount,
            )
        granted = min(requested, binding.amount)
        carrier_share = total - granted - cofinanced
        granted_percent, carrier_percent, *percents = shares_of_total(
            [granted, carrier_share, *cofinancers.values()], total
        )
        shares = [
            CofinancerShare(name, amount, percent)
            for (name, amount), percent in zip(cofinancers.items(), percents, strict=True)
        ]
        self.explain_shares(granted, granted_percent, carrier_share, carrier_percent, shares)

        self.check_size(total, eligible)
        self.check_carriers(co_carrier_kinds)
        self.check_counterpart(lines, total)
        return Evaluation(
            tax_basis=self.rule.tax_basis,
            total_cost=total,
            eligible_cost=eligible,
            max_programme_amount=binding.amount,
            requested_amount=requested,
            granted_amount=granted,
            carrier_share=carrier_share,
            cofinancer_shares=shares,
            granted_percent=granted_percent,
            carrier_percent=carrier_percent,
            violations=self.violations,
            manual_checks=[
                (check.code, check.label)
                for check in self.rule.manual_checks
                if not check.carrier_kinds or self.kind in check.carrier_kinds
            ],
            explanation=self.explanation,
        )

    def violate(self, code: str, message: str, **amounts: Decimal) -> None:
        self.violations.append(Violation(code, message, None, amounts))

    def read_lines(self, raw_lines: Iterable[CostLine]) -> list[Line]:
        lines: list[Line] = []
        ignored: list[str] = []
        for index, raw in enumerate(raw_lines or ()):
            reading = read_line(self.rule, index, raw)
            self.violations.extend(reading.violations)
            if reading.line is not None:
                lines.append(reading.line)
            else:
                ignored.append(
                    f"{line_name(index, getattr(raw, 'label', None))} est ignorée : {reading.ignored_because}"
                )
        total = sum((line.amount for line in lines), _ZERO)
        detail = " ; ".join([line_numbers(line.index for line in lines), *ignored])
        self.explanation.append(f"Coût total du projet : {self.money(total)} ({detail}).")
        return lines

    def explain_eligible(self, lines: list[Line], eligible: Decimal) -> None:
        counted = [line for line in lines if line.exclusion is None]
        detail = " ; ".join(
            [line_numbers(line.index for line in counted)]
            + [f"{line.name} est exclue : {line.exclusion}" for line in lines if line.exclusion]
        )
        self.explanation.append(f"Coût éligible : {self.money(eligible)} ({detail}).")
        carrier_only = [line for line in counted if line.counterpart_only]
        if carrier_only:
            amount = sum((line.amount for line in carrier_only), _ZERO)
            kinds = {"apports en nature" if line.in_kind else COST_CATEGORIES[line.category] for line in carrier_only}
            self.explanation.append(
                f"Dont {self.money(amount)} comptés uniquement dans la part du porteur ou des co-financeurs "
                f"({line_numbers(line.index for line in carrier_only)} : {join_fr(sorted(kinds))})."
            )

    @staticmethod
    def cofinancer_amounts(lines: list[Line]) -> dict[str, Decimal]:
        """What each co-financer brings, in the order they first appear in the budget."""
        amounts: dict[str, Decimal] = {}
        for line in lines:
            if line.payer is not None:
                amounts[line.payer] = amounts.get(line.payer, _ZERO) + line.amount
        return amounts

    def effective_rate(self, derogation_rate: object, decision: str | None) -> Decimal:
        rule = self.rule
        if derogation_rate is None:
            return rule.rate_percent
        asked = read_percent(derogation_rate)
        if isinstance(asked, Invalid):
            self.violate("invalid_derogation", f"Dérogation : {asked.reason} ; le taux normal s'applique.")
            return rule.rate_percent
        if not rule.derogation_allowed:
            self.violate(
                "derogation_not_allowed",
                f"Ce thème ne prévoit pas de dérogation au taux de {format_percent(rule.rate_percent)} ; "
                "le taux normal s'applique.",
            )
            return rule.rate_percent
        ceiling = rule.derogation_ceiling()
        if asked > ceiling:
            self.violate(
                "derogation_above_ceiling",
                f"Le taux dérogatoire de {format_percent(asked)} dépasse le maximum de {format_percent(ceiling)} ; "
                f"ce maximum est retenu.",
            )
            asked = ceiling
        if asked <= rule.rate_percent:
            self.explanation.append(
                f"Dérogation de {format_percent(asked)} sans effet : elle ne dépasse pas le taux normal de "
                f"{format_percent(rule.rate_percent)}."
            )
            return rule.rate_percent
        normal = format_percent(rule.rate_percent)
        if decision is None:
            self.explanation.append(
                f"Hypothèse d'un taux dérogatoire de {format_percent(asked)} (taux normal : {normal}) : seul "
                f"{rule.derogation_decider()} peut l'accorder, dans la limite des plafonds."
            )
        else:
            self.explanation.append(
                f"Taux dérogatoire de {format_percent(asked)} décidé par {decision} (taux normal : {normal}), "
                "dans la limite des plafonds."
            )
        return asked

    def limits(
        self, eligible_lines: list[Line], eligible: Decimal, rate: Decimal, uncovered: Decimal, previous_grants: object
    ) -> list[_Limit]:
        """Every bound on the programme's share; the smallest one decides."""
        rule = self.rule
        money = self.money
        full = min(eligible, rule.full_funding_up_to) if rule.full_funding_up_to is not None else _ZERO
        by_rate = cents(full + (eligible - full) * rate / HUNDRED)
        if rule.full_funding_up_to is not None:
            label = (
                f"prise en charge à {format_percent(HUNDRED)} jusqu'à {money(rule.full_funding_up_to)}, "
                f"puis {format_percent(rate)} au-delà"
            )
        else:
            label = f"taux {'maximal ' if rule.rate_is_maximum else ''}de {format_percent(rate)}"
        self.explanation.append(f"Part du programme selon le taux ({label}) : {money(by_rate)}.")
        limits = [_Limit(by_rate, label)]
        fundable = sum((line.amount for line in eligible_lines if not line.counterpart_only), _ZERO)
        if fundable < eligible:
            limits.append(_Limit(fundable, "dépenses que le programme peut payer (hors titre 2 et apports en nature)"))
        if rule.cap_per_dossier is not None:
            self.explanation.append(f"Plafond par dossier : {money(rule.cap_per_dossier)}.")
            limits.append(_Limit(cents(rule.cap_per_dossier), "plafond par dossier"))
        if rule.cap_per_project is not None:
            limits.append(self.project_cap(rule.cap_per_project, previous_grants))
        limits.append(_Limit(max(uncovered, _ZERO), "coût restant après les autres co-financeurs"))
        return limits

    def project_cap(self, cap: Decimal, previous_grants: object) -> _Limit:
        previous = read_amount(previous_grants)
        if isinstance(previous, Invalid):
            self.violate(
                "invalid_previous_grants", f"Aides déjà accordées au projet : {previous.reason} ; zéro est retenu."
            )
            previous = _ZERO
        remaining = max(cents(cap) - previous, _ZERO)
        self.explanation.append(
            f"Plafond par projet, toutes phases confondues : {self.money(cap)}, dont {self.money(previous)} déjà "
            f"accordés aux dossiers précédents : reste {self.money(remaining)}."
        )
        if remaining == 0:
            self.violate(
                "project_cap_exhausted",
                f"Le plafond par projet ({self.money(cap)}) est déjà atteint par les dossiers précédents "
                f"({self.money(previous)}).",
                plafond=cap,
                deja_accorde=previous,
            )
        return _Limit(remaining, "plafond par projet (reste disponible)")

    def requested(self, lines: list[Line], requested_amount: object, maximum: Decimal) -> Decimal:
        if requested_amount is not None:
            asked = read_amount(requested_amount)
            if isinstance(asked, Invalid):
                self.violate("invalid_request", f"Montant demandé : {asked.reason} ; zéro est retenu.")
                asked = _ZERO
            self.explanation.append(f"Montant demandé dans le dossier : {self.money(asked)}.")
            return asked
        paid = [line for line in lines if line.source == "programme" and not line.in_kind]
        if paid:
            asked = sum((line.amount for line in paid), _ZERO)
            self.explanation.append(
                f"Montant demandé : {self.money(asked)} (lignes financées par le programme : "
                f"{line_numbers(line.index for line in paid)})."
            )
            return asked
        self.explanation.append(f"Montant demandé non précisé : le maximum est retenu ({self.money(maximum)}).")
        return maximum

    def explain_shares(
        self,
        granted: Decimal,
        granted_percent: Decimal,
        carrier_share: Decimal,
        carrier_percent: Decimal,
        shares: list[CofinancerShare],
    ) -> None:
        self.explanation.append(
            f"Montant accordable : {self.money(granted)}, soit {format_percent(granted_percent)} du coût total."
        )
        self.explanation.append(
            f"Part du porteur : {self.money(carrier_share)}, soit {format_percent(carrier_percent)}."
        )
        for share in shares:
            self.explanation.append(
                f"Part de « {share.name} » : {self.money(share.amount)}, soit {format_percent(share.percent)}."
            )

    def check_size(self, total: Decimal, eligible: Decimal) -> None:
        rule = self.rule
        if not rule.size_ranges:
            return
        if self.session_kind is None and rule.size_depends_on_session_kind():
            kinds = join_fr(
                (SESSION_KINDS[kind] for kind in sorted(set().union(*(r.session_kinds for r in rule.size_ranges)))),
                "ou",
            )
            self.violate(
                "session_kind_missing",
                f"Précisez le type de session ({kinds}) : la taille attendue du projet en dépend, "
                "elle n'est donc pas vérifiée.",
            )
            return
        expected = rule.size_range_for(self.kind, self.session_kind)
        if expected is None:
            self.explanation.append(
                "Taille du projet non vérifiée : aucune fourchette ne correspond à ce type de porteur ou de session."
            )
            return
        wanted = expected.describe(rule.tax_basis)
        condition = f" {expected.conditions()}" if expected.conditions() else ""
        measured, measure = (
            (total, "coût total, y compris les dépenses exclues de l'aide")
            if rule.size_on_total_cost
            else (eligible, "coût éligible")
        )
        self.explanation.append(
            f"Taille du projet ({measure}) : {self.money(measured)} ; attendue : {wanted}{condition}."
        )
        if not expected.contains(measured):
            self.violate(
                "size_out_of_range",
                f"Taille du projet hors de la fourchette attendue : {self.money(measured)} de {measure}, "
                f"pour {wanted}{condition}.",
                **({"cout_total": measured} if rule.size_on_total_cost else {"cout_eligible": measured}),
            )

    def check_carriers(self, co_carrier_kinds: Iterable[str]) -> None:
        self.check_kind(self.carrier_kind, "Le porteur")
        others = list(co_carrier_kinds or ())
        if others and not self.rule.grouping_allowed:
            self.violate("grouping_not_allowed", "Ce thème n'admet pas de groupement de plusieurs porteurs.")
        for number, kind in enumerate(others, start=1):
            self.check_kind(kind, f"Le co-porteur n° {number}")

    def check_kind(self, kind: object, who: str) -> None:
        rule = self.rule
        if not isinstance(kind, str) or kind not in ORGANISATION_KINDS:
            self.violate("unknown_carrier_kind", f"{who} est d'un type inconnu ({show(kind)}).")
        elif rule.allowed_carrier_kinds and kind not in rule.allowed_carrier_kinds:
            admitted = kinds_fr(rule.allowed_carrier_kinds)
            self.violate(
                "carrier_kind_not_allowed",
                f"{who} ({ORGANISATION_KINDS[kind]}) n'est pas admis ; porteurs admis : {admitted}.",
            )
        elif kind in rule.excluded_carrier_kinds:
            self.violate("carrier_kind_excluded", f"{who} ({ORGANISATION_KINDS[kind]}) est exclu de ce thème.")

    def check_counterpart(self, lines: list[Line], total: Decimal) -> None:
        rule = self.rule
        if rule.counterpart_category is None:
            return
        label = COST_CATEGORIES[rule.counterpart_category]
        amount = sum((line.amount for line in lines if line.category == rule.counterpart_category), _ZERO)
        self.explanation.append(f"Contrepartie du porteur en {label} : {self.money(amount)}.")
        if amount == 0:
            self.violate("counterpart_missing", f"La contrepartie exigée du porteur en {label} est absente du budget.")
            return
        percent = rule.counterpart_min_percent
        if percent and amount < (minimum := cents(total * percent / HUNDRED)):
            self.violate(
                "counterpart_insufficient",
                f"La contrepartie en {label} ({self.money(amount)}) est inférieure au minimum de "
                f"{format_percent(percent)} du coût total ({self.money(minimum)}).",
                contrepartie=amount,
                minimum=minimum,
            )
