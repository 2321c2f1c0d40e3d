"""The back-office of the API: a token made on its page is shown once and then only by its prefix, with its
last use; the operator gives only the operator's rights; revoking asks first; every list page costs the same
queries with 3 rows as with 30."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken, WebhookDelivery
from api.services import webhooks
from portal.models import AuditEvent
from tests.api.conftest import OPERATOR_SCOPES, api_client, token_for


@pytest.fixture
def staff_client(world_p, client):
    client.force_login(world_p.staff)
    return client


def create(client, programme, **values):
    expires = (timezone.localdate() + timedelta(days=90)).strftime("%d/%m/%Y")
    body = {"name": "Statistiques du ministère", "scopes": ["dossiers:read"], "expires_on": expires, **values}
    return client.post(reverse("api_staff:tokens", args=[programme.pk]), body)


def test_a_token_made_on_its_page_is_shown_once(world_p, staff_client):
    response = create(staff_client, world_p.programme)
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    secret = response.context["created"]["secret"]
    assert secret in response.content.decode()
    token = ApiToken.objects.get()
    expires = timezone.localtime(token.expires_at)  # midnight, Paris time, as the form's help says
    assert (expires.date(), expires.hour) == (timezone.localdate() + timedelta(days=90), 0)
    assert AuditEvent.objects.filter(action="api.token_create", actor=world_p.staff).count() == 1
    page = staff_client.get(reverse("api_staff:tokens", args=[world_p.programme.pk])).content.decode()
    assert secret not in page and token.prefix in page and "jamais" in page
    assert api_client(secret).get("/api/v1/dossiers").status_code == 200
    page = staff_client.get(reverse("api_staff:tokens", args=[world_p.programme.pk])).content.decode()
    assert "jamais" not in page and "127.0.0.1" in page  # the last use, and from where


def test_the_form_refuses_in_french(world_p, staff_client):
    response = create(staff_client, world_p.programme, name="", scopes=[], expires_on="31/02/2026")
    assert set(response.context["form"].errors) == {"name", "scopes", "expires_on"}
    response = create(
        staff_client, world_p.programme, expires_on=(timezone.localdate() + timedelta(days=500)).strftime("%d/%m/%Y")
    )
    assert "au plus un an" in str(response.context["form"].errors)
    assert not ApiToken.objects.exists()


def test_the_operator_gives_only_the_operator_rights(world_p, client):
    client.force_login(world_p.operator)
    page = client.get(reverse("api_staff:tokens", args=[world_p.programme.pk]))
    offered = [code for code, _label in page.context["form"].fields["scopes"].choices]
    assert offered == OPERATOR_SCOPES
    response = create(client, world_p.programme, scopes=["dossiers:read"])
    assert "scopes" in response.context["form"].errors and not ApiToken.objects.exists()
    assert client.get(reverse("api_staff:webhooks", args=[world_p.programme.pk])).status_code == 403


def test_revoking_asks_first_then_stops_the_token(world_p, staff_client):
    secret = token_for(world_p.staff, world_p.programme, ["dossiers:read"])
    token = ApiToken.objects.get()
    url = reverse("api_staff:token_revoke", args=[token.pk])
    assert "définitive" in staff_client.get(url).content.decode()
    assert ApiToken.objects.get().revoked_at is None  # the question writes nothing
    response = staff_client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse(
        "api_staff:tokens", args=[world_p.programme.pk]
    )
    assert ApiToken.objects.get().revoked_by == world_p.staff
    assert api_client(secret).get("/api/v1/dossiers").status_code == 401
    assert AuditEvent.objects.filter(action="api.token_revoke").count() == 1


def test_a_webhook_is_changed_and_deactivated_from_its_page(world_p, staff_client):
    endpoint, secret = webhooks.endpoint_create(
        actor=world_p.staff, programme=world_p.programme, url="https://a.example.fr/hook", events=["payment.recorded"]
    )
    url = reverse("api_staff:webhook", args=[endpoint.pk])
    refused = staff_client.post(url, {"url": "http://a.example.fr/hook", "events": ["payment.recorded"]})
    assert "https://" in str(refused.context["form"].errors["url"])
    response = staff_client.post(
        url, {"url": "https://b.example.fr/hook", "events": ["dossier.submitted"], "is_active": ""}
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.is_active, endpoint.secret) == (
        "https://b.example.fr/hook",
        ["dossier.submitted"],
        False,
        secret,
    )
    assert secret not in staff_client.get(url).content.decode()


def queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_pages_cost_the_same_queries_with_3_rows_as_with_30(world_p, staff_client):
    endpoint, _ = webhooks.endpoint_create(
        actor=world_p.staff, programme=world_p.programme, url="https://a.example.fr/hook", events=["payment.recorded"]
    )
    pages = [
        reverse("api_staff:index"),
        reverse("api_staff:tokens", args=[world_p.programme.pk]),
        reverse("api_staff:webhooks", args=[world_p.programme.pk]),
        reverse("api_staff:webhook", args=[endpoint.pk]),
    ]

    def grow(count):
        for _ in range(count):
            token_for(world_p.staff, world_p.programme, ["dossiers:read"])
            webhooks.endpoint_create(
                actor=world_p.staff,
                programme=world_p.programme,
                url="https://x.example.fr/",
                events=["payment.recorded"],
            )
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(endpoint=endpoint, event="payment.recorded", body="{}", requested_by=world_p.staff)
                for _ in range(count)
            ]
        )

    grow(3)
    few = [queries(staff_client, url) for url in pages]
    grow(27)
    assert [queries(staff_client, url) for url in pages] == few
