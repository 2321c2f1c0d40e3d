"""Public co-financing simulator (and the former address of a theme's rule, for staff).

The simulator is a GET form so that a simulation is a shareable URL; htmx refreshes the
result (or the whole form after « ajouter une ligne ») and every request also works as a
full page without JavaScript. The engine (calls.rules) does the judging: it never raises
on budget data, so the only user errors here are unreadable inputs, reported per line.
"""

from __future__ import annotations

import logging

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
from calls.models import Call, RuleVersion, Session, Theme
from calls.rules import Rule, RuleConfigError, describe_rule
from calls.selectors import current_rule_version, open_session_of, rule_for, themes_with_rule
from calls.simulation import LINES_PARAM, simulate
from portal.selectors import user_roles

logger = logging.getLogger(__name__)

PUBLIC_STATUSES = (Call.Status.PUBLISHED, Call.Status.CLOSED)
# Ids of the htmx targets, shared with the templates through the context.
FORM_TARGET = "simulateur"
RESULT_TARGET = "simulateur-resultat"


def _public_themes() -> QuerySet[Theme]:
    """Themes a visitor may simulate: those with a rule, in a published or closed call."""
    return themes_with_rule(Theme.objects.filter(call__status__in=PUBLIC_STATUSES)).select_related(
        "call", "call__programme"
    )


def _public_rule(theme: Theme, session: Session | None) -> tuple[RuleVersion, Rule]:
    """The current version and the rule it sets for a dossier started today (in `session`)."""
    version = current_rule_version(theme)
    if version is None:
        raise Http404
    try:
        return version, rule_for(version=version, session=session)
    except RuleConfigError:
        # A broken rule is a staff mistake: visitors get no simulator rather than wrong figures.
        logger.exception("Invalid funding rule on theme %s", theme.pk)
        raise Http404 from None


def _dossier_start_url(theme: Theme, session: Session | None, data: QueryDict) -> str | None:
    """Where to start a dossier from these figures: only while a session is open."""
    if session is None:
        return None
    try:
        url = reverse("applications:dossier_start_from_simulation", args=[theme.pk])
    except NoReverseMatch:
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
    session = open_session_of(theme, now=timezone.now())
    version, rule = _public_rule(theme, session)
    simulation = simulate(request.GET, rule)
    context = {
        "theme": theme,
        "rule": rule,
        "rule_version": version,
        # A demonstration session admits this year's expenses instead of the historic period.
        "session_period": session if session is not None and session.eligible_years else None,
        "rule_sentences": describe_rule(rule),
        "simulation": simulation,
        "form": simulation.form,
        "formset": simulation.formset,
        "evaluation": simulation.evaluation,
        "next_line_count": min(simulation.line_count + 1, MAX_LINES),
        "can_add_line": simulation.line_count < MAX_LINES,
        "dossier_start_url": _dossier_start_url(theme, session, request.GET) if simulation.evaluation else None,
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
    """The rule's former page: staff now edit the rule as a form in the back-office."""
    roles = user_roles(request.user)
    if not (roles.is_admin or roles.is_programme_staff):
        raise PermissionDenied
    themes = Theme.objects.all()
    if not roles.is_admin:
        themes = themes.filter(call__programme_id__in=roles.staff_programme_ids)
    theme = get_object_or_404(themes, pk=theme_id)
    return redirect("calls_staff:theme_rule", theme.call_id, theme.pk)
