"""Reads of the funding app, scoped to the user's roles (carrier, programme staff, fund operator)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from applications.models import Dossier
from applications.selectors import staff_scope
from applications.workflow import DossierState
from calls.models import Session
from funding.models import Convention, IndicatorReport, Milestone, Payment, Tranche
from funding.periods import due_date, periods_between, reporting_frequency
from funding.services.followup import paid_on_tranche, release_blocker
from portal.selectors import user_roles

FUNDED_STATES = (DossierState.CONVENTION, DossierState.IN_PROGRESS, DossierState.CLOSED)
PORTFOLIO_STATES = (DossierState.SELECTED, *FUNDED_STATES)
# A convention commits the grant once the carrier has signed it (then countersigned, in force).
COMMITTED_STATUSES = (
    Convention.Status.SIGNED_BY_CARRIER,
    Convention.Status.SIGNED_BY_OPERATOR,
    Convention.Status.IN_FORCE,
)


def committed():
    """True on a dossier when one of its convention versions is signed (an amendment in progress keeps it)."""
    return Exists(Convention.objects.filter(dossier=OuterRef("pk"), status__in=COMMITTED_STATUSES))


def _latest_convention(field: str):
    return Subquery(Convention.objects.filter(dossier=OuterRef("pk")).order_by("-version").values(field)[:1])


def _next_milestone(field: str):
    return Subquery(
        Milestone.objects.filter(
            dossier=OuterRef("pk"), is_current=True, status__in=(Milestone.Status.PLANNED, Milestone.Status.REFUSED)
        )
        .order_by("due_on", "order")
        .values(field)[:1]
    )


def _annotated(queryset: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """Per dossier, in the same query: latest convention's status and version, next milestone, paid total."""
    paid = Subquery(
        Payment.objects.filter(tranche__convention__dossier=OuterRef("pk"))
        .values("tranche__convention__dossier")
        .annotate(total=Sum("amount"))
        .values("total")[:1],
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )
    return queryset.select_related("organisation", "theme__call__programme").annotate(
        convention_status=_latest_convention("status"),
        convention_version=_latest_convention("version"),
        convention_amount=_latest_convention("amount"),
        next_milestone_label=_next_milestone("label"),
        next_milestone_due=_next_milestone("due_on"),
        paid_amount=Coalesce(paid, Value(Decimal("0")), output_field=DecimalField(max_digits=14, decimal_places=2)),
    )


def projects_of_carrier(user) -> QuerySet[Dossier]:
    """ "Mes projets": the laureate's funded dossiers, newest first."""
    roles = user_roles(user)
    return (
        _annotated(Dossier.objects.filter(organisation_id__in=roles.organisation_ids, state__in=PORTFOLIO_STATES))
        .annotate(
            convention_start_on=_latest_convention("start_on"), convention_in_force_at=_latest_convention("in_force_at")
        )
        .prefetch_related("indicator_reports")
        .order_by("-created_at", "-pk")
    )


def portfolio_sessions(programmes) -> list[Session]:
    """The sessions of `programmes` with what the portfolio's theme and session choices show, in one query."""
    return list(
        Session.objects.filter(theme__call__programme__in=programmes)
        .select_related("theme")
        .only("name", "theme__code", "theme__title")
        .order_by("theme__call__programme__name", "theme__order", "theme__code", "opens_at")
    )


def portfolio_dossiers(user) -> QuerySet[Dossier]:
    """Dossiers of the programmes the user pays for, or instructs (those of his instructor groups only, unless
    he manages the programme's instruction); every one for an admin."""
    roles = user_roles(user)
    queryset = Dossier.objects.filter(state__in=PORTFOLIO_STATES)
    if not roles.is_admin:
        queryset = queryset.filter(
            Q(theme__call__programme_id__in=roles.fund_operator_programme_ids)
            | staff_scope(user, roles.staff_programme_ids)
        )
    return queryset


def portfolio(
    user,
    *,
    programme_id: int | None = None,
    theme_id: int | None = None,
    session_id: int | None = None,
    status: str = "",
    state: str = "",
    query: str = "",
) -> QuerySet[Dossier]:
    """The portfolio with its filters: programme, theme, session, convention status, dossier state, text."""
    queryset = _annotated(portfolio_dossiers(user))
    if programme_id:
        queryset = queryset.filter(theme__call__programme_id=programme_id)
    if theme_id:
        queryset = queryset.filter(theme_id=theme_id)
    if session_id:
        queryset = queryset.filter(session_id=session_id)
    if state:
        queryset = queryset.filter(state=state)
    if status == "none":
        queryset = queryset.filter(convention_status__isnull=True)
    elif status == "signed":
        queryset = queryset.filter(committed())
    elif status:
        queryset = queryset.filter(convention_status=status)
    if query:
        queryset = queryset.filter(
            Q(reference__icontains=query)
            | Q(acronym__icontains=query)
            | Q(title__icontains=query)
            | Q(organisation__name__icontains=query)
        )
    return queryset.order_by("theme__call__programme__name", "reference")


