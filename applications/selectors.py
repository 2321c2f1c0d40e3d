"""Reads of dossiers, always scoped to what the user's roles allow."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from applications.models import MESSAGE_ATTACHMENT_KIND, BudgetLine, Dossier
from applications.workflow import TO_INSTRUCT, TO_INSTRUCT_FILTER
from portal.selectors import user_roles


def dossiers_of_applicant(user) -> QuerySet[Dossier]:
    """Dossiers of the organisations `user` belongs to (carrier side)."""
    return Dossier.objects.filter(organisation_id__in=user_roles(user).organisation_ids)


def dossiers_of_staff(user) -> QuerySet[Dossier]:
    """Dossiers of the programmes `user` runs; every dossier for an admin. Drafts included:
    staff lists filter them out by default, but a draft is not a secret from its programme."""
    roles = user_roles(user)
    if roles.is_admin:
        return Dossier.objects.all()
    return Dossier.objects.filter(theme__call__programme_id__in=roles.staff_programme_ids)


def dossiers_visible_to(user) -> QuerySet[Dossier]:
    """Every dossier `user` may open as applicant or staff (jurors go through juries.selectors)."""
    roles = user_roles(user)
    if not roles.is_authenticated:
        return Dossier.objects.none()
    if roles.is_admin:
        return Dossier.objects.all()
    return Dossier.objects.filter(
        Q(organisation_id__in=roles.organisation_ids) | Q(theme__call__programme_id__in=roles.staff_programme_ids)
    )


# Publication: what the PIA rule makes public about every laureate, and nothing more.
LAUREATE_STATES = ("selected", "convention", "in_progress", "closed")
RECEIVED_STATES_EXCLUDED = ("draft",)


def laureates(
    *, programme_slug: str = "", call_slug: str = "", theme_code: str = "", query: str = ""
) -> QuerySet[Dossier]:
    """Selected dossiers of published or closed calls, with what the public page shows.

    A laureate whose amount was not published (ETNA 2019 gives only the total) is listed;
    the open-data export keeps only rows with an amount, which the schema requires.
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
    """Public figures of a call: dossiers received, selected, total granted (no personal data)."""
    from django.db.models import Count, Sum

    dossiers = Dossier.objects.filter(theme__call=call).exclude(state__in=RECEIVED_STATES_EXCLUDED)
    totals = dossiers.aggregate(
        received=Count("pk"),
        selected=Count("pk", filter=Q(state__in=LAUREATE_STATES)),
        granted=Sum("granted_amount", filter=Q(state__in=LAUREATE_STATES)),
    )
    return {"received": totals["received"], "selected": totals["selected"], "granted": totals["granted"] or 0}


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


def applicant_dossier_list(
    user, *, state: str = "", organisation_id: int | None = None, query: str = ""
) -> QuerySet[Dossier]:
    """The user's organisations' dossiers with what the list shows, newest first, in one query per page.

    Each dossier carries `complement_due_at`: the due date of its open complement request, if any.
    """
    queryset = (
        dossiers_of_applicant(user)
        .select_related("organisation", "theme", "session")
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
    return queryset.order_by("-created_at", "-pk")


# Sort keys of the staff list (the value of ?tri=, without the "-" of descending order).
STAFF_SORTS = {
    "reference": "reference",
    "depot": "submitted_at",
    "montant": "requested_amount",
    "porteur": "organisation__name",
}
STAFF_DEFAULT_SORT = "-depot"


def dossier_search(queryset: QuerySet[Dossier], query: str) -> QuerySet[Dossier]:
    """Dossiers whose number, acronym, title, carrier name or SIRET matches what staff typed."""
    if not query:
        return queryset
    return queryset.filter(
        Q(reference__icontains=query)
        | Q(acronym__icontains=query)
        | Q(title__icontains=query)
        | Q(organisation__name__icontains=query)
        | Q(organisation__siret__startswith=query.replace(" ", ""))
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
    }
    queryset = dossier_search(
        queryset.filter(**{lookup: value for lookup, value in filters.items() if value is not None}), query
    )
    descending = sort.startswith("-")
    field = STAFF_SORTS.get(sort.lstrip("-"))
    if field is None:
        descending, field = True, STAFF_SORTS[STAFF_DEFAULT_SORT.lstrip("-")]
    order = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    return queryset.order_by(order, "-pk" if descending else "pk")


def dossier_list_totals(queryset: QuerySet[Dossier]) -> dict:
    """Number of dossiers and sum of requested amounts of a list, in one aggregate query."""
    from django.db.models import Count, Sum

    totals = queryset.order_by().aggregate(count=Count("pk"), requested=Sum("requested_amount"))
    return {"count": totals["count"], "requested": totals["requested"] or 0}


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
    an expression of interest retained for the full dossier, or a dossier invited to resubmit."""
    from applications.workflow import DossierState

    return (
        dossiers_of_applicant(user)
        .filter(theme__call_id=session.theme.call_id, state__in=(DossierState.SELECTED, DossierState.RESUBMIT_INVITED))
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
    from calls.selectors import documents_asked_of

    return {MESSAGE_ATTACHMENT_KIND: _("Pièce jointe à un message")} | {
        document.kind: document.label for document in documents_asked_of(theme)
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
