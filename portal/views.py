from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import selectors, services
from portal.errors import DomainError
from portal.forms import OrganisationCreateForm, OrganisationJoinForm, OrganisationSearchForm
from portal.privacy import personal_data_of

PAGE_SIZE = 20


def health(request):
    """Liveness probe, and the benchmark's floor: no database, no template, no session."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def dashboard(request):
    roles = selectors.user_roles(request.user)
    if not roles.organisation_ids and not roles.needs_mfa:
        return redirect("portal:organisation_choose")
    return render(
        request,
        "portal/dashboard.html",
        {"organisations": selectors.organisations_of(request.user)},
    )


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
def organisation_choose(request):
    """Pick an existing organisation to join, or create one (after sign-up)."""
    search_form = OrganisationSearchForm(request.GET or None)
    query = search_form.cleaned_data["q"] if search_form.is_valid() else ""
    results = Paginator(selectors.organisations_search(query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    create_form = OrganisationCreateForm(request.POST or None)
    if request.method == "POST" and create_form.is_valid():
        try:
            organisation = services.organisation_create(actor=request.user, **create_form.cleaned_data)
        except DomainError as error:
            create_form.add_error(error.field, error.message)
        else:
            messages.success(
                request,
                _("L'organisation « %(organisation)s » est créée ; vous en êtes membre.")
                % {"organisation": organisation},
            )
            return redirect(_safe_next(request, reverse("portal:dashboard")))
    return render(
        request,
        "portal/organisation_choose.html",
        {
            "search_form": search_form,
            "query": query,
            "results": results if query else None,
            "create_form": create_form,
            "my_organisations": selectors.organisations_of(request.user),
        },
    )


@login_required
@require_POST
def organisation_join(request):
    form = OrganisationJoinForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["organisation"][0])
        return redirect("portal:organisation_choose")
    try:
        services.membership_add(actor=request.user, user=request.user, organisation=form.cleaned_data["organisation"])
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("portal:organisation_choose")
    messages.success(
        request, _("Vous avez rejoint « %(organisation)s ».") % {"organisation": form.cleaned_data["organisation"]}
    )
    return redirect(_safe_next(request, reverse("portal:dashboard")))


@login_required
def notifications(request):
    page = Paginator(selectors.notifications_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/notifications.html", {"page": page})


def privacy(request):
    return render(request, "portal/privacy.html")


@login_required
def personal_data_download(request):
    """The user's personal data as a JSON file (RGPD right of access)."""
    services.audit_record(
        actor=request.user, action="privacy.export", target=request.user, ip_address=request.META.get("REMOTE_ADDR")
    )
    response = JsonResponse(personal_data_of(request.user), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-portail.json"'
    return response


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)
