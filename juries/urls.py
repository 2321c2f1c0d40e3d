"""Instruction queues, juries, conflicts of interest, scoring, consensus, deliberation, decisions."""

from django.urls import path

from juries.views import (
    documents,
    exports,
    hearings,
    history_import,
    instruction,
    juror,
    member_import,
    staff,
)

app_name = "juries"

urlpatterns = [
    path("", juror.my_queue, name="my_queue"),
    path("<int:jury_id>/", juror.queue, name="queue"),
    path("<int:jury_id>/declarations/", juror.declarations, name="declarations"),
    path("<int:jury_id>/export.<str:fmt>", exports.juror_export, name="juror_export"),
    path("<int:jury_id>/dossiers/<int:dossier_id>/", juror.score, name="score"),
    path("<int:jury_id>/dossiers/<int:dossier_id>/pieces/<int:attachment_id>/", juror.document, name="document"),
    path(
        "<int:jury_id>/dossiers/<int:dossier_id>/avis/<int:attachment_id>/",
        juror.opinion_attachment,
        name="opinion_attachment",
    ),
    path("<int:jury_id>/dossiers/<int:dossier_id>/consensus/", juror.consensus, name="consensus"),
    path("<int:jury_id>/auditions/<int:hearing_id>/issue/", hearings.hearing_record, name="hearing_record"),
    path("decisions/<int:decision_id>/lettre/", documents.letter, name="decision_letter"),
    path("auditions/<int:hearing_id>/", hearings.hearing_answer, name="hearing_answer"),
    path("auditions/<int:hearing_id>/audition.ics", hearings.hearing_ics, name="hearing_ics"),
    path("gestion/<int:jury_id>/deliberations/<int:deliberation_id>/proces-verbal/", documents.minutes, name="minutes"),
    path("instruction/", instruction.sessions, name="instruction_sessions"),
    path("instruction/sessions/<int:session_id>/", instruction.queue, name="instruction_queue"),
    path("instruction/dossiers/<int:dossier_id>/", instruction.review, name="instruction_review"),
    path("gestion/", staff.jury_list, name="staff_list"),
    path("gestion/resultats-historiques/", history_import.history_import_view, name="history_import"),
    path("gestion/<int:jury_id>/", staff.jury_detail, name="staff_jury"),
    path("gestion/<int:jury_id>/classement/", staff.ranking, name="staff_ranking"),
    path("gestion/<int:jury_id>/auditions/", hearings.staff_hearings, name="staff_hearings"),
    path("gestion/<int:jury_id>/classement.<str:fmt>", exports.ranking_export, name="ranking_export"),
    path("gestion/<int:jury_id>/evaluations.<str:fmt>", exports.evaluations_export, name="evaluations_export"),
    path("gestion/<int:jury_id>/membres/import/", member_import.member_import, name="member_import"),
]
