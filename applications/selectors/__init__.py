"""Reads of dossiers, always scoped to what the user's roles allow."""

import difflib
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Min, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import (
    MESSAGE_ATTACHMENT_KIND,
    BudgetLine,
    Dossier,
    Project,
    ProjectPhase,
    SessionStateTotal,
)
from applications.workflow import TO_INSTRUCT, TO_INSTRUCT_FILTER, DossierState
from portal.selectors import user_roles


def dossiers_of_applicant(user) -> QuerySet[Dossier]:
    """Dossiers of the organisations `user` belongs to (carrier side)."""
    return Dossier.objects.filter(organisation_id__in=user_roles(user).organisation_ids)


def staff_scope(user, programme_ids) -> Q:
    """Dossiers of `programme_ids` that `user` instructs: all of a programme where they belong to no
    instructor group or to a steering group, else those routed to their groups. Subqueries only: the
    scope costs no query of its own."""
    from applications.models import InstructorGroupMember

    memberships = InstructorGroupMember.objects.filter(user_id=user.pk)
    return Q(theme__call__programme_id__in=programme_ids) & (
        ~Q(theme__call__programme_id__in=memberships.values("group__programme_id"))
        | Q(theme__call__programme_id__in=memberships.filter(group__sees_all=True).values("group__programme_id"))
        | Q(instruction_group_id__in=memberships.values("group_id"))
    )


def dossiers_of_staff(user) -> QuerySet[Dossier]:
    """Dossiers of the programmes `user` runs, narrowed to their instructor groups' dossiers where they
    instruct within groups (see `staff_scope`); every dossier for an admin. Drafts included: staff
    lists filter them out by default, but a draft is not a secret from its programme's managers."""
    roles = user_roles(user)
    if roles.is_admin:
        return Dossier.objects.all()
    if not roles.staff_programme_ids:
        return Dossier.objects.none()
    return Dossier.objects.filter(staff_scope(user, roles.staff_programme_ids))


def _instruction_groups(user) -> dict[int, dict[int, bool]]:
    """programme id → {group id: steering?} of the instructor groups `user` belongs to, in one query."""
    from applications.models import InstructorGroupMember

    groups: dict[int, dict[int, bool]] = {}
    for programme_id, group_id, sees_all in InstructorGroupMember.objects.filter(user_id=user.pk).values_list(
        "group__programme_id", "group_id", "group__sees_all"
    ):
        groups.setdefault(programme_id, {})[group_id] = sees_all
    return groups


def managed_programme_ids(user) -> frozenset[int] | None:
    """Programmes whose instruction `user` manages (None for an admin: every one): those they are staff of
    where they belong to no instructor group or to a steering group. Managers route, configure groups,
    run the juries and see every dossier."""
    roles = user_roles(user)
    if roles.is_admin:
        return None
    if not roles.staff_programme_ids:
        return frozenset()
    groups = _instruction_groups(user)
    return frozenset(
        programme_id
        for programme_id in roles.staff_programme_ids
        if not groups.get(programme_id) or any(groups[programme_id].values())
    )


def manages_instruction_of(user, programme_id: int) -> bool:
    """Whether `user` manages the instruction of the programme (see `managed_programme_ids`)."""
    managed = managed_programme_ids(user)
    return managed is None or programme_id in managed


def staff_sees_dossier(user, dossier: Dossier) -> bool:
    """Whether `user` may see `dossier` as staff: the answer of `dossiers_of_staff` for one dossier already
    loaded (its theme and call), in at most one query. Every staff page and service of a dossier asks it."""
    roles = user_roles(user)
    if roles.is_admin:
        return True
    programme_id = dossier.theme.call.programme_id
    if not roles.is_staff_of(programme_id):
        return False
    groups = _instruction_groups(user).get(programme_id)
    return not groups or any(groups.values()) or dossier.instruction_group_id in groups


