"""The rules of the seeded themes (France Relance, ETNA, PIA), read from data/rules.yaml."""

from pathlib import Path

import yaml

from .config import Rule, RuleConfigError

RULES_PATH = Path(__file__).parent / "data" / "rules.yaml"


def load_rules(path: Path = RULES_PATH) -> dict[str, Rule]:
    """Every theme's rule keyed by theme code; a bad entry raises RuleConfigError on « CODE.field »."""
    with path.open(encoding="utf-8") as handle:
        entries = yaml.safe_load(handle)
    if not isinstance(entries, dict):
        raise RuleConfigError("le fichier doit associer à chaque code de thème sa règle.", str(path))
    return {str(code): Rule.from_dict(entry, prefix=str(code)) for code, entry in entries.items()}
