"""An organisation's file: every dossier it carries, across calls and programmes, before a decision.

Above the apps: it reads dossiers, decisions, payments and reports together, in a fixed number of
queries whatever the number of dossiers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from applications.models import Dossier
from applications.selectors import dossiers_of_staff
from funding.models import IndicatorReport, Milestone, Payment
from juries.models import Decision
from juries.selectors import double_funding_flags
from portal.models import Organisation
from portal.selectors import organisation_members

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))


def _sum_of(queryset: QuerySet, column: str):
    return Coalesce(
        Subquery(queryset.order_by().values("dossier_id").annotate(total=Sum(column)).values("total")[:1]), ZERO
    )


def _count_of(queryset: QuerySet):
    return Coalesce(Subquery(queryset.order_by().values("dossier_id").annotate(n=Count("pk")).values("n")[:1]), 0)


def organisation_dossiers(user, organisation: Organisation) -> QuerySet[Dossier]:
    """The organisation's deposited dossiers, newest first, each with its latest decision, the amount paid,
    its late indicator reports and overdue milestones, and `visible`: whether `user` may open it (staff of
    another programme, or of another instructor group, read the summary line only)."""
    today = timezone.localdate()
    latest_decision = Decision.objects.filter(dossier=OuterRef("pk")).order_by("-pk")
    return (
        Dossier.objects.filter(organisation=organisation)
        .exclude(state="draft")
        .select_related("theme__call__programme", "session", "organisation")
        .annotate(
            decision_kind=Subquery(latest_decision.values("kind")[:1]),
            paid=_sum_of(Payment.objects.filter(dossier=OuterRef("pk")), "amount"),
            late_reports=_count_of(IndicatorReport.objects.filter(dossier=OuterRef("pk"), is_late=True)),
            overdue_milestones=_count_of(
                Milestone.objects.filter(
                    dossier=OuterRef("pk"),
                    status__in=(Milestone.Status.PLANNED, Milestone.Status.REFUSED),
                    due_on__lt=today,
                )
            ),
            visible=Exists(dossiers_of_staff(user).filter(pk=OuterRef("pk"))),
        )
        .order_by("-submitted_at", "-pk")
    )


@dataclass
class OrganisationFile:
    organisation: Organisation
    dossiers: list[Dossier]
    members: list = field(default_factory=list)
    flags: dict[int, list[Dossier]] = field(default_factory=dict)

    @property
    def requested(self) -> Decimal:
        return sum((d.requested_amount or Decimal("0") for d in self.dossiers), Decimal("0"))

    @property
    def granted(self) -> Decimal:
        return sum((d.granted_amount or Decimal("0") for d in self.dossiers), Decimal("0"))

    @property
    def paid(self) -> Decimal:
        return sum((d.paid for d in self.dossiers), Decimal("0"))

    @property
    def late_count(self) -> int:
        return sum(d.late_reports + d.overdue_milestones for d in self.dossiers)

    @property
    def programme_count(self) -> int:
        return len({d.theme.call.programme_id for d in self.dossiers})


def organisation_file(user, organisation: Organisation) -> OrganisationFile:
    """Everything the page shows: dossiers (one query), members (one), double-funding flags (one)."""
    dossiers = list(organisation_dossiers(user, organisation))
    flags = double_funding_flags(dossiers)
    labels = dict(Decision.Kind.choices)
    for dossier in dossiers:
        dossier.decision_label = labels.get(dossier.decision_kind, dossier.decision_kind or "")
        dossier.double_funding = flags.get(dossier.pk, [])
    return OrganisationFile(
        organisation=organisation, dossiers=dossiers, members=list(organisation_members(organisation)), flags=flags
    )
