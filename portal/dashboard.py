"""Programme dashboard figures: programme → theme → session, in a fixed number of queries.

Three reads whatever the number of dossiers: the programmes in scope, their sessions (with
theme and call), and one aggregate of dossiers grouped by session and state. Everything
else (roll-ups, funnel, deadlines, bar widths) is computed here in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from applications.models import Dossier
from applications.workflow import DossierState
from calls.models import Programme, Session
from portal.selectors import user_roles

S = DossierState
# The main path of a dossier, drawn as a funnel; other states are outcomes off that path.
FUNNEL = (S.DRAFT, S.SUBMITTED, S.COMPLETE, S.ELIGIBLE, S.UNDER_EVALUATION, S.DELIBERATED, S.SELECTED,
          S.CONVENTION, S.IN_PROGRESS, S.CLOSED)
OFF_PATH = tuple(state for state in S if state not in FUNNEL)
# Amounts requested count from submission; granted amounts from selection on.
NOT_REQUESTED_STATES = (S.DRAFT, S.WITHDRAWN)
GRANTED_STATES = (S.SELECTED, S.CONVENTION, S.IN_PROGRESS, S.CLOSED)
DEADLINE_HORIZON = timedelta(days=30)


def staff_list_url(**filters) -> str:
    """The staff dossier list filtered as its form understands (programme, theme, session, statut…)."""
    query = urlencode({key: value for key, value in filters.items() if value not in (None, "")})
    return reverse("applications:staff_list") + (f"?{query}" if query else "")


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

    def add(self, *, state: str, count: int, requested, granted) -> None:
        self.counts[state] = self.counts.get(state, 0) + count
        if state not in NOT_REQUESTED_STATES:
            self.requested += requested or 0
        if state in GRANTED_STATES:
            self.granted += granted or 0

    def merge(self, other: Figures) -> None:
        for state, count in other.counts.items():
            self.counts[state] = self.counts.get(state, 0) + count
        self.requested += other.requested
        self.granted += other.granted

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
class SessionNode:
    session: Session
    figures: Figures
    url: str

    @property
    def drafts_url(self) -> str:
        return staff_list_url(session=self.session.pk, statut=S.DRAFT)


@dataclass
class ThemeNode:
    theme: object
    figures: Figures
    url: str
    sessions: list[SessionNode] = field(default_factory=list)


@dataclass
class ProgrammeNode:
    programme: Programme
    figures: Figures
    url: str
    themes: list[ThemeNode] = field(default_factory=list)
    deadlines: list[SessionNode] = field(default_factory=list)

    def funnel(self) -> list[StateBar]:
        return self._bars(FUNNEL, keep_empty=True)

    def off_path(self) -> list[StateBar]:
        return self._bars(OFF_PATH, keep_empty=False)

    def _bars(self, states, *, keep_empty: bool) -> list[StateBar]:
        largest = max(self.figures.counts.values(), default=0)
        return [
            StateBar(
                state=state, label=str(S(state).label), count=self.figures.counts.get(state, 0),
                percent=_percent(self.figures.counts.get(state, 0), largest),
                url=staff_list_url(programme=self.programme.pk, statut=state),
            )
            for state in states
            if keep_empty or self.figures.counts.get(state)
        ]


def dashboard_programmes(user, *, programme_id: int | None = None, now=None) -> list[ProgrammeNode]:
    """The dashboard of every programme `user` runs (all for an admin), or of one of them.

    A `programme_id` outside the user's scope gives an empty list (the view answers 404).
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
            programme=programme, figures=Figures(envelope=programme.total_envelope),
            url=staff_list_url(programme=programme.pk),
        )
        for programme in programmes
    }
    if not nodes:
        return []
    sessions = (
        Session.objects.filter(theme__call__programme_id__in=nodes).select_related("theme__call")
        .order_by("theme__call__title", "theme__order", "theme__code", "opens_at", "pk")
    )
    rows = (
        Dossier.objects.filter(theme__call__programme_id__in=nodes).order_by()
        .values("session_id", "state")
        .annotate(count=Count("pk"), requested=Sum("requested_amount"), granted=Sum("granted_amount"))
    )
    session_figures: dict[int, Figures] = {}
    for row in rows:
        session_figures.setdefault(row["session_id"], Figures()).add(
            state=row["state"], count=row["count"], requested=row["requested"], granted=row["granted"]
        )
    themes: dict[int, ThemeNode] = {}
    for session in sessions:
        programme_node = nodes[session.theme.call.programme_id]
        theme = themes.get(session.theme_id)
        if theme is None:
            theme = themes[session.theme_id] = ThemeNode(
                theme=session.theme, figures=Figures(envelope=session.theme.envelope),
                url=staff_list_url(programme=programme_node.programme.pk, theme=session.theme_id),
            )
            programme_node.themes.append(theme)
        figures = session_figures.get(session.pk, Figures())
        figures.envelope = session.envelope
        node = SessionNode(session=session, figures=figures, url=staff_list_url(session=session.pk))
        theme.sessions.append(node)
        theme.figures.merge(figures)
        programme_node.figures.merge(figures)
        if now <= session.closes_at <= now + DEADLINE_HORIZON:
            programme_node.deadlines.append(node)
    for programme_node in nodes.values():
        programme_node.deadlines.sort(key=lambda node: node.session.closes_at)
    return list(nodes.values())
