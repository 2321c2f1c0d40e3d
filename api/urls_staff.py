"""Back-office of the API, mounted at gestion/api/ (namespace "api_staff")."""

from django.urls import path

from api import views

app_name = "api_staff"

urlpatterns = [
    path("", views.index, name="index"),
    path("programmes/<int:programme_id>/jetons/", views.tokens, name="tokens"),
    path("jetons/<int:token_id>/revocation/", views.token_revoke, name="token_revoke"),
    path("programmes/<int:programme_id>/webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/<int:endpoint_id>/", views.webhook, name="webhook"),
    path("livraisons/<int:delivery_id>/", views.delivery, name="delivery"),
    path("livraisons/<int:delivery_id>/relivraison/", views.delivery_redeliver, name="delivery_redeliver"),
]
