"""Staff back-office of a theme: texts, sessions, phases (grid and documents: staff_grid)."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from calls import selectors
from calls.forms_staff import (
    MilestoneForm,
    PhaseForm,
    SessionCloseChangeForm,
    SessionForm,
    ThemeDuplicateForm,
    ThemeForm,
)
from calls.models import MilestoneTemplate
from calls.services import components, configuration, session_life
from calls.services.common import paris_text
from calls.views.staff import (
    Owner,
    call_crumbs,
    confirm_page,
    form_page,
    managed_call,
    managed_theme,
    owned_configuration,
    public_theme_url,
    staff_view,
)


def _theme_url(theme) -> str:
    return reverse("calls_staff:theme_detail", args=[theme.call_id, theme.pk])


def _theme_crumbs(theme, current: str) -> dict:
    return call_crumbs(theme.call, (_theme_url(theme), theme.code), current=current)


@staff_view
def theme_create(request, call_id: int):
    call = managed_call(request, call_id)
    return form_page(
        request,
        form=ThemeForm(request.POST or None),
        title=_("Nouveau thème"),
        save=lambda data: configuration.theme_create(actor=request.user, call=call, **data),
        success_url=_theme_url,
        breadcrumb=call_crumbs(call, current=_("Nouveau thème")),
        success=_("Le thème est créé."),
    )


@staff_view
def theme_detail(request, call_id: int, theme_id: int):
    theme = managed_theme(request, call_id, theme_id)
    return render(
        request,
        "calls/staff/theme_detail.html",
        {
            **owned_configuration(Owner(theme.call, theme)),
            "call": theme.call,
            "theme": theme,
            "sessions": list(theme.sessions.select_related("theme")),
            "now": timezone.now(),
            "phases": list(theme.phases.prefetch_related("milestones")),
            "rule_version": selectors.current_rule_version(theme),
            "public_url": public_theme_url(theme.call, theme) if theme.call.status != "draft" else None,
            "breadcrumb_data": call_crumbs(theme.call, current=f"{theme.code} — {theme.title}"),
        },
    )


@staff_view
def theme_update(request, call_id: int, theme_id: int):
    theme = managed_theme(request, call_id, theme_id)
    return form_page(
        request,
        form=ThemeForm(request.POST or None, instance=theme),
        title=_("Modifier le thème %(code)s") % {"code": theme.code},
        save=lambda data: configuration.theme_update(actor=request.user, theme=theme, **data),
        success_url=_theme_url,
        breadcrumb=_theme_crumbs(theme, _("Modifier")),
        success=_("Le thème est enregistré."),
    )


@staff_view
def theme_duplicate(request, call_id: int, theme_id: int):
    theme = managed_theme(request, call_id, theme_id)
    return confirm_page(
        request,
        title=_("Dupliquer le thème %(code)s") % {"code": theme.code},
        explanation=_(
            "Les textes, la grille, les pièces, les phases et le formulaire (en brouillon) sont copiés "
            "sous un nouveau code. Les sessions ne sont pas copiées."
        ),
        button=_("Dupliquer"),
        form=ThemeDuplicateForm(request.POST or None),
        action=lambda data: configuration.theme_duplicate(actor=request.user, theme=theme, **data),
        success_url=_theme_url,
        breadcrumb=_theme_crumbs(theme, _("Dupliquer")),
        success=_("Le thème est dupliqué."),
    )


# --- sessions ---------------------------------------------------------------------------


@staff_view
def session_create(request, call_id: int, theme_id: int):
    theme = managed_theme(request, call_id, theme_id)
    return form_page(
        request,
        form=SessionForm(request.POST or None),
        title=_("Nouvelle session — %(code)s") % {"code": theme.code},
        save=lambda data: configuration.session_create(actor=request.user, theme=theme, **data),
        success_url=_theme_url(theme),
        breadcrumb=_theme_crumbs(theme, _("Nouvelle session")),
        success=_("La session est créée."),
    )


@staff_view
def session_update(request, call_id: int, theme_id: int, session_id: int):
    theme = managed_theme(request, call_id, theme_id)
    session = get_object_or_404(theme.sessions, pk=session_id)
    return form_page(
        request,
        form=SessionForm(request.POST or None, instance=session),
        title=_("Modifier « %(title)s »") % {"title": session.name},
        save=lambda data: configuration.session_update(actor=request.user, session=session, **data),
        success_url=_theme_url(theme),
        breadcrumb=_theme_crumbs(theme, session.name),
        success=_("La session est enregistrée."),
    )


@staff_view
def session_duplicate(request, call_id: int, theme_id: int, session_id: int):
    theme = managed_theme(request, call_id, theme_id)
    session = get_object_or_404(theme.sessions, pk=session_id)
    return confirm_page(
        request,
        title=_("Créer la session du mois suivant de « %(session)s » ?") % {"session": session.name},
        explanation=_("Une nouvelle session est créée aux mêmes heures, un mois plus tard (heure de Paris)."),
        button=_("Créer la session suivante"),
        action=lambda _: configuration.session_duplicate(actor=request.user, session=session),
        success_url=_theme_url(theme),
        breadcrumb=_theme_crumbs(theme, _("Session suivante")),
        success=_("La session du mois suivant est créée."),
    )


@staff_view
def session_close_change(request, call_id: int, theme_id: int, session_id: int, early: bool):
    """Extend an open session's close (`early` False) or bring it forward, with a reason the carriers read."""
    theme = managed_theme(request, call_id, theme_id)
    session = get_object_or_404(theme.sessions, pk=session_id)
    closes = {"closes_at": paris_text(session.closes_at)}
    if early:
        title, button = _("Clore « %(session)s » par anticipation"), _("Clore la session")
        explanation = _(
            "La session devait clore le %(closes_at)s (heure de Paris). À la nouvelle clôture, les brouillons sont "
            "figés et plus aucun dépôt n'est accepté. Les porteurs qui ont un brouillon sont prévenus par e-mail, "
            "avec le motif ; le changement est journalisé."
        )
        change, success = (
            session_life.session_close_early,
            _("La session est close ; les porteurs concernés sont prévenus."),
        )
    else:
        title, button = _("Prolonger « %(session)s »"), _("Prolonger la session")
        explanation = _(
            "La session clôt aujourd'hui le %(closes_at)s (heure de Paris). Les porteurs qui ont un brouillon dans "
            "cette session reçoivent la nouvelle date et le motif par e-mail ; le changement est journalisé."
        )
        change, success = (
            session_life.session_extend,
            _("La session est prolongée ; les porteurs concernés sont prévenus."),
        )
    return confirm_page(
        request,
        title=title % {"session": session.name},
        explanation=explanation % closes,
        button=button,
        form=SessionCloseChangeForm(request.POST or None, early=early),
        action=lambda data: change(actor=request.user, session=session, **data),
        success_url=_theme_url(theme),
        breadcrumb=_theme_crumbs(theme, button),
        success=success,
        danger=early,
    )


