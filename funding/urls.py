"""Conventions, tranches and payments, indicator reports, laureates' projects and the portfolio."""

from django.urls import path

from funding.views import exports, lists, preferences, project, reports, staff

app_name = "funding"

urlpatterns = [
    path("", lists.portfolio, name="portfolio"),
    path("export/<str:kind>.<str:fmt>", exports.portfolio_export, name="portfolio_export"),
    path("mes-projets/", lists.my_projects, name="my_projects"),
    path("relances/", preferences.reminder_preferences, name="reminder_preferences"),
    path("projets/<int:pk>/", project.project_detail, name="convention"),
    path("projets/<int:pk>/generer/", project.convention_generate, name="generate"),
    path("projets/<int:pk>/versions/<int:version>/convention.pdf", project.convention_download, name="download"),
    path(
        "projets/<int:pk>/versions/<int:version>/convention-signee.pdf",
        project.convention_download,
        {"signed": True},
        name="download_signed",
    ),
    path("projets/<int:pk>/versions/<int:version>/envoyer/", project.convention_send, name="send"),
    path("projets/<int:pk>/versions/<int:version>/signer/", project.convention_sign, name="sign"),
    path("projets/<int:pk>/versions/<int:version>/contresigner/", project.convention_countersign, name="countersign"),
    path("projets/<int:pk>/versions/<int:version>/echeancier/", staff.tranche_schedule, name="tranche_schedule"),
    path("projets/<int:pk>/versions/<int:version>/preparer/", staff.convention_prepare, name="prepare"),
    path("projets/<int:pk>/conditions/<int:condition_id>/lever/", project.condition_lift, name="condition_lift"),
    path("modeles/<int:programme_id>/", staff.convention_template, name="convention_template"),
    path("projets/<int:pk>/jalons/<int:milestone_id>/declarer/", project.milestone_declare, name="milestone_declare"),
    path("projets/<int:pk>/jalons/<int:milestone_id>/examiner/", project.milestone_review, name="milestone_review"),
    path(
        "projets/<int:pk>/jalons/<int:milestone_id>/justificatif/",
        project.milestone_evidence,
        name="milestone_evidence",
    ),
    path("projets/<int:pk>/tranches/<int:tranche_id>/paiement/", project.payment_record, name="payment_record"),
    path("projets/<int:pk>/rapports/", reports.report_list, name="reports"),
    path("projets/<int:pk>/rapport-final/", reports.final_report_submit, name="final_report"),
    path("projets/<int:pk>/rapport-final/valider/", reports.final_report_validate, name="final_report_validate"),
    path("projets/<int:pk>/cloture/", reports.project_close, name="close"),
]
