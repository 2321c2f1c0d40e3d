"""Co-financing and eligibility rules engine (pure Python): a rule's configuration (config.py),
how budget lines are read (lines.py), the evaluation (evaluation.py) and the rule in plain
French (explanation.py)."""

from .catalogue import RULES_PATH, load_rules
from .config import (
    COST_CATEGORIES,
    DECONCENTRATED_KINDS,
    FUNDING_SOURCES,
    ORGANISATION_KINDS,
    SESSION_KINDS,
    TAG_LABELS,
    TAX_BASES,
    ManualCheck,
    Rule,
    RuleConfigError,
    SizeRange,
)
from .evaluation import CofinancerShare, Evaluation, evaluate
from .explanation import describe_rule
from .lines import CostLine, Violation
from .money import cents, format_money, format_percent

__all__ = [
    "COST_CATEGORIES",
    "DECONCENTRATED_KINDS",
    "FUNDING_SOURCES",
    "ORGANISATION_KINDS",
    "RULES_PATH",
    "SESSION_KINDS",
    "TAG_LABELS",
    "TAX_BASES",
    "CofinancerShare",
    "CostLine",
    "Evaluation",
    "ManualCheck",
    "Rule",
    "RuleConfigError",
    "SizeRange",
    "Violation",
    "cents",
    "describe_rule",
    "evaluate",
    "format_money",
    "format_percent",
    "load_rules",
]