def dossiers_visible_to(user) -> QuerySet[Dossier]:
    """Every dossier `user` may open as applicant or staff (jurors go through juries.selectors)."""
    roles = user_roles(user)
    if not roles.is_authenticated:
        return Dossier.objects.none()
    if roles.is_admin:
        return Dossier.objects.all()
    return Dossier.objects.filter(
        Q(organisation_id__in=roles.organisation_ids) | staff_scope(user, roles.staff_programme_ids)
    )


# Publication: what the PIA rule makes public about every laureate, and nothing more.
LAUREATE_STATES = ("selected", "convention", "in_progress", "closed")
RECEIVED_STATES_EXCLUDED = ("draft",)


def laureates(
    *, programme_slug: str = "", call_slug: str = "", theme_code: str = "", query: str = ""
) -> QuerySet[Dossier]:
    """Selected dossiers of published or closed calls, with what the public page shows.

    A laureate whose amount was not published (ETNA 2019 gives only the total) is listed;
    the open-data export keeps only rows with an amount, which the schema requires. The start
    published is the convention's (`started_on`: the start staff set, else its entry into force),
    never the dossier's planned start, which the page can only show as planned.
    """
    queryset = (
        Dossier.objects.filter(state__in=LAUREATE_STATES, theme__call__status__in=("published", "closed"))
        .select_related("organisation", "theme__call__programme")
        .only(
            "reference",
            "acronym",
            "title",
            "summary",
            "granted_amount",
            "planned_start",
            "duration_months",
            "organisation__name",
            "organisation__siret",
            "theme__code",
            "theme__title",
            "theme__call__slug",
            "theme__call__title",
            "theme__call__programme__slug",
            "theme__call__programme__name",
            "theme__call__programme__grantor_name",
            "theme__call__programme__grantor_siret",
            "theme__call__programme__fund",
        )
        .annotate(
            convention_start_on=Min("conventions__start_on", filter=Q(conventions__in_force_at__isnull=False)),
            convention_in_force_at=Min("conventions__in_force_at"),
        )
        .order_by("theme__call__title", "theme__code", "acronym")
    )
    if programme_slug:
        queryset = queryset.filter(theme__call__programme__slug=programme_slug)
    if call_slug:
        queryset = queryset.filter(theme__call__slug=call_slug)
    if theme_code:
        queryset = queryset.filter(theme__code=theme_code)
    if query:
        queryset = queryset.filter(
            Q(acronym__icontains=query)
            | Q(title__icontains=query)
            | Q(summary__icontains=query)
            | Q(organisation__name__icontains=query)
        )
    return queryset


def call_statistics(*, call) -> dict:
    """Public figures of a call: dossiers received, selected, total granted (no personal data), read from
    the totals kept per session and state."""
    totals = (
        SessionStateTotal.objects.filter(session__theme__call=call)
        .exclude(state__in=RECEIVED_STATES_EXCLUDED)
        .aggregate(
            received=Sum("count"),
            selected=Sum("count", filter=Q(state__in=LAUREATE_STATES)),
            granted=Sum("granted", filter=Q(state__in=LAUREATE_STATES)),
        )
    )
    return {
        "received": totals["received"] or 0,
        "selected": totals["selected"] or 0,
        "granted": totals["granted"] or 0,
    }


# --- Dossier lists (applicant's "Mes dossiers", staff's instruction list) --------------


def _latest_open_complement_due():
    """Due date of the dossier's latest unanswered complement request, as a subquery (no per-row query)."""
    from django.db.models import OuterRef, Subquery

    from applications.models import ComplementRequest

    return Subquery(
        ComplementRequest.objects.filter(dossier=OuterRef("pk"), answered_at__isnull=True)
        .order_by("-created_at", "-pk")
        .values("due_at")[:1]
    )


APPLICANT_LIST_FIELDS = (
    "reference",
    "acronym",
    "title",
    "state",
    "requested_amount",
    "granted_amount",
    "created_at",
    "organisation__name",
    "theme__code",
    "theme__title",
    "session__name",
    "session__closes_at",
)


