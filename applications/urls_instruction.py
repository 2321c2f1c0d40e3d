"""The instruction's organisation: the instructor's queue, groups and routing rules, a dossier's routing."""

from django.urls import path

from applications.views import annotations, instruction, labels

# No app_name: these patterns live in the "applications" namespace of applications.urls.
urlpatterns = [
    path("instruction/a-instruire/", instruction.queue, name="instruction_queue"),
    path("instruction/programmes/<int:programme_id>/groupes/", instruction.groups, name="instructor_groups"),
    path("instruction/groupes/<int:group_id>/", instruction.group_detail, name="instructor_group"),
    path("instruction/dossiers/<int:pk>/attribution/", instruction.dossier_routing, name="dossier_routing"),
    path("instruction/dossiers/<int:pk>/annotations/", annotations.dossier_annotations, name="dossier_annotations"),
    path("instruction/programmes/<int:programme_id>/etiquettes/", labels.labels, name="labels"),
    path("instruction/dossiers/actions/", labels.bulk_action, name="bulk_action"),
    path("instruction/filtres/", labels.saved_filter_save, name="saved_filter_save"),
    path("instruction/filtres/<int:filter_id>/supprimer/", labels.saved_filter_delete, name="saved_filter_delete"),
    path(
        "instruction/appels/<int:call_id>/champs-prives/",
        annotations.call_annotation_fields,
        name="call_annotation_fields",
    ),
]
