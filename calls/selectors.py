"""Reads of calls configuration shared by views, services and other apps.

A criterion, a required document or a form belongs to a call (inherited by all its themes)
or to one theme, which then overrides the call's: the functions below resolve that.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from itertools import groupby

from django.db.models import Case, Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet, TextChoices, Value, When
from django.utils.translation import gettext_lazy as _

from calls.models import (
    Call,
    CallKind,
    Criterion,
    FormDefinition,
    FormStep,
    InfoSession,
    InfoSessionRegistration,
    Programme,
    RequiredDocument,
    RuleVersion,
    Session,
    SessionKind,
    Theme,
)
from calls.rules import Rule
from calls.rules.evaluation import shares_of_total
from portal.models import Role
from portal.selectors import users_with_role


def grid_of(theme: Theme) -> list[Criterion]:
    """Top-level criteria of the theme's grid (the call's when the theme has none), with sub-criteria."""
    sub = Prefetch("sub_criteria", queryset=Criterion.objects.order_by("order", "code"))
    own = list(theme.criteria.filter(parent__isnull=True).prefetch_related(sub))
    if own:
        return own
    return list(Criterion.objects.filter(call_id=theme.call_id, parent__isnull=True).prefetch_related(sub))


def with_weight_shares(grid: list[Criterion]) -> list[Criterion]:
    """The grid with `share` set on each criterion: its weight's percent of its siblings' total
    (sub-criteria within their parent), to the hundredth, adding up to 100."""

    def share(siblings: list[Criterion]) -> None:
        total = sum((criterion.weight for criterion in siblings), Decimal(0))
        for criterion, percent in zip(siblings, shares_of_total([c.weight for c in siblings], total), strict=True):
            criterion.share = percent

    share(grid)
    for criterion in grid:
        share(list(criterion.sub_criteria.all()))
    return grid


def required_documents_of(theme: Theme, step: str = FormStep.DOSSIER) -> list[RequiredDocument]:
    """The call's documents, then the theme's own, for one step of the call (the full dossier unless
    said); a theme document of the same kind replaces the call's."""
    own = [document for document in theme.required_documents.all() if document.step == step]
    own_kinds = {document.kind for document in own}
    inherited = [
        d for d in RequiredDocument.objects.filter(call_id=theme.call_id, step=step) if d.kind not in own_kinds
    ]
    return sorted(inherited + own, key=lambda document: (document.order, document.label))


# Where a call names no piece for a step, a dossier may still carry optional annexes that staff and jurors
# read. They are not a document row: their files carry the kind and no required document.
OPTIONAL_ANNEX_KIND = "annexes"


def optional_annex() -> RequiredDocument:
    """The optional annexes of a dossier whose call and theme ask for no piece: every supported format,
    10 Mo per file, never mandatory."""
    from portal.uploads import SUPPORTED_FORMATS

    return RequiredDocument(
        kind=OPTIONAL_ANNEX_KIND,
        label=_("Annexes facultatives"),
        description=_(
            "Aucune pièce n'est exigée : vous pouvez joindre des annexes (plans, maquettes, lettres de soutien…), "
            "lues par l'équipe du programme et par le jury."
        ),
        formats=list(SUPPORTED_FORMATS),
        max_size_mb=Decimal("10"),
        scope=RequiredDocument.Scope.FILE,
        mandatory=False,
    )


def documents_asked_of(theme: Theme, step: str = FormStep.DOSSIER) -> list[RequiredDocument]:
    """What a dossier of `theme` offers to upload for one step: the pieces its call and theme name, or,
    where they name none, the optional annexes. The theme's public page and the dossier say the same."""
    return required_documents_of(theme, step) or [optional_annex()]


def published_form_of(theme: Theme, step: str = FormStep.DOSSIER) -> FormDefinition | None:
    """The latest published form version of the theme, else of its call, for one step of the call; None
    when there is none. An expression of interest without a form of its own takes the dossier's."""
    published = FormDefinition.objects.filter(status=FormDefinition.Status.PUBLISHED, step=step)
    form = (
        published.filter(theme=theme).order_by("-version").first()
        or published.filter(call_id=theme.call_id, theme__isnull=True).order_by("-version").first()
    )
    if form is None and step == FormStep.INTEREST:
        return published_form_of(theme)
    return form


def step_of_session(session: Session) -> str:
    """The step of a two-step call a session collects: the expression of interest, or the dossier."""
    return FormStep.INTEREST if session.kind == SessionKind.EXPRESSION_OF_INTEREST else FormStep.DOSSIER


