"""Export of a call's info-session registrations, for the staff of the call's programme."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from calls.models import Call, InfoSessionRegistration
from calls.permissions import can_use_back_office
from calls.resources import InfoSessionRegistrationResource
from portal.exports import FORMATS, dataset_response
from portal.http import client_ip
from portal.selectors import user_roles
from portal.services import audit_record


@login_required
def registrations_export(request, call_id: int, fmt: str):
    """Every registration (cancelled ones included, with their date) of the call's info sessions."""
    if fmt not in FORMATS:
        raise Http404
    if not can_use_back_office(request.user):
        raise PermissionDenied
    roles = user_roles(request.user)
    calls = Call.objects.all() if roles.is_admin else Call.objects.filter(programme_id__in=roles.staff_programme_ids)
    call = get_object_or_404(calls, pk=call_id)
    registrations = (
        InfoSessionRegistration.objects.filter(info_session__call=call)
        .select_related("info_session")
        .order_by("info_session__starts_at", "info_session_id", "created_at", "pk")
    )
    audit_record(
        actor=request.user,
        action="export.registrations",
        target=call,
        data={"format": fmt},
        ip_address=client_ip(request),
    )
    dataset = InfoSessionRegistrationResource().export(queryset=registrations)
    return dataset_response(dataset=dataset, filename=f"inscriptions-{call.slug}", fmt=fmt)