def applicant_dossier_list(
    user, *, state: str = "", organisation_id: int | None = None, query: str = ""
) -> QuerySet[Dossier]:
    """The user's organisations' dossiers with what the list shows, newest first, in one query per page.

    Each dossier carries `complement_due_at`: the due date of its open complement request, if any.
    """
    queryset = (
        dossiers_of_applicant(user)
        .select_related("organisation", "theme", "session")
        # The columns the list shows: neither the answers nor the theme's texts are read (and decoded) per row.
        .only(*APPLICANT_LIST_FIELDS)
        .annotate(complement_due_at=_latest_open_complement_due())
    )
    if state:
        queryset = queryset.filter(state=state)
    if organisation_id:
        queryset = queryset.filter(organisation_id=organisation_id)
    if query:
        queryset = queryset.filter(
            Q(reference__icontains=query) | Q(acronym__icontains=query) | Q(title__icontains=query)
        )
    waits_for_applicant = Q(state=DossierState.COMPLEMENT_REQUESTED) | Q(
        state=DossierState.DRAFT, session__closes_at__gt=timezone.now()
    )
    queryset = queryset.annotate(
        to_do=Case(When(waits_for_applicant, then=Value(0)), default=Value(1), output_field=IntegerField())
    )
    return queryset.order_by("to_do", "-created_at", "-pk")


# Sort keys of the staff list (the value of ?tri=, without the "-" of descending order).
STAFF_SORTS = {
    "reference": "reference",
    "depot": "submitted_at",
    "montant": "requested_amount",
    "porteur": "organisation__name",
}
STAFF_DEFAULT_SORT = "-depot"


# PostgreSQL text search configuration made by migration 0008: French stemming over unaccented words.
SEARCH_CONFIG = "french_unaccent"


def dossier_search(queryset: QuerySet[Dossier], query: str) -> QuerySet[Dossier]:
    """Dossiers whose number, acronym, title, carrier name or SIRET matches what staff typed, or whose
    deposited text (answers, summary, partners, document names: `DossierSearchText`) does.

    On PostgreSQL the deposited text is searched in French, unaccented and stemmed (« evaluations »
    finds « évaluation »), and each row carries `search_rank`; on SQLite it is a plain substring search.
    """
    if not query:
        return queryset
    from django.db import connections

    plain = (
        Q(reference__icontains=query)
        | Q(acronym__icontains=query)
        | Q(title__icontains=query)
        | Q(organisation__name__icontains=query)
        | Q(organisation__siret__startswith=query.replace(" ", ""))
    )
    if connections[queryset.db].vendor != "postgresql":
        return queryset.filter(plain | Q(search_text__content__icontains=query))
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    search_query = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
    vector = SearchVector("search_text__content", config=SEARCH_CONFIG)
    return queryset.annotate(search_vector=vector, search_rank=SearchRank(vector, search_query)).filter(
        plain | Q(search_vector=search_query)
    )


def staff_dossier_list(
    user,
    *,
    include_drafts: bool = False,
    programme_id: int | None = None,
    call_id: int | None = None,
    theme_id: int | None = None,
    session_id: int | None = None,
    state: str = "",
    organisation_kind: str = "",
    amount_min=None,
    amount_max=None,
    label_id: int | None = None,
    query: str = "",
    sort: str = STAFF_DEFAULT_SORT,
) -> QuerySet[Dossier]:
    """Dossiers of the user's programmes, filtered and sorted for the instruction list.

    Drafts are left out unless asked for, or unless `state` is "draft". An unknown `sort`
    falls back to the default; null dates and amounts come last whatever the direction.
    """
    from django.db.models import F

    queryset = dossiers_of_staff(user).select_related("organisation", "theme__call__programme", "session")
    if not include_drafts and state != "draft":
        queryset = queryset.exclude(state="draft")
    if state == TO_INSTRUCT_FILTER:
        queryset, state = queryset.filter(state__in=TO_INSTRUCT), ""
    filters = {
        "theme__call__programme_id": programme_id,
        "theme__call_id": call_id,
        "theme_id": theme_id,
        "session_id": session_id,
        "state": state or None,
        "organisation__kind": organisation_kind or None,
        "requested_amount__gte": amount_min,
        "requested_amount__lte": amount_max,
        "labels": label_id,
    }
    queryset = dossier_search(
        queryset.filter(**{lookup: value for lookup, value in filters.items() if value is not None}), query
    )
    descending = sort.startswith("-")
    field = STAFF_SORTS.get(sort.lstrip("-"))
    if field is None:
        descending, field = True, STAFF_SORTS[STAFF_DEFAULT_SORT.lstrip("-")]
    order = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    if query and sort == STAFF_DEFAULT_SORT and "search_rank" in queryset.query.annotations:
        # A search left in the default order lists the best matches first.
        return queryset.order_by(F("search_rank").desc(nulls_last=True), order, "-pk")
    return queryset.order_by(order, "-pk" if descending else "pk")


