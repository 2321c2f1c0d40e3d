"""Reads of expert opinions: for the staff who see the dossier, for its jury, for the expert themself.
Never for the applicant: no applicant page or export reads this module."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from applications.models import Dossier, OpinionAttachment, OpinionRequest


def opinions_for_staff(dossier: Dossier) -> QuerySet[OpinionRequest]:
    """Every request on a dossier the caller already may see as staff, with the expert and attachments."""
    return (
        OpinionRequest.objects.filter(dossier=dossier)
        .select_related("requested_by", "expert")
        .prefetch_related(Prefetch("attachments", queryset=OpinionAttachment.objects.order_by("pk")))
        .order_by("-created_at", "-pk")
    )


def opinions_for_jury(dossier: Dossier) -> QuerySet[OpinionRequest]:
    """Answered opinions that staff chose to share with the jury; the caller has checked the juror's access."""
    return opinions_for_staff(dossier).filter(
        status=OpinionRequest.Status.ANSWERED, visibility=OpinionRequest.Visibility.JURY
    )


def expert_request_or_404(user, pk: int) -> OpinionRequest:
    """A request addressed to `user` and not withdrawn (declined and cancelled ones are gone for them)."""
    request = (
        OpinionRequest.objects.filter(
            pk=pk,
            expert_id=user.pk,
            status__in=(OpinionRequest.Status.PENDING, OpinionRequest.Status.OPEN, OpinionRequest.Status.ANSWERED),
        )
        .select_related("dossier__theme__call", "dossier__organisation", "dossier__form_definition", "requested_by")
        .first()
    )
    if request is None:
        raise Http404
    return request


def _count(**filters) -> Coalesce:
    counted = (
        OpinionRequest.objects.filter(dossier_id=OuterRef("pk"), **filters)
        .exclude(status=OpinionRequest.Status.CANCELLED)
        .order_by()
        .values("dossier_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_opinion_counts(queryset: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """Each dossier with `opinions_requested` (not cancelled) and `opinions_answered`, as correlated
    subqueries of the list's own query: no query per row."""
    return queryset.annotate(
        opinions_requested=_count(), opinions_answered=_count(status=OpinionRequest.Status.ANSWERED)
    )
