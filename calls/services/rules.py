"""Writes of a theme's co-financing rule, in versions: a version that has judged a submitted dossier
never changes, so a change then creates the next version, in force from then on. Same contract as
`calls.services.configuration`: keyword-only, one transaction, audited under the call.
"""

from __future__ import annotations

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from calls.models import RuleVersion, Theme
from calls.rules import Rule, RuleConfigError
from calls.services.common import audit_change
from portal.errors import DomainError


def rule_version_pin(*, theme: Theme) -> RuleVersion | None:
    """The theme's current rule version, row-locked until the caller's transaction ends.

    A submission pins its dossier to it under this lock, so that `theme_rule_save` (which takes
    the same lock) sees the dossier and creates a new version instead of changing this one.
    """
    return RuleVersion.objects.select_for_update().filter(theme=theme).order_by("-number").first()


@transaction.atomic
def theme_rule_save(*, actor, theme: Theme, rule: Rule, note: str = "") -> RuleVersion:
    """Make `rule` the theme's rule, and say which version it is.

    The first rule is version 1. While no submitted dossier was judged on the current version it
    is corrected in place; once one was, the change becomes the next version, which judges every
    dossier submitted from then on (the earlier ones keep theirs). Saving the same rule again
    changes nothing.
    """
    theme = Theme.objects.select_for_update(of=("self",)).select_related("call").get(pk=theme.pk)
    current = rule_version_pin(theme=theme)
    config = rule.to_dict()
    if current is not None and current.config == config:
        return current
    judged = current is not None and current.dossiers.exists()
    if current is None or judged:
        version = RuleVersion.objects.create(
            theme=theme, number=(current.number + 1) if current else 1, config=config, note=note, created_by=actor
        )
    else:
        version = current
        version.config = config
        version.note = note or version.note
        version.save(update_fields=["config", "note", "updated_at"])
        version.__dict__.pop("rule", None)  # the parsed rule was the old one
    audit_change(
        actor=actor,
        action="theme.rule_update",
        call=theme.call,
        obj=theme,
        data={
            "version": version.number,
            "new_version": version is not current,
            "before": current.config if current is not None else {},
            "after": config,
            "note": note,
        },
    )
    return version


def rule_from_yaml(text: str, *, field: str = "rule_yaml") -> Rule:
    """A rule written in YAML (the keys of calls.rules.Rule), or a DomainError listing every problem."""
    try:
        data = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError as error:
        raise DomainError(
            _("Le YAML de la règle est illisible : %(error)s") % {"error": error}, "rule_invalid", field=field
        ) from None
    if not isinstance(data, dict):
        raise DomainError(_("La règle doit être un ensemble de clés et de valeurs."), "rule_invalid", field=field)
    try:
        return Rule.from_dict(data)
    except RuleConfigError as error:
        raise DomainError(str(error), "rule_invalid", field=field) from None


def rule_to_yaml(rule: Rule) -> str:
    """The YAML text `rule_from_yaml` reads back into the same rule."""
    return yaml.safe_dump(rule.to_dict(), allow_unicode=True, sort_keys=False, width=100)
