"""What a token may read: the site's own selectors for its creator, narrowed to the token's programme.

A token sees nothing its creator could not open on the site today: dossiers through
`dossiers_of_staff`, juries through `staff_juries`, funded projects through `portfolio_dossiers`
(staff and fund operator). An object outside that is a 404, as on the site. Back-office lists of
tokens and webhooks are here too.
"""

from __future__ import annotations

from django.db.models import QuerySet

from api.models import ApiToken, WebhookDelivery, WebhookEndpoint
from applications.models import Attachment, Dossier
from applications.selectors import dossiers_of_staff
from calls.models import Programme
from funding.models import Convention, IndicatorReport, Milestone, Payment, Tranche
from funding.selectors import portfolio_dossiers
from juries.models import Decision, Jury
from juries.selectors import staff_juries
from portal.selectors import user_roles


def dossiers_for(token: ApiToken) -> QuerySet[Dossier]:
    return dossiers_of_staff(token.created_by).filter(theme__call__programme_id=token.programme_id)


def attachment_for(token: ApiToken, dossier_id: int, attachment_id: int) -> Attachment | None:
    """A file of a dossier, by the check of the staff's download page: the dossier among the creator's."""
    return (
        Attachment.objects.select_related("dossier__theme")
        .filter(pk=attachment_id, dossier_id=dossier_id, dossier__in=dossiers_for(token))
        .first()
    )


def juries_for(token: ApiToken) -> QuerySet[Jury]:
    return staff_juries(token.created_by).filter(programme_id=token.programme_id)


def decisions_for(token: ApiToken) -> QuerySet[Decision]:
    return Decision.objects.filter(jury__in=juries_for(token))


def projects_for(token: ApiToken) -> QuerySet[Dossier]:
    """Funded dossiers (selected, under convention, in progress, closed) of the programme."""
    return portfolio_dossiers(token.created_by).filter(theme__call__programme_id=token.programme_id)


def conventions_for(token: ApiToken) -> QuerySet[Convention]:
    return Convention.objects.filter(dossier__in=projects_for(token))


def tranches_for(token: ApiToken) -> QuerySet[Tranche]:
    return Tranche.objects.filter(convention__dossier__in=projects_for(token))


def milestones_for(token: ApiToken) -> QuerySet[Milestone]:
    return Milestone.objects.filter(dossier__in=projects_for(token))


def payments_for(token: ApiToken) -> QuerySet[Payment]:
    return Payment.objects.filter(dossier__in=projects_for(token))


def reports_for(token: ApiToken) -> QuerySet[IndicatorReport]:
    return IndicatorReport.objects.filter(dossier__in=projects_for(token))


# --- Back-office ---------------------------------------------------------------------------------------


def managed_programmes(user) -> QuerySet[Programme]:
    """Programmes whose tokens `user` manages: those they run or pay for (every one for an admin)."""
    roles = user_roles(user)
    queryset = Programme.objects.order_by("name")
    if roles.is_admin:
        return queryset
    return queryset.filter(pk__in=roles.staff_programme_ids | roles.fund_operator_programme_ids)


def tokens_of(programme: Programme) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(programme=programme).select_related("created_by", "revoked_by")


def endpoints_of(programme: Programme) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(programme=programme).select_related("created_by")


def deliveries_of(endpoint: WebhookEndpoint, *, status: str = "", event: str = "") -> QuerySet[WebhookDelivery]:
    queryset = endpoint.deliveries.select_related("requested_by").defer("body")
    if status:
        queryset = queryset.filter(status=status)
    if event:
        queryset = queryset.filter(event=event)
    return queryset.order_by("-created_at", "-pk")
