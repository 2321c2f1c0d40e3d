"""The "portal-call/1" format: its name, the model fields each kind of row exchanges (in the
order they are written) and the one error an import raises.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from calls.models import FormStep, Programme, RequiredDocument, Session
from portal.errors import DomainError

FORMAT = "portal-call/1"
PARIS = ZoneInfo("Europe/Paris")

# Exchanged model fields, in the order they are written; nested lists are handled apart.
PROGRAMME_FIELDS = ["slug", *Programme.EDITABLE_FIELDS]
CALL_FIELDS = [
    "slug",
    "title",
    "kind",
    "owner_team",
    "status",
    "description",
    "selection_process",
    "tax_basis",
    "steps",
    "second_step_invited_only",
    "published_on",
    "source",
]
THEME_FIELDS = [
    "code",
    "title",
    "order",
    "summary",
    "objectives",
    "encouraged",
    "eligible_expenses",
    "examples",
    "commitments",
    "support",
    "indicators",
    "indicators_text",
    "opening_date",
    "kinds",
    "owner_team",
    "cofinancing_text",
    "eligibility_text",
    "envelope",
    "envelope_text",
    "project_size_min",
    "project_size_max",
    "project_size_text",
    "selection_process",
    "grouping_allowed",
    "grid_note",
    "tie_break",
]
# A theme's rule: the current version's configuration (calls.rules.Rule), written after its fields.
THEME_RULE = "funding_rule"
# The published form of each step: a two-step call's expression of interest has its own light one.
FORM_KEYS = {"form": FormStep.DOSSIER, "interest_form": FormStep.INTEREST}
SESSION_FIELDS = list(Session.EDITABLE_FIELDS)
PHASE_FIELDS = ["key", "label", "description", "order"]
MILESTONE_FIELDS = ["key", "label", "description", "order"]
CRITERION_FIELDS = [
    "code",
    "label",
    "definition",
    "weight",
    "scale_min",
    "scale_max",
    "step",
    "threshold",
    "allows_not_applicable",
    "level_descriptions",
    "order",
]
DOCUMENT_FIELDS = list(RequiredDocument.EDITABLE_FIELDS)
INFO_SESSION_FIELDS = [
    "title",
    "description",
    "starts_at",
    "ends_at",
    "place",
    "address",
    "access_conditions",
    "remote_link",
    "capacity",
    "registration_open",
]


class InterchangeError(DomainError):
    """An import refused as a whole; `errors` lists every problem in French with its place, and
    `problems` the same as (place in the document, message), for a reader that knows the file better
    (an XLSX workbook names its sheet, row and column)."""

    def __init__(self, errors: list[str], problems: list[tuple[str, str]] | None = None):
        super().__init__("Import refusé, rien n'a été enregistré : " + " ; ".join(errors), "import")
        self.errors = errors
        self.problems = problems if problems is not None else [("", error) for error in errors]

    @classmethod
    def of(cls, problems: list[tuple[str, str]]) -> InterchangeError:
        return cls([f"{where} : {message}" if where else message for where, message in problems], problems)

    def located(self, describe) -> InterchangeError:
        """The same refusal with each place said by `describe(place, message)`."""
        return InterchangeError([describe(where, message) for where, message in self.problems], self.problems)
