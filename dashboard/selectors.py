"""Programme dashboard figures: programme → theme → session, in a fixed number of queries.

Eight reads whatever the number of dossiers: the programmes in scope, their sessions (with
theme and call), one aggregate of dossiers grouped by session and state (committed amounts
included), one of payments by session, and the four reads of the "late" panel (evaluations
by jury, milestones by dossier, conventions in force and the reports filed). Everything else
(roll-ups, funnel, deadlines, reporting periods, bar widths) is computed here in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from applications.models import Dossier, SessionStateTotal
from applications.selectors import dossiers_of_staff, managed_programme_ids
from applications.workflow import DossierState
from calls.models import Programme, Session, SessionKind
from funding.models import Convention, IndicatorReport, Milestone, Payment
from funding.selectors import COMMITTED_STATUSES, reporting_periods, reporting_start
from juries.models import Assignment
from portal.selectors import user_roles

S = DossierState
# The main path of a dossier, drawn as a funnel; other states are outcomes off that path.
FUNNEL = (
    S.DRAFT,
    S.SUBMITTED,
    S.COMPLETE,
    S.ELIGIBLE,
    S.UNDER_EVALUATION,
    S.DELIBERATED,
    S.SELECTED,
    S.CONVENTION,
    S.IN_PROGRESS,
    S.CLOSED,
)
OFF_PATH = tuple(state for state in S if state not in FUNNEL)
# Amounts requested count from submission; granted amounts from selection on.
NOT_REQUESTED_STATES = (S.DRAFT, S.WITHDRAWN)
GRANTED_STATES = (S.SELECTED, S.CONVENTION, S.IN_PROGRESS, S.CLOSED)
DEADLINE_HORIZON = timedelta(days=30)


def _filtered_url(view_name: str, filters: dict) -> str:
    query = urlencode({key: value for key, value in filters.items() if value not in (None, "")})
    return reverse(view_name) + (f"?{query}" if query else "")


def staff_list_url(**filters) -> str:
    """The staff dossier list filtered as its form understands (programme, theme, session, statut…)."""
    return _filtered_url("applications:staff_list", filters)


def portfolio_url(**filters) -> str:
    """The funding portfolio filtered as its form understands (programme, theme, session, convention, etat)."""
    return _filtered_url("funding:portfolio", filters)


class MoneyLinks:
    """Links from a node's committed and paid amounts to the portfolio rows behind them."""

    def portfolio_filters(self) -> dict:
        raise NotImplementedError

    @property
    def committed_url(self) -> str:
        return portfolio_url(**self.portfolio_filters(), convention="signed")

    @property
    def paid_url(self) -> str:
        return portfolio_url(**self.portfolio_filters())


def _percent(part, whole) -> int:
    if not whole or not part:
        return 0
    return min(100, round(100 * Decimal(part) / Decimal(whole)))


@dataclass
class Figures:
    """Counts per state and amounts of one node (session, theme or programme)."""

    envelope: Decimal | None = None
    counts: dict[str, int] = field(default_factory=dict)
    requested: Decimal = Decimal("0")
    granted: Decimal = Decimal("0")
    committed: Decimal = Decimal("0")  # granted amount of the projects whose convention is signed
    paid: Decimal = Decimal("0")  # payments recorded

    def add(self, *, state: str, count: int, requested, granted, committed) -> None:
        self.counts[state] = self.counts.get(state, 0) + count
        if state not in NOT_REQUESTED_STATES:
            self.requested += requested or 0
        if state in GRANTED_STATES:
            self.granted += granted or 0
            self.committed += committed or 0

    def keep_counts_only(self) -> None:
        """Expressions of interest ask for no money and are granted none (their positive decision is an
        invitation to the second step): only the full dossier's amounts count, once per project."""
        self.requested = self.granted = self.committed = Decimal("0")

    def merge(self, other: Figures) -> None:
        for state, count in other.counts.items():
            self.counts[state] = self.counts.get(state, 0) + count
        self.requested += other.requested
        self.granted += other.granted
        self.committed += other.committed
        self.paid += other.paid

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def received(self) -> int:
        """Dossiers submitted at least once (drafts and withdrawn drafts left out)."""
        return sum(count for state, count in self.counts.items() if state not in NOT_REQUESTED_STATES)

    @property
    def requested_percent(self) -> int:
        return _percent(self.requested, self.envelope)

    @property
    def granted_percent(self) -> int:
        return _percent(self.granted, self.envelope)

    @property
    def committed_percent(self) -> int:
        return _percent(self.committed, self.envelope)

    @property
    def paid_percent(self) -> int:
        return _percent(self.paid, self.envelope)

    @property
    def remaining(self) -> Decimal | None:
        return None if self.envelope is None else self.envelope - self.granted


