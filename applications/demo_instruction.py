"""The instructor's day for `load_demo`: France Relance's instruction organised in two groups fed by routing rules
(by theme, by a form answer), an instructor in each, labels, a saved filter, private fields with values and a
private note. Runs after `applications.demo` (the dossiers it routes) and before the juries' and funding's demos.

Idempotent: each piece is created only when it is missing; `equipe@demo.gouv.fr` stays in no group, so he still
manages the programme (juries, conventions) and sees every dossier.
"""

from django.db import transaction

from applications.models import CallAnnotationFields, Dossier, InstructorGroup, Label, PrivateNote, SavedFilter
from applications.services import annotations, labels, routing
from applications.workflow import DossierState
from calls.models import Call, Theme
from portal.demo import demo_user
from portal.models import Role
from portal.services import role_assign

CALL_SLUG = "france-relance-tne-2020"
# (name, perimeter, theme code of its rule or None, (form field, answer) of its rule or None, its instructor)
GROUPS = [
    (
        "Mutualisation (SNAP)",
        "Les services numériques mutualisés : thème SNAP1.",
        "SNAP1",
        None,
        "instructeur@demo.gouv.fr",
    ),
    (
        "Logiciels libres",
        "Les projets qui publient leur code source, quel que soit leur thème.",
        None,
        ("reutilisation", "Code source ouvert"),
        "instructeur2@demo.gouv.fr",
    ),
]
PRIVATE_FIELDS = [
    ("avis_service", "Avis du service instructeur", "long_text"),
    ("visite_sur_place", "Visite sur place nécessaire", "yes_no"),
]
LABELS = [("Prioritaire", "green-emeraude"), ("À revoir en réunion", "orange-terre-battue")]
NOTE = "Appel du porteur le 12 : le chef de projet change au printemps, à vérifier avant la décision."


@transaction.atomic
def load(*, stdout=None) -> None:
    call = Call.objects.get(slug=CALL_SLUG)
    programme = call.programme
    manager = demo_user("equipe@demo.gouv.fr")
    groups = {}
    for name, description, theme_code, answer, email in GROUPS:
        instructor = demo_user(email)
        role_assign(actor=None, user=instructor, role=Role.PROGRAMME_STAFF, scope=programme)
        group = InstructorGroup.objects.filter(programme=programme, name=name).first()
        if group is None:
            group = routing.instructor_group_create(
                actor=manager, programme=programme, name=name, description=description
            )
            routing.routing_rule_create(
                actor=manager,
                group=group,
                theme=Theme.objects.get(call=call, code=theme_code) if theme_code else None,
                answer_field=answer[0] if answer else "",
                answer_value=answer[1] if answer else "",
            )
        routing.instructor_group_member_add(actor=manager, group=group, user=instructor)
        groups[email] = group
    # The dossiers deposited before the rules existed are routed as a deposit would have routed them.
    for dossier in Dossier.objects.filter(
        theme__call=call, instruction_group__isnull=True, submitted_at__isnull=False
    ).select_related("theme__call"):
        routing.dossier_route(dossier=dossier)
    _instructor_day(call=call, manager=manager, instructor=demo_user(GROUPS[0][4]), group=groups[GROUPS[0][4]])
    if stdout is not None:
        stdout.write(
            "Instruction de démonstration : 2 groupes d'instruction France Relance, leurs règles et instructeurs."
        )


def _instructor_day(*, call, manager, instructor, group) -> None:
    """What the first group's instructor finds: a dossier assigned to him with private field values and a note,
    the programme's labels on it, his saved filter."""
    if not CallAnnotationFields.objects.filter(call=call).exclude(fields=[]).exists():
        for key, label, kind in PRIVATE_FIELDS:
            annotations.call_annotation_field_add(actor=manager, call=call, key=key, label=label, kind=kind)
    programme_labels = {}
    for name, colour in LABELS:
        existing = Label.objects.filter(programme=call.programme, name=name).first()
        programme_labels[name] = existing or labels.label_create(
            actor=manager, programme=call.programme, name=name, colour=colour
        )
    if not SavedFilter.objects.filter(user=instructor).exists():
        labels.saved_filter_save(actor=instructor, name="À instruire", querystring="statut=a_instruire")
    dossier = (
        Dossier.objects.filter(instruction_group=group, state=DossierState.SUBMITTED)
        .select_related("theme__call")
        .order_by("pk")
        .first()
    )
    if dossier is None or PrivateNote.objects.filter(dossier=dossier).exists():
        return
    routing.dossier_assign(actor=manager, dossier=dossier, instructor=instructor)
    labels.dossiers_label(actor=instructor, dossier_ids=[dossier.pk], label=programme_labels["Prioritaire"])
    annotations.dossier_annotations_save(
        actor=instructor,
        dossier=dossier,
        raw={
            "avis_service": "Projet mûr ; le plan de financement s'appuie sur un devis à jour.",
            "visite_sur_place": "false",
        },
    )
    annotations.private_note_add(actor=instructor, dossier=dossier, body=NOTE)