def current_rule_version(theme: Theme) -> RuleVersion | None:
    """The version of the theme's rule that judges from now on (the latest); None without a rule."""
    return theme.rule_versions.order_by("-number").first()


def rule_versions_of(theme: Theme) -> list[RuleVersion]:
    """Every version of the theme's rule, newest first, with who created it and how many
    submitted dossiers it judged (`judged`)."""
    return list(theme.rule_versions.select_related("created_by").annotate(judged=Count("dossiers")).order_by("-number"))


def rule_for(*, version: RuleVersion, session: Session | None = None) -> Rule:
    """The rule the engine applies: the version's, with a demonstration session's own eligible years
    in place of the rule's (a rule without a period of expenses keeps none)."""
    rule = version.rule
    years = session.eligible_years if session is not None else frozenset()
    if years and rule.eligible_years and years != rule.eligible_years:
        return dataclasses.replace(rule, eligible_years=years)
    return rule


def rule_of(theme: Theme, session: Session | None = None) -> Rule | None:
    """The theme's current rule as the engine reads it (for `session`, see `rule_for`); None without one."""
    version = current_rule_version(theme)
    return None if version is None else rule_for(version=version, session=session)


def themes_with_rule(queryset: QuerySet[Theme] | None = None) -> QuerySet[Theme]:
    """Themes that have a rule: only they have a simulator."""
    queryset = queryset if queryset is not None else Theme.objects.all()
    return queryset.filter(Exists(RuleVersion.objects.filter(theme=OuterRef("pk"))))


def open_session_of(theme: Theme, *, now: datetime) -> Session | None:
    """The session of the theme open at `now` that closes first: where a dossier starts today."""
    return Session.objects.filter(theme=theme, opens_at__lte=now, closes_at__gt=now).order_by("closes_at").first()


# Public pages: what a visitor may see of published and closed calls (never drafts or archives).

PUBLIC_CALL_STATUSES = (Call.Status.PUBLISHED, Call.Status.CLOSED)


class Timing(TextChoices):
    """Where a call or theme stands for a visitor, from its sessions and the server clock."""

    OPEN = "ouverts", _("Ouvert")
    UPCOMING = "a-venir", _("À venir")
    CLOSED = "clos", _("Clos")


def public_calls() -> QuerySet[Call]:
    return Call.objects.filter(status__in=PUBLIC_CALL_STATUSES)


def public_call_list(
    *, now: datetime, query: str = "", programme_slug: str = "", kind: str = "", owner_team: str = "", timing: str = ""
) -> QuerySet[Call]:
    """Public calls with `themes_count`, `next_closes_at`, `last_closes_at` and `timing` annotated.

    One aggregate query for the whole page: the timing is computed in SQL from the sessions,
    so filtering on it works with pagination. A closed call is always `clos`.
    """
    in_progress = Q(themes__sessions__opens_at__lte=now, themes__sessions__closes_at__gt=now)
    calls = (
        public_calls()
        .select_related("programme")
        .annotate(
            themes_count=Count("themes", distinct=True),
            next_closes_at=Min("themes__sessions__closes_at", filter=Q(themes__sessions__closes_at__gt=now)),
            last_closes_at=Max("themes__sessions__closes_at"),
            open_sessions=Count("themes__sessions", filter=in_progress),
            upcoming_sessions=Count("themes__sessions", filter=Q(themes__sessions__opens_at__gt=now)),
        )
        .annotate(
            timing=Case(
                When(status=Call.Status.CLOSED, then=Value(Timing.CLOSED.value)),
                When(open_sessions__gt=0, then=Value(Timing.OPEN.value)),
                When(upcoming_sessions__gt=0, then=Value(Timing.UPCOMING.value)),
                default=Value(Timing.CLOSED.value),
            )
        )
    )
    if query:
        calls = calls.filter(title__icontains=query)
    if programme_slug:
        calls = calls.filter(programme__slug=programme_slug)
    if kind:
        calls = calls.filter(kind=kind)
    if owner_team:
        calls = calls.filter(owner_team=owner_team)
    if timing:
        calls = calls.filter(timing=timing)
    return calls.order_by("-published_on", "title", "pk")


def deposit_mode_labels(call: Call, theme_kinds: Iterable[list[str]]) -> list[str]:
    """How a call takes dossiers, read from its themes' modes (the most used first), or its own kind
    when no theme says: a programme whose themes are mostly guichets is not labelled a call for projects."""
    counts = Counter(kind for kinds in theme_kinds for kind in kinds if kind in CallKind.values)
    return [CallKind(kind).label for kind, _count in counts.most_common()] or [call.get_kind_display()]


