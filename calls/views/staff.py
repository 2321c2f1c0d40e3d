"""Staff back-office of calls: list, call pages, status life cycle, information sessions.

Shared helpers for the other staff view modules (themes, forms) live here too: access
(login → 403 without a staff role → 404 outside the user's programmes), the generic form
page and the confirmation page.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls import publication, selectors
from calls.forms_staff import CallForm, InfoSessionForm
from calls.models import Call, FormStep, RequiredDocument, Theme
from calls.permissions import can_manage_call, can_use_back_office
from calls.services import components, configuration
from portal.errors import DomainError
from portal.fields import count_or_none
from portal.selectors import user_roles

PAGE_SIZE = 20

# Confirmation texts of each status step: (button, explanation).
TRANSITION_TEXTS = {
    Call.Status.PUBLISHED: (
        gettext_lazy("Publier l'appel"),
        gettext_lazy(
            "L'appel et ses thèmes deviennent visibles du public. Les dépôts s'ouvriront aux dates des sessions. "
            "La grille et les dates des sessions ouvertes ne pourront plus être modifiées ensuite."
        ),
    ),
    Call.Status.CLOSED: (
        gettext_lazy("Clore l'appel"),
        gettext_lazy("L'appel reste visible mais n'est plus présenté comme ouvert."),
    ),
    Call.Status.ARCHIVED: (
        gettext_lazy("Archiver l'appel"),
        gettext_lazy("L'appel disparaît des listes publiques ; ses dossiers sont conservés."),
    ),
}


# --- shared helpers ---------------------------------------------------------------------


def staff_view(view):
    """Login required; 403 for users who are neither programme staff nor admin."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_use_back_office(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def managed_call(request, call_id: int) -> Call:
    """The call if the user manages its programme; a 404 otherwise (its existence is not revealed)."""
    call = get_object_or_404(Call.objects.select_related("programme"), pk=call_id)
    if not can_manage_call(request.user, call):
        raise Http404
    return call


def managed_theme(request, call_id: int, theme_id: int) -> Theme:
    call = managed_call(request, call_id)
    theme = get_object_or_404(Theme, pk=theme_id, call=call)
    theme.call = call
    return theme


@dataclass(frozen=True)
class Owner:
    """What a grid, a document list or a form belongs to: a call (inherited by its themes) or a theme.

    Routes of both owners share their names; the theme's take one more argument, so
    `url()` reverses the right one.
    """

    call: Call
    theme: Theme | None = None
    step: str = FormStep.DOSSIER  # the expression of interest of a two-step call has a form of its own

    @property
    def args(self) -> list[int]:
        return [self.call.pk] if self.theme is None else [self.call.pk, self.theme.pk]

    @property
    def of(self) -> dict:
        """Keyword arguments naming the owner, for services and queries."""
        return {"call": self.call} if self.theme is None else {"theme": self.theme}

    @property
    def label(self) -> str:
        if self.step == FormStep.INTEREST:
            return _("Manifestation d'intérêt")
        return _("Commun à l'appel") if self.theme is None else self.theme.code

    @property
    def form_edit_url(self) -> str:
        return self.url("form_edit")

    @property
    def form_of(self) -> dict:
        """Keyword arguments naming the owner's forms: the owner's, for its step."""
        return {**self.of, "step": self.step}

    @property
    def page_url(self) -> str:
        if self.theme is None:
            return reverse("calls_staff:call_detail", args=[self.call.pk])
        return reverse("calls_staff:theme_detail", args=self.args)

    def url(self, name: str, *extra) -> str:
        if self.step == FormStep.INTEREST and name.startswith("form_"):
            return reverse(f"calls_staff:interest_{name}", args=[self.call.pk, *extra])
        return reverse(f"calls_staff:{name}", args=[*self.args, *extra])

    def crumbs(self, current: str, *links: tuple[str, str]) -> dict:
        owner_link = () if self.theme is None else ((self.page_url, self.theme.code),)
        return call_crumbs(self.call, *owner_link, *links, current=current)

    def forms(self) -> list:
        """Versions of the owner's form, newest first, each with its preview URL."""
        forms = selectors.staff_forms_of(**self.form_of)
        for form in forms:
            form.preview_url = self.url("form_preview", form.version)
        return forms

    def lock_reason(self) -> str | None:
        """Why the grid can no longer change; a call's grid is locked as soon as one theme is."""
        themes = [self.theme] if self.theme is not None else list(self.call.themes.select_related("call"))
        return next(filter(None, (selectors.staff_theme_lock_reason(theme) for theme in themes)), None)


def managed_owner(request, call_id: int, theme_id: int | None = None, step: str = FormStep.DOSSIER) -> Owner:
    if step == FormStep.INTEREST:
        call = managed_call(request, call_id)
        if not call.is_two_step:
            raise Http404
        return Owner(call, step=step)
    if theme_id is None:
        return Owner(managed_call(request, call_id))
    theme = managed_theme(request, call_id, theme_id)
    return Owner(theme.call, theme)