# --- phases ---------------------------------------------------------------------------


@staff_view
def phase_create(request, call_id: int, theme_id: int):
    theme = managed_theme(request, call_id, theme_id)
    return form_page(
        request,
        form=PhaseForm(request.POST or None),
        title=_("Nouvelle phase"),
        save=lambda data: components.phase_create(actor=request.user, theme=theme, **data),
        success_url=_theme_url(theme),
        breadcrumb=_theme_crumbs(theme, _("Nouvelle phase")),
        success=_("La phase est ajoutée."),
    )


@staff_view
def milestone_create(request, call_id: int, theme_id: int):
    theme = managed_theme(request, call_id, theme_id)
    return form_page(
        request,
        form=MilestoneForm(request.POST or None, theme=theme),
        title=_("Nouveau jalon type"),
        save=lambda data: components.milestone_create(actor=request.user, **data),
        success_url=_theme_url(theme),
        breadcrumb=_theme_crumbs(theme, _("Nouveau jalon")),
        success=_("Le jalon est ajouté."),
    )


@staff_view
def phase_update(request, call_id: int, theme_id: int, phase_id: int):
    theme = managed_theme(request, call_id, theme_id)
    phase = get_object_or_404(theme.phases, pk=phase_id)
    return form_page(
        request,
        form=PhaseForm(request.POST or None, instance=phase),
        title=_("Modifier la phase « %(phase)s »") % {"phase": phase},
        save=lambda data: components.phase_update(actor=request.user, phase=phase, **data),
        success_url=_theme_url(theme),
        breadcrumb=_theme_crumbs(theme, phase.label),
        success=_("La phase est enregistrée."),
    )


@staff_view
def milestone_update(request, call_id: int, theme_id: int, milestone_id: int):
    theme = managed_theme(request, call_id, theme_id)
    milestone = get_object_or_404(MilestoneTemplate, pk=milestone_id, phase__theme=theme)
    return form_page(
        request,
        form=MilestoneForm(request.POST or None, instance=milestone, theme=theme),
        title=_("Modifier le jalon « %(milestone)s »") % {"milestone": milestone},
        save=lambda data: components.milestone_update(actor=request.user, milestone=milestone, **data),
        success_url=_theme_url(theme),
        breadcrumb=_theme_crumbs(theme, milestone.label),
        success=_("Le jalon est enregistré."),
    )
