from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("sante/", views.health, name="health"),
    path("mon-espace/", views.dashboard, name="dashboard"),
    path("mon-espace/organisation/", views.organisation_choose, name="organisation_choose"),
    path("mon-espace/organisation/rejoindre/", views.organisation_join, name="organisation_join"),
    path("mon-espace/notifications/", views.notifications, name="notifications"),
    path("confidentialite/", views.privacy, name="privacy"),
    path("mon-espace/confidentialite/mes-donnees.json", views.personal_data_download, name="personal_data_download"),
]