def theme_mode_labels(theme: Theme) -> list[str]:
    """How a theme takes dossiers: its own modes, else its call's kind."""
    return deposit_mode_labels(theme.call, [theme.kinds])


def with_deposit_modes(calls: list[Call]) -> list[Call]:
    """Sets `mode_labels` on each call of a page (one query, whatever the number of calls)."""
    kinds = defaultdict(list)
    for call_id, theme_kinds in Theme.objects.filter(call__in=calls).values_list("call_id", "kinds"):
        kinds[call_id].append(theme_kinds or [])
    for call in calls:
        call.mode_labels = deposit_mode_labels(call, kinds[call.pk])
    return calls


def session_runs(sessions: list[Session]) -> list[list[Session]]:
    """Consecutive sessions sharing kind, note, envelope and project sizes (a monthly guichet), grouped
    so that a page states what they share once."""

    def shared(session: Session) -> tuple:
        return (
            session.kind,
            session.note,
            session.envelope,
            session.project_size_min,
            session.project_size_max,
        )

    return [list(run) for _key, run in groupby(sessions, key=shared)]


def public_programmes() -> QuerySet[Programme]:
    return Programme.objects.filter(calls__status__in=PUBLIC_CALL_STATUSES).distinct().order_by("name")


def public_owner_teams() -> list[str]:
    teams = public_calls().exclude(owner_team="").values_list("owner_team", flat=True)
    return sorted(set(teams))


def timing_of(sessions: list[Session], *, now: datetime, call: Call) -> str:
    """The same rule as `public_call_list`, in Python, for a theme's already loaded sessions."""
    if call.status == Call.Status.CLOSED:
        return Timing.CLOSED
    if any(session.is_open(now) for session in sessions):
        return Timing.OPEN
    if any(session.opens_at > now for session in sessions):
        return Timing.UPCOMING
    return Timing.CLOSED


def public_themes_of(call: Call) -> list[Theme]:
    """The call's themes with their sessions in opening order (one query each)."""
    return list(call.themes.prefetch_related(Prefetch("sessions", queryset=Session.objects.order_by("opens_at"))))


def public_theme(call: Call, code: str) -> Theme:
    """A theme of a public call with sessions, phases and milestones; raises Theme.DoesNotExist."""
    return (
        call.themes.select_related("call", "call__programme")
        .prefetch_related(Prefetch("sessions", queryset=Session.objects.order_by("opens_at")), "phases__milestones")
        .get(code=code)
    )


def call_grid(call: Call) -> list[Criterion]:
    """The call-level grid (inherited by themes without their own), with sub-criteria."""
    sub = Prefetch("sub_criteria", queryset=Criterion.objects.order_by("order", "code"))
    return list(call.criteria.filter(parent__isnull=True).prefetch_related(sub))


def info_sessions_with_seats(queryset: QuerySet[InfoSession]) -> QuerySet[InfoSession]:
    """Info sessions with `registered` (active in-person and remote) and `registered_in_person`."""
    active = Q(registrations__cancelled_at__isnull=True)
    return queryset.annotate(
        registered=Count("registrations", filter=active),
        registered_in_person=Count("registrations", filter=active & Q(registrations__attendance="in_person")),
    )


def upcoming_info_sessions(*, now: datetime, call: Call | None = None) -> QuerySet[InfoSession]:
    sessions = InfoSession.objects.filter(call__status__in=PUBLIC_CALL_STATUSES, ends_at__gt=now)
    if call is not None:
        sessions = sessions.filter(call=call)
    return info_sessions_with_seats(sessions.select_related("call")).order_by("starts_at")


def past_info_sessions(*, now: datetime, call: Call) -> QuerySet[InfoSession]:
    """A public call's info sessions that have ended, the latest first (kept as the call's history)."""
    return InfoSession.objects.filter(call=call, call__status__in=PUBLIC_CALL_STATUSES, ends_at__lte=now).order_by(
        "-starts_at"
    )


def public_info_session(pk: int) -> InfoSession:
    """An info session of a public call, past or not; raises InfoSession.DoesNotExist."""
    return info_sessions_with_seats(
        InfoSession.objects.filter(call__status__in=PUBLIC_CALL_STATUSES).select_related("call")
    ).get(pk=pk)


