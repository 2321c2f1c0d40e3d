"""Co-financing and eligibility rules engine (pure Python): see engine.py for the model."""

from .catalogue import RULES_PATH, load_rules
from .engine import (
    COST_CATEGORIES,
    DECONCENTRATED_KINDS,
    FUNDING_SOURCES,
    ORGANISATION_KINDS,
    SESSION_KINDS,
    TAG_LABELS,
    TAX_BASES,
    CofinancerShare,
    CostLine,
    Evaluation,
    ManualCheck,
    Rule,
    RuleConfigError,
    SizeRange,
    Violation,
    describe_rule,
    evaluate,
)
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
