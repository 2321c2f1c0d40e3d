"""Downloads of the generated PDFs: minutes for programme staff, decision letters for the carrier and staff."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from applications.selectors import dossiers_of_staff
from juries import selectors
from juries.models import Decision
from juries.permissions import require_staff
from portal.selectors import user_roles
from portal.services import document_served


def _pdf(request, file, *, target, document_id: int, kind: str, name: str) -> FileResponse:
    if not file:
        raise Http404  # still being generated
    return document_served(request, file=file, target=target, document_id=document_id, kind=kind, name=name)


@login_required
def minutes(request, jury_id: int, deliberation_id: int):
    require_staff(request.user)
    jury = selectors.staff_jury_or_404(request.user, jury_id)
    deliberation = jury.deliberations.filter(pk=deliberation_id).first()
    if deliberation is None:
        raise Http404
    return _pdf(
        request,
        deliberation.minutes,
        target=deliberation,
        document_id=deliberation.pk,
        kind="minutes",
        name=f"proces-verbal-{jury.pk}-{deliberation.pk}.pdf",
    )


@login_required
def letter(request, decision_id: int):
    """The carrier's members and the staff who see the dossier only; anyone else gets a 404."""
    decision = Decision.objects.select_related("dossier__theme__call").filter(pk=decision_id).first()
    if decision is None or not (
        user_roles(request.user).is_member_of(decision.dossier.organisation_id)
        or dossiers_of_staff(request.user).filter(pk=decision.dossier_id).exists()
    ):
        raise Http404
    return _pdf(
        request,
        decision.letter,
        target=decision.dossier,
        document_id=decision.pk,
        kind="decision_letter",
        name=f"decision-{decision.dossier.reference}.pdf",
    )