@dataclass
class StateBar:
    state: str
    label: str
    count: int
    percent: int
    url: str


@dataclass
class SessionNode(MoneyLinks):
    session: Session
    figures: Figures
    url: str

    def portfolio_filters(self) -> dict:
        return {"session": self.session.pk}

    @property
    def drafts_url(self) -> str:
        return staff_list_url(session=self.session.pk, statut=S.DRAFT)


@dataclass
class ThemeNode(MoneyLinks):
    theme: object
    figures: Figures
    url: str
    sessions: list[SessionNode] = field(default_factory=list)

    def portfolio_filters(self) -> dict:
        return {"theme": self.theme.pk}


@dataclass
class LateLine:
    """What is late on one jury or one project: how many items, since when, and the page to act on it."""

    label: str
    count: int
    url: str
    since: object = None  # the oldest due date (or moment) passed


@dataclass
class Late:
    """The "En retard" panel of a programme."""

    evaluations: list[LateLine] = field(default_factory=list)  # per jury
    reports: list[LateLine] = field(default_factory=list)  # per project
    milestones: list[LateLine] = field(default_factory=list)  # per project

    @staticmethod
    def _total(lines) -> int:
        return sum(line.count for line in lines)

    @property
    def evaluation_count(self) -> int:
        return self._total(self.evaluations)

    @property
    def report_count(self) -> int:
        return self._total(self.reports)

    @property
    def milestone_count(self) -> int:
        return self._total(self.milestones)

    @property
    def total(self) -> int:
        return self.evaluation_count + self.report_count + self.milestone_count


@dataclass
class ProgrammeNode(MoneyLinks):
    programme: Programme
    figures: Figures
    url: str
    themes: list[ThemeNode] = field(default_factory=list)
    deadlines: list[SessionNode] = field(default_factory=list)
    late: Late = field(default_factory=Late)

    def portfolio_filters(self) -> dict:
        return {"programme": self.programme.pk}

    def funnel(self) -> list[StateBar]:
        return self._bars(FUNNEL, keep_empty=True)

    def off_path(self) -> list[StateBar]:
        return self._bars(OFF_PATH, keep_empty=False)

    def _bars(self, states, *, keep_empty: bool) -> list[StateBar]:
        largest = max(self.figures.counts.values(), default=0)
        return [
            StateBar(
                state=state,
                label=str(S(state).label),
                count=self.figures.counts.get(state, 0),
                percent=_percent(self.figures.counts.get(state, 0), largest),
                url=staff_list_url(programme=self.programme.pk, statut=state),
            )
            for state in states
            if keep_empty or self.figures.counts.get(state)
        ]