def owned_configuration(owner: Owner) -> dict:
    """Context of the grid, documents and form versions of `owner`, each row with its action URLs."""
    grid = selectors.with_weight_shares(selectors.staff_grid_of(**owner.of))
    for criterion in grid:
        criterion.subs = list(criterion.sub_criteria.all())
        for each in (criterion, *criterion.subs):
            each.edit_url = owner.url("criterion_update", each.pk)
            each.delete_url = owner.url("criterion_delete", each.pk)
        criterion.sub_url = owner.url("criterion_create") + f"?parent={criterion.pk}"
    documents = list(RequiredDocument.objects.filter(**owner.of))
    for document in documents:
        document.edit_url = owner.url("document_update", document.pk)
        document.delete_url = owner.url("document_delete", document.pk)
    return {
        "owner": owner,
        "grid": grid,
        "documents": documents,
        "forms": owner.forms(),
        "lock_reason": owner.lock_reason(),
        "owner_urls": {name: owner.url(name) for name in ("criterion_create", "document_create", "form_edit")},
    }


def add_domain_error(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def crumbs(*links: tuple[str, str], current: str) -> dict:
    return {"links": [{"url": url, "title": title} for url, title in links], "current": current}


def call_crumbs(call: Call, *links: tuple[str, str], current: str) -> dict:
    return crumbs(
        (reverse("calls_staff:list"), _("Gestion des appels")),
        (reverse("calls_staff:call_detail", args=[call.pk]), call.title),
        *links,
        current=current,
    )


def form_page(
    request,
    *,
    form,
    title: str,
    save,
    success_url,
    breadcrumb: dict,
    success: str,
    submit_label: str = gettext_lazy("Enregistrer"),
    intro: str = "",
):
    """Render `form`; on a valid POST call `save(cleaned_data)` (a service) and redirect.

    A DomainError is shown next to the field it names. `success_url` may be a callable
    taking the service's result.
    """
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, success)
            return redirect(success_url(result) if callable(success_url) else success_url)
    return render(
        request,
        "calls/staff/form_page.html",
        {
            "form": form,
            "title": title,
            "submit_label": submit_label,
            "intro": intro,
            "cancel_url": breadcrumb["links"][-1]["url"],
            "breadcrumb_data": breadcrumb,
        },
    )


def confirm_page(
    request,
    *,
    title: str,
    explanation: str,
    button: str,
    action,
    success_url: str,
    breadcrumb: dict,
    success: str,
    form=None,
    danger: bool = False,
):
    """GET: a page asking to confirm; POST: run `action(form_data)` and redirect (errors shown on the page)."""
    error = None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            result = action(form.cleaned_data if form is not None else {})
        except DomainError as domain_error:
            if form is not None and domain_error.field in form.fields:
                add_domain_error(form, domain_error)
            else:
                error = domain_error.message
        else:
            messages.success(request, success)
            return redirect(success_url(result) if callable(success_url) else success_url)
    return render(
        request,
        "calls/staff/confirm.html",
        {
            "title": title,
            "explanation": explanation,
            "button": button,
            "error": error,
            "form": form,
            "danger": danger,
            "cancel_url": breadcrumb["links"][-1]["url"],
            "breadcrumb_data": breadcrumb,
        },
    )


def public_theme_url(call: Call, theme: Theme) -> str | None:
    """The public page of the theme, once the public pages exist."""
    try:
        return reverse("calls:theme_detail", args=[call.slug, theme.code])
    except NoReverseMatch:
        return None


# --- calls ------------------------------------------------------------------------------


@staff_view
def call_list(request):
    roles = user_roles(request.user)
    programmes = list(selectors.staff_programmes(roles))
    status = request.GET.get("statut", "")
    status = status if status in Call.Status.values else ""
    programme_id = count_or_none(request.GET.get("programme"))
    query = request.GET.get("q", "").strip()[:100]
    calls = selectors.staff_calls(roles, status=status, programme_id=programme_id, query=query)
    page = Paginator(calls, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "calls/staff/list.html",
        {
            "page": page,
            "programmes": programmes,
            "statuses": Call.Status.choices,
            "status": status,
            "programme_id": programme_id,
            "query": query,
            "is_admin": roles.is_admin,
            "breadcrumb_data": crumbs(current=_("Gestion des appels")),
        },
    )


@staff_view
def call_create(request):
    programmes = selectors.staff_programmes(user_roles(request.user))
    form = CallForm(request.POST or None, programmes=programmes)
    return form_page(
        request,
        form=form,
        title=_("Nouvel appel"),
        save=lambda data: configuration.call_create(actor=request.user, **data),
        success_url=lambda call: reverse("calls_staff:call_detail", args=[call.pk]),
        breadcrumb=crumbs((reverse("calls_staff:list"), _("Gestion des appels")), current=_("Nouvel appel")),
        success=_("L'appel est créé en brouillon. Ajoutez-lui un thème et une session."),
        submit_label=_("Créer l'appel"),
    )


