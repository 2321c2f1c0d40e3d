"""The instruction's organisation: the instructor's queue, groups and routing rules, a dossier's routing."""

from django.urls import path

from applications.views import annotations, instruction, labels, opinions

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
    path("instruction/dossiers/<int:pk>/avis/", opinions.dossier_opinions, name="dossier_opinions"),
    path("instruction/avis/<int:request_id>/annuler/", opinions.opinion_cancel, name="opinion_cancel"),
    path(
        "instruction/avis/<int:request_id>/pieces/<int:attachment_id>/",
        opinions.opinion_attachment_staff,
        name="opinion_attachment_staff",
    ),
    # The expert's pages: one request, hence one dossier.
    path("avis/invitations/<str:token>/", opinions.opinion_invitation, name="opinion_invitation"),
    path("avis/<int:request_id>/", opinions.opinion_expert, name="opinion_expert"),
    path(
        "avis/<int:request_id>/pieces/<int:attachment_id>/", opinions.opinion_expert_document, name="opinion_document"
    ),
    path(
        "instruction/appels/<int:call_id>/champs-prives/",
        annotations.call_annotation_fields,
        name="call_annotation_fields",
    ),
]
