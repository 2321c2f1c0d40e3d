"""Pages of organisations and their members: join or create, requests and their decision, members,
référents and declared domains, and the staff's review of organisations."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import selectors
from portal.errors import DomainError
from portal.forms import (
    MemberRemoveForm,
    MembershipRefuseForm,
    MembershipRequestFilterForm,
    OrganisationCreateForm,
    OrganisationDomainForm,
    OrganisationJoinForm,
    OrganisationReviewFilterForm,
    OrganisationSearchForm,
)
from portal.models import MembershipRequest, Organisation
from portal.services import membership as membership_services
from portal.services import organisations as organisation_services
from portal.signals import PROCONNECT_SIRET_SESSION_KEY

PAGE_SIZE = 20


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _organisation_or_404(request, organisation_id: int) -> Organisation:
    organisation = selectors.organisation_visible_to(request.user, organisation_id)
    if organisation is None:
        raise Http404
    return organisation


def _membership_or_404(organisation: Organisation, membership_id: int):
    membership = organisation.memberships.select_related("user", "organisation").filter(pk=membership_id).first()
    if membership is None:
        raise Http404
    return membership


def _ensure_decides(request, organisation: Organisation) -> None:
    if not selectors.user_roles(request.user).decides_membership_of(organisation.pk):
        raise PermissionDenied


@login_required
def organisation_choose(request):
    """Ask to join an existing organisation, or create one (after sign-up); one's own requests."""
    search_form = OrganisationSearchForm(request.GET or None)
    query = search_form.cleaned_data["q"] if search_form.is_valid() else ""
    results = Paginator(selectors.organisations_search(query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    create_form = OrganisationCreateForm(request.POST or None)
    existing = None
    if request.method == "POST" and create_form.is_valid():
        try:
            organisation = organisation_services.organisation_create(actor=request.user, **create_form.cleaned_data)
        except DomainError as error:
            if error.code == "organisation_duplicate":
                existing = selectors.organisation_by_siret(create_form.cleaned_data["siret"])
            create_form.add_error(error.field, error.message)
        else:
            messages.success(
                request,
                _("L'organisation « %(organisation)s » est créée ; vous en êtes membre et référent.")
                % {"organisation": organisation},
            )
            return redirect(_safe_next(request, reverse("portal:organisation_detail", args=[organisation.pk])))
    proconnect_siret = request.session.get(PROCONNECT_SIRET_SESSION_KEY, "")
    return render(
        request,
        "portal/organisation_choose.html",
        {
            "search_form": search_form,
            "query": query,
            "results": results if query else None,
            "create_form": create_form,
            "existing": existing,
            "proconnect_organisation": selectors.organisation_by_siret(proconnect_siret) if proconnect_siret else None,
            "my_organisations": selectors.organisations_of(request.user),
            "my_requests": selectors.membership_requests_of(request.user)[:10],
        },
    )


@login_required
@require_POST
def organisation_join(request):
    """Ask to join: granted at once only when identity proves it, otherwise a référent decides."""
    form = OrganisationJoinForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["organisation"][0])
        return redirect("portal:organisation_choose")
    organisation = form.cleaned_data["organisation"]
    try:
        membership_request = membership_services.membership_request_create(
            actor=request.user,
            organisation=organisation,
            proconnect_siret=request.session.get(PROCONNECT_SIRET_SESSION_KEY, ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("portal:organisation_choose")
    if membership_request.status == MembershipRequest.Status.GRANTED:
        messages.success(
            request,
            _("Vous avez rejoint « %(organisation)s » : %(reason)s")
            % {"organisation": organisation, "reason": membership_request.reason},
        )
        return redirect(_safe_next(request, reverse("portal:dashboard")))
    messages.success(
        request,
        _(
            "Votre demande est transmise aux référents de « %(organisation)s ». Vous accéderez à ses dossiers "
            "dès qu'elle sera accordée ; vous recevrez un e-mail."
        )
        % {"organisation": organisation},
    )
    return redirect("portal:organisation_choose")


@login_required
@require_POST
def membership_request_withdraw(request, request_id: int):
    membership_request = (
        selectors.membership_requests_of(request.user).filter(pk=request_id, status=MembershipRequest.Status.PENDING)
    ).first()
    if membership_request is None:
        raise Http404
    try:
        membership_services.membership_request_withdraw(actor=request.user, membership_request=membership_request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Votre demande pour rejoindre « %(organisation)s » est retirée.")
            % {"organisation": membership_request.organisation},
        )
    return redirect("portal:organisation_choose")


@login_required
def membership_requests(request):
    """Pending requests to the organisations the user is référent of (all of them for an admin)."""
    roles = selectors.user_roles(request.user)
    if not roles.decides_memberships:
        raise PermissionDenied
    organisations = (
        Organisation.objects.filter(pk__in=roles.referent_organisation_ids).order_by("name")
        if not roles.is_admin
        else Organisation.objects.filter(membership_requests__status=MembershipRequest.Status.PENDING)
        .distinct()
        .order_by("name")
    )
    form = MembershipRequestFilterForm(request.GET or None, organisations=organisations)
    organisation_id = form.cleaned_data["organisation"] if form.is_valid() else None
    pending = selectors.membership_requests_to_decide(request.user, organisation_id=organisation_id)
    page = Paginator(pending, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/membership_requests.html",
        {"form": form, "page": page, "refuse_form": MembershipRefuseForm()},
    )


@login_required
@require_POST
def membership_request_decide(request, request_id: int):
    """Grant, or refuse with a reason, one pending request; a request one may not decide is a 404."""
    membership_request = selectors.membership_request_to_decide(request.user, request_id)
    if membership_request is None:
        raise Http404
    back = _safe_next(request, reverse("portal:membership_requests"))
    values = {"organisation": membership_request.organisation, "user": membership_request.user}
    try:
        if request.POST.get("decision") == "grant":
            membership_services.membership_request_grant(actor=request.user, membership_request=membership_request)
            messages.success(request, _("%(user)s est désormais membre de « %(organisation)s ».") % values)
        else:
            form = MembershipRefuseForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            membership_services.membership_request_refuse(
                actor=request.user, membership_request=membership_request, reason=reason
            )
            messages.success(request, _("La demande de %(user)s pour « %(organisation)s » est refusée.") % values)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(back)


@login_required
def organisation_detail(request, organisation_id: int):
    """Members and référents for every member; requests, domains and removals for its référents and
    admins; the référent role for programme staff too."""
    organisation = _organisation_or_404(request, organisation_id)
    roles = selectors.user_roles(request.user)
    decides = roles.decides_membership_of(organisation.pk)
    return render(
        request,
        "portal/organisation_detail.html",
        {
            "organisation": organisation,
            "members": selectors.organisation_members(organisation),
            "domains": selectors.organisation_domains(organisation),
            "decides": decides,
            "names_referents": decides or roles.is_programme_staff,
            "pending": selectors.membership_requests_to_decide(request.user, organisation_id=organisation.pk)
            if decides
            else [],
            "domain_form": OrganisationDomainForm(),
            "refuse_form": MembershipRefuseForm(),
            "history": selectors.audit_events_for(organisation)[:20] if decides or roles.reviews_organisations else [],
        },
    )


@login_required
def member_remove(request, organisation_id: int, membership_id: int):
    """Confirm, then remove a member: for the organisation's référents and admins."""
    organisation = _organisation_or_404(request, organisation_id)
    membership = _membership_or_404(organisation, membership_id)
    _ensure_decides(request, organisation)
    form = MemberRemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership_services.membership_remove(
                actor=request.user, membership=membership, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(user)s n'est plus membre de « %(organisation)s ».")
                % {"user": membership.user, "organisation": organisation},
            )
            if membership.user_id == request.user.pk:
                return redirect("portal:dashboard")
            return redirect("portal:organisation_detail", organisation.pk)
    return render(
        request, "portal/member_remove.html", {"organisation": organisation, "membership": membership, "form": form}
    )


@login_required
@require_POST
def member_referent(request, organisation_id: int, membership_id: int):
    """Name a member référent (or end the role): référents, programme staff and admins."""
    organisation = _organisation_or_404(request, organisation_id)
    membership = _membership_or_404(organisation, membership_id)
    roles = selectors.user_roles(request.user)
    if not (roles.decides_membership_of(organisation.pk) or roles.is_programme_staff):
        raise PermissionDenied
    is_referent = request.POST.get("referent") == "1"
    try:
        membership_services.membership_referent_set(actor=request.user, membership=membership, is_referent=is_referent)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        message = (
            _("%(user)s est désormais référent de « %(organisation)s ».")
            if is_referent
            else _("%(user)s n'est plus référent de « %(organisation)s ».")
        )
        messages.success(request, message % {"user": membership.user, "organisation": organisation})
    return redirect("portal:organisation_detail", organisation.pk)


@login_required
def organisation_domain_add(request, organisation_id: int):
    """Declare a domain (référents and admins); the form lives on the organisation's page."""
    organisation = _organisation_or_404(request, organisation_id)
    _ensure_decides(request, organisation)
    form = OrganisationDomainForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            declared = organisation_services.organisation_domain_declare(
                actor=request.user, organisation=organisation, domain=form.cleaned_data["domain"]
            )
        except DomainError as error:
            form.add_error("domain", error.message)
        else:
            messages.success(request, _("Le domaine « %(domain)s » est déclaré.") % {"domain": declared.domain})
            return redirect("portal:organisation_detail", organisation.pk)
    return render(request, "portal/organisation_domain_add.html", {"organisation": organisation, "form": form})


@login_required
@require_POST
def organisation_domain_remove(request, organisation_id: int, domain_id: int):
    organisation = _organisation_or_404(request, organisation_id)
    declared = organisation.domains.filter(pk=domain_id).first()
    if declared is None:
        raise Http404
    _ensure_decides(request, organisation)
    try:
        organisation_services.organisation_domain_remove(actor=request.user, organisation_domain=declared)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Le domaine « %(domain)s » n'est plus déclaré.") % {"domain": declared.domain})
    return redirect("portal:organisation_detail", organisation.pk)


@login_required
def organisation_review(request):
    """Programme staff and admins: organisations newest first, with creator, members and pending requests."""
    if not selectors.user_roles(request.user).reviews_organisations:
        raise PermissionDenied
    form = OrganisationReviewFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    within = filters.get("created_within")
    organisations = selectors.organisations_for_review(
        query=filters.get("q", ""),
        kind=filters.get("kind", ""),
        created_since=timezone.now() - timedelta(days=int(within)) if within else None,
        pending_only=filters.get("pending_only", False),
    )
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/organisation_review.html", {"form": form, "page": page})