def dashboard_programmes(user, *, programme_id: int | None = None, now=None) -> list[ProgrammeNode]:
    """The dashboard of every programme `user` runs (all for an admin), or of one of them.

    A `programme_id` outside the user's scope gives an empty list (the view answers 404). An instructor
    within groups counts the dossiers of his groups only (`dossiers_of_staff`), and no jury's late evaluations.
    """
    now = now or timezone.now()
    roles = user_roles(user)
    programmes = Programme.objects.order_by("name")
    if not roles.is_admin:
        programmes = programmes.filter(pk__in=roles.staff_programme_ids)
    if programme_id is not None:
        programmes = programmes.filter(pk=programme_id)
    nodes = {
        programme.pk: ProgrammeNode(
            programme=programme,
            figures=Figures(envelope=programme.total_envelope),
            url=staff_list_url(programme=programme.pk),
        )
        for programme in programmes
    }
    if not nodes:
        return []
    sessions = (
        Session.objects.filter(theme__call__programme_id__in=nodes)
        .select_related("theme__call")
        .order_by("theme__call__title", "theme__order", "theme__code", "opens_at", "pk")
    )
    # An instructor within groups reads every figure below from the dossiers he sees (a subquery, no query of
    # its own); the managers of all their programmes read the counts and amounts per session and state that
    # the database keeps (SessionStateTotal), and the committed amounts from the signed conventions.
    managed = managed_programme_ids(user)
    sees_all = managed is None or roles.staff_programme_ids <= managed
    scope = {} if sees_all else {"pk__in": dossiers_of_staff(user).values("pk")}
    if sees_all:
        rows = SessionStateTotal.objects.filter(session__theme__call__programme_id__in=nodes, count__gt=0).values(
            "session_id", "state", "count", "requested", "granted"
        )
    else:
        rows = (
            Dossier.objects.filter(theme__call__programme_id__in=nodes, **scope)
            .order_by()
            .values("session_id", "state")
            .annotate(count=Count("pk"), requested=Sum("requested_amount"), granted=Sum("granted_amount"))
        )
    committed_rows = (
        Dossier.objects.filter(
            pk__in=Convention.objects.filter(
                status__in=COMMITTED_STATUSES, dossier__theme__call__programme_id__in=nodes
            ).values("dossier_id")
        )
        .filter(**scope)
        .order_by()
        .values("session_id", "state")
        .annotate(committed=Sum("granted_amount"))
    )
    committed_of = {(row["session_id"], row["state"]): row["committed"] for row in committed_rows}
    session_figures: dict[int, Figures] = {}
    for row in rows:
        session_figures.setdefault(row["session_id"], Figures()).add(
            state=row["state"],
            count=row["count"],
            requested=row["requested"],
            granted=row["granted"],
            committed=committed_of.get((row["session_id"], row["state"])),
        )
    payments = (
        Payment.objects.filter(
            tranche__convention__dossier__theme__call__programme_id__in=nodes,
            **{f"tranche__convention__dossier__{lookup}": value for lookup, value in scope.items()},
        )
        .order_by()
        .values(session_id=F("tranche__convention__dossier__session_id"))
        .annotate(total=Sum("amount"))
    )
    for row in payments:
        session_figures.setdefault(row["session_id"], Figures()).paid += row["total"]
    themes: dict[int, ThemeNode] = {}
    for session in sessions:
        programme_node = nodes[session.theme.call.programme_id]
        theme = themes.get(session.theme_id)
        if theme is None:
            theme = themes[session.theme_id] = ThemeNode(
                theme=session.theme,
                figures=Figures(envelope=session.theme.envelope),
                url=staff_list_url(programme=programme_node.programme.pk, theme=session.theme_id),
            )
            programme_node.themes.append(theme)
        figures = session_figures.get(session.pk, Figures())
        if session.kind == SessionKind.EXPRESSION_OF_INTEREST:
            figures.keep_counts_only()
        figures.envelope = session.envelope
        node = SessionNode(session=session, figures=figures, url=staff_list_url(session=session.pk))
        theme.sessions.append(node)
        theme.figures.merge(figures)
        programme_node.figures.merge(figures)
        if now <= session.closes_at <= now + DEADLINE_HORIZON:
            programme_node.deadlines.append(node)
    for programme_node in nodes.values():
        programme_node.deadlines.sort(key=lambda node: node.session.closes_at)
    _fill_late(nodes, {theme_id: node.theme for theme_id, node in themes.items()}, now, managed=managed, scope=scope)
    return list(nodes.values())


