"""Every action the portal audits reads in French on the audit pages and exports."""

import re
from pathlib import Path

from applications.workflow import TRANSITIONS
from portal.audit_labels import LABELS, action_label

ROOT = Path(__file__).resolve().parents[2]
LITERAL_ACTION = re.compile(r"""action=["']([a-z_]+\.[a-z_]+)["']""")


def audited_actions() -> set[str]:
    actions = set()
    for app in ("portal", "calls", "applications", "juries", "funding", "dashboard", "api"):
        for source in (ROOT / app).rglob("*.py"):
            actions |= set(LITERAL_ACTION.findall(source.read_text(encoding="utf-8")))
    return actions


def test_every_literal_action_code_has_a_french_label():
    actions = audited_actions()
    assert len(actions) > 50  # the scan finds the codes, not nothing
    assert sorted(action for action in actions if action not in LABELS) == []


def test_call_life_cycle_actions_have_a_french_label():
    from calls.services.configuration import CALL_TRANSITIONS

    assert all(action in LABELS for action in CALL_TRANSITIONS.values())


def test_life_cycle_actions_are_labelled_from_their_transition():
    assert action_label("dossier.submit") == f"Dossier : {TRANSITIONS['submit'].label}"
    assert all(f"dossier.{name}" in LABELS for name in TRANSITIONS)


def test_an_unknown_code_reads_as_itself():
    assert action_label("inconnu.action") == "inconnu.action"