@staff_view
def call_detail(request, call_id: int):
    call = managed_call(request, call_id)
    themes = list(call.themes.all())
    check = publication.publication_check(call) if call.status == Call.Status.DRAFT else None
    return render(
        request,
        "calls/staff/call_detail.html",
        {
            **owned_configuration(Owner(call)),
            "call": call,
            "interest": Owner(call, step=FormStep.INTEREST) if call.is_two_step else None,
            "themes": themes,
            "info_sessions": list(call.info_sessions.all()),
            "check": check,
            "transitions": [
                (to_status, TRANSITION_TEXTS[to_status][0])
                for (from_status, to_status) in configuration.CALL_TRANSITIONS
                if from_status == call.status
            ],
            "breadcrumb_data": crumbs((reverse("calls_staff:list"), _("Gestion des appels")), current=call.title),
        },
    )


@staff_view
def call_update(request, call_id: int):
    call = managed_call(request, call_id)
    form = CallForm(request.POST or None, instance=call)
    return form_page(
        request,
        form=form,
        title=_("Modifier l'appel « %(call)s »") % {"call": call.title},
        save=lambda data: configuration.call_update(actor=request.user, call=call, **data),
        success_url=reverse("calls_staff:call_detail", args=[call.pk]),
        breadcrumb=call_crumbs(call, current=_("Modifier")),
        success=_("L'appel est enregistré."),
    )


def _fix_url(call: Call, problem: publication.Problem) -> str:
    """Where staff fix a problem the pre-publication check found."""
    theme = problem.theme
    owner = [call.pk] if theme is None or problem.call_level else [call.pk, theme.pk]
    names = {
        publication.FIX_RULE: "theme_rule",
        publication.FIX_FORM: "form_edit",
        publication.FIX_SESSIONS: "session_create",
        publication.FIX_GRID: "criterion_create",
        publication.FIX_DOCUMENTS: "theme_detail" if len(owner) == 2 else "call_detail",
        publication.FIX_THEME: "theme_update",
        publication.FIX_THEMES: "theme_create",
        publication.FIX_INFO_SESSIONS: "info_session_create",
    }
    return reverse(f"calls_staff:{names[problem.fix]}", args=owner)


def publication_page(request, call: Call):
    """The pre-publication check, and the confirmation to publish once nothing blocks it."""
    error = None
    if request.method == "POST":
        try:
            configuration.call_transition(actor=request.user, call=call, to_status=Call.Status.PUBLISHED)
        except DomainError as domain_error:
            error = domain_error.message
        else:
            messages.success(
                request, _("L'appel est désormais « %(status)s ».") % {"status": Call.Status.PUBLISHED.label}
            )
            return redirect("calls_staff:call_detail", call.pk)
    check = publication.publication_check(call)
    return render(
        request,
        "calls/staff/publication_check.html",
        {
            "call": call,
            "error": error,
            "can_publish": check.can_publish and call.status == Call.Status.DRAFT,
            "blockers": [(problem, _fix_url(call, problem)) for problem in check.blockers],
            "warnings": [(problem, _fix_url(call, problem)) for problem in check.warnings],
            "explanation": TRANSITION_TEXTS[Call.Status.PUBLISHED][1],
            "breadcrumb_data": call_crumbs(call, current=_("Vérification avant publication")),
        },
    )


@staff_view
def call_transition(request, call_id: int, to_status: str):
    call = managed_call(request, call_id)
    if to_status not in TRANSITION_TEXTS:
        raise Http404
    if to_status == Call.Status.PUBLISHED:
        return publication_page(request, call)
    button, explanation = TRANSITION_TEXTS[to_status]
    return confirm_page(
        request,
        title=_("%(action)s « %(call)s » ?") % {"action": button, "call": call.title},
        explanation=explanation,
        button=button,
        action=lambda _: configuration.call_transition(actor=request.user, call=call, to_status=to_status),
        success_url=reverse("calls_staff:call_detail", args=[call.pk]),
        breadcrumb=call_crumbs(call, current=button),
        success=_("L'appel est désormais « %(status)s ».") % {"status": Call.Status(to_status).label},
    )


@staff_view
def info_session_create(request, call_id: int):
    call = managed_call(request, call_id)
    return form_page(
        request,
        form=InfoSessionForm(request.POST or None),
        title=_("Nouvelle réunion d'information"),
        save=lambda data: components.info_session_create(actor=request.user, call=call, **data),
        success_url=reverse("calls_staff:call_detail", args=[call.pk]),
        breadcrumb=call_crumbs(call, current=_("Nouvelle réunion d'information")),
        success=_("La réunion d'information est créée."),
    )


@staff_view
def info_session_update(request, call_id: int, info_session_id: int):
    call = managed_call(request, call_id)
    info = get_object_or_404(call.info_sessions, pk=info_session_id)
    return form_page(
        request,
        form=InfoSessionForm(request.POST or None, instance=info),
        title=_("Modifier « %(title)s »") % {"title": info.title},
        save=lambda data: components.info_session_update(actor=request.user, info_session=info, **data),
        success_url=reverse("calls_staff:call_detail", args=[call.pk]),
        breadcrumb=call_crumbs(call, current=info.title),
        success=_("La réunion d'information est enregistrée."),
    )
