"""The pre-publication check of a call: what blocks its publication (a theme without a rule, a form
still in draft, no deposit session, a grid without weights, a document kind without a format) and
what deserves a second look (no envelope, no information session). Reads only; publishing calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from calls.models import Call, Criterion, FormDefinition, FormStep, RequiredDocument, RuleVersion, Session, Theme
from calls.rules import RuleConfigError

# What fixes a problem, for the page to link to: the call, one of its themes, or one of their parts.
FIX_CALL, FIX_THEMES, FIX_INFO_SESSIONS = "call", "themes", "info_sessions"
FIX_RULE, FIX_FORM, FIX_SESSIONS, FIX_GRID, FIX_DOCUMENTS, FIX_THEME = (
    "rule",
    "form",
    "sessions",
    "grid",
    "documents",
    "theme",
)


@dataclass(frozen=True)
class Problem:
    message: str
    fix: str
    theme: Theme | None = None
    # The form of the call itself (not of a theme) is the one to publish.
    call_level: bool = False


@dataclass
class PublicationCheck:
    blockers: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def can_publish(self) -> bool:
        return not self.blockers


def _criteria() -> Prefetch:
    return Prefetch(
        "criteria",
        queryset=Criterion.objects.filter(parent__isnull=True).prefetch_related("sub_criteria").order_by("order"),
        to_attr="own_grid",
    )


def _unweighted(grid: list[Criterion]) -> bool:
    """A grid, or a criterion's sub-criteria, whose weights add up to zero cannot give a weighted total."""
    if not grid or sum(criterion.weight for criterion in grid) == 0:
        return True
    return any(
        subs and sum(sub.weight for sub in subs) == 0
        for subs in (list(criterion.sub_criteria.all()) for criterion in grid)
    )


def publication_check(call: Call) -> PublicationCheck:
    """Every reason the call cannot be published yet, and every point worth checking first.

    A theme inherits the call's grid, documents and form when it has none of its own, as
    applicants and jurors see them (`calls.selectors`). A fixed number of queries per call.
    """
    check = PublicationCheck()
    call_grid = list(
        Criterion.objects.filter(call=call, parent__isnull=True).prefetch_related("sub_criteria").order_by("order")
    )
    call_documents = list(RequiredDocument.objects.filter(call=call))
    # The dossier's form: a two-step call's light interest form does not stand in for it.
    call_forms = list(FormDefinition.objects.filter(call=call, theme__isnull=True, step=FormStep.DOSSIER))
    themes = list(
        call.themes.prefetch_related(
            Prefetch("sessions", queryset=Session.objects.order_by("opens_at")),
            Prefetch("rule_versions", queryset=RuleVersion.objects.order_by("-number")),
            "form_definitions",
            "required_documents",
            _criteria(),
        ).order_by("order", "code")
    )
    if not themes:
        check.blockers.append(Problem(_("L'appel n'a aucun thème."), FIX_THEMES))
    _check_call_form(check, call_forms, themes)
    for theme in themes:
        _check_theme(check, theme, call_grid=call_grid, call_documents=call_documents, call_forms=call_forms)
    for document in call_documents:
        if not document.formats:
            check.blockers.append(
                Problem(
                    _("La pièce « %(label)s » de l'appel n'indique aucun format accepté.") % {"label": document.label},
                    FIX_DOCUMENTS,
                    call_level=True,
                )
            )
    if not call.info_sessions.exists():
        check.warnings.append(
            Problem(_("Aucune réunion d'information n'est annoncée pour cet appel."), FIX_INFO_SESSIONS)
        )
    return check


def _published(forms: list[FormDefinition]) -> bool:
    return any(form.status == FormDefinition.Status.PUBLISHED for form in forms)


def _check_call_form(check: PublicationCheck, call_forms: list[FormDefinition], themes: list[Theme]) -> None:
    # A draft of the call's form that no published version precedes, while a theme relies on it.
    relying = [theme for theme in themes if not _published(list(theme.form_definitions.all()))]
    if call_forms and not _published(call_forms) and relying:
        check.blockers.append(
            Problem(
                _("Le formulaire de dossier de l'appel est encore en brouillon : publiez-le."),
                FIX_FORM,
                call_level=True,
            )
        )


def _check_theme(check, theme: Theme, *, call_grid, call_documents, call_forms) -> None:
    code = theme.code
    versions = list(theme.rule_versions.all())
    if not versions:
        check.blockers.append(
            Problem(_("Le thème %(code)s n'a pas de règle de cofinancement.") % {"code": code}, FIX_RULE, theme)
        )
    else:
        try:
            rule = versions[0].rule
        except RuleConfigError as error:
            check.blockers.append(
                Problem(
                    _("La règle du thème %(code)s est invalide : %(error)s") % {"code": code, "error": error},
                    FIX_RULE,
                    theme,
                )
            )
        else:
            if rule.tax_basis != theme.call.tax_basis:
                check.warnings.append(
                    Problem(
                        _(
                            "La règle du thème %(code)s compte les montants en %(rule)s, l'appel en %(call)s : "
                            "vérifiez que c'est voulu."
                        )
                        % {"code": code, "rule": rule.tax_basis, "call": theme.call.tax_basis},
                        FIX_RULE,
                        theme,
                    )
                )
    own_forms = list(theme.form_definitions.all())
    if not _published(own_forms) and not _published(call_forms):
        if own_forms:
            message = _("Le formulaire de dossier du thème %(code)s est encore en brouillon : publiez-le.")
        elif call_forms:
            message = None  # said once for the call
        else:
            message = _("Le thème %(code)s n'a pas de formulaire de dossier (ni l'appel).")
        if message:
            check.blockers.append(Problem(message % {"code": code}, FIX_FORM, theme))
    sessions = list(theme.sessions.all())
    if not sessions:
        check.blockers.append(
            Problem(
                _("Le thème %(code)s n'a aucune session de dépôt (dates d'ouverture et de clôture).") % {"code": code},
                FIX_SESSIONS,
                theme,
            )
        )
    grid = theme.own_grid or call_grid
    if not grid:
        check.blockers.append(
            Problem(
                _("Le thème %(code)s n'a pas de grille d'évaluation (ni l'appel).") % {"code": code}, FIX_GRID, theme
            )
        )
    elif _unweighted(grid):
        check.blockers.append(
            Problem(
                _(
                    "Les pondérations de la grille du thème %(code)s ne sont pas indiquées : leur total est nul, "
                    "aucune note pondérée ne pourrait être calculée."
                )
                % {"code": code},
                FIX_GRID,
                theme,
            )
        )
    for document in theme.required_documents.all():
        if not document.formats:
            check.blockers.append(
                Problem(
                    _("La pièce « %(label)s » du thème %(code)s n'indique aucun format accepté.")
                    % {"label": document.label, "code": code},
                    FIX_DOCUMENTS,
                    theme,
                )
            )
    if theme.envelope is None and not any(session.envelope is not None for session in sessions):
        check.warnings.append(
            Problem(_("Le thème %(code)s n'indique pas d'enveloppe.") % {"code": code}, FIX_THEME, theme)
        )
