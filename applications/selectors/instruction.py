"""Reads of the instruction's organisation: the instructor's queue, instructor groups, private fields shown
to jurors, labels, saved filters. Scoped through `applications.selectors.dossiers_of_staff`."""

from django.db.models import Q, QuerySet

from applications.models import Dossier
from applications.selectors import dossier_pieces, dossiers_of_staff, manages_instruction_of, snapshot_budget
from portal.selectors import user_roles

# --- The instructor's queue ---------------------------------------------------------------------

# The queue's views: what is assigned to me, what I follow, what my groups have left unassigned.
QUEUE_VIEWS = ("mes-dossiers", "suivis", "a-attribuer")
# Deposited and not yet decided: what an instructor still has to work on.
QUEUE_STATES = (
    "submitted",
    "complement_requested",
    "complete",
    "eligible",
    "under_evaluation",
    "deliberated",
)


def instruction_queue(user, *, view: str = "mes-dossiers") -> QuerySet[Dossier]:
    """The user's dossiers to instruct, in one of QUEUE_VIEWS, within their staff scope, oldest deposit
    first. "a-attribuer": unassigned dossiers routed to the user's groups (all unassigned ones for a
    manager). Unfiltered by state: `instruction_queue_counts` and the page's filter apply QUEUE_STATES."""
    from applications.models import InstructorGroupMember

    queryset = dossiers_of_staff(user).filter(state__in=QUEUE_STATES)
    if view == "suivis":
        queryset = queryset.filter(followers__user_id=user.pk)
    elif view == "a-attribuer":
        groups = InstructorGroupMember.objects.filter(user_id=user.pk).values("group_id")
        queryset = queryset.filter(instructor__isnull=True).filter(
            Q(instruction_group_id__in=groups) | Q(instruction_group__isnull=True)
        )
    else:
        queryset = queryset.filter(instructor_id=user.pk)
    return queryset.select_related(
        "organisation", "theme__call", "session", "instruction_group", "instructor"
    ).order_by("submitted_at", "pk")


def instruction_queue_counts(queryset: QuerySet[Dossier]) -> dict[str, int]:
    """Dossiers of a queue per state, in one query."""
    from django.db.models import Count

    return dict(queryset.order_by().values_list("state").annotate(count=Count("pk")).values_list("state", "count"))


def instructor_groups_of(user, programme_id: int) -> QuerySet:
    """The programme's instructor groups with their members and rules, for its managers."""
    from django.db.models import Prefetch

    from applications.models import InstructorGroup, InstructorGroupMember, RoutingRule

    if not manages_instruction_of(user, programme_id):
        return InstructorGroup.objects.none()
    return InstructorGroup.objects.filter(programme_id=programme_id).prefetch_related(
        Prefetch("memberships", InstructorGroupMember.objects.select_related("user").order_by("user__email")),
        Prefetch("routing_rules", RoutingRule.objects.select_related("theme")),
    )


def routing_rules_of(user, programme_id: int):
    """The programme's routing rules in the order dossiers try them, with their group, for its managers."""
    from applications.models import RoutingRule

    if not manages_instruction_of(user, programme_id):
        return RoutingRule.objects.none()
    return (
        RoutingRule.objects.filter(group__programme_id=programme_id)
        .select_related("group", "theme")
        .order_by("position", "pk")
    )


def instructor_group_of(user, group_id: int):
    """One group for a manager of its programme, else None (a 404)."""
    from applications.models import InstructorGroup

    group = InstructorGroup.objects.select_related("programme").filter(pk=group_id).first()
    return group if group is not None and manages_instruction_of(user, group.programme_id) else None


# --- Private annotations -------------------------------------------------------------------------


def annotations_for_jury(dossier: Dossier) -> list[tuple[dict, object]]:
    """(field, value) of the dossier's private fields when its call shows them to jurors, else [].
    Private notes are never part of it."""
    from applications.models import CallAnnotationFields, DossierAnnotation

    configuration = CallAnnotationFields.objects.filter(call_id=dossier.theme.call_id, shown_to_jury=True).first()
    if configuration is None or not configuration.fields:
        return []
    annotation = DossierAnnotation.objects.filter(dossier=dossier).first()
    values = annotation.values if annotation else {}
    return [(field, values.get(field["key"])) for field in configuration.fields]


# --- Labels and saved filters ---------------------------------------------------------------------


def labels_of(user) -> list:
    """Labels of the user's programmes, by programme then name (one query)."""
    from applications.models import Label

    roles = user_roles(user)
    labels = Label.objects.select_related("programme").order_by("programme__name", "name")
    return list(labels if roles.is_admin else labels.filter(programme_id__in=roles.staff_programme_ids))


def saved_filters_of(user) -> QuerySet:
    from applications.models import SavedFilter

    return SavedFilter.objects.filter(user_id=user.pk)


def instructors_of(user) -> QuerySet:
    """Staff of the user's programmes, whom a dossier of theirs may be assigned to (one query)."""
    from portal.models import Role, User

    roles = user_roles(user)
    staff = User.objects.filter(role_assignments__role=Role.PROGRAMME_STAFF)
    if not roles.is_admin:
        staff = staff.filter(role_assignments__scope_id__in=roles.staff_programme_ids)
    return staff.distinct().order_by("email")


# --- The deposited version read outside the staff (jurors, experts) --------------------------------


def snapshot_context(dossier: Dossier, *, private_fields: bool = True) -> dict:
    """The frozen version jurors and experts read (never the live draft), its sections and its documents.
    `private_fields`: the call's private fields where the call shows them to jurors; experts never get them
    (nor any note: notes are never read here)."""
    snapshot = dossier.snapshots.order_by("-number").first()
    content = snapshot.content if snapshot else {}
    schema = dossier.form_definition.schema if dossier.form_definition_id else {"sections": []}
    answers = content.get("answers", {})
    return {
        "snapshot": snapshot,
        "content": content,
        "budget": snapshot_budget(content),
        "sections": [
            {"section": s, "answers": [(f, answers.get(f["key"])) for f in s.get("fields", [])]}
            for s in schema.get("sections", [])
        ],
        "attachments": dossier_pieces(dossier),
        "private_fields": annotations_for_jury(dossier) if private_fields else [],
    }