def _fill_late(nodes: dict[int, ProgrammeNode], themes: dict, now, *, managed, scope: dict) -> None:
    """The "En retard" panel of each programme, in four reads whatever the number of late items; `scope`
    narrows the dossiers read to the user's, juries are read for the programmes whose instruction he manages
    (`managed`, None for every one)."""
    today = timezone.localdate(now)
    evaluations = (
        Assignment.objects.filter(
            member__jury__programme_id__in=nodes if managed is None else managed & set(nodes),
            member__withdrawn_at__isnull=True,
        )
        .filter(Q(evaluation__isnull=True) | Q(evaluation__submitted_at__isnull=True))
        .annotate(due=Coalesce("due_at", "member__jury__due_at"))
        .filter(due__lt=now)
        .order_by()
        .values("member__jury_id", "member__jury__name", "member__jury__programme_id")
        .annotate(count=Count("pk"), since=Min("due"))
    )
    for row in evaluations:
        nodes[row["member__jury__programme_id"]].late.evaluations.append(
            LateLine(
                label=row["member__jury__name"],
                count=row["count"],
                since=row["since"],
                url=reverse("juries:staff_jury", args=[row["member__jury_id"]]),
            )
        )
    # Milestones not declared (or refused) once due, on projects under way: those the carrier is reminded of.
    milestones = (
        Milestone.objects.filter(
            **{f"dossier__{lookup}": value for lookup, value in scope.items()},
            dossier__theme__call__programme_id__in=nodes,
            dossier__state=S.IN_PROGRESS,
            is_current=True,
            status__in=(Milestone.Status.PLANNED, Milestone.Status.REFUSED),
            due_on__lt=today,
        )
        .order_by()
        .values("dossier_id", "dossier__reference", "dossier__acronym", "dossier__theme__call__programme_id")
        .annotate(count=Count("pk"), since=Min("due_on"))
    )
    for row in milestones:
        nodes[row["dossier__theme__call__programme_id"]].late.milestones.append(
            LateLine(
                label=f"{row['dossier__reference']} — {row['dossier__acronym']}",
                count=row["count"],
                since=row["since"],
                url=reverse("funding:convention", args=[row["dossier_id"]]),
            )
        )
    # Indicator reports: each ended period of a convention in force whose report is overdue and not filed.
    in_force = Convention.objects.filter(
        **{f"dossier__{lookup}": value for lookup, value in scope.items()},
        dossier__theme__call__programme_id__in=nodes,
        dossier__state=S.IN_PROGRESS,
        status=Convention.Status.IN_FORCE,
    ).values(
        "dossier_id",
        "dossier__reference",
        "dossier__acronym",
        "dossier__theme_id",
        "dossier__theme__call__programme_id",
        "status",
        "start_on",
        "in_force_at",
    )
    filed: dict[int, dict] = {}
    for dossier_id, period_start in IndicatorReport.objects.filter(
        **{f"dossier__{lookup}": value for lookup, value in scope.items()},
        dossier__theme__call__programme_id__in=nodes,
        dossier__state=S.IN_PROGRESS,
    ).values_list("dossier_id", "period_start"):
        filed.setdefault(dossier_id, {})[period_start] = True
    for row in in_force:
        theme = themes.get(row["dossier__theme_id"])
        start = reporting_start(row["status"], row["start_on"], row["in_force_at"])
        overdue = (
            [
                item
                for item in reporting_periods(theme, start, filed.get(row["dossier_id"], {}), today)
                if item["overdue"]
            ]
            if theme is not None
            else []
        )
        if overdue:
            nodes[row["dossier__theme__call__programme_id"]].late.reports.append(
                LateLine(
                    label=f"{row['dossier__reference']} — {row['dossier__acronym']}",
                    count=len(overdue),
                    since=overdue[0]["due_on"],
                    url=reverse("funding:reports", args=[row["dossier_id"]]),
                )
            )
    for node in nodes.values():
        for lines in (node.late.evaluations, node.late.milestones, node.late.reports):
            lines.sort(key=lambda line: (line.since, line.label))
