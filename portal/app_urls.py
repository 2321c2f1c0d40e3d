from django.urls import path

from portal import views, views_operations, views_organisations

app_name = "portal"

urlpatterns = [
    path("sante/", views.health, name="health"),
    path("sante/detail/", views_operations.health_detail, name="health_detail"),
    path("mon-espace/", views.dashboard, name="dashboard"),
    path("mon-espace/organisation/", views_organisations.organisation_choose, name="organisation_choose"),
    path("mon-espace/organisation/rejoindre/", views_organisations.organisation_join, name="organisation_join"),
    path("mon-espace/organisation/demandes/", views_organisations.membership_requests, name="membership_requests"),
    path(
        "mon-espace/organisation/demandes/<int:request_id>/decision/",
        views_organisations.membership_request_decide,
        name="membership_request_decide",
    ),
    path(
        "mon-espace/organisation/demandes/<int:request_id>/retrait/",
        views_organisations.membership_request_withdraw,
        name="membership_request_withdraw",
    ),
    path(
        "mon-espace/organisation/<int:organisation_id>/",
        views_organisations.organisation_detail,
        name="organisation_detail",
    ),
    path(
        "mon-espace/organisation/<int:organisation_id>/membres/<int:membership_id>/retrait/",
        views_organisations.member_remove,
        name="member_remove",
    ),
    path(
        "mon-espace/organisation/<int:organisation_id>/membres/<int:membership_id>/referent/",
        views_organisations.member_referent,
        name="member_referent",
    ),
    path(
        "mon-espace/organisation/<int:organisation_id>/domaines/",
        views_organisations.organisation_domain_add,
        name="organisation_domain_add",
    ),
    path(
        "mon-espace/organisation/<int:organisation_id>/domaines/<int:domain_id>/retrait/",
        views_organisations.organisation_domain_remove,
        name="organisation_domain_remove",
    ),
    path("gestion/organisations/", views_organisations.organisation_review, name="organisation_review"),
    path("mon-espace/notifications/", views.notifications, name="notifications"),
    path("confidentialite/", views.privacy, name="privacy"),
    path("accessibilite/", views.accessibility_statement, name="accessibility"),
    path("plan-du-site/", views.sitemap, name="sitemap"),
    path("mon-espace/confidentialite/mes-donnees.json", views.personal_data_download, name="personal_data_download"),
]