def dossier_list_totals(queryset: QuerySet[Dossier]) -> dict:
    """Number of dossiers and sum of requested amounts of a list, in one aggregate query."""
    totals = queryset.order_by().aggregate(count=Count("pk"), requested=Sum("requested_amount"))
    return {"count": totals["count"], "requested": totals["requested"] or 0}


# Filters of the staff list that the kept totals answer: any other (search, kind of carrier, amounts…)
# narrows the list below a (session, state) and is counted on the dossiers themselves.
TOTALS_FILTERS = frozenset({"include_drafts", "programme_id", "call_id", "theme_id", "session_id", "state", "sort"})


def staff_list_totals(user, queryset: QuerySet[Dossier], **filters) -> dict:
    """`dossier_list_totals` of `staff_dossier_list(user, **filters)` (`queryset`), read from the totals kept
    per session and state (SessionStateTotal) when the filters are only of scope and state: a few rows per
    session instead of every dossier of the list."""
    if any(value not in (None, "") for name, value in filters.items() if name not in TOTALS_FILTERS):
        return dossier_list_totals(queryset)
    roles = user_roles(user)
    managed = managed_programme_ids(user)
    if managed is not None and not roles.staff_programme_ids <= managed:
        # An instructor within groups: the kept totals would count dossiers he may not open.
        return dossier_list_totals(queryset)
    totals = SessionStateTotal.objects.all()
    if not roles.is_admin:
        totals = totals.filter(session__theme__call__programme_id__in=roles.staff_programme_ids)
    state = filters.get("state") or ""
    if state == TO_INSTRUCT_FILTER:
        totals = totals.filter(state__in=TO_INSTRUCT)
    elif state:
        totals = totals.filter(state=state)
    elif not filters.get("include_drafts"):
        totals = totals.exclude(state=DossierState.DRAFT)
    scope = {
        "session__theme__call__programme_id": filters.get("programme_id"),
        "session__theme__call_id": filters.get("call_id"),
        "session__theme_id": filters.get("theme_id"),
        "session_id": filters.get("session_id"),
    }
    totals = totals.filter(**{lookup: value for lookup, value in scope.items() if value is not None})
    figures = totals.aggregate(count=Sum("count"), requested=Sum("requested"))
    return {"count": figures["count"] or 0, "requested": figures["requested"] or 0}


def totals_recount() -> dict[tuple[int, str], tuple[int, Decimal, Decimal]]:
    """(session id, state) -> (count, requested, granted) counted on the dossiers themselves: what
    SessionStateTotal must hold (tests and `manage.py totals_check` compare the two)."""
    rows = (
        Dossier.objects.order_by()
        .values("session_id", "state")
        .annotate(count=Count("pk"), requested=Sum("requested_amount"), granted=Sum("granted_amount"))
    )
    return {
        (row["session_id"], row["state"]): (
            row["count"],
            row["requested"] or Decimal("0"),
            row["granted"] or Decimal("0"),
        )
        for row in rows
    }


