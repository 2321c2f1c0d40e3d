"""Public co-financing simulator, and the staff page that states a theme's rule in French.

The simulator is a GET form so that a simulation is a shareable URL; htmx refreshes the
result (or the whole form after « ajouter une ligne ») and every request also works as a
full page without JavaScript. The engine (calls.rules) does the judging: it never raises
on budget data, so the only user errors here are unreadable inputs, reported per line.
"""

from __future__ import annotations

import logging

import yaml
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from calls.forms_simulator import MAX_LINES
from calls.models import Call, Session, Theme
from calls.rules import Rule, RuleConfigError, describe_rule
from calls.rules.config import kinds_fr
from calls.selectors import rule_of
from calls.services import configuration
from calls.simulation import LINES_PARAM, simulate
from portal.errors import DomainError
from portal.selectors import user_roles

logger = logging.getLogger(__name__)

PUBLIC_STATUSES = (Call.Status.PUBLISHED, Call.Status.CLOSED)
# Ids of the htmx targets, shared with the templates through the context.
FORM_TARGET = "simulateur"
RESULT_TARGET = "simulateur-resultat"


def _public_themes() -> QuerySet[Theme]:
    """Themes a visitor may simulate: those with a rule, in a published or closed call."""
    return (
        Theme.objects.filter(call__status__in=PUBLIC_STATUSES)
        .exclude(funding_rule={})
        .select_related("call", "call__programme")
    )


def _public_rule(theme: Theme) -> Rule:
    try:
        rule = rule_of(theme)
    except RuleConfigError:
        # A broken rule is a staff mistake: visitors get no simulator rather than wrong figures.
        logger.exception("Invalid funding rule on theme %s", theme.pk)
        raise Http404 from None
    if rule is None:
        raise Http404
    return rule


def _dossier_start_url(theme: Theme, data: QueryDict) -> str | None:
    """Where to start a dossier from these figures, once the applications app offers it."""
    try:
        url = reverse("applications:dossier_start_from_simulation", args=[theme.pk])
    except NoReverseMatch:
        return None
    now = timezone.now()
    if not Session.objects.filter(theme=theme, opens_at__lte=now, closes_at__gt=now).exists():
        return None
    query = data.copy()
    query.pop(LINES_PARAM, None)
    return f"{url}?{query.urlencode()}"


def index(request):
    themes = _public_themes().order_by("call__title", "call_id", "order", "code")
    return render(
        request,
        "calls/simulator/index.html",
        {
            "themes": themes,
            "breadcrumb_data": {"links": [], "current": _("Simulateur de cofinancement")},
        },
    )


def theme_simulator(request, theme_id: int):
    theme = get_object_or_404(_public_themes(), pk=theme_id)
    rule = _public_rule(theme)
    simulation = simulate(request.GET, rule)
    context = {
        "theme": theme,
        "rule": rule,
        "rule_sentences": describe_rule(rule),
        "simulation": simulation,
        "form": simulation.form,
        "formset": simulation.formset,
        "evaluation": simulation.evaluation,
        "next_line_count": min(simulation.line_count + 1, MAX_LINES),
        "can_add_line": simulation.line_count < MAX_LINES,
        "dossier_start_url": _dossier_start_url(theme, request.GET) if simulation.evaluation else None,
        "form_target": FORM_TARGET,
        "result_target": RESULT_TARGET,
        "breadcrumb_data": {
            "links": [{"url": reverse("simulator:index"), "title": _("Simulateur de cofinancement")}],
            "current": f"{theme.code} — {theme.title}",
        },
    }
    htmx = getattr(request, "htmx", None)
    template = "calls/simulator/theme.html"
    # A history restore asks for the full page, whatever the target.
    if htmx and not htmx.history_restore_request:
        if htmx.target == RESULT_TARGET:
            template = "calls/partials/simulator_result.html"
        elif htmx.target == FORM_TARGET:
            template = "calls/partials/simulator_form.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@login_required
def theme_rule(request, theme_id: int):
    roles = user_roles(request.user)
    if not (roles.is_admin or roles.is_programme_staff):
        raise PermissionDenied
    themes = Theme.objects.select_related("call", "call__programme")
    if not roles.is_admin:
        themes = themes.filter(call__programme_id__in=roles.staff_programme_ids)
    theme = get_object_or_404(themes, pk=theme_id)
    edit_error = ""
    if request.method == "POST":
        try:
            theme = configuration.theme_rule_update(
                actor=request.user, theme=theme, rule_yaml=request.POST.get("rule_yaml", "")
            )
        except DomainError as error:
            edit_error = error.message
        else:
            messages.success(request, _("Règle enregistrée. Relisez sa description en français ci-dessous."))
            return redirect("simulator:rule", theme.pk)
    rule, rule_error = None, ""
    try:
        rule = rule_of(theme)
    except RuleConfigError as exc:
        rule_error = str(exc)
    stored = rule.to_dict() if rule else theme.funding_rule
    return render(
        request,
        "calls/simulator/rule.html",
        {
            "theme": theme,
            "rule": rule,
            "rule_error": rule_error,
            "rule_sentences": describe_rule(rule) if rule else [],
            "rule_yaml": request.POST.get("rule_yaml")
            if edit_error
            else (yaml.safe_dump(stored, allow_unicode=True, sort_keys=False, width=100) if stored else ""),
            "edit_error": edit_error,
            "manual_checks": [
                (check, kinds_fr(check.carrier_kinds) if check.carrier_kinds else "") for check in rule.manual_checks
            ]
            if rule
            else [],
            "is_public": theme.call.status in PUBLIC_STATUSES and rule is not None,
            "breadcrumb_data": {"links": [], "current": _("Règle du thème %(code)s") % {"code": theme.code}},
        },
    )
