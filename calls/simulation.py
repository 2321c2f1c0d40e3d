"""A simulation: the simulator's inputs read from a query string and judged by the engine.

Shared by the public simulator and by the dossier started « avec ces chiffres ».
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import QueryDict

from calls.forms_simulator import DEFAULT_LINES, LINES_PREFIX, MAX_LINES, CostLineFormSet, SimulatorForm
from calls.rules import Evaluation, Rule, evaluate
from portal.fields import count_or_none

LINES_PARAM = "lines"
TOTAL_FORMS = f"{LINES_PREFIX}-TOTAL_FORMS"


def _positive_int(value: str | None) -> int | None:
    return count_or_none(value) or None


def _line_count(data: QueryDict) -> int:
    """Lines to show: the form's own count, or more when « ajouter une ligne » asked for it."""
    current = _positive_int(data.get(TOTAL_FORMS)) or DEFAULT_LINES
    wanted = _positive_int(data.get(LINES_PARAM)) or 0
    return min(max(current, wanted), MAX_LINES)


@dataclass
class Simulation:
    form: SimulatorForm
    formset: CostLineFormSet
    line_count: int
    evaluation: Evaluation | None = None
    errors: list[str] = field(default_factory=list)


def simulate(data: QueryDict, rule: Rule, *, all_fields: bool = False) -> Simulation:
    """Read the simulator's inputs (context and cost lines) and evaluate them when they are valid.

    `all_fields`: offer every context field and every tag, whatever the rule uses (staff trying a
    rule they are writing).
    """
    lines = _line_count(data)
    options = {"rule": rule, "all_fields": all_fields}
    if "carrier_kind" not in data and TOTAL_FORMS not in data:
        formset = CostLineFormSet(rule=rule, all_tags=all_fields, prefix=LINES_PREFIX)
        formset.extra = lines
        return Simulation(SimulatorForm(**options, use_required_attribute=False), formset, lines)
    # The management form is rebuilt from the line count so that a hand-edited URL
    # can neither break the formset nor ask for thousands of lines.
    bound = data.copy()
    bound[TOTAL_FORMS] = str(lines)
    bound[f"{LINES_PREFIX}-INITIAL_FORMS"] = "0"
    simulation = Simulation(
        SimulatorForm(data, **options, use_required_attribute=False),
        CostLineFormSet(bound, rule=rule, all_tags=all_fields, prefix=LINES_PREFIX),
        lines,
    )
    if _positive_int(data.get(LINES_PARAM)):
        # After « ajouter une ligne » (htmx swap or full page), typing goes on in the new line.
        simulation.formset.forms[-1].fields["label"].widget.attrs["autofocus"] = True
    form_valid, lines_valid = simulation.form.is_valid(), simulation.formset.is_valid()
    simulation.errors = simulation.form.error_sentences() + simulation.formset.error_sentences()
    # Before the first line is typed there is nothing to judge: the page keeps its prompt.
    if form_valid and lines_valid and (cost_lines := simulation.formset.cost_lines()):
        simulation.evaluation = evaluate(rule=rule, lines=cost_lines, **simulation.form.engine_options())
    return simulation