def totals_kept() -> dict[tuple[int, str], tuple[int, Decimal, Decimal]]:
    """SessionStateTotal as `totals_recount` gives it (rows back at zero omitted)."""
    return {
        (row.session_id, row.state): (row.count, row.requested, row.granted)
        for row in SessionStateTotal.objects.all()
        if row.count or row.requested or row.granted
    }


def staff_filter_scope(user) -> list:
    """Sessions of the user's programmes with their theme, call and programme, in one query.

    The staff list builds its programme, call, theme and session choices from it: a call
    without any session has no dossier to filter anyway.
    """
    from calls.models import Session

    roles = user_roles(user)
    # Only what the choices show: the themes' JSON texts would otherwise be decoded for every session.
    sessions = Session.objects.select_related("theme__call__programme").only(
        "name", "theme__code", "theme__title", "theme__call__title", "theme__call__programme__name"
    )
    if not roles.is_admin:
        sessions = sessions.filter(theme__call__programme_id__in=roles.staff_programme_ids)
    return list(
        sessions.order_by(
            "theme__call__programme__name", "theme__call__title", "theme__order", "theme__code", "opens_at"
        )
    )


def predecessor_candidates(user, *, session) -> QuerySet[Dossier]:
    """Earlier dossiers of the user's organisations that a new dossier in `session` may continue:
    an expression of interest invited to the second step, or a dossier invited to resubmit."""
    from applications.workflow import DossierState

    return (
        dossiers_of_applicant(user)
        .filter(
            theme__call_id=session.theme.call_id,
            state__in=(DossierState.SELECTED, DossierState.RESUBMIT_INVITED, DossierState.SECOND_STEP_INVITED),
        )
        .exclude(session=session)
        .exclude(successors__isnull=False)
        .order_by("-submitted_at")
    )


def snapshot_budget(content: dict) -> list[dict]:
    """The budget lines of a frozen version with their category and source in French (the
    version keeps the codes, which stay stable when a label is reworded)."""
    categories, sources = dict(BudgetLine.Category.choices), dict(BudgetLine.Source.choices)
    return [
        {
            **line,
            "category": categories.get(line.get("category"), line.get("category")),
            "source": sources.get(line.get("source"), line.get("source")),
        }
        for line in content.get("budget", [])
    ]


def piece_labels(theme) -> dict[str, str]:
    """kind → French name of every piece a dossier of `theme` may hold, files sent with messages included."""
    from calls.models import FormStep
    from calls.selectors import documents_asked_of

    return {MESSAGE_ATTACHMENT_KIND: _("Pièce jointe à un message")} | {
        document.kind: document.label
        for step in (FormStep.INTEREST, FormStep.DOSSIER)
        for document in documents_asked_of(theme, step)
    }


def snapshot_documents(content: dict, theme) -> list[dict]:
    """The pieces of a frozen version, each named as the dossier asked for it."""
    labels = piece_labels(theme)
    return [
        {**document, "label": labels.get(document["kind"], document["kind"])}
        for document in content.get("documents", [])
    ]


def dossier_pieces(dossier) -> list:
    """The dossier's own pieces (not the files of messages), each with `kind_label`, its French name."""
    labels = piece_labels(dossier.theme)
    pieces = list(dossier.attachments.filter(message__isnull=True))
    for piece in pieces:
        piece.kind_label = labels.get(piece.kind, piece.kind)
    return pieces


def reopened_part_labels(dossier, request) -> list[str]:
    """The parts a complement request reopens, named as the dossier's menu names them, in its order."""
    from applications.permissions import complement_parts

    parts = complement_parts(request)
    schema = dossier.form_definition.schema if dossier.form_definition else {"sections": []}
    named = [("_projet", _("Projet et partenaires"))]
    named += [(section["key"], section["title"]) for section in schema.get("sections", [])]
    named += [("_budget", _("Budget"))]
    named += [(f"document:{kind}", label) for kind, label in piece_labels(dossier.theme).items()]
    return [label for part, label in named if part in parts]


# --- Projects in phases ------------------------------------------------------------------


