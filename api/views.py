"""Back-office pages of the API: a programme's tokens (its staff and fund operator) and webhooks (its staff),
each delivery's log and its redelivery. A secret is shown once, in the answer to the form that created it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from api import selectors
from api.forms import EndpointForm, TokenForm
from api.models import ApiToken, WebhookDelivery, WebhookEndpoint, WebhookEvent
from api.scopes import SCOPES, scopes_for
from api.services import tokens as token_services
from api.services import webhooks as webhook_services
from calls.models import Programme
from portal.errors import DomainError
from portal.http import client_ip
from portal.selectors import user_roles

DELIVERIES_PER_PAGE = 50


def _programme(user, programme_id: int, *, staff_only: bool) -> Programme:
    """The programme if `user` runs it (or pays for it, unless `staff_only`); 403 without any such role, 404 elsewhere."""
    roles = user_roles(user)
    if not (roles.is_admin or roles.is_programme_staff or (roles.is_fund_operator and not staff_only)):
        raise PermissionDenied
    if not (roles.is_staff_of(programme_id) or (roles.is_fund_operator_of(programme_id) and not staff_only)):
        raise Http404
    return get_object_or_404(Programme, pk=programme_id)


def _breadcrumb(current: str, programme: Programme | None = None) -> dict:
    links = [{"url": reverse("api_staff:index"), "title": _("API et webhooks")}]
    return {"links": links, "current": f"{current} — {programme.name}" if programme else current}


@login_required
def index(request):
    roles = user_roles(request.user)
    if not (roles.is_admin or roles.is_programme_staff or roles.is_fund_operator):
        raise PermissionDenied
    programmes = [
        {"programme": programme, "webhooks": roles.is_staff_of(programme.pk)}
        for programme in selectors.managed_programmes(request.user)
    ]
    return render(
        request,
        "api/index.html",
        {"programmes": programmes, "breadcrumb_data": {"links": [], "current": _("API et webhooks")}},
    )


@never_cache
@login_required
def tokens(request, programme_id: int):
    programme = _programme(request.user, programme_id, staff_only=False)
    allowed = scopes_for(user_roles(request.user), programme.pk)
    form = TokenForm(request.POST or None, scopes=allowed)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = token_services.token_create(
                actor=request.user,
                programme=programme,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
                ip_address=client_ip(request),
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            created = {"token": token, "secret": secret}
            form = TokenForm(scopes=allowed)
    return render(
        request,
        "api/tokens.html",
        {
            "programme": programme,
            "form": form,
            "created": created,
            "tokens": selectors.tokens_of(programme),
            "scope_labels": {code: scope.label for code, scope in SCOPES.items()},
            "now": timezone.now(),
            "breadcrumb_data": _breadcrumb(_("Jetons d'API"), programme),
        },
    )


@login_required
def token_revoke(request, token_id: int):
    roles = user_roles(request.user)
    if not (roles.is_admin or roles.is_programme_staff or roles.is_fund_operator):
        raise PermissionDenied
    token = get_object_or_404(
        ApiToken.objects.select_related("programme", "created_by"),
        pk=token_id,
        programme__in=selectors.managed_programmes(request.user),
    )
    if not (roles.is_staff_of(token.programme_id) or token.created_by_id == request.user.pk):
        raise PermissionDenied
    if request.method == "POST":
        try:
            token_services.token_revoke(actor=request.user, token=token, ip_address=client_ip(request))
        except DomainError as error:
            raise PermissionDenied(error.message) from error
        messages.success(request, _("Jeton « %(name)s » révoqué : il ne fonctionne plus.") % {"name": token.name})
        return redirect("api_staff:tokens", token.programme_id)
    return render(
        request,
        "api/token_revoke.html",
        {"token": token, "breadcrumb_data": _breadcrumb(_("Révoquer un jeton"), token.programme)},
    )


def _endpoint_or_404(user, endpoint_id: int) -> WebhookEndpoint:
    roles = user_roles(user)
    if not (roles.is_admin or roles.is_programme_staff):
        raise PermissionDenied
    endpoint = WebhookEndpoint.objects.select_related("programme").filter(pk=endpoint_id).first()
    if endpoint is None or not roles.is_staff_of(endpoint.programme_id):
        raise Http404
    return endpoint


@never_cache
@login_required
def webhooks(request, programme_id: int):
    programme = _programme(request.user, programme_id, staff_only=True)
    form = EndpointForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = webhook_services.endpoint_create(
                actor=request.user,
                programme=programme,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
                ip_address=client_ip(request),
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            created = {"endpoint": endpoint, "secret": secret}
            form = EndpointForm()
    return render(
        request,
        "api/webhooks.html",
        {
            "programme": programme,
            "form": form,
            "created": created,
            "endpoints": selectors.endpoints_of(programme),
            "event_labels": dict(WebhookEvent.choices),
            "breadcrumb_data": _breadcrumb(_("Webhooks"), programme),
        },
    )


@login_required
def webhook(request, endpoint_id: int):
    endpoint = _endpoint_or_404(request.user, endpoint_id)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "is_active": endpoint.is_active,
    }
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            webhook_services.endpoint_update(
                actor=request.user, endpoint=endpoint, ip_address=client_ip(request), **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Webhook enregistré."))
            return redirect("api_staff:webhook", endpoint.pk)
    status = request.GET.get("statut", "")
    event = request.GET.get("evenement", "")
    deliveries = selectors.deliveries_of(
        endpoint,
        status=status if status in WebhookDelivery.Status.values else "",
        event=event if event in WebhookEvent.values else "",
    )
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "api/webhook.html",
        {
            "endpoint": endpoint,
            "form": form,
            "page": page,
            "status": status,
            "event": event,
            "statuses": WebhookDelivery.Status.choices,
            "events": WebhookEvent.choices,
            "breadcrumb_data": _breadcrumb(_("Webhook"), endpoint.programme),
        },
    )


def _delivery_or_404(user, delivery_id: int) -> WebhookDelivery:
    roles = user_roles(user)
    if not (roles.is_admin or roles.is_programme_staff):
        raise PermissionDenied
    delivery = (
        WebhookDelivery.objects.select_related("endpoint__programme", "requested_by").filter(pk=delivery_id).first()
    )
    if delivery is None or not roles.is_staff_of(delivery.endpoint.programme_id):
        raise Http404
    return delivery


@login_required
def delivery(request, delivery_id: int):
    delivery = _delivery_or_404(request.user, delivery_id)
    return render(
        request,
        "api/delivery.html",
        {
            "delivery": delivery,
            "redeliveries": delivery.redeliveries.order_by("-created_at", "-pk"),
            "breadcrumb_data": _breadcrumb(_("Livraison"), delivery.endpoint.programme),
        },
    )


@login_required
def delivery_redeliver(request, delivery_id: int):
    delivery = _delivery_or_404(request.user, delivery_id)
    if request.method != "POST":
        return redirect("api_staff:delivery", delivery.pk)
    try:
        again = webhook_services.delivery_redeliver(
            actor=request.user, delivery=delivery, ip_address=client_ip(request)
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("api_staff:delivery", delivery.pk)
    messages.success(request, _("Livraison renvoyée : voyez son résultat ci-dessous."))
    return redirect("api_staff:delivery", again.pk)