def funding_dossiers_visible_to(user) -> QuerySet[Dossier]:
    """Dossiers whose funding pages `user` may open: carrier members, staff, fund operator."""
    roles = user_roles(user)
    if not roles.is_authenticated:
        return Dossier.objects.none()
    queryset = Dossier.objects.filter(state__in=PORTFOLIO_STATES)
    if roles.is_admin:
        return queryset
    return queryset.filter(
        Q(organisation_id__in=roles.organisation_ids)
        | Q(theme__call__programme_id__in=roles.fund_operator_programme_ids)
        | staff_scope(user, roles.staff_programme_ids)
    )


def conventions_of(dossier: Dossier, *, with_drafts: bool = True) -> QuerySet[Convention]:
    """The versions, newest first; the carrier sees only those sent to it (`with_drafts=False`)."""
    queryset = dossier.conventions.select_related("carrier_signed_by", "operator_signed_by", "sent_by").order_by(
        "-version"
    )
    return queryset if with_drafts else queryset.filter(sent_at__isnull=False)


def current_convention(dossier: Dossier, *, with_drafts: bool = True) -> Convention | None:
    """The latest version that is not superseded: a draft, the one being signed, or the one in force."""
    return conventions_of(dossier, with_drafts=with_drafts).exclude(status=Convention.Status.SUPERSEDED).first()


def convention_in_force(dossier: Dossier) -> Convention | None:
    return dossier.conventions.filter(status=Convention.Status.IN_FORCE).first()


def tranches_with_payments(convention: Convention) -> list[Tranche]:
    """The schedule, each tranche carrying `paid` (earlier versions included), `remaining` and `blocker`."""
    tranches = list(
        convention.tranches.select_related("milestone", "convention__dossier__phase").prefetch_related(
            Prefetch("payments", queryset=Payment.objects.order_by("paid_on"))
        )
    )
    for tranche in tranches:
        tranche.paid = paid_on_tranche(tranche)
        tranche.remaining = tranche.amount - tranche.paid
        tranche.blocker = release_blocker(tranche)
    return tranches


def payments_of(dossier: Dossier) -> QuerySet[Payment]:
    return (
        Payment.objects.filter(tranche__convention__dossier=dossier).select_related("tranche").order_by("paid_on", "pk")
    )


def reporting_start(convention_status, start_on, in_force_at):
    """When reporting starts: the convention's start date, else its entry into force; None before."""
    if convention_status != Convention.Status.IN_FORCE:
        return None
    return start_on or timezone.localtime(in_force_at).date()


def reporting_periods(theme, start, reports: dict, today) -> list[dict]:
    """The reporting periods ended by `today` since `start`, each with its due date, its report
    (from `reports`, keyed by period start) and whether it is overdue."""
    rows = []
    for period_start, period_end in periods_between(start, today, reporting_frequency(theme)) if start else []:
        report = reports.get(period_start)
        due_on = due_date(period_end)
        rows.append(
            {
                "start": period_start,
                "end": period_end,
                "due_on": due_on,
                "report": report,
                "overdue": report is None and due_on < today,
            }
        )
    return rows


def report_calendar(dossier: Dossier, convention: Convention | None, today=None) -> list[dict]:
    """Every reporting period from the start to today: filed report, due date, late or missing."""
    if convention is None:
        return []
    start = reporting_start(convention.status, convention.start_on, convention.in_force_at)
    reports = (
        {report.period_start: report for report in IndicatorReport.objects.filter(dossier=dossier)} if start else {}
    )
    return reporting_periods(dossier.theme, start, reports, today or timezone.localdate())


def with_next_reports(rows, today=None) -> list[Dossier]:
    """Set `next_report` on rows of `projects_of_carrier` from their prefetched reports (no query per row)."""
    today = today or timezone.localdate()
    rows = list(rows)
    for row in rows:
        start = reporting_start(row.convention_status, row.convention_start_on, row.convention_in_force_at)
        reports = {report.period_start: report for report in row.indicator_reports.all()}
        row.next_report = next(
            (item for item in reporting_periods(row.theme, start, reports, today) if item["report"] is None), None
        )
    return rows


def next_report(dossier: Dossier, convention: Convention | None) -> dict | None:
    for row in report_calendar(dossier, convention):
        if row["report"] is None:
            return row
    return None


def milestones_with_tranches(convention: Convention, tranches: list[Tranche]) -> list[Milestone]:
    """The project's live milestones, each with `released` (what its validation releases in `tranches`).

    Before any version is in force they are the draft's or the sent version's; the carrier sees them
    on the version sent to it, before signing.
    """
    milestones = list(
        Milestone.objects.filter(dossier_id=convention.dossier_id, is_current=True)
        .select_related("declared_by", "reviewed_by")
        .order_by("order", "pk")
    )
    for milestone in milestones:
        milestone.released = sum(
            (tranche.amount for tranche in tranches if tranche.milestone_id == milestone.pk), Decimal("0")
        )
    return milestones


def proposed_milestones(convention: Convention | None, applicable: Convention | None) -> list[Milestone]:
    """The milestones an amendment under way would put in place (with the tranche each releases)."""
    if convention is None or convention == applicable or not convention.is_amendment:
        return []
    tranches = list(convention.tranches.all())
    milestones = list(Milestone.objects.filter(convention=convention).order_by("order", "pk"))
    for milestone in milestones:
        milestone.released = sum((t.amount for t in tranches if t.milestone_id == milestone.pk), Decimal("0"))
    return milestones
