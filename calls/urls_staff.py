"""Staff back-office of calls (programme staff of the programme), mounted at /gestion/appels/."""

from django.urls import path

from calls.models import FormStep
from calls.views import (
    registrations_export,
    staff,
    staff_forms,
    staff_grid,
    staff_programmes,
    staff_rules,
    staff_themes,
)

app_name = "calls_staff"

THEME = "<int:call_id>/themes/<int:theme_id>/"
COMMON = "<int:call_id>/commun/"
INTEREST = "<int:call_id>/manifestation-interet/"
OWNED = [
    ("criteres/nouveau/", staff_grid.criterion_create, "criterion_create"),
    ("criteres/<int:criterion_id>/", staff_grid.criterion_update, "criterion_update"),
    ("criteres/<int:criterion_id>/supprimer/", staff_grid.criterion_delete, "criterion_delete"),
    ("pieces/nouvelle/", staff_grid.document_create, "document_create"),
    ("pieces/<int:document_id>/", staff_grid.document_update, "document_update"),
    ("pieces/<int:document_id>/supprimer/", staff_grid.document_delete, "document_delete"),
    ("formulaire/", staff_forms.form_edit, "form_edit"),
    ("formulaire/nouvelle-version/", staff_forms.form_new_version, "form_new_version"),
    ("formulaire/json/", staff_forms.form_json, "form_json"),
    ("formulaire/champs/<str:field_key>/", staff_forms.form_field_update, "form_field_update"),
    ("formulaire/publier/", staff_forms.form_publish, "form_publish"),
    ("formulaire/v<int:version>/apercu/", staff_forms.form_preview, "form_preview"),
]

urlpatterns = [
    path("", staff.call_list, name="list"),
    path("nouveau/", staff.call_create, name="call_create"),
    path("programmes/", staff_programmes.programme_list, name="programme_list"),
    path("programmes/nouveau/", staff_programmes.programme_create, name="programme_create"),
    path("programmes/<int:programme_id>/", staff_programmes.programme_detail, name="programme_detail"),
    path("programmes/<int:programme_id>/modifier/", staff_programmes.programme_update, name="programme_update"),
    path(
        "programmes/<int:programme_id>/roles/<int:user_id>/<str:role>/retirer/",
        staff_programmes.programme_role_revoke,
        name="programme_role_revoke",
    ),
    path("<int:call_id>/", staff.call_detail, name="call_detail"),
    path("<int:call_id>/modifier/", staff.call_update, name="call_update"),
    path(
        "<int:call_id>/inscriptions.<str:fmt>", registrations_export.registrations_export, name="registrations_export"
    ),
    path("<int:call_id>/statut/<str:to_status>/", staff.call_transition, name="call_transition"),
    path("<int:call_id>/reunions/nouvelle/", staff.info_session_create, name="info_session_create"),
    path("<int:call_id>/reunions/<int:info_session_id>/", staff.info_session_update, name="info_session_update"),
    path("<int:call_id>/themes/nouveau/", staff_themes.theme_create, name="theme_create"),
    path(THEME, staff_themes.theme_detail, name="theme_detail"),
    path(THEME + "modifier/", staff_themes.theme_update, name="theme_update"),
    path(THEME + "dupliquer/", staff_themes.theme_duplicate, name="theme_duplicate"),
    path(THEME + "regle/", staff_rules.theme_rule, name="theme_rule"),
    path(THEME + "regle/apercu/", staff_rules.theme_rule_preview, name="theme_rule_preview"),
    path(THEME + "regle/import/", staff_rules.theme_rule_import, name="theme_rule_import"),
    path(THEME + "regle/v<int:number>/", staff_rules.theme_rule_version, name="theme_rule_version"),
    path(THEME + "regle/v<int:number>.yaml", staff_rules.theme_rule_export, name="theme_rule_export"),
    path(THEME + "sessions/nouvelle/", staff_themes.session_create, name="session_create"),
    path(THEME + "sessions/<int:session_id>/", staff_themes.session_update, name="session_update"),
    path(THEME + "sessions/<int:session_id>/suivante/", staff_themes.session_duplicate, name="session_duplicate"),
    path(
        THEME + "sessions/<int:session_id>/prolonger/",
        staff_themes.session_close_change,
        {"early": False},
        name="session_extend",
    ),
    path(
        THEME + "sessions/<int:session_id>/clore/",
        staff_themes.session_close_change,
        {"early": True},
        name="session_close_early",
    ),
    path(THEME + "phases/nouvelle/", staff_themes.phase_create, name="phase_create"),
    path(THEME + "phases/<int:phase_id>/", staff_themes.phase_update, name="phase_update"),
    path(THEME + "jalons/nouveau/", staff_themes.milestone_create, name="milestone_create"),
    path(THEME + "jalons/<int:milestone_id>/", staff_themes.milestone_update, name="milestone_update"),
    # The grid, documents and form of a call ("commun", inherited by its themes) or of a theme:
    # both routes of a pair share a name; reverse() picks one by the number of arguments.
    *[path(prefix + route, view, name=name) for prefix in (COMMON, THEME) for route, view, name in OWNED],
    # A two-step call's expression of interest has its own light form (its documents carry their step).
    *[
        path(INTEREST + route, view, {"step": FormStep.INTEREST}, name=f"interest_{name}")
        for route, view, name in OWNED
        if name.startswith("form_")
    ],
]
