"""One dossier: start, edit, budget, documents, team, submission, exchanges."""

from django.urls import path

from applications.views import dossier, projects, simulation_start, staff

urlpatterns = [
    path("dossiers/nouveau/<int:session_id>/", dossier.dossier_start, name="dossier_start"),
    path(
        "dossiers/nouveau/simulation/<int:theme_id>/",
        simulation_start.dossier_start_from_simulation,
        name="dossier_start_from_simulation",
    ),
    path("dossiers/invitations/<str:token>/", dossier.invitation_accept, name="invitation_accept"),
    path("dossiers/<int:pk>/", dossier.dossier_detail, name="dossier_detail"),
    path("dossiers/<int:pk>/projet/", dossier.dossier_project, name="project"),
    path("dossiers/<int:pk>/projet/partenaires/", dossier.partner_add, name="partner_add"),
    path("dossiers/<int:pk>/projet/jalons/", dossier.planned_milestones, name="planned_milestones"),
    path("projets/<int:project_id>/", projects.phased_project, name="phased_project"),
    path(
        "dossiers/<int:pk>/projet/partenaires/<int:partner_id>/retirer/", dossier.partner_remove, name="partner_remove"
    ),
    path("dossiers/<int:pk>/sections/<slug:key>/", dossier.dossier_section, name="section"),
    path("dossiers/<int:pk>/budget/", dossier.dossier_budget, name="budget"),
    path("dossiers/<int:pk>/budget.xlsx", dossier.dossier_budget_export, name="budget_export"),
    path("dossiers/<int:pk>/pieces/", dossier.dossier_documents, name="documents"),
    path("dossiers/<int:pk>/pieces/<int:attachment_id>/", dossier.document_download, name="document_download"),
    path("dossiers/<int:pk>/pieces/<int:attachment_id>/supprimer/", dossier.document_delete, name="document_delete"),
    path("dossiers/<int:pk>/equipe/", dossier.dossier_team, name="team"),
    path("dossiers/<int:pk>/depot/", dossier.dossier_review, name="review"),
    path("dossiers/<int:pk>/recepisse/<int:number>/", dossier.receipt_download, name="receipt"),
    path("dossiers/<int:pk>/messages/", dossier.dossier_messages, name="messages"),
    path("dossiers/<int:pk>/complements/", dossier.complement_answer, name="complement_answer"),
    path("dossiers/<int:pk>/retrait/", dossier.dossier_withdraw, name="withdraw"),
    path("instruction/dossiers/<int:pk>/", staff.staff_dossier, name="staff_dossier"),
    path("instruction/dossiers/<int:pk>/complements/", staff.complement_request, name="complement_request"),
    path("instruction/dossiers/<int:pk>/derogation/", staff.derogation_record, name="derogation_record"),
    path("instruction/dossiers/<int:pk>/derogation/retrait/", staff.derogation_withdraw, name="derogation_withdraw"),
    path(
        "instruction/dossiers/<int:pk>/pieces/<int:attachment_id>/",
        staff.staff_document_download,
        name="staff_document_download",
    ),
]