def similar_text(a: str, b: str) -> bool:
    """Two titles or acronyms a reader would take for the same project (case and small edits aside)."""
    a, b = a.strip().lower(), b.strip().lower()
    return bool(a) and bool(b) and (a == b or difflib.SequenceMatcher(None, a, b).ratio() >= 0.8)


def project_granted(project, *, exclude=()) -> Decimal:
    """What the project's phases hold: the grants of those decided, whatever happened since
    (convention prepared, in force, closed)."""
    from applications.evaluation import GRANTED_STATES

    total = (
        Dossier.objects.filter(project=project, state__in=GRANTED_STATES)
        .exclude(pk__in=exclude)
        .aggregate(total=Sum("granted_amount"))["total"]
    )
    return total or Decimal("0")


def projects_of_applicant(user) -> QuerySet[Project]:
    return Project.objects.filter(organisation_id__in=user_roles(user).organisation_ids)


def project_phases_to_file(user, *, theme) -> QuerySet[ProjectPhase]:
    """Planned phases of the user's projects under `theme` that have no dossier yet: the next phase is
    filed under the same project whatever became of the earlier ones."""
    return (
        ProjectPhase.objects.filter(
            project__organisation_id__in=user_roles(user).organisation_ids, project__theme=theme, dossier__isnull=True
        )
        .select_related("project")
        .order_by("project__acronym", "order")
    )


def similar_project_flags(dossiers) -> dict[int, list[Dossier]]:
    """Per dossier, the dossiers of the same organisation under the same theme that belong to another
    project but carry a similar title or acronym: a "new project" that may be the next phase of an old
    one, and so escape its cap. Drafts and withdrawn dossiers aside. One query."""
    dossiers = list(dossiers)
    if not dossiers:
        return {}
    condition = Q()
    for organisation_id, theme_id in {(d.organisation_id, d.theme_id) for d in dossiers}:
        condition |= Q(organisation_id=organisation_id, theme_id=theme_id)
    candidates = list(
        Dossier.objects.filter(condition).exclude(state__in=("draft", "withdrawn")).select_related("session")
    )
    flags: dict[int, list[Dossier]] = {}
    for dossier in dossiers:
        matches = [
            other
            for other in candidates
            if other.pk != dossier.pk
            and (other.organisation_id, other.theme_id) == (dossier.organisation_id, dossier.theme_id)
            and other.project_key != dossier.project_key
            and (similar_text(other.title, dossier.title) or similar_text(other.acronym, dossier.acronym))
        ]
        if matches:
            flags[dossier.pk] = matches
    return flags


def dossier_required_documents(dossier: Dossier) -> list:
    """The documents the dossier's step asks for (the expression of interest's own, or the full dossier's),
    or the optional annexes where the call names none."""
    from calls.selectors import documents_asked_of, step_of_session

    return documents_asked_of(dossier.theme, step_of_session(dossier.session))


def phase_holds(phase: ProjectPhase, *, requested: Decimal | None = None) -> tuple[Decimal, str]:
    """What a phase weighs against the project's cap and why: its grant once decided (whatever became
    of it since), else what the carrier plans to ask (`requested`, when a new plan is being checked)."""
    from applications.evaluation import GRANTED_STATES

    dossier = phase.dossier
    if dossier is not None and dossier.state in GRANTED_STATES and dossier.granted_amount is not None:
        return dossier.granted_amount, _("accordés")
    return (phase.requested_amount if requested is None else requested), _("demandés")


def project_summary(project: Project) -> dict:
    """A project's phases with what each holds against the cap, the total and what remains."""
    phases = list(project.phases.select_related("dossier"))
    rows = [{"phase": phase, "holds": holds, "why": why} for phase in phases for holds, why in [phase_holds(phase)]]
    total = sum((row["holds"] for row in rows), Decimal("0"))
    return {
        "project": project,
        "phases": rows,
        "total": total,
        "remaining": project.cap - total if project.cap is not None else None,
    }