def registration_by_token(token: str) -> InfoSessionRegistration:
    """Raises InfoSessionRegistration.DoesNotExist; the token is the visitor's only credential."""
    return InfoSessionRegistration.objects.select_related("info_session", "info_session__call").get(cancel_token=token)


def upcoming_closings(*, now: datetime) -> QuerySet[Session]:
    """Sessions of published calls that close from now on, soonest first."""
    return (
        Session.objects.filter(theme__call__status=Call.Status.PUBLISHED, closes_at__gt=now)
        .select_related("theme", "theme__call")
        .order_by("closes_at", "pk")
    )


def themes_with_call(queryset: QuerySet[Theme] | None = None) -> QuerySet[Theme]:
    return (queryset if queryset is not None else Theme.objects.all()).select_related("call", "call__programme")


def call_by_slug(slug: str) -> Call:
    return Call.objects.select_related("programme").get(slug=slug)


# --- Staff back-office (scoped to the programmes the user is staff of) -----------------

STAFF_LIST_ORDER = ("-created_at", "-pk")


def staff_programmes(roles) -> QuerySet[Programme]:
    """Programmes whose calls `roles` may manage: all for an admin, else those of their staff roles."""
    queryset = Programme.objects.order_by("name")
    return queryset if roles.is_admin else queryset.filter(pk__in=roles.staff_programme_ids)


def programmes_for_admin(*, query: str = "") -> QuerySet[Programme]:
    """Every programme with its number of calls, by name; `query` searches the name and the grantor."""
    programmes = Programme.objects.annotate(call_count=Count("calls"))
    if query:
        programmes = programmes.filter(Q(name__icontains=query) | Q(grantor_name__icontains=query))
    return programmes.order_by("name", "pk")


def programme_people(programme: Programme) -> list[tuple[str, str, list]]:
    """(role, French label, users) for each role given on a programme: its staff, its fund operators."""
    return [
        (role, label, list(users_with_role(role=role, scope=programme).order_by("email")))
        for role, label in (
            (Role.PROGRAMME_STAFF, _("Équipe du programme")),
            (Role.FUND_OPERATOR, _("Opérateurs financiers")),
        )
    ]


def staff_calls(roles, *, status: str = "", programme_id: int | None = None, query: str = "") -> QuerySet[Call]:
    """Calls of the user's programmes with theme and session counts, newest first; one query per page."""
    queryset = Call.objects.select_related("programme").annotate(
        theme_count=Count("themes", distinct=True), session_count=Count("themes__sessions", distinct=True)
    )
    if not roles.is_admin:
        queryset = queryset.filter(programme_id__in=roles.staff_programme_ids)
    if status:
        queryset = queryset.filter(status=status)
    if programme_id:
        queryset = queryset.filter(programme_id=programme_id)
    if query:
        queryset = queryset.filter(
            Q(title__icontains=query) | Q(slug__icontains=query) | Q(themes__code__iexact=query)
        ).distinct()
    return queryset.order_by(*STAFF_LIST_ORDER)


def staff_theme_lock_reason(theme: Theme) -> str | None:
    """Why the theme's grid (and its opened sessions' dates) can no longer change, or None.

    Locked once dossiers exist, or once the call is published and a session has opened:
    applicants may then have written their dossier against the grid.
    """
    from django.utils import timezone as _timezone

    if theme.dossiers.exists():
        return "des dossiers ont déjà été déposés ou commencés pour ce thème."
    if theme.call.status != Call.Status.DRAFT and theme.sessions.filter(opens_at__lte=_timezone.now()).exists():
        return "l'appel est publié et une session de ce thème est déjà ouverte ; des porteurs ont pu s'y référer."
    return None


def staff_grid_of(*, call: Call | None = None, theme: Theme | None = None) -> list[Criterion]:
    """The own grid of a call or of a theme (no inheritance), top-level criteria with sub-criteria."""
    owner = {"theme": theme} if theme is not None else {"call": call, "theme__isnull": True}
    sub = Prefetch("sub_criteria", queryset=Criterion.objects.order_by("order", "code"))
    return list(Criterion.objects.filter(parent__isnull=True, **owner).prefetch_related(sub).order_by("order", "code"))


def staff_forms_of(
    *, call: Call | None = None, theme: Theme | None = None, step: str = FormStep.DOSSIER
) -> list[FormDefinition]:
    """Every version of a call's or a theme's own form for one step of the call, newest first."""
    owner = {"theme": theme} if theme is not None else {"call": call, "theme__isnull": True}
    return list(FormDefinition.objects.filter(**owner, step=step).order_by("-version"))
