"""The audit trail of a call, for its programme staff and for control bodies (export)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path

from calls.models import Call
from portal.exports import FORMATS, dataset_response
from portal.http import client_ip
from portal.models import AuditEvent
from portal.resources import AuditEventResource
from portal.selectors import user_roles
from portal.services import audit_record

PAGE_SIZE = 50


def _call_for_staff(user, call_id: int) -> Call:
    roles = user_roles(user)
    if not (roles.is_admin or roles.is_programme_staff):
        raise PermissionDenied
    queryset = Call.objects.select_related("programme")
    if not roles.is_admin:
        queryset = queryset.filter(programme_id__in=roles.staff_programme_ids)
    return get_object_or_404(queryset, pk=call_id)


def _events(call: Call, request):
    events = AuditEvent.objects.filter(call_id=call.pk).select_related("target_type").order_by("-created_at", "-pk")
    action = request.GET.get("action", "").strip()
    actor = request.GET.get("auteur", "").strip()
    target = request.GET.get("objet", "").strip()
    if target:  # a dossier by its number, a jury by its name…: one object's history
        events = events.filter(target_label__icontains=target)
    if action:
        events = events.filter(action__startswith=action)
    if actor:
        events = events.filter(actor_label__icontains=actor)
    return events


@login_required
def call_audit(request, call_id: int):
    call = _call_for_staff(request.user, call_id)
    page = Paginator(_events(call, request), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "calls/audit.html",
        {
            "call": call,
            "page": page,
            "formats": FORMATS,
            "breadcrumb_data": {"links": [], "current": f"Journal d'audit — {call.title}"},
        },
    )


@login_required
def call_audit_export(request, call_id: int, fmt: str):
    if fmt not in FORMATS:
        raise Http404
    call = _call_for_staff(request.user, call_id)
    audit_record(
        actor=request.user,
        action="audit.export",
        target=call,
        data={"format": fmt},
        ip_address=client_ip(request),
    )
    dataset = AuditEventResource().export(queryset=_events(call, request))
    return dataset_response(dataset=dataset, filename=f"audit-{call.slug}", fmt=fmt)


app_name = "audit"
urlpatterns = [
    path("appels/<int:call_id>/", call_audit, name="call_audit"),
    path("appels/<int:call_id>/export.<str:fmt>", call_audit_export, name="call_audit_export"),
]
