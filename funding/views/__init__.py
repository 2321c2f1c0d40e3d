"""Pages of the funding app, split by audience: lists, the project page, follow-up forms."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from applications.models import Dossier
from funding.permissions import roles_on
from funding.selectors import funding_dossiers_visible_to
from portal.errors import DomainError


def funding_dossier(request, pk: int) -> tuple[Dossier, set[str]]:
    """The dossier and the user's roles on it; 404 when the user has none (no hint it exists)."""
    queryset = funding_dossiers_visible_to(request.user).select_related(
        "theme__call__programme", "organisation", "phase", "session"
    )
    dossier = get_object_or_404(queryset, pk=pk)
    return dossier, roles_on(dossier, request.user)


def require(roles: set[str], *allowed: str) -> None:
    """403 when the user sees the dossier but holds none of the roles an action needs."""
    if not roles & set(allowed):
        raise PermissionDenied


def raise_for_access(error: DomainError) -> None:
    """Access errors from services become 404/403; other domain errors are for the form."""
    if error.code == "not_found":
        raise Http404 from error
    if error.code == "forbidden":
        raise PermissionDenied(error.message) from error


def post_done(request, form, action, success) -> bool:
    """On a valid POST, run `action(cleaned_data)` and say `success` (a text, or a function of the data);
    False when the form is to be shown again, with the service's refusal next to its field."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        action(form.cleaned_data)
    except DomainError as error:
        raise_for_access(error)
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return False
    messages.success(request, success(form.cleaned_data) if callable(success) else success)
    return True
